-- The user table: one table, replicated to Tarantool (space 513) and loaded into ClickHouse as is.
CREATE TABLE IF NOT EXISTS `user` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  first_name VARCHAR(100) NOT NULL,
  second_name VARCHAR(100) NOT NULL,
  birthdate DATE NULL,
  gender ENUM('male', 'female') NULL,
  biography TEXT NULL,
  city VARCHAR(100) NULL,
  email VARCHAR(254) NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY user_email (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Search is `first_name LIKE 'a%' AND second_name LIKE 'b%' ORDER BY first_name, second_name, id`: this index
-- serves the range and the order (InnoDB appends id to it), so MariaDB reads only the rows it returns.
CREATE INDEX user_name_prefix ON `user` (first_name, second_name);
