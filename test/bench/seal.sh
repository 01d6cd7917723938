#!/usr/bin/env bash
# test/bench/seal.sh — what the sealer costs per sealed row, alone (see
# docs/benchmarks.md, "Session 9: the sealer's cost per leaf"): the time
# and the WAL of fintech.seal_audit() over a backlog of ledger entries'
# audit rows, and the WAL of the VACUUM that then removes the rows' old
# versions.
#
#   bash test/bench/seal.sh [rows]          default 100,000 rows per round
#
# Builds and installs the checkout (without FINTECH_CHECKS) into PG_CONFIG's
# server and starts a throwaway cluster with run.sh's settings (fsync and
# synchronous_commit on), test/bench/setup.sql loaded, the seal_audit job
# off (fintech.seal_interval = 0: only seal_audit() seals) and autovacuum
# off (its WAL would land inside a measurement; the VACUUM is measured on
# its own instead).  Two rounds, each on a backlog of <rows> transfers
# written by transfer_batch calls of 1,000 random transfers between the
# 10,000 wallets (test/bench/batch.sql's), one audit row each:
#   hot    seal_audit() at once, then VACUUM fintech.audit_log: the pages
#          were written since the last checkpoint, so no full-page images
#   cold   a CHECKPOINT before seal_audit() and another before the VACUUM:
#          each writes the full-page image of every page it changes first
# WAL bytes = pg_current_wal_insert_lsn() after minus before, per sealed
# row; the time is seal_audit()'s, as the server's clock sees it, and the
# CPU time its backend used meanwhile (/proc/<pid>/schedstat; both move
# with the load of a shared machine, the elapsed time much more: the load
# is printed beside them).  The CPU instructions
# per sealed row, which do not depend on the load, come from
# CALLGRIND_WORKLOADS="seal seal_fpi" bash test/bench/callgrind.sh BINDIR.
# Prints a Markdown table to stdout and writes it to $SEAL_OUT (default
# ./seal-results.md in the caller's directory).  The cluster is stopped and
# removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

ROWS=${1:-${SEAL_ROWS:-100000}}
case $ROWS in '' | *[!0-9]*) ft_die "rows must be a positive integer, not '$ROWS'" ;; esac
[ "$ROWS" -ge 1000 ] || ft_die "rows must be at least 1000"
OUT=${SEAL_OUT:-seal-results.md}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
: >"$OUT" || ft_die "cannot write $OUT"

SETTINGS+=("fintech.seal_interval = 0" "autovacuum = off")
bench_start seal
ft_psql -Atc "SELECT fintech.seal_audit()" >/dev/null
ft_psql -c "VACUUM fintech.audit_log" -c "CHECKPOINT"

# the backend's CPU time in ns (Linux: /proc/<pid>/schedstat, read by the
# server as the superuser), which the other processes on a shared machine
# change much less than the elapsed time; -1 where it cannot be read
CPU="coalesce((SELECT pg_catalog.split_part(pg_catalog.pg_read_file('/proc/' || pg_catalog.pg_backend_pid() || '/schedstat', 0, 100, true), ' ', 1)::int8), -1)"

# one round: ROWS transfers, then (cold: a CHECKPOINT first) seal_audit()
# and (cold: a CHECKPOINT first) VACUUM; prints "sealed ms wal vacuum_wal"
round() {
	local cold=$1 i ck=
	[ "$cold" = cold ] && ck="CHECKPOINT;"
	for i in $(seq 1 $((ROWS / 1000))); do
		ft_psql -Atf "$BENCH/batch.sql" >/dev/null
	done
	ft_psql -At <<EOSQL
SET client_min_messages = warning;
$ck
SELECT pg_catalog.pg_current_wal_insert_lsn() AS l0, pg_catalog.clock_timestamp() AS t0, $CPU AS c0 \gset
SELECT fintech.seal_audit() AS sealed \gset
SELECT pg_catalog.pg_current_wal_insert_lsn() AS l1, pg_catalog.clock_timestamp() AS t1, $CPU AS c1 \gset
$ck
SELECT pg_catalog.pg_current_wal_insert_lsn() AS l2 \gset
VACUUM fintech.audit_log;
SELECT :sealed, round(extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz) * 1000),
       round((:c1 - :c0) / 1e6), :'l1'::pg_lsn - :'l0'::pg_lsn,
       pg_catalog.pg_current_wal_insert_lsn() - :'l2'::pg_lsn;
EOSQL
}

{
	echo "seal.sh: $ROWS rows per round; tree: $TREE; $(date -u '+%Y-%m-%d %H:%M UTC'); $(uptime | sed 's/.*load average/load average/')"
	echo
	echo '| round | rows sealed | seal_audit() ms | µs per row | CPU ms | CPU µs per row | WAL B per sealed row | VACUUM WAL B per row | load after |'
	echo '|---|---:|---:|---:|---:|---:|---:|---:|---|'
} | tee "$OUT"
for r in hot cold; do
	ft_log "round $r: $ROWS transfers, then seal_audit()" >&2
	read -r sealed ms cpu wal vac <<<"$(round $r | tr '|' ' ')"
	[ "$sealed" -ge "$ROWS" ] || ft_die "round $r sealed $sealed rows, expected at least $ROWS"
	printf '| %s | %d | %d | %.1f | %d | %.1f | %d | %d | %s |\n' "$r" "$sealed" "$ms" \
		"$(echo "1000 * $ms / $sealed" | bc -l)" "$cpu" "$(echo "1000 * $cpu / $sealed" | bc -l)" \
		$((wal / sealed)) $((vac / sealed)) \
		"$(uptime | sed 's/.*load average: //')" | tee -a "$OUT"
done
