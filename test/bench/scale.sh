#!/usr/bin/env bash
# test/bench/scale.sh — how the ledger's per-call costs grow with the size of
# the data (see docs/benchmarks.md): balance lookups and balance_at must stay
# flat, transfers close to it.
#
#   stage A, accounts: 10k -> 100k -> 1M accounts ('a1'..'aN', liability,
#            min_balance 0, each funded with 1,000,000 from 'bank' through
#            fintech.transfer_batch, 10,000 accounts per statement)
#   stage B, postings: 10,000 wallets ('w1'..'w10000', funded by one
#            10,001-leg fintech.post, so that the ledger starts at 10,001
#            postings, not 20,000 as with one transfer each), grown to 10k -> 100k -> 1M -> 10M postings
#            with fintech.transfer_batch calls of 10,000 transfers of 1
#            between two different random wallets (2 postings each); one
#            transfer in 50 credits the account 'hot' instead, whose
#            history grows with the ledger (200 postings from 200
#            transfers from 'bank' at the start, then 2 % of the transfers:
#            ~100k postings at 10M)
#
# At each size, one client each (per-call cost, not throughput):
#   balance     SELECT fintech.balance(<random account>)
#   balance_at  SELECT fintech.balance_at(<random account>, <random time
#               between the first and the last posting of the ledger>)
#   transfer    SELECT fintech.transfer(<random account>, <random account>, 1)
#   statement   (stage B) SELECT count(*) FROM fintech.statement('hot',
#               <random seq of its history>, 50): one page of 50 postings
#               (keyset pagination; it must cost the same at every size)
# (run in that order, so the reads see the nominal size; the transfers of a
# size's run count towards the next size, which is loaded up to its total)
#
#   bash test/bench/scale.sh [seconds]          default: 10 s per run
#   SCALE_MAX_ACCOUNTS=100000 SCALE_MAX_POSTINGS=100000 bash test/bench/scale.sh 3
#
# SCALE_MAX_ACCOUNTS (default 1000000) and SCALE_MAX_POSTINGS (default
# 10000000) stop a stage earlier (a cap that is not one of the sizes is
# measured as the last size).  Builds and installs the checkout (without
# FINTECH_CHECKS), starts a throwaway cluster per stage with run.sh's
# settings (fsync and synchronous_commit on).  The audit triggers of
# fintech.accounts, entries and postings are disabled while data is loaded
# (loading only: they are on for every measured run; the output says so).
# After each load step: VACUUM ANALYZE and CHECKPOINT.  Each run:
#   pgbench -n -M prepared -T <seconds> -c 1 -j 1 -f <workload>.sql
# then CHECKPOINT.  Stage B also samples 30 random statement pages at each
# size twice: before the statement run, with the caches as the runs left
# them ("in use"), and after the size's runs with the server restarted and
# the kernel's page cache emptied ("cold": every buffer a first read
# touches comes from the disk; needs root).  At the end of each stage: fold deferred postings and
# fintech.check_ledger().  Prints Markdown tables to stdout and writes them
# to $SCALE_OUT (default ./scale-results.md in the caller's directory).
# The clusters are stopped and removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

DURATION=${1:-${SCALE_SECONDS:-10}}
case $DURATION in '' | *[!0-9]*) ft_die "seconds must be a positive integer, not '$DURATION'" ;; esac
[ "$DURATION" -ge 3 ] || ft_die "seconds must be at least 3"
MAX_ACCOUNTS=${SCALE_MAX_ACCOUNTS:-1000000}
MAX_POSTINGS=${SCALE_MAX_POSTINGS:-10000000}
for v in MAX_ACCOUNTS MAX_POSTINGS; do
	case ${!v} in '' | *[!0-9]*) ft_die "SCALE_$v must be a positive integer, not '${!v}'" ;; esac
	[ "${!v}" -ge 10000 ] || ft_die "SCALE_$v must be at least 10000"
done
OUT=${SCALE_OUT:-scale-results.md}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
: >"$OUT" || ft_die "cannot write $OUT"

