#!/usr/bin/env bash
# test/bench/metrics.sh — what the counters of fintech.metrics cost
# fintech.transfer (target: no measurable change), as a ratio measured in
# one run: the same workload (test/bench/transfer.sql; and pay.sql, which
# counts a payment and a refusal path's neighbours) with the counters on
# and with fintech.metrics = off for the pgbench sessions (PGOPTIONS; a
# superuser's setting), alternated round by round so that both see the
# same machine.  Prints a Markdown table (median tps of the rounds per
# setting, and the ratio on/off) to stdout and to $BENCH_OUT (default
# ./bench-metrics.md).
#
#   bash test/bench/metrics.sh [seconds [clients...]]   default: 10 s, clients 1 8
#   BENCH_ROUNDS=5 bash test/bench/metrics.sh 10 8      rounds (default 3)
#
# Builds and installs the checkout (without FINTECH_CHECKS), starts a
# throwaway cluster with the settings of test/bench/run.sh (fsync and
# synchronous_commit on), loads test/bench/setup.sql; the cluster is
# stopped and removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

bench_args 10 "1 8" 3 bench-metrics.md "$@"
bench_start bench
LOAD0=$(uptime | sed 's/.*load average/load average/')

declare -A TPSL
# run SCRIPT CLIENTS on|off: one pgbench run; its tps added to TPSL
run() {
	local script=$1 n=$2 setting=$3 log tps
	log=$LOGS/$script-c$n-$setting.log
	PGOPTIONS="-c fintech.metrics=$setting" ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" \
		-c "$n" -j "$((n < 2 ? n : 2))" -f "$BENCH/$script.sql" postgres >"$log" 2>&1 ||
		ft_die "pgbench failed: $(tail -3 "$log")"
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	printf '%-9s clients %2d metrics %-3s tps %s\n' "$script" "$n" "$setting" "$tps" >&2
	TPSL[$script,$n,$setting]="${TPSL[$script,$n,$setting]:-} $tps"
	ft_psql -Atc 'SELECT fintech.seal_audit()' >/dev/null
	ft_psql -c 'CHECKPOINT'
}

for r in $(seq 1 "$ROUNDS"); do
	ft_log "round $r of $ROUNDS" >&2
	for n in $CLIENTS; do
		for script in transfer pay; do
			# alternate which setting goes first
			if [ $((r % 2)) -eq 1 ]; then
				run "$script" "$n" on; run "$script" "$n" off
			else
				run "$script" "$n" off; run "$script" "$n" on
			fi
		done
	done
done
COUNTED=$(ft_psql -Atc "SELECT value FROM fintech.metrics WHERE metric = 'fintech_transfers_total'")

{
	echo "fintech.metrics on vs off, $DURATION s per run, $ROUNDS rounds (median tps), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "tree $(tree_state | tr -d '\n'), $(nproc) CPUs, $LOAD0 at the start"
	echo
	echo "| workload | clients | tps, metrics on | tps, metrics off | on / off | rounds on | rounds off |"
	echo "|---|---:|---:|---:|---:|---|---|"
	for n in $CLIENTS; do
		for script in transfer pay; do
			on=$(echo "${TPSL[$script,$n,on]}" | median)
			off=$(echo "${TPSL[$script,$n,off]}" | median)
			ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
			printf '| %s | %d | %.0f | %.0f | %s | %s | %s |\n' "$script" "$n" "$on" "$off" "$ratio" \
				"$(echo "${TPSL[$script,$n,on]}" | xargs printf '%.0f ' | sed 's/ $//')" \
				"$(echo "${TPSL[$script,$n,off]}" | xargs printf '%.0f ' | sed 's/ $//')"
		done
	done
	echo
	echo "fintech_transfers_total after the runs: $COUNTED (counted by the runs with metrics on only)"
} | tee "$OUT"
