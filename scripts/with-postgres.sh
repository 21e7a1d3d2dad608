#!/usr/bin/env bash
# Runs a command against a throwaway local PostgreSQL 15 cluster that this script creates,
# starts on a free loopback port and removes afterwards: with-postgres.sh <command...>
# The command sees DATABASE_URL pointing at a fresh database.
set -euo pipefail
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 not found in $PGBIN (scripts/bootstrap.sh installs it)"; exit 1; }

dir=$(mktemp -d /tmp/suiji-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: run the cluster as the postgres system user.
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U suiji --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
"${as_pg[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U suiji suiji
echo "==> PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
DATABASE_URL="postgres://suiji@127.0.0.1:$port/suiji" "$@"
