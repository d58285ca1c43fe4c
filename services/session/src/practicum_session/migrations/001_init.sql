-- Session service schema. Every row carries organisation_id and every query filters
-- by it: one organisation never sees another's trainees, sessions or turns.

CREATE TABLE organisations (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    -- Who is told about safety incidents (a trainee in distress during practice).
    safety_contact      text,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    key_id          text PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    key_hash        text NOT NULL,
    label           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);

CREATE TABLE trainees (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    -- The partner's own identifier for the trainee; unique within the organisation.
    external_ref    text NOT NULL,
    display_name    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, external_ref)
);

CREATE TABLE sessions (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    trainee_id       uuid NOT NULL REFERENCES trainees (id),
    scenario_id      text NOT NULL,
    scenario_version integer NOT NULL,
    scenario_title   text NOT NULL,
    opening_line     text NOT NULL,
    status           text NOT NULL CHECK (status IN ('active', 'ended', 'crisis_paused')),
    client_state     jsonb NOT NULL,
    turn_count       integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz
);
CREATE INDEX sessions_org_trainee ON sessions (organisation_id, trainee_id);

CREATE TABLE turns (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    session_id       uuid NOT NULL REFERENCES sessions (id),
    index            integer NOT NULL,
    idempotency_key  text NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'completed', 'crisis')),
    trainee_text     text NOT NULL,
    prev_client_text text NOT NULL,
    client_text      text,
    -- The simulation's code of the trainee turn (drives the client state).
    trainee_code     jsonb,
    -- The client state after this turn: the trajectory used in debriefs.
    client_state     jsonb,
    guard_actions    jsonb NOT NULL DEFAULT '[]'::jsonb,
    disclosed_facts  jsonb NOT NULL DEFAULT '[]'::jsonb,
    crisis           jsonb,
    -- The grading service's code of record and per-turn feedback (from grade events).
    grade            jsonb,
    feedback         text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    graded_at        timestamptz,
    UNIQUE (session_id, idempotency_key),
    UNIQUE (session_id, index)
);
CREATE INDEX turns_org_session ON turns (organisation_id, session_id);

CREATE TABLE reports (
    session_id      uuid PRIMARY KEY REFERENCES sessions (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    report_id       text NOT NULL,
    report          jsonb NOT NULL,
    report_text     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Trainee distress during practice: for the organisation's designated safety contact,
-- never published to analytics topics.
CREATE TABLE safety_incidents (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    session_id      uuid NOT NULL REFERENCES sessions (id),
    trainee_id      uuid NOT NULL REFERENCES trainees (id),
    turn_id         uuid NOT NULL REFERENCES turns (id),
    kind            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz
);
CREATE INDEX safety_incidents_org ON safety_incidents (organisation_id, created_at);
