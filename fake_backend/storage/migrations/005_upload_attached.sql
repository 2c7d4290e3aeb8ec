-- When an after-sale (created or resubmitted) first named the upload as a photo; NULL
-- while none has. Unattached uploads count against their uploader's quota and are deleted
-- a day after upload (services/uploads.py). Photos named before this column existed are
-- attached as of their upload.
ALTER TABLE uploads ADD COLUMN attached_at REAL;
UPDATE uploads SET attached_at = created_at
 WHERE id IN (SELECT photo.value FROM after_sales, json_each(after_sales.photo_ids) AS photo);
CREATE INDEX uploads_unattached ON uploads(user_id, created_at) WHERE attached_at IS NULL;
