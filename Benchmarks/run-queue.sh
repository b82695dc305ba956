#!/usr/bin/env bash
# `make bench-queue`: Intake's queue on PostgreSQL beside procrastinate (PyPI), on one PostgreSQL 15 this script
# starts (as the postgres user, on a free loopback port, in a temporary folder) and stops, with a fresh database
# per measurement. Release build in .build-bench; procrastinate in .build-bench/venv-queue.
# The server keeps PostgreSQL's defaults (fsync on, synchronous_commit on: every commit waits for the disk) unless
# QUEUE_SYNCHRONOUS_COMMIT=off. Extra arguments go to `intake-bench queue` (--jobs, --workers, --batch). Then
# Benchmarks/ack_load.py: upload acknowledgements per second from one `intake serve --role api`, then from two.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-bench --product intake-bench >&2
swift build -c release --scratch-path .build-bench --product intake >&2
venv=.build-bench/venv-queue
if ! "$venv/bin/python" -c 'import procrastinate' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet 'procrastinate>=3.10,<4' 'psycopg[binary]>=3.2,<4' >&2
fi
bin=/usr/lib/postgresql/15/bin
folder=$(mktemp -d /tmp/intake-bench-pg-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$folder"; fi
as_postgres "$bin/initdb" -D "$folder/data" -A trust -U postgres >/dev/null
as_postgres "$bin/pg_ctl" -D "$folder/data" -w -l "$folder/server.log" -o \
  "-p $port -k $folder -c listen_addresses=127.0.0.1 -c synchronous_commit=${QUEUE_SYNCHRONOUS_COMMIT:-on}" \
  start >/dev/null
trap 'as_postgres "$bin/pg_ctl" -D "$folder/data" -m fast -w stop >/dev/null; rm -rf "$folder"' EXIT
urls=()
for name in intake_empty intake_uploads peer intake_ack; do
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE $name"
  [ "$name" = intake_ack ] || urls+=(--url "postgres://postgres@127.0.0.1:$port/$name?sslmode=disable")
done
echo "PostgreSQL 15, synchronous_commit=${QUEUE_SYNCHRONOUS_COMMIT:-on}; $(nproc) cores"
.build-bench/release/intake-bench queue "${urls[@]}" --peer-python "$venv/bin/python" "$@"
python3 Benchmarks/ack_load.py --intake .build-bench/release/intake \
  --store-url "postgres://postgres@127.0.0.1:$port/intake_ack?sslmode=disable"
