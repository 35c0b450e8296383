-- A dialog between two users. Its id is the chat_id that routes chat_message rows (reverse_bits vindex),
-- so it stays in the app keyspace while chat_message moves to Vitess.
CREATE TABLE IF NOT EXISTS chat (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_low BIGINT UNSIGNED NOT NULL,
  user_high BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_message_id BIGINT UNSIGNED NULL,
  last_message_from BIGINT UNSIGNED NULL,
  last_message_text VARCHAR(200) NULL,
  last_message_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY chat_pair (user_low, user_high)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per participant: the chat list and the read mark (messages with a greater id are unread).
CREATE TABLE IF NOT EXISTS chat_member (
  user_id BIGINT UNSIGNED NOT NULL,
  chat_id BIGINT UNSIGNED NOT NULL,
  peer_id BIGINT UNSIGNED NOT NULL,
  last_read_message_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, chat_id),
  UNIQUE KEY chat_member_peer (user_id, peer_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
