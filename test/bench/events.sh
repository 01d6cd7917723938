#!/usr/bin/env bash
# test/bench/events.sh — what writing events costs transfer and pay: each
# workload with events on and with fintech.events = off (no row, no WAL
# message: the baseline), in the same cluster, interleaved, as a ratio
# (target: events cost <= 5 %, i.e. on/off >= 0.95).
#
#   bash test/bench/events.sh [seconds [clients...]]   default: 10 s, clients 1 8
#   BENCH_ROUNDS=5 ...   rounds (default 3); each round runs every workload
#                        with events on and off, in alternating order; the
#                        table shows the median tps of the rounds
#
# Builds and installs the checkout (without FINTECH_CHECKS), starts a
# throwaway cluster with the settings of run.sh (fsync and
# synchronous_commit on), loads test/bench/setup.sql and a consumer (so the
# sequencer and the prune job run as in production: the consumer reads and
# acknowledges everything between runs), then
#   pgbench -n -M prepared -T <seconds> -c <clients> -j min(clients,2) -f test/bench/<workload>.sql
# with PGOPTIONS='-c fintech.events=off' for the baseline.  Prints a
# Markdown table to stdout.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

bench_args 10 "1 8" 3 /dev/null "$@"
LOADB=$(uptime | sed 's/.*load average/load average/')
bench_start bench
ft_psql -c "SELECT fintech.create_consumer('bench')" >/dev/null

# consume: read and acknowledge everything (between runs, not measured)
consume() {
	local n=1
	while [ "$n" != 0 ]; do
		n=$(ft_psql -Atc "SELECT count(*) FROM (SELECT fintech.ack_events('bench', max(event_id))
		                   FROM fintech.read_events('bench', 10000) HAVING count(*) > 0) a")
	done
	ft_psql -c "VACUUM fintech.events" >/dev/null
}

# run WORKLOAD CLIENTS on|off: prints tps
run() {
	local script=$1 clients=$2 events=$3 out opts=
	[ "$events" = off ] && opts='-c fintech.events=off'
	out=$(PGOPTIONS=$opts ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$clients" \
		-j $((clients < 2 ? clients : 2)) -f "$BENCH/$script.sql" 2>&1) ||
		{ echo "$out" >&2; ft_die "pgbench $script failed"; }
	consume
	ft_psql -c CHECKPOINT >/dev/null
	echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}


declare -A R
for c in $CLIENTS; do
	for ((r = 1; r <= ROUNDS; r++)); do
		for w in transfer pay; do
			if [ $((r % 2)) = 1 ]; then order="on off"; else order="off on"; fi
			for e in $order; do
				ft_log "round $r: $w, $c clients, events $e" >&2
				R[$w,$c,$e]="${R[$w,$c,$e]:-} $(run "$w" "$c" "$e")"
			done
		done
	done
done

echo
echo "Events on vs off (\`fintech.events = off\`), median tps of $ROUNDS rounds of $DURATION s;"
echo "tree $TREE, sources $SRC_DIGEST, $(date -u +%Y-%m-%d), $LOADB before the run."
echo
echo "| workload | clients | tps events on | tps events off | on / off | rounds on | rounds off |"
echo "|---|---:|---:|---:|---:|---|---|"
for w in transfer pay; do
	for c in $CLIENTS; do
		on=$(echo "${R[$w,$c,on]}" | median)
		off=$(echo "${R[$w,$c,off]}" | median)
		ratio=$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
		echo "| $w | $c | $on | $off | $ratio |${R[$w,$c,on]} |${R[$w,$c,off]} |"
	done
done