# sizes: the standard ones below the cap, then the cap
sizes() { # sizes CAP STANDARD...
	local cap=$1 s out=()
	shift
	for s in "$@"; do [ "$s" -lt "$cap" ] && out+=("$s"); done
	echo "${out[*]} $cap"
}
ACCOUNT_SIZES=$(sizes "$MAX_ACCOUNTS" 10000 100000 1000000)
POSTING_SIZES=$(sizes "$MAX_POSTINGS" 10000 100000 1000000 10000000)
WALLETS=10000       # stage B's accounts
CHUNK=10000         # accounts opened / funded per statement (stage A)
BATCH=10000         # transfers per transfer_batch call (stage B)
FUNDS=1000000       # each account's opening balance
HOT0=200            # stage B: postings of 'hot' before the loading, an entry each

trap ft_cleanup EXIT
trap 'exit 130' INT TERM

ft_bootstrap
ft_workdir
LOGS=$FT_WORK/scale
mkdir -p "$LOGS"
chown postgres: "$LOGS" 2>/dev/null || true

bench_build

# 10001 -> 10,001
commas() {
	awk -v n="$1" 'BEGIN {
		s = sprintf("%d", n); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}
# 10000 -> 10k, 1000000 -> 1M, 10001 -> 10,001
human() {
	awk -v n="$1" 'BEGIN {
		if (n >= 1000000 && n % 1000000 == 0) { printf "%dM\n", n / 1000000; exit }
		if (n >= 1000 && n % 1000 == 0) { printf "%dk\n", n / 1000; exit }
		exit 1 }' || commas "$1"
}
# seconds since $1 (date +%s.%N), one decimal
since() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", t1 - t0 }'; }

count_of() { ft_psql -Atc "SELECT count(*) FROM fintech.$1"; }

# after a load step: statistics, visibility map, and no checkpoint pending
settle() {
	local t0
	t0=$(date +%s.%N)
	ft_psql -c 'VACUUM ANALYZE' -c 'CHECKPOINT'
	echo "VACUUM ANALYZE + CHECKPOINT: $(since "$t0") s" >&2
}

# a fresh cluster with the extension and the funding account 'bank'
new_cluster() {
	ft_log "start a throwaway cluster ($1)" >&2
	ft_cluster_start "$1" "${SETTINGS[@]}" || ft_die "server did not start"
	[ "$(ft_psql -Atc 'SHOW fsync')" = on ] || ft_die "fsync is not on"
	ft_psql >&2 <<'EOSQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fintech CASCADE;
SELECT fintech.open_account(code => 'bank', currency => 'USD', kind => 'asset',
                            min_balance => NULL) IS NOT NULL AS bank_opened;
EOSQL
}

# end_stage A|B CLUSTER: fold deferred postings, check_ledger(), stop and
# remove the cluster
end_stage() {
	local stage=$1 t0 bad
	ft_log "stage $stage: fold deferred postings, check_ledger()" >&2
	t0=$(date +%s.%N)
	ft_psql -Atc "SELECT fintech.run_job('fold_postings')" >/dev/null ||
		ODD+=("stage $stage: run_job('fold_postings') failed")
	bad=$(ft_psql -Atc "SELECT check_name || ': ' || detail FROM fintech.check_ledger() WHERE NOT ok") ||
		bad="check_ledger() failed"
	CHECK[$stage]="$(count_of accounts) accounts, $(count_of postings) postings:"
	if [ -z "$bad" ]; then
		CHECK[$stage]+=" all ok"
	else
		CHECK[$stage]+=" NOT OK"
		ODD+=("stage $stage, check_ledger: $bad")
	fi
	CHECK[$stage]+=" (fold + check took $(since "$t0") s)"
	echo "${CHECK[$stage]}" >&2
	ft_cluster_stop
	rm -rf "${FT_WORK:?}/$2"
}

declare -A CHECK
HOT=()      # stage B: postings of 'hot' at each size
ROWS_A=()   # measured rows per stage
ROWS_B=()
PAGES=()    # stage B: the page sample of each size
LOADS=()    # load steps
ODD=()      # anything unexpected, reported at the end
declare -A BASE   # stage,workload -> tps at the smallest size

