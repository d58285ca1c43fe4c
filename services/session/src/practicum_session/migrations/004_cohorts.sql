-- Cohorts: the groups a partner trains together (an intake, a class, a shift), the
-- trainees in them, and the scenarios assigned to them (GET /v1/cohorts...).
CREATE TABLE cohorts (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    name            text NOT NULL,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, name)
);
CREATE INDEX cohorts_org_created ON cohorts (organisation_id, created_at DESC, id DESC);

-- A trainee may be in several cohorts. Erasing a trainee deletes their memberships
-- (repository.erase_trainee); deleting a cohort deletes its memberships, not trainees.
CREATE TABLE cohort_members (
    cohort_id  uuid NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    trainee_id uuid NOT NULL REFERENCES trainees (id),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cohort_id, trainee_id)
);
CREATE INDEX cohort_members_trainee ON cohort_members (trainee_id);

-- A scenario every member of the cohort should practise. A member completes it with a
-- session of that scenario started after it was assigned (domain/cohorts.py).
CREATE TABLE assignments (
    id              uuid PRIMARY KEY,
    cohort_id       uuid NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    scenario_id     text NOT NULL,
    scenario_title  text NOT NULL,
    due_at          timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cohort_id, scenario_id)
);
-- Finding a trainee's sessions of a scenario since a time.
CREATE INDEX sessions_trainee_scenario ON sessions (trainee_id, scenario_id, created_at);
