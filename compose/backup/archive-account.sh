# The binlog archiver's account, made by the MySQL image's entrypoint on the master's first start
# (mounted into /docker-entrypoint-initdb.d/ like app-accounts.sh, which provides the literal helper
# and is sourced before this file): it reads the binary log and lists the files, nothing else. The same
# account the local environment's archiver uses (toolkit/local/binlog-archive-component.ts).

# Or from the file MYSQL_BINLOG_ARCHIVE_PASSWORD_FILE names (compose's secret), as the entrypoint reads its own.
file_env 'MYSQL_BINLOG_ARCHIVE_PASSWORD'

docker_process_sql --database=mysql <<EOSQL
CREATE USER IF NOT EXISTS 'binlog_archive'@'%' IDENTIFIED BY '$(app_accounts_literal "${MYSQL_BINLOG_ARCHIVE_PASSWORD:?set MYSQL_BINLOG_ARCHIVE_PASSWORD}")';
GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'binlog_archive'@'%';
EOSQL
