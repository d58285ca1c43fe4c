-- Analytics aggregates. Built only from events (no transcript text is ever stored here).

-- One row per practice session: the unit of the progress timeline.
CREATE TABLE session_stats (
    session_id        uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL,
    trainee_id        uuid NOT NULL,
    scenario_id       text NOT NULL DEFAULT '',
    scenario_version  integer NOT NULL DEFAULT 0,
    started_at        timestamptz,
    ended_at          timestamptz,
    turns             integer NOT NULL DEFAULT 0,
    graded_turns      integer NOT NULL DEFAULT 0,
    questions         integer NOT NULL DEFAULT 0,
    open_questions    integer NOT NULL DEFAULT 0,
    reflections       integer NOT NULL DEFAULT 0,
    complex_reflections integer NOT NULL DEFAULT 0,
    mi_adherent       integer NOT NULL DEFAULT 0,
    mi_non_adherent   integer NOT NULL DEFAULT 0,
    -- counts per code, e.g. {"question": 3, "giving_information": 1}
    code_counts       jsonb NOT NULL DEFAULT '{}'::jsonb,
    partnership       double precision,
    empathy           double precision,
    judge_source      text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_stats_trainee ON session_stats (organisation_id, trainee_id, started_at);
CREATE INDEX session_stats_org ON session_stats (organisation_id, started_at);
