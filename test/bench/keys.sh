#!/usr/bin/env bash
# test/bench/keys.sh — what an idempotency key costs a ledger write (see
# docs/benchmarks.md; the target: a key costs <= 10 % of the call's
# throughput, i.e. ratio >= 0.90):
#
#   transfer.sql      fintech.transfer between two random wallets
#   transfer_key.sql  the same with a fresh idempotency_key per call
#   capture.sql       a hold and its capture (post_pending) in one statement
#   capture_key.sql   the same with a fresh key on both calls
#
# Separate runs of each workload give the tps ratios; rounds alternate the
# order of a pair (odd rounds run the baseline first, even rounds the keyed
# workload first), because the database grows run by run.  A second
# measure runs both workloads of a pair in ONE pgbench run (two scripts of
# weight 1, drawn at random per transaction), so that both see the same
# machine at the same moment: the ratio of their average latencies is what
# a key costs a call under the same load (on a busy machine this one is
# the steadier of the two).
#
#   bash test/bench/keys.sh [seconds [clients...]]     default: 10 s, clients 1 8
#   BENCH_ROUNDS=3 ...   every workload 3 times, interleaved (round 1 runs
#                        them all, then round 2...); the table shows the
#                        median of the rounds (for a busy machine)
#
# Builds and installs the checkout (without FINTECH_CHECKS), starts a
# throwaway cluster with run.sh's settings (fsync and synchronous_commit
# on), loads test/bench/setup.sql, then runs
#   pgbench -n -M prepared -T <seconds> -c <clients> -j min(clients,2)
# per workload, client count and round, with a VACUUM and a CHECKPOINT after
# each run: the next run starts with no vacuum or checkpoint owed by the one
# before it (autovacuum woken by one run's inserts otherwise runs during the
# next run and bills it; rounds alternate the order for what is left).
# Prints a Markdown table to stdout and writes it to $BENCH_OUT (default
# ./keys-results.md in the caller's directory).
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

bench_args 10 "1 8" 1 keys-results.md "$@"
WORKLOADS="transfer transfer_key capture capture_key"
LOADB=$(uptime | sed 's/.*load average/load average/')
bench_start keys

declare -A TPS   # workload,clients -> space-separated tps of the rounds
declare -A MIX   # pair,clients -> space-separated latency ratios (base / keyed) of the rounds
ODD=()
# mixed PAIR N R: transfer or capture and its keyed twin in one pgbench run
mixed() {
	local p=$1 n=$2 r=$3 log rc=0 lat
	log=$LOGS/mix-$p-$n-$r.log
	printf 'round %d, %-12s %2d clients ... ' "$r" "$p+key" "$n" >&2
	ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$n" -j $((n < 2 ? n : 2)) \
		-f "$BENCH/$p.sql@1" -f "$BENCH/${p}_key.sql@1" postgres >"$log" 2>"$log.err" || rc=$?
	[ "$rc" -eq 0 ] || ODD+=("$p + key mixed, $n clients, round $r: pgbench exited with $rc: $(head -2 "$log.err" | tr '\n' ' ')")
	# the per-script sections: " - latency average = X ms" of script 1, then of script 2
	lat=$(awk '/^SQL script [12]:/ {s = $3 + 0} s && /^ - latency average = / {l[s] = $5} END {
		if (l[1] > 0 && l[2] > 0) printf "%.4f\n", l[1] / l[2]; else print 0 }' "$log")
	MIX[$p,$n]="${MIX[$p,$n]:-} $lat"
	echo "latency ratio $lat" >&2
	ft_psql -c 'VACUUM' -c 'CHECKPOINT'
}
for ((r = 1; r <= ROUNDS; r++)); do
	order=$WORKLOADS
	[ $((r % 2)) -eq 1 ] || order="transfer_key transfer capture_key capture"
	for n in $CLIENTS; do
		for w in $order; do
			log=$LOGS/$w-$n-$r.log
			printf 'round %d, %-12s %2d clients ... ' "$r" "$w" "$n" >&2
			rc=0
			ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$n" -j $((n < 2 ? n : 2)) \
				-f "$BENCH/$w.sql" postgres >"$log" 2>"$log.err" || rc=$?
			tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
			failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
			[ "$rc" -eq 0 ] || ODD+=("$w, $n clients, round $r: pgbench exited with $rc: $(head -2 "$log.err" | tr '\n' ' ')")
			[ "${failed:-0}" -eq 0 ] || ODD+=("$w, $n clients, round $r: $failed failed transactions")
			TPS[$w,$n]="${TPS[$w,$n]:-} ${tps:-0}"
			echo "tps ${tps:-0}" >&2
			ft_psql -c 'VACUUM' -c 'CHECKPOINT'
		done
		mixed transfer "$n" "$r"
		mixed capture "$n" "$r"
	done
