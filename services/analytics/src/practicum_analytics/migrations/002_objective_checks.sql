-- Outcomes of the automatic learning-objective checks of a session's report, by check
-- name, e.g. {"avoid_pushing_for_details": "not_met", "affirm": "met"}. Names and statuses
-- only (the SessionReported event carries no objective text).
ALTER TABLE session_stats ADD COLUMN objective_checks jsonb NOT NULL DEFAULT '{}'::jsonb;
