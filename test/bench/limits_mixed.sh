#!/usr/bin/env bash
# test/bench/limits_mixed.sh — what three limits cost fintech.pay, both
# workloads in ONE pgbench run (see docs/benchmarks.md, "Spending limits"),
# so that both see the same machine, the same background work (audit
# sealing, the events' numbering and pruning, autovacuum, checkpoints) and
# the same moment:
#
#   pay_nolim.sql  random USD wallet -> random USD wallet: no limit applies
#   pay_3lim.sql   random EUR wallet -> random EUR wallet, with three EUR
#                  limits that every payment passes (limits.sh's: per payer
#                  1,000,000 a day, per payer 100,000 payments an hour, per
#                  payee 1,000,000 a day)
#
#   pgbench -n -M prepared -T <seconds> -c <clients> -j min(clients,2) \
#           -f pay_nolim.sql@1 -f pay_3lim.sql@1
#
# Each transaction draws one of the two scripts at random; the ratio of
# their average latencies (pay_nolim / pay_3lim) is what the limits cost a
# payment under that load (1.00: nothing; the target is >= 0.90).  The
# limits carry a currency, so every payment -- pay_nolim's too -- reads
# its two accounts' currency and party first (one SQL statement, which a
# limit without a currency does not run): the baseline pays that read as
# well (docs/benchmarks.md has its price from test/bench/callgrind.sh).
# The limits stay across runs: the first run of a round meets most payer
# and payee keys for the first time, later ones fewer.
#
#   bash test/bench/limits_mixed.sh [seconds [clients...]]  default: 10 s, clients 1 8 32
#   BENCH_ROUNDS=3 ...   every client count 3 times, interleaved; medians
#
# Builds and installs the checkout (without FINTECH_CHECKS), starts a
# throwaway cluster with run.sh's settings (fsync and synchronous_commit
# on), loads test/bench/setup.sql, opens and funds 10,000 EUR wallets
# 'e1'..'e10000', creates the limits; after each run it seals the audit
# log, numbers and prunes the events, VACUUMs and CHECKPOINTs.  Prints a
# Markdown table and writes it to $BENCH_OUT (default ./limits-mixed-results.md).
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

bench_args 10 "1 8 32" 1 limits-mixed-results.md "$@"
LOADB=$(uptime | sed 's/.*load average/load average/')
bench_start bench
ft_log "EUR wallets and the limits" >&2
ft_psql -q <<'SQL' >/dev/null
SELECT fintech.open_account(code => 'bank_eur', currency => 'EUR', kind => 'asset', min_balance => NULL);
SELECT count(fintech.open_account(code => 'e' || i, currency => 'EUR')) FROM generate_series(1, 10000) i;
SELECT count(*) FROM (SELECT array_agg('bank_eur'::text) d, array_agg('e' || i) c, array_agg(1000000::bigint) a
                        FROM generate_series(1, 10000) i) s,
       fintech.transfer_batch(debit_accounts => s.d, credit_accounts => s.c, amounts => s.a) t
 WHERE t.error IS NULL;
SELECT fintech.create_limit('m payer amount', 'payer', '1 day', max_amount => 1000000, currency => 'EUR'),
       fintech.create_limit('m payer count', 'payer', '1 hour', max_count => 100000, currency => 'EUR'),
       fintech.create_limit('m payee amount', 'payee', '1 day', max_amount => 1000000, currency => 'EUR');
VACUUM ANALYZE;
CHECKPOINT;
SQL

declare -A LAT TPS
ODD=()
# drain: the background work a run left (audit sealing, the events'
# numbering and pruning, in batches until none is left), then VACUUM and
# CHECKPOINT, so that the next run starts with none of it owed
drain() {
	ft_psql -q -c "SELECT fintech.seal_audit()" >/dev/null
	while [ "$(ft_psql -Atc "SELECT fintech.run_job('prune_events')")" -ge 10000 ]; do :; done
	ft_psql -q -c VACUUM -c CHECKPOINT
}
for r in $(seq 1 "$ROUNDS"); do
	for n in $CLIENTS; do
		log=$LOGS/mixed-c$n-r$r.log
		rc=0
		ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$n" -j $((n < 2 ? n : 2)) \
			-f "$BENCH/pay_nolim.sql@1" -f "$BENCH/pay_3lim.sql@1" postgres >"$log" 2>"$log.err" || rc=$?
		[ "$rc" -eq 0 ] || ODD+=("$n clients, round $r: pgbench exited with $rc: $(head -2 "$log.err" | tr '\n' ' ')")
		# per script: " - N transactions (..., tps = T)" and " - latency average = L ms"
		read -r l1 l2 t1 t2 < <(awk '/^SQL script [12]:/ {s = $3 + 0}
			s && / transactions \(/ {t[s] = $NF; sub(/\)/, "", t[s])}
			s && /^ - latency average = / {l[s] = $5}
			END {printf "%s %s %s %s\n", l[1] + 0, l[2] + 0, t[1] + 0, t[2] + 0}' "$log")
		LAT[$n]="${LAT[$n]:-} $(awk -v a="$l1" -v b="$l2" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')"
		TPS[$n]="${TPS[$n]:-} $t1/$t2"
		printf 'round %d, %2d clients: latency %s / %s ms, tps %s / %s\n' "$r" "$n" "$l1" "$l2" "$t1" "$t2" >&2
		drain
	done
done
ft_psql -Atc "SELECT 'check_ledger: ' || bool_and(ok) FROM fintech.check_ledger()" >&2
LOADA=$(uptime | sed 's/.*load average/load average/')

{
	echo "| clients | latency ratio pay / pay with 3 limits, each round | median | tps pay / pay with 3 limits, each round |"
	echo "|---:|---|---:|---|"
	for n in $CLIENTS; do
		printf '| %d | %s | %s | %s |\n' "$n" "$(echo "${LAT[$n]}" | sed 's/^ //; s/ /, /g')" \
			"$(echo "${LAT[$n]}" | median)" "$(echo "${TPS[$n]}" | sed 's/^ //; s/ /, /g')"
	done
	echo
	echo "\`BENCH_ROUNDS=$ROUNDS bash test/bench/limits_mixed.sh $DURATION $CLIENTS\`, $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs;" \
		"before: $LOADB; after: $LOADA; tree $TREE"
	if [ ${#ODD[@]} -gt 0 ]; then echo; printf -- '- %s\n' "${ODD[@]}"; fi
} | tee "$OUT"
