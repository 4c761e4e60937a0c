ALTER TABLE users ADD COLUMN email TEXT;
-- The deploy failed here: the index names a column that does not exist, so SQLite rolled the
-- whole file back (golang-migrate wraps each SQLite file in a transaction) and left
-- schema_migrations at version 3 with dirty = 1.
CREATE UNIQUE INDEX users_email_idx ON users (emial);