# run_one A|B WORKLOAD SIZE: one pgbench run of $LOGS/WORKLOAD.sql, then
# CHECKPOINT; appends a row to ROWS_<STAGE>
run_one() {
	local stage=$1 w=$2 size=$3 log err rc=0 tps lat failed processed before after
	local busy0 busy1 ours0 ours1 wall0 wall1 other cost accounts postings row
	local tag=$stage-$size-$w
	log=$LOGS/$tag.log
	err=$LOGS/$tag.err
	accounts=$(count_of accounts)
	postings=$(count_of postings)
	printf 'stage %s, %-7s %-10s ... ' "$stage" "$(human "$size")" "$w" >&2
	before=$(last_entry_id)
	busy0=$(cpu_busy) ours0=$(cluster_ticks) wall0=$(date +%s.%N)
	(
		r=0
		ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c 1 -j 1 \
			-f "$LOGS/$w.sql" postgres >"$log" 2>"$err" || r=$?
		times >"$LOGS/$tag.times"
		exit $r
	) || rc=$?
	sleep 0.3   # let the postmaster reap the pgbench session
	busy1=$(cpu_busy) ours1=$(cluster_ticks) wall1=$(date +%s.%N)
	other=$(other_cpu "$busy0" "$busy1" "$ours0" "$ours1" "$LOGS/$tag.times" "$wall0" "$wall1")
	[ "$other" -le 15 ] || ODD+=("stage $stage, $(human "$size") $w: other processes used ${other}% of a CPU during the run")
	after=$(last_entry_id)
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$log")
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
	processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	[ -n "$tps" ] || tps=0
	[ "$rc" -eq 0 ] || ODD+=("stage $stage, $(human "$size") $w: pgbench exited with $rc")
	[ "${failed:-0}" -eq 0 ] || ODD+=("stage $stage, $(human "$size") $w: $failed failed transactions")
	if grep -qv '^pgbench: warning' "$err" 2>/dev/null && [ -s "$err" ]; then
		ODD+=("stage $stage, $(human "$size") $w: pgbench said: $(grep -v '^pgbench: warning' "$err" | head -3 | tr '\n' ' ')")
	fi
	if [ "$w" = transfer ] && [ -n "$processed" ] && [ $((after - before)) -ne "$processed" ]; then
		ODD+=("stage $stage, $(human "$size") transfer: $((after - before)) entries written for $processed calls")
	fi
	[ -n "${BASE[$stage,$w]:-}" ] || BASE[$stage,$w]=$tps
	cost=$(awk -v b="${BASE[$stage,$w]}" -v t="$tps" 'BEGIN {
		if (t <= 0 || b <= 0) print "—"; else printf "%.2f×\n", b / t }')
	printf 'tps %.0f, %s ms, cost %s (other CPU %s%%)\n' "$tps" "${lat:-?}" "$cost" "$other" >&2
	row="| $(human "$size") | $(commas "$accounts") | $(commas "$postings") | $w | $(printf '%.0f' "$tps") | ${lat:-?} | $cost | ${other}% |"
	if [ "$stage" = A ]; then ROWS_A+=("$row"); else ROWS_B+=("$row"); fi
	ft_psql -c 'CHECKPOINT'
}

