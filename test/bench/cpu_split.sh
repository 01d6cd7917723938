#!/usr/bin/env bash
# test/bench/cpu_split.sh — where a workload's server CPU goes, per call:
# CLIENTS pgbench clients run SCRIPT for SECONDS against a running cluster,
# and the cluster's processes are read from /proc before and after:
#
#   cpu_ms      all of the cluster's CPU per call (the postmaster, its live
#               children, and the children it reaped: the pgbench
#               backends end with the run), as run.sh counts it
#   backends    the part of the backends (cpu_ms less the processes that
#               outlived the run)
#   <process>   each long-lived process that used any: the background
#               worker (fintech launcher: the sealer and the other jobs),
#               walwriter, checkpointer ...
#   minflt      minor page faults per call, all of the cluster's processes:
#               a backend maps each page of shared memory (shared_buffers,
#               wal_buffers) the first time it touches it, so fresh
#               connections pay a fault per page they touch
#   wal_B       WAL bytes per call (pg_current_wal_lsn before and after)
#
#   PGDATA=... bash test/bench/cpu_split.sh LABEL SCRIPT CLIENTS [SECONDS]
#
# Against the cluster of PGHOST/PGPORT/PGDATABASE, whose data directory is
# $PGDATA (for postmaster.pid); pgbench and psql from PATH.  With
# PERF_OUT=FILE, `perf record -g --call-graph dwarf` samples the cluster's
# processes for SECONDS - 4 s in the middle of the run (perf_phases.py
# reads it: `perf script -i FILE -F comm,pid,ip,sym`), and the number of
# transactions committed meanwhile is written to FILE.n.  Linux only (reads
# /proc); nothing is set up or cleaned: run it on a loaded cluster (e.g.
# test/bench/setup.sql), one run at a time.  docs/benchmarks.md ("Session
# 14: a transfer's CPU under concurrency") shows its use.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 LABEL SCRIPT CLIENTS [SECONDS]" >&2; exit 2; }
: "${PGDATA:?set PGDATA}"
label=$1 script=$2 clients=$3 secs=${4:-10}
pm=$(head -1 "$PGDATA/postmaster.pid")
hz=$(getconf CLK_TCK)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }

# "pid ticks" of the postmaster's live children, then "TOTAL ticks" (with
# the reaped children) and "FLT faults"; /proc/PID/stat after "(comm) ":
# $2 ppid, $8 minflt, $9 cminflt, $12..$15 utime stime cutime cstime
snap() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '{
		pid = $1; sub(/^.*\) /, "")
		if (pid == pm || $2 == pm) { tot += $12 + $13 + $14 + $15; flt += $8 + $9 }
		if ($2 == pm) t[pid] = $12 + $13
	} END { for (p in t) print p, t[p]; print "TOTAL", tot + 0; print "FLT", flt + 0 }'
}
l0=$(q 'SELECT pg_current_wal_lsn()')
snap >"$T/s0"
pgbench -n -M prepared -T "$secs" -c "$clients" -j "$((clients < 2 ? clients : 2))" \
	-f "$script" >"$T/pgbench.out" 2>&1 &
bench=$!
if [ -n "${PERF_OUT:-}" ] && [ "$secs" -gt 4 ]; then
	sleep 2
	x0=$(q 'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')
	# (a backend that ends between ps and perf makes perf fail: said, not fatal)
	perf record -q -F "${PERF_FREQ:-400}" -g --call-graph dwarf,16384 -o "$PERF_OUT" \
		-p "$(ps -o pid= --ppid "$pm" | tr -d ' ' | paste -sd,)" -- sleep "$((secs - 4))" >/dev/null 2>&1 ||
		echo "perf record failed: no profile in $PERF_OUT" >&2
	x1=$(q 'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')
	echo $((x1 - x0)) >"$PERF_OUT.n"
fi
wait "$bench" || { cat "$T/pgbench.out" >&2; exit 1; }
# the pgbench sessions' backends end after pgbench does: their CPU is the
# postmaster's only once it has reaped them, so wait until none is left
# (else a backend still exiting is counted nowhere)
for _ in $(seq 1 100); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" = 0 ] && break
	sleep 0.1
done
sleep 0.2
snap >"$T/s1"
l1=$(q 'SELECT pg_current_wal_lsn()')
wal=$(q "SELECT pg_wal_lsn_diff('$l1', '$l0')")
n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$T/pgbench.out")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$T/pgbench.out")
[ "${n:-0}" -gt 0 ] || { cat "$T/pgbench.out" >&2; exit 1; }
# name the long-lived processes by their title ("postgres: walwriter" -> walwriter)
awk '$1 != "TOTAL" && $1 != "FLT" {print $1}' "$T/s1" | while read -r p; do
	printf '%s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | sed 's/^postgres: //; s/ *$//; s/ /_/g')"
done >"$T/names"
awk -v n="$n" -v hz="$hz" -v label="$label" -v c="$clients" -v tps="$tps" -v wal="$wal" \
	-v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
	FILENAME == ARGV[1] { name[$1] = $2; next }
	FILENAME == ARGV[2] { a[$1] = $2; next }
	{ b[$1] = $2 }
	END {
		tot = b["TOTAL"] - a["TOTAL"]; long = 0; parts = ""
		for (p in b)
			if (p != "TOTAL" && p != "FLT" && (p in a)) {
				d = b[p] - a[p]; long += d
				if (d > 0) parts = parts sprintf(" %s=%.3f", name[p], 1000 * d / hz / n)
			}
		printf "%-18s clients=%-2d calls=%-6d tps=%-7.1f cpu_ms=%.3f backends=%.3f%s minflt=%.1f wal_B=%.0f (load %s)\n",
			label, c, n, tps, 1000 * tot / hz / n, 1000 * (tot - long) / hz / n, parts,
			(b["FLT"] - a["FLT"]) / n, wal / n, load
	}' "$T/names" "$T/s0" "$T/s1"
