# The app's two MySQL accounts, made by the MySQL image's entrypoint on the master's first start
# (mounted into /docker-entrypoint-initdb.d/, not executable: the entrypoint sources it and provides
# docker_process_sql). The same grants as toolkit/mysql/app-accounts.ts, which keeps them afterwards on
# every node (replication.mjs) and whose test runs this file against a real server:
#   app          rows only (SELECT, INSERT, UPDATE, DELETE) on MYSQL_DATABASE: what the app containers use;
#   app_migrate  DDL on MYSQL_DATABASE as well: what migrations (the `migrate` service) use.
# Neither may GRANT or touch another schema. Passwords come from the container's environment, or from the
# files MYSQL_APP_PASSWORD_FILE and MYSQL_MIGRATE_PASSWORD_FILE name (the stacks' form: docker inspect shows
# paths), read by the entrypoint's own file_env as it reads MYSQL_ROOT_PASSWORD_FILE.
file_env 'MYSQL_APP_PASSWORD'
file_env 'MYSQL_MIGRATE_PASSWORD'

# A SQL string literal's body: backslash, single quote and newline escaped (as the entrypoint's own helper).
app_accounts_literal() {
	local newline=$'\n'
	local escaped=${1//\\/\\\\}
	escaped="${escaped//$newline/\\n}"
	printf '%s' "${escaped//\'/\\\'}"
}

app_accounts_database="${MYSQL_DATABASE:?set MYSQL_DATABASE (the app schema)}"
app_accounts_database="${app_accounts_database//\`/\`\`}"
docker_process_sql --database=mysql <<EOSQL
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY '$(app_accounts_literal "${MYSQL_APP_PASSWORD:?set MYSQL_APP_PASSWORD}")';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${app_accounts_database}\`.* TO 'app'@'%';
CREATE USER IF NOT EXISTS 'app_migrate'@'%' IDENTIFIED BY '$(app_accounts_literal "${MYSQL_MIGRATE_PASSWORD:?set MYSQL_MIGRATE_PASSWORD}")';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES ON \`${app_accounts_database}\`.* TO 'app_migrate'@'%';
EOSQL
unset app_accounts_database
