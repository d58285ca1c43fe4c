-- What an organisation erased (trainee.erased on practicum.session.events.v1): the ids
-- alone, no content. Events naming an erased trainee are dropped by the dispatcher, and a
-- task already queued for an erased turn or session ends quietly instead of being
-- dead-lettered as "not stored".
CREATE TABLE erased_ids (
    id        uuid PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('trainee', 'session', 'turn')),
    erased_at timestamptz NOT NULL DEFAULT now()
);