# measure A|B SIZE PREFIX N: the three workloads over accounts PREFIX1..PREFIXN
measure() {
	local stage=$1 size=$2 p=$3 n=$4 lo hi
	# the ledger's history, in microseconds since the epoch
	read -r lo hi < <(ft_psql -AtF ' ' -c "SELECT (extract(epoch FROM min(posted_at)) * 1000000)::bigint,
		(extract(epoch FROM max(posted_at)) * 1000000)::bigint FROM fintech.postings")
	[ -n "${hi:-}" ] || ft_die "stage $stage: no posting times"
	printf '%s\n' "\\set r random(1, $n)" \
		"SELECT fintech.balance('$p' || :r);" >"$LOGS/balance.sql"
	printf '%s\n' "\\set r random(1, $n)" "\\set t random($lo, $hi)" \
		"SELECT fintech.balance_at('$p' || :r, to_timestamp(:t / 1000000.0));" >"$LOGS/balance_at.sql"
	printf '%s\n' "\\set a random(1, $n)" "\\set b random(1, $n)" \
		"SELECT fintech.transfer(debit_account => '$p' || :a, credit_account => '$p' || :b, amount => 1);" \
		>"$LOGS/transfer.sql"
	local works="balance balance_at transfer"
	if [ "$stage" = B ]; then
		# a page of 50 of 'hot''s postings, after a random seq of its history
		local last
		last=$(ft_psql -Atc "SELECT last_seq FROM fintech.accounts WHERE code = 'hot'")
		[ "$last" -gt 50 ] || ft_die "stage B: 'hot' has only $last postings"
		printf '%s\n' "\\set s random(0, $((last - 50)))" \
			"SELECT count(*) FROM fintech.statement('hot', :s, 50);" >"$LOGS/statement.sql"
		HOT+=("$(human "$size"): $(commas "$last")")
		cp "$LOGS/statement.sql" "$LOGS/statement_mem.sql"
		works="balance balance_at statement statement_mem transfer"
	fi
	for w in $works; do
		case $w in
		statement) page_sample "$size" "$last" "in use" ;;
		statement_mem) prewarm_statement ;;
		esac
		run_one "$stage" "$w" "$size"
	done
	if [ "$stage" = B ]; then
		if cold_restart; then
			page_sample "$size" "$last" "cold: restarted, page cache emptied"
		else
			ODD+=("stage B, $(human "$size"): no cold page sample (cannot empty the page cache: needs root)")
		fi
	fi
}

# page_sample SIZE LAST WHEN: 30 random pages of 'hot' (50 postings after a
# seq in 0..LAST-50), each read twice in one session under EXPLAIN (ANALYZE,
# BUFFERS): the buffers a page touches (its work: the same at every size if
# the index does its job), how many of them came from outside
# shared_buffers, and the time of the first and of the second read.
# WHEN names the state of the caches in the table.  Appends a row to PAGES.
page_sample() {
	local size=$1 last=$2 when=$3 row
	row=$(ft_psql -AtF ' | ' <<EOSQL
CREATE FUNCTION pg_temp.page_cost(s bigint, OUT hit bigint, OUT rd bigint, OUT ms numeric)
LANGUAGE plpgsql AS \$\$
DECLARE j json;
BEGIN
    EXECUTE pg_catalog.format('EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON)
        SELECT count(*) FROM fintech.statement(%L, %s, 50)', 'hot', s) INTO j;
    hit := (j->0->'Plan'->>'Shared Hit Blocks')::bigint;
    rd := (j->0->'Plan'->>'Shared Read Blocks')::bigint;
    ms := (j->0->>'Execution Time')::numeric;
END \$\$;
SELECT count(*) >= 0 AS warm_up FROM pg_temp.page_cost(0);
CREATE TEMP TABLE pages AS
    SELECT g, f.hit AS f_hit, f.rd AS f_rd, f.ms AS f_ms, a.hit AS a_hit, a.rd AS a_rd, a.ms AS a_ms
      FROM generate_series(1, 30) g,
           LATERAL (SELECT (random() * ($last - 50))::bigint + g * 0 AS s) p,
           LATERAL pg_temp.page_cost(p.s) f,
           LATERAL pg_temp.page_cost(p.s + 0 * f.hit) a;
SELECT '$(human "$size")', '$when', count(*),
       round(avg(f_hit + f_rd), 1), round(avg(f_rd), 1),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY f_ms)::numeric, 3),
       round(avg(a_hit + a_rd), 1), round(avg(a_rd), 1),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a_ms)::numeric, 3)
  FROM pages;
EOSQL
	) || { ODD+=("stage B, $(human "$size"): the page sample failed"); return 0; }
	PAGES+=("| ${row##*$'\n'} |")
	echo "pages: ${row##*$'\n'}" >&2
}

