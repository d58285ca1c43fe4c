-- Trainees their organisation erased (DELETE /v1/trainees/{id} on the session service).
-- The id alone: events naming it that arrive after the erasure are dropped, not counted.
CREATE TABLE erased_trainees (
    trainee_id      uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    erased_at       timestamptz NOT NULL DEFAULT now()
);
