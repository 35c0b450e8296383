-- Each user's token generation: bearer tokens and web sessions carry the generation they were issued in
-- and count only while it is the current one, so a password change or "sign out everywhere" (one
-- increment) ends all of them at once. Its own table, not a column of `user`: that table is replicated to
-- Tarantool and loaded into ClickHouse column for column. No row means generation 0.
CREATE TABLE IF NOT EXISTS user_token_generation (
  user_id BIGINT UNSIGNED NOT NULL,
  generation INT UNSIGNED NOT NULL,
  changed_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id)
) ENGINE = InnoDB;
