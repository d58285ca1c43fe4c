-- Grading service schema: what it needs to grade turns and report on sessions.

CREATE TABLE sessions (
    session_id       uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    trainee_id       uuid NOT NULL,
    scenario_id      text NOT NULL,
    scenario_version integer NOT NULL,
    opening_line     text NOT NULL DEFAULT '',
    -- The scenario as published (practicum_protos.simulation.v1.Scenario, serialised).
    scenario         bytea,
    started_at       timestamptz NOT NULL DEFAULT now(),
    ended_at         timestamptz,
    turn_count       integer
);

CREATE TABLE turns (
    turn_id          uuid PRIMARY KEY,
    -- No foreign key: a turn may be stored before its session row when events are replayed.
    session_id       uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    turn_index       integer NOT NULL,
    trainee_text     text NOT NULL,
    client_text      text NOT NULL,
    prev_client_text text NOT NULL,
    disclosed_facts  jsonb NOT NULL DEFAULT '[]'::jsonb,
    received_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX turns_session ON turns (session_id, turn_index);

-- One grade per turn and grader version: a redelivered task cannot add a second one.
CREATE TABLE grades (
    turn_id          uuid NOT NULL REFERENCES turns (turn_id),
    grader_version   text NOT NULL,
    session_id       uuid NOT NULL,
    organisation_id  uuid NOT NULL,
    code             text NOT NULL,
    subcode          text NOT NULL DEFAULT '',
    confidence       double precision NOT NULL,
    client_talk_type text,
    feedback         text NOT NULL,
    graded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (turn_id, grader_version)
);
CREATE INDEX grades_session ON grades (session_id);

CREATE TABLE reports (
    session_id       uuid NOT NULL REFERENCES sessions (session_id),
    grader_version   text NOT NULL,
    report_id        uuid NOT NULL UNIQUE,
    organisation_id  uuid NOT NULL,
    report           jsonb NOT NULL,
    judge_source     text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, grader_version)
);

-- Tasks that exceeded the redelivery cap (poison messages), kept for operators.
CREATE TABLE dead_letters (
    id          bigserial PRIMARY KEY,
    task_name   text NOT NULL,
    task_id     text NOT NULL,
    args        jsonb NOT NULL,
    deliveries  integer NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