# cold_restart: stop the server, empty the kernel's page cache (root only:
# /proc/sys/vm/drop_caches) and start it again, so that the next page sample
# reads every buffer it touches from the disk, at every size alike.  Returns
# 1 when the cache could not be emptied (the sample is then not taken; the
# server runs again either way).
cold_restart() {
	local log=${FT_PGDATA%/data}/server.log emptied=0
	[ -w /proc/sys/vm/drop_caches ] || return 1
	ft_as_pg "$PG_BIN/pg_ctl" -D "$FT_PGDATA" -m fast -w -t 120 stop >/dev/null || return 1
	sync
	echo 3 >/proc/sys/vm/drop_caches && emptied=1
	ft_as_pg "$PG_BIN/pg_ctl" -D "$FT_PGDATA" -l "$log" -w -t 120 start >/dev/null ||
		ft_die "the server did not start again after emptying the caches"
	[ "$emptied" = 1 ]
}

# prewarm_statement: what a statement page reads — the postings and entries
# tables, postings (account_id, seq) and the entries' primary key — into
# shared_buffers, so that statement_mem measures a page whose data is in
# memory (on this VM a host-side reclaimer also evicts the kernel's page
# cache of files not read for a while: a page read from outside
# shared_buffers may come from the disk)
prewarm_statement() {
	ft_psql -Atc "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
		-c "SELECT sum(pg_prewarm(c)) FROM unnest(ARRAY['fintech.postings', 'fintech.entries',
			'fintech.postings_account_seq', 'fintech.entries_pkey']::regclass[]) c" >&2 ||
		ODD+=("pg_prewarm failed")
}

ft_log "runs: ${DURATION} s each; accounts $ACCOUNT_SIZES; postings $POSTING_SIZES" >&2
T0=$SECONDS
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')

# ---- stage A: accounts -------------------------------------------------------
new_cluster scale_a
have=0
for size in $ACCOUNT_SIZES; do
	ft_log "stage A: open and fund accounts $((have + 1))..$size" >&2
	audit_triggers DISABLE accounts entries postings
	t0=$(date +%s.%N)
	done_n=$(
		for ((lo = have + 1; lo <= size; lo += CHUNK)); do
			hi=$((lo + CHUNK - 1 < size ? lo + CHUNK - 1 : size))
			echo "SELECT count(fintech.open_account(code => 'a' || i, currency => 'USD'))
  FROM generate_series($lo, $hi) i;"
			echo "SELECT count(*) FILTER (WHERE t.error IS NULL)
  FROM (SELECT array_agg('bank'::text) d, array_agg('a' || i) c, array_agg($FUNDS::bigint) a
          FROM generate_series($lo, $hi) i) s,
       fintech.transfer_batch(debit_accounts => s.d, credit_accounts => s.c, amounts => s.a) t;"
		done | ft_psql -At | awk '{ s += $1 } END { print s + 0 }'
	) || ft_die "stage A: loading accounts failed"
	secs=$(since "$t0")
	audit_triggers ENABLE accounts entries postings
	[ "$done_n" -eq $((2 * (size - have))) ] ||
		ODD+=("stage A: $done_n of $((2 * (size - have))) openings and fundings done for accounts $((have + 1))..$size")
	LOADS+=("| A | $(human "$have") → $(human "$size") accounts | open + fund $(human $((size - have))) accounts | $secs | $(awk -v n=$((size - have)) -v s="$secs" 'BEGIN { printf "%.0f accounts/s\n", n / (s > 0 ? s : 1) }') |")
	echo "loaded in $secs s" >&2
	settle
	have=$size
	measure A "$size" a "$size"
done
end_stage A scale_a

# ---- stage B: postings -------------------------------------------------------
new_cluster scale_b
ft_log "stage B: open and fund $WALLETS wallets (one $((WALLETS + 1))-leg entry)" >&2
audit_triggers DISABLE accounts entries postings
t0=$(date +%s.%N)
ft_psql -At >/dev/null <<EOSQL
SELECT count(fintech.open_account(code => 'w' || i, currency => 'USD'))
  FROM generate_series(1, $WALLETS) i;
