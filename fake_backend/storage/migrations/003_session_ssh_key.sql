-- Which linked SSH key opened a session (POST /auth/ssh-session), so removing the key
-- ends those sessions; NULL for every other login.
ALTER TABLE sessions ADD COLUMN ssh_key_id INTEGER;
CREATE INDEX sessions_ssh_key ON sessions(ssh_key_id) WHERE ssh_key_id IS NOT NULL;
