-- ClickHouse copy of app.user (app/migrations/main/001_users.sql without password_hash), loaded by
-- scripts/clickhouse-load.mjs into a staging table made from this statement and swapped in whole, so a
-- re-run replaces the table instead of adding to it. compose mounts it into the image's init dir; the local
-- environment and the stacks apply it as is. toolkit/clickhouse/user-columns.ts lists the same columns.
--
-- No PARTITION BY (age, gender) as the seed had: age changes every birthday, so the partition of a row
-- would be stale by the next load, and ~300 partitions of a few thousand rows each is far more parts than
-- 1M rows deserve (the seed had to lift max_partitions_per_insert_block to load at all).
-- ORDER BY id: the key includes the user id, one row per user.
CREATE TABLE IF NOT EXISTS default.user
(
    id UInt64,
    first_name String,
    second_name String,
    -- 'YYYY-MM-DD' text: a Date before ClickHouse 21.9 cannot hold days before 1970-01-01 and silently
    -- stores 0000-00-00 for everyone born earlier (seen on 18.16).
    birthdate Nullable(String),
    gender Nullable(String),
    biography Nullable(String),
    city Nullable(String),
    email Nullable(String),
    created_at DateTime
)
ENGINE = MergeTree
ORDER BY id;