SELECT fintech.open_account(code => 'hot', currency => 'USD') IS NOT NULL AS hot_opened;
SELECT fintech.post(legs => ARRAY[fintech.debit('bank', $WALLETS * $FUNDS::bigint)]
                            || array_agg(fintech.credit('w' || i, $FUNDS)),
                    description => 'fund the wallets') IS NOT NULL AS funded
  FROM generate_series(1, $WALLETS) i;
-- 'hot''s first postings, an entry each (as all its later ones), so that a
-- page looks up 50 entries at every size
SELECT count(*) FILTER (WHERE error IS NULL) = $HOT0 AS hot_funded
  FROM fintech.transfer_batch(debit_accounts => array_fill('bank'::text, ARRAY[$HOT0]),
                              credit_accounts => array_fill('hot'::text, ARRAY[$HOT0]),
                              amounts => array_fill(1::bigint, ARRAY[$HOT0]));
EOSQL
secs=$(since "$t0")
audit_triggers ENABLE accounts entries postings
LOADS+=("| B | 0 → $(commas $((WALLETS + 2 * HOT0 + 1))) postings | open $(human $WALLETS) wallets and 'hot', fund the wallets with one $(commas $((WALLETS + 1)))-leg entry and 'hot' with $HOT0 transfers | $secs | — |")
[ "$(ft_psql -Atc "SELECT count(*) FROM fintech.accounts WHERE code LIKE 'w%' AND balance = $FUNDS")" -eq "$WALLETS" ] ||
	ft_die "stage B: not every wallet was funded"
for size in $POSTING_SIZES; do
	have=$(count_of postings)
	if [ "$have" -lt "$size" ]; then
		want=$(((size - have + 1) / 2))       # transfers, 2 postings each
		ft_log "stage B: $(human "$have") -> $(human "$size") postings ($want transfers)" >&2
		audit_triggers DISABLE accounts entries postings
		t0=$(date +%s.%N)
		# debit wallet x, credit wallet y != x, both uniform over the wallets
		done_n=$(
			for ((left = want; left > 0; left -= BATCH)); do
				n=$((left < BATCH ? left : BATCH))
				echo "SELECT count(*) FILTER (WHERE t.error IS NULL)
  FROM (SELECT array_agg('w' || x) d,
               array_agg(CASE WHEN x % 50 = 0 THEN 'hot' ELSE 'w' || (1 + (x + y) % $WALLETS) END) c,
               array_agg(1::bigint) a
          FROM (SELECT (1 + floor(random() * $WALLETS))::int x,
                       (floor(random() * ($WALLETS - 1)))::int y
                  FROM generate_series(1, $n)) r) s,
       fintech.transfer_batch(debit_accounts => s.d, credit_accounts => s.c, amounts => s.a) t;"
			done | ft_psql -At | awk '{ s += $1 } END { print s + 0 }'
		) || ft_die "stage B: loading postings failed"
		secs=$(since "$t0")
		audit_triggers ENABLE accounts entries postings
		[ "$done_n" -eq "$want" ] || ODD+=("stage B: $done_n of $want transfers done loading $(human "$size") postings")
		LOADS+=("| B | $(human "$have") → $(human "$size") postings | $(human "$want") transfers in calls of $(human $BATCH) | $secs | $(awk -v n="$want" -v s="$secs" 'BEGIN { printf "%.0f transfers/s\n", n / (s > 0 ? s : 1) }') |")
		echo "loaded in $secs s" >&2
	fi
	settle
	measure B "$size" w "$WALLETS"
done
end_stage B scale_b
ELAPSED=$((SECONDS - T0))
echo "(loads, runs and checks took $ELAPSED s)" >&2

