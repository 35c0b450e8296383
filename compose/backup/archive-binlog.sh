#!/bin/sh
# The binlog archive in compose: streams the master's binary logs into /backups/binlog/<ARCHIVE_SOURCE>/,
# the layout restore.mjs reads (toolkit/backup/layout.ts), with the server image's own client
# (mariadb-binlog or mysqlbinlog --read-from-remote-server --raw --stop-never). Whenever the stream
# ends it starts again from the last archived file, fetched whole, so nothing is missed; a new archive
# starts at the master's oldest binary log. It follows one master: after a failover, point ARCHIVE_HOST
# at the new one and give it a new ARCHIVE_SOURCE (restore takes each GTID once, across sources).
# The password reaches the client in a private option file, never on its command line.
set -eu

dir="/backups/binlog/${ARCHIVE_SOURCE:-db}"
mkdir -p "$dir"
chmod 700 "$dir"
[ -f "$dir/since" ] || date -u +%Y-%m-%dT%H:%M:%S.000Z >"$dir/since"

tool=$(command -v mariadb-binlog || command -v mysqlbinlog)
# The id it streams under: MySQL's mysqlbinlog takes --connection-server-id (8.0.26 deprecated the old
# option; the 8.4 manual names only the new one), MariaDB's client knows only the old one.
case "$tool" in
*mariadb-binlog) server_id_option=--stop-never-slave-server-id ;;
*) server_id_option=--connection-server-id ;;
esac
client=$(command -v mariadb || command -v mysql)
cnf=$(mktemp)
chmod 600 "$cnf"
password=${ARCHIVE_PASSWORD:-}
[ -n "${ARCHIVE_PASSWORD_FILE:-}" ] && password=$(cat "$ARCHIVE_PASSWORD_FILE")
escaped=$(printf '%s' "$password" | sed 's/\\/\\\\/g; s/"/\\"/g')
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\n' \
	"${ARCHIVE_HOST:?set ARCHIVE_HOST}" "${ARCHIVE_PORT:-3306}" "${ARCHIVE_USER:-binlog_archive}" "$escaped" >"$cnf"

while :; do
	last=$(ls "$dir" | grep -E '\.[0-9]{6,}$' | sort | tail -n 1 || true)
	if [ -z "$last" ]; then
		last=$("$client" --defaults-extra-file="$cnf" -N -e 'SHOW BINARY LOGS' 2>/dev/null | head -n 1 | cut -f 1 || true)
	fi
	if [ -n "$last" ]; then
		echo "$(date -u +%FT%TZ) streaming ${ARCHIVE_HOST} from $last"
		"$tool" --defaults-extra-file="$cnf" --read-from-remote-server --raw --stop-never \
			"$server_id_option=${ARCHIVE_SERVER_ID:-4001}" --result-file="$dir/" "$last" || true
	fi
	sleep 2
done
