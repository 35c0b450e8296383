-- user_id follows friend_id ("set as friend"): user_id sees friend_id's posts in the feed.
CREATE TABLE IF NOT EXISTS friend (
  user_id BIGINT UNSIGNED NOT NULL,
  friend_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, friend_id),
  -- Fan-out walks the followers of an author in pages of this index.
  KEY friend_followers (friend_id, user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
