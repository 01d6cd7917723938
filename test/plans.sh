#!/usr/bin/env bash
# test/plans.sh — the generic plan of every statement the C code saves, as a
# backend would keep it after ANALYZE of a database whose tables are empty
# (test/plans.py says what it flags).  Needs a running server with fintech
# installed; libpq's environment (PGHOST, PGPORT, PGUSER) points at it.  It
# creates and drops the database fintech_plans.  A review aid, run by hand:
#   PG_CONFIG=... bash test/plans.sh > plans.md
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
INC=$("$PG_CONFIG" --includedir-server)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists fintech_plans >/dev/null 2>&1 || true' EXIT
for f in $(grep -l FintechPlanDef src/*.c); do
	gcc -E -P -I src -I "$INC" -I /usr/include/libxml2 -DFINTECH_VERSION='"plans"' "$f" \
		-o "$tmp/$(basename "$f" .c).i"
done
dropdb --if-exists fintech_plans >/dev/null 2>&1 || true
createdb fintech_plans
psql -X -q -d fintech_plans -c 'CREATE EXTENSION fintech CASCADE' -c 'ANALYZE'
PGDATABASE=fintech_plans python3 test/plans.py "$tmp"