{
	echo "## Ledger costs by data size, $STARTED"
	echo
	echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs," \
		"$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
	echo "- tree: $TREE; sha1 of the built src/, sql/, Makefile, control: $SRC_DIGEST"
	echo "- server: $("$PG_BIN/postgres" --version), fintech built from this tree"
	echo "- settings (beside lib.sh's max_connections = 60):" \
		"$(printf '%s; ' "${SETTINGS[@]}" | sed 's/; $//')"
	echo "- each run: \`pgbench -n -M prepared -T $DURATION -c 1 -j 1 -f <workload>.sql\`, then CHECKPOINT;" \
		"workloads, over random accounts of the stage: \`balance\` = \`SELECT fintech.balance(acct)\`," \
		"\`balance_at\` = \`SELECT fintech.balance_at(acct, t)\` with t uniform between the first and the last" \
		"posting of the ledger, \`transfer\` = \`SELECT fintech.transfer(acct1, acct2, 1)\`;" \
		"\`statement\` (stage B) = \`SELECT count(*) FROM fintech.statement('hot', s, 50)\` with s" \
		"uniform over the account's history (a full page of 50 postings)"
	echo "- loading: the audit triggers of fintech.accounts, entries and postings are **disabled while" \
		"data is loaded** and enabled again before every measured run; VACUUM ANALYZE and CHECKPOINT" \
		"after each load step; a fresh cluster per stage"
	echo "- command: \`SCALE_MAX_ACCOUNTS=$MAX_ACCOUNTS SCALE_MAX_POSTINGS=$MAX_POSTINGS bash test/bench/scale.sh $DURATION\`" \
		"(all of it took $((ELAPSED / 60)) min $((ELAPSED % 60)) s)"
	echo
	echo "cost × = tps at the smallest size / tps at this size (1.00× = flat; 2.00× = each call" \
		"takes twice as long); one client, so latency ≈ 1000 / tps. accounts and postings: in the" \
		"ledger when the run started (the 'bank' account included); other CPU: what processes outside" \
		"the cluster and pgbench used during the run, in % of one CPU."
	echo
	echo "Stage A, accounts (each funded by one transfer from 'bank'):"
	echo
	echo "| size | accounts | postings | workload | tps | latency ms | cost × | other CPU |"
	echo "|---|---:|---:|---|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS_A[@]}"
	echo
	echo "Stage B, postings ($(human $WALLETS) wallets; 2 postings per transfer; the reads run before" \
		"the transfers of the same size):"
	echo
	echo "| size | accounts | postings | workload | tps | latency ms | cost × | other CPU |"
	echo "|---|---:|---:|---|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS_B[@]}"
	echo
	echo "Load steps (audit triggers off; single session):"
	echo
	echo "| stage | step | what | seconds | rate |"
	echo "|---|---|---|---:|---:|"
	printf '%s\n' "${LOADS[@]}"
	echo
	echo "Statement pages, 30 random pages of 'hot' per size and sample, each read twice in one session" \
		"(\`EXPLAIN (ANALYZE, BUFFERS)\` of \`SELECT count(*) FROM fintech.statement('hot', s, 50)\`;" \
		"one sample before the \`statement\` run, one after all runs of the size with the server" \
		"restarted and the kernel's page cache emptied, so that every buffer of a first read comes" \
		"from the disk): buffers = shared buffers the page touched (hit + read), read =" \
		"of those, read from outside shared_buffers; \`statement_mem\` above is the \`statement\` run again after" \
		"\`pg_prewarm\` of fintech.postings, fintech.entries, postings_account_seq and entries_pkey:"
	echo
	echo "| size | sample | pages | buffers, first read | read, first read | median ms, first read | buffers, again | read, again | median ms, again |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${PAGES[@]}"
	echo
	echo "Stage B's statement pages read the account 'hot', whose history grows with the ledger" \
		"(its postings when the run started: $(printf '%s; ' "${HOT[@]}" | sed 's/; $//'))."
	echo
	echo "check_ledger() at the end of stage A: ${CHECK[A]}; of stage B: ${CHECK[B]}."
	print_anomalies "No failed transactions, no pgbench errors, no other load during the runs."
} | tee "$OUT"
echo "(written to $OUT)" >&2
