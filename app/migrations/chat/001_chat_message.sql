-- Lives behind CHAT_MYSQL_* (the master at first, a vtgate once Vitess took it). No foreign keys, and ids
-- made by the app (time-ordered, 63 bits) so rows never collide across shards.
CREATE TABLE IF NOT EXISTS chat_message (
  chat_id BIGINT UNSIGNED NOT NULL,
  id BIGINT UNSIGNED NOT NULL,
  from_user_id BIGINT UNSIGNED NOT NULL,
  to_user_id BIGINT UNSIGNED NOT NULL,
  text TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (chat_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