done
KEYS=$(ft_psql -Atc 'SELECT count(*) FROM fintech.ledger_keys')
LOADA=$(uptime | sed 's/.*load average/load average/')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "—"; else { r = a / b; printf "%.2f %s\n", r, (r >= 0.90 ? "(≤ 10 %: ok)" : "(> 10 %: over target)") } }'; }
{
	echo "## What an idempotency key costs, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs;" \
		"before: $LOADB; after: $LOADA"
	echo "- tree: $TREE; sha1 of the built src/, sql/, Makefile, control: $SRC_DIGEST"
	echo "- server: $("$PG_BIN/postgres" --version), settings: $(printf '%s; ' "${SETTINGS[@]}" | sed 's/; $//')"
	echo "- command: \`BENCH_ROUNDS=$ROUNDS bash test/bench/keys.sh $DURATION $CLIENTS\`;" \
		"each run \`pgbench -n -M prepared -T $DURATION -c <clients> -j min(clients,2)\`, median of $ROUNDS round(s)" \
		"(odd rounds run each baseline before its keyed twin, even rounds after it; VACUUM and CHECKPOINT after every run);" \
		"$KEYS keys in fintech.ledger_keys at the end"
	echo
	echo "| workload | clients | tps | baseline | baseline tps | ratio |"
	echo "|---|---:|---:|---|---:|---:|"
	for n in $CLIENTS; do
		t=$(echo "${TPS[transfer,$n]}" | median)
		tk=$(echo "${TPS[transfer_key,$n]}" | median)
		c=$(echo "${TPS[capture,$n]}" | median)
		ck=$(echo "${TPS[capture_key,$n]}" | median)
		printf '| transfer with a key | %d | %.0f | transfer | %.0f | %s |\n' "$n" "$tk" "$t" "$(ratio "$tk" "$t")"
		printf '| hold + capture with keys | %d | %.0f | hold + capture | %.0f | %s |\n' "$n" "$ck" "$c" "$(ratio "$ck" "$c")"
	done
	echo
	echo "Both workloads of a pair in one run (\`pgbench -f <base>.sql@1 -f <base>_key.sql@1\`, the same" \
		"options): average latency of the baseline's calls over the keyed calls', median of the rounds" \
		"(1.00 = a key costs nothing; the target is ≥ 0.90):"
	echo
	echo "| pair | clients | latency ratio, each round | median |"
	echo "|---|---:|---|---:|"
	for n in $CLIENTS; do
		for p in transfer capture; do
			printf '| %s with / without a key | %d | %s | %s |\n' "$p" "$n" "$(echo "${MIX[$p,$n]}" | sed 's/^ //; s/ /, /g')" \
				"$(ratio "$(echo "${MIX[$p,$n]}" | median)" 1)"
		done
	done
	echo
	if [ ${#ODD[@]} -eq 0 ]; then echo "No failed transactions, no pgbench errors."; else printf -- '- %s\n' "${ODD[@]}"; fi
} | tee "$OUT"
echo "(written to $OUT)" >&2
