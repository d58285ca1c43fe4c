-- The lost-task sweep (entrypoints/sweeper.py) looks for recent turns without a grade
-- and recently ended sessions without a report, and skips work that was dead-lettered.
CREATE INDEX turns_received ON turns (received_at);
CREATE INDEX sessions_ended ON sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX dead_letters_subject ON dead_letters (task_name, (args ->> 0));

-- `python -m practicum_grading dead-letters requeue` sends a dead letter's task again
-- after the cause is fixed and records when and under which task id; a requeued dead
-- letter no longer keeps the sweep away from its turn or session.
ALTER TABLE dead_letters ADD COLUMN requeued_at timestamptz, ADD COLUMN requeued_task_id text;
