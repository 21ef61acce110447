#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the store contract tests and prints its URL.
# Usage: eval "$(bash scripts/start-postgres.sh)"   → exports SSPM_TEST_POSTGRES_URL
set -euo pipefail
PORT="${SSPM_PG_PORT:-54329}"
DIR="${SSPM_PG_DIR:-/tmp/sspm-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "installing PostgreSQL (Debian package)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; else sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; fi
  BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi
if [ -f "$DIR/postmaster.pid" ] && "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  echo "export SSPM_TEST_POSTGRES_URL=postgres://sspm@127.0.0.1:$PORT/postgres?sslmode=disable"
  exit 0
fi
rm -rf "$DIR"
mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
"${RUN[@]}" "$BIN/initdb" -D "$DIR" -U sspm --auth=trust >/dev/null
"${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" start >/dev/null
echo "export SSPM_TEST_POSTGRES_URL=postgres://sspm@127.0.0.1:$PORT/postgres?sslmode=disable"
