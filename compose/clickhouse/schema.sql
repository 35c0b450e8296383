-- ClickHouse copy of app.user (app/migrations/main/001_users.sql without password_hash). The sort key ends
-- in id, so a reloaded row replaces the old one instead of doubling it (the seed ordered by (age, gender)
-- and silently duplicated on every re-run). Mounted into the image's init dir by compose and the stacks.
CREATE TABLE IF NOT EXISTS default.user
(
    id UInt64,
    first_name String,
    second_name String,
    birthdate Nullable(Date),
    gender Nullable(String),
    biography Nullable(String),
    city Nullable(String),
    email Nullable(String),
    created_at DateTime
)
ENGINE = ReplacingMergeTree
ORDER BY id;
