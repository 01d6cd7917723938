#!/usr/bin/env bash
# test/bench/limits.sh — what spending limits cost fintech.pay (see
# docs/benchmarks.md, "Spending limits"), as ratios against the same
# workload without limits, measured in the same session:
#
#   pay         test/bench/pay.sql (random payer -> random payee), no limit
#   pay_3lim    the same with three limits active that every payment
#               passes: per payer 1,000,000 a day, per payer 100,000
#               payments an hour, per payee 1,000,000 a day (8 slots)
#   flash       test/bench/pay_flash.sql (random payer -> the one merchant
#               'w1'), no limit
#   flash_lim   the same with a per-payee limit of 10^12 a day: every
#               payment counts in the merchant's slots
#
#   bash test/bench/limits.sh [seconds [clients...]]  default: 10 s, clients 1 8 32
#   BENCH_ROUNDS=3 ...   every pair 3 times, interleaved; medians
#   BENCH_WORKLOADS="flash flash_lim" ...   only those
#   BENCH_WAITS=1 ...   also samples what pgbench's backends wait for
#                       (pg_stat_activity, 5 times a second) and prints
#                       the commonest wait events of each run
#
# Builds and installs the checkout (without FINTECH_CHECKS), starts a
# throwaway cluster with run.sh's settings (fsync and synchronous_commit
# on), loads test/bench/setup.sql, and runs
#   pgbench -n -M prepared -T <seconds> -c <clients> -j min(clients,2)
# Each run is followed, inside its measurement, by the background work it
# left behind -- fintech.seal_audit() and the prune_events job (numbering
# and deleting the run's events) -- so that none of it lands in the next
# run, then by CHECKPOINT; the table gives tps, WAL bytes per call and the
# server's CPU ms per call (all processes of the cluster).
# Limits are created before and dropped after their runs.  Prints a
# Markdown table and writes it to $BENCH_OUT (default ./limits-results.md).
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

bench_args 10 "1 8 32" 1 limits-results.md "$@"
WORKLOADS=${BENCH_WORKLOADS:-pay pay_3lim flash flash_lim}
bench_start bench
HZ=$(getconf CLK_TCK)

limits_on() {
	case $1 in
	pay_3lim) ft_psql -q -c "SELECT fintech.create_limit('b payer amount', 'payer', '1 day', max_amount => 1000000),
	                                fintech.create_limit('b payer count', 'payer', '1 hour', max_count => 100000),
	                                fintech.create_limit('b payee amount', 'payee', '1 day', max_amount => 1000000)" >/dev/null ;;
	flash_lim) ft_psql -q -c "SELECT fintech.create_limit('b flash', 'payee', '1 day', max_amount => 1000000000000)" >/dev/null ;;
	esac
}
limits_off() {
	ft_psql -q -c "SELECT fintech.drop_limit(name) FROM fintech.limits WHERE dropped_at IS NULL" >/dev/null
}

declare -A TPS WAL CPU
sample_waits() { # sample_waits PID: one line per pgbench backend and sample, while PID runs
	while kill -0 "$1" 2>/dev/null; do
		ft_psql -Atc "SELECT coalesce(wait_event_type || ':' || wait_event, state)
		                FROM pg_stat_activity WHERE application_name = 'pgbench'" 2>/dev/null || true
		sleep 0.2
	done
}
run_one() { # run_one WORKLOAD CLIENTS
	local w=$1 n=$2 file j lsn0 lsn1 t0 t1 log processed pgb
	case $w in pay | pay_3lim) file=pay ;; *) file=pay_flash ;; esac
	j=$((n < 2 ? n : 2))
	log=$LOGS/$w-c$n.log
	limits_on "$w"
	lsn0=$(ft_psql -Atc 'SELECT pg_current_wal_insert_lsn()')
	t0=$(cluster_ticks)
	ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$n" -j "$j" \
		-f "$BENCH/$file.sql" postgres >"$log" 2>&1 &
	pgb=$!
	if [ -n "${BENCH_WAITS:-}" ]; then sample_waits "$pgb" >>"$LOGS/$w-c$n.waits"; fi
	wait "$pgb" || ft_die "pgbench failed: $(tail -3 "$log")"
	# the run's backlog belongs to it (a job run on its timer in the next
	# run once added 5 kB of WAL per call there)
	# (prune_events deletes 10,000 events a run and runs again at once when
	# there are more: wait for every batch, or the rest lands in the next run)
	ft_psql -q -c "SELECT fintech.seal_audit()" >/dev/null
	while [ "$(ft_psql -Atc "SELECT fintech.run_job('prune_events')")" -ge 10000 ]; do :; done
	t1=$(cluster_ticks)
	lsn1=$(ft_psql -Atc 'SELECT pg_current_wal_insert_lsn()')
	limits_off
	processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	[ "${processed:-0}" -gt 0 ] || ft_die "$w at $n clients: no payment in $DURATION s (a machine too busy?): $(tail -3 "$log")"
	TPS[$w,$n]="${TPS[$w,$n]:-} $(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")"
	WAL[$w,$n]="${WAL[$w,$n]:-} $(ft_psql -Atc "SELECT round(pg_wal_lsn_diff('$lsn1', '$lsn0') / $processed)")"
	CPU[$w,$n]="${CPU[$w,$n]:-} $(awk -v t=$((t1 - t0)) -v hz="$HZ" -v p="$processed" 'BEGIN { printf "%.3f", 1000 * t / hz / p }')"
	ft_psql -q -c CHECKPOINT
	printf '%-10s clients %2d: %s tps\n' "$w" "$n" "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")" >&2
}

for r in $(seq 1 "$ROUNDS"); do
	for n in $CLIENTS; do
		for w in $WORKLOADS; do run_one "$w" "$n"; done
	done
done
ft_psql -Atc "SELECT 'check_ledger: ' || bool_and(ok) FROM fintech.check_ledger()" >&2

{
	echo "| workload | clients | tps | vs baseline | WAL B/call | server CPU ms/call |"
	echo "|---|---:|---:|---:|---:|---:|"
	for n in $CLIENTS; do
		for w in $WORKLOADS; do
			base=pay
			case $w in flash*) base=flash ;; esac
			t=$(echo "${TPS[$w,$n]}" | median)
			b=$(echo "${TPS[$base,$n]}" | median)
			printf '| %s | %d | %.0f | %s | %s | %s |\n' "$w" "$n" "$t" \
				"$(awk -v t="$t" -v b="$b" 'BEGIN { printf "%.2f", t / b }')" \
				"$(echo "${WAL[$w,$n]}" | median)" "$(echo "${CPU[$w,$n]}" | median)"
		done
	done
	echo
	echo "$DURATION s per run, $ROUNDS round(s), medians; $(nproc) CPUs; $(uptime | sed 's/.*load average/load average/') at the end; tree $TREE"
	if [ -n "${BENCH_WAITS:-}" ]; then
		echo
		echo "| workload | clients | samples | commonest states of pgbench's backends (% of samples) |"
		echo "|---|---:|---:|---|"
		for n in $CLIENTS; do
			for w in $WORKLOADS; do
				f=$LOGS/$w-c$n.waits
				printf '| %s | %d | %d | %s |\n' "$w" "$n" "$(wc -l <"$f")" \
					"$(sort "$f" | uniq -c | sort -rn | head -5 |
						awk -v t="$(wc -l <"$f")" '{printf "%s%s %.0f", (NR > 1 ? ", " : ""), $2, 100 * $1 / t}')"
			done
		done
	fi
} | tee "$OUT"
