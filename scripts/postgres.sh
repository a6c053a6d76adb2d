#!/usr/bin/env bash
# scripts/postgres.sh {start|stop|dsn|status}
#
# A throwaway PostgreSQL 15 for the store's tests, on loopback only:
#   start   install Debian's postgresql-15 if missing, create a cluster in
#           $SWITCHBOARD_PG_DIR (default /tmp/switchboard-pg), start it on
#           127.0.0.1:$SWITCHBOARD_PG_PORT (default 55432) with trust auth,
#           create database switchboard_test and print its DSN. Idempotent.
#   stop    stop the server and remove the directory. Idempotent.
#   dsn     print the DSN.
#   status  say whether it runs (exit 1 if not).
#
#   export SWITCHBOARD_TEST_POSTGRES_DSN=$(scripts/postgres.sh start)
#   SWITCHBOARD_REQUIRE_POSTGRES=1 go test -race ./store/...
#   scripts/postgres.sh stop
#
# Works as root (the server runs as user postgres, which refuses root) and
# as another user (the server runs as that user; apt-get goes through sudo).
# Messages go to stderr, the DSN alone to stdout.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin # not /usr/local/bin wrappers
DIR=${SWITCHBOARD_PG_DIR:-/tmp/switchboard-pg}
PORT=${SWITCHBOARD_PG_PORT:-55432}
DB=switchboard_test
DATA=$DIR/data
MARK=$DIR/.switchboard-pg # only a directory with this file is ever removed
DSN="postgres://postgres@127.0.0.1:${PORT}/${DB}?sslmode=disable"

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

root() { [ "$(id -u)" = 0 ]; }

# as_admin runs a command as root: directly, or through sudo.
as_admin() { if root; then "$@"; else sudo "$@"; fi; }

# as_pg runs a command as the server's owner.
as_pg() { if root; then runuser -u postgres -- "$@"; else "$@"; fi; }

install() {
	[ -x "$PGBIN/postgres" ] && return 0
	say "installing postgresql-15 (Debian package) ..."
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15)
	if ! as_admin "${apt[@]}" >&2; then
		say "install failed; running apt-get update and trying again ..."
		as_admin env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
		as_admin "${apt[@]}" >&2
	fi
	[ -x "$PGBIN/postgres" ] || die "postgresql-15 installed but $PGBIN/postgres is missing"
}

running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; }

start() {
	install
	if running; then
		say "already running in $DIR on port $PORT"
	else
		if [ ! -f "$DATA/PG_VERSION" ]; then
			say "creating a cluster in $DATA"
			mkdir -p "$DIR"
			touch "$MARK"
			if root; then chown -R postgres: "$DIR"; fi
			as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
				>"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
		fi
		say "starting on 127.0.0.1:$PORT"
		# listen on loopback only; the unix socket stays in $DIR.
		if ! as_pg "$PGBIN/pg_ctl" start -D "$DATA" -l "$DIR/postgres.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR" >&2; then
			tail -n 20 "$DIR/postgres.log" >&2 || true
			die "the server did not start (port $PORT in use?)"
		fi
	fi
	local i
	for i in $(seq 1 60); do
		"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
		[ "$i" = 60 ] && die "the server is not ready after 30s"
		sleep 0.5
	done
	local psql=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
	if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
		say "creating database $DB"
		"${psql[@]}" -c "CREATE DATABASE $DB" >&2
	fi
	echo "$DSN"
}

stop() {
	if running; then
		say "stopping"
		as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2
	fi
	if [ -d "$DIR" ]; then
		[ -f "$MARK" ] || die "$DIR was not made by this script; not removing it"
		rm -rf "$DIR"
		say "removed $DIR"
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
dsn) echo "$DSN" ;;
status)
	if running; then say "running in $DIR on port $PORT"; else say "not running"; exit 1; fi
	;;
*)
	echo "usage: $0 {start|stop|dsn|status}" >&2
	exit 2
	;;
esac
