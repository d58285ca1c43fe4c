-- One webhook per organisation (PUT /v1/webhook). The secret signs deliveries, so it is
-- kept as issued (it is shown to the organisation once, when set or rotated).
CREATE TABLE webhooks (
    organisation_id uuid PRIMARY KEY REFERENCES organisations (id),
    url             text NOT NULL,
    secret          text NOT NULL,
    events          text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- An outbox for HTTP: written in the transaction that records the event, sent by the
-- webhook sender (adapters/webhooks.py), at least once, with retries over about a day.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    event_type      text NOT NULL,
    -- Ids only, never transcript text.
    payload         jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (organisation_id, created_at);
