-- Partner API lists page newest first by (created_at, id) within an organisation
-- (domain/pages.py): one index range scan per page, however deep.
CREATE INDEX trainees_org_created ON trainees (organisation_id, created_at DESC, id DESC);
CREATE INDEX sessions_org_created ON sessions (organisation_id, created_at DESC, id DESC);
