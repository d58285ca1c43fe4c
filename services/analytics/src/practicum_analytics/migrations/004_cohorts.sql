-- The cohorts the trainee was in when the session started (SessionStarted.cohort_ids):
-- opaque ids, so analysts can group the de-identified export by intake or class.
ALTER TABLE session_stats ADD COLUMN cohort_ids text[] NOT NULL DEFAULT '{}';
