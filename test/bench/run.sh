#!/usr/bin/env bash
# test/bench/run.sh — the ledger's transfer throughput against baselines
# measured in the same session, as ratios (see docs/benchmarks.md).  Every
# workload is one round trip per transaction (one statement or one call):
#
#   transfer.sql        fintech.transfer between two different random wallets
#   plain_transfer.sql  baseline: the same writes by hand in plain SQL, as ONE
#                       statement (a data-modifying CTE; no audit)
#   plpgsql_transfer.sql baseline: the same transfer as a hand-written
#                       PL/pgSQL function over plain tables (one call)
#   pgledger.sql        the peer: pgledger's pgledger_create_transfer
#                       (github.com/pgr0ss/pgledger, read from $PGLEDGER_DIR,
#                       default test/bench/pgledger; skipped, and said so,
#                       when it is not there)
#   floor.sql           baseline: one INSERT into a bare table (commit floor)
#   hot_fee.sql         a 3-leg fintech.post crediting the shared 'fee' account
#                       (baseline: transfer.sql)
#   batch.sql           fintech.transfer_batch of 1,000 transfers per call
#                       (compared with the 50,000 transfers/s target)
#   batch_pair          batch.sql at 1 and 2 clients, run back to back at
#                       the end of each round: two concurrent batches vs one
#   batch_disjoint.sql  batch.sql's batch between wallets of the client's own
#                       slice of 300: concurrent batches that share no
#                       account (compared with itself at 1 client; not in
#                       the default list: BENCH_WORKLOADS)
#   pay.sql             fintech.pay with a fresh key (baseline: transfer.sql)
#   transfer_noaudit    transfer.sql with the audit triggers of the ledger's
#                       tables disabled (it is the baseline of transfer.sql:
#                       the cost of auditing)
#   batch_noaudit       batch.sql the same way (what auditing costs a batch)
#   plain_batch.sql     baseline for batch.sql: 1,000 transfers written by hand
#                       into the plain tables as ONE statement (the least
#                       plain SQL can do for the same rows; see the file)
#   screen_name         fintech.screen_name of a random query of the
#                       evaluation set over the full SDN list from $OFAC_DIR
#                       (default test/bench/ofac): p50/p95/p99 latency from
#                       pgbench's per-transaction log (target p95 <= 5 ms);
#                       skipped, and said so, when the files are not there
#
#   bash test/bench/run.sh [seconds [clients...]]     default: 20 s, clients 1 8 32
#   BENCH_SECONDS=5 BENCH_CLIENTS="1 8" bash test/bench/run.sh
#   BENCH_ROUNDS=3 ...   every workload 3 times, interleaved (round 1 runs
#                        them all, then round 2...); the tables show the
#                        median of the rounds (for a busy machine)
#   BENCH_WORKLOADS="plain_transfer transfer transfer_noaudit" ...   only these
#
# Builds and installs the checkout (without FINTECH_CHECKS), starts a
# throwaway cluster with tuned but durable settings (fsync and
# synchronous_commit on), loads test/bench/setup.sql (and pgledger with
# test/bench/pgledger_setup.sql), then for each client count runs every
# script with
#   pgbench -n -M prepared -T <seconds> -c <clients> -j min(clients,2)
# sampling pg_stat_activity's wait events of the pgbench sessions every
# 100 ms.  After each run: fintech.seal_audit() (the sealer's backlog
# belongs to the run), then the run's WAL bytes and the server's CPU time
# per call, then VACUUM, the disk bytes per call (growth of the workload's
# relations), and CHECKPOINT.  Before plain_transfer and plain_batch the
# plain ledger is topped up to fintech's size (plain_topup, below), so
# that a baseline and fintech write into histories of the same size.  Prints Markdown tables to stdout and writes
# them to $BENCH_OUT (default ./bench-results.md in the caller's
# directory).  The cluster is stopped and removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

bench_args 20 "1 8 32" 1 bench-results.md "$@"

BATCH_TARGET=50000          # transfers/s
LOADB=$(uptime | sed 's/.*load average/load average/')
bench_start bench

# pgledger, the peer (not in the repository): its own SQL, unchanged, into
# the schema "pgledger"; it names its objects unqualified, so its sessions
# run with this search_path
PGLEDGER_OPTS="-c search_path=pgledger,public"
PGLEDGER_SRC=$(pgledger_dir)
PGLEDGER_REV=
if [ -n "$PGLEDGER_SRC" ]; then
	PGLEDGER_REV=$(git -C "$PGLEDGER_SRC" rev-parse HEAD 2>/dev/null || echo 'not a git checkout')
	PGLEDGER_REV="$PGLEDGER_REV, pgledger.sql sha1 $(sha1sum <"$PGLEDGER_SRC/pgledger.sql" | cut -c1-12)"
	ft_log "load pgledger from $PGLEDGER_SRC ($PGLEDGER_REV)" >&2
	mkdir -p "$FT_WORK/pgledger"
	cp "$PGLEDGER_SRC"/vendor/scoville-pgsql-ulid/ulid-to-uuid.sql \
		"$PGLEDGER_SRC"/vendor/scoville-pgsql-ulid/uuid-to-ulid.sql "$PGLEDGER_SRC"/pgledger.sql \
		"$FT_WORK/pgledger/"
	chown -R postgres: "$FT_WORK/pgledger" 2>/dev/null || true
	ft_psql -c 'CREATE SCHEMA pgledger'
	PGOPTIONS=$PGLEDGER_OPTS ft_psql --single-transaction -f "$FT_WORK/pgledger/ulid-to-uuid.sql" \
		-f "$FT_WORK/pgledger/uuid-to-ulid.sql" -f "$FT_WORK/pgledger/pgledger.sql" >&2
	PGOPTIONS=$PGLEDGER_OPTS ft_psql -f "$BENCH/pgledger_setup.sql" >&2
fi

# sample_waits SECONDS: from 0.5 s on, every 100 ms, the state of each pgbench session
# (wait event, "CPU" when active without one, "idle" when waiting for
# pgbench); prints the 4 most frequent as "event 55%, ...".  One DO block
# that commits after each sample, so it holds back no xmin horizon.
sample_waits() {
	local secs=$1
	ft_psql -c "DO \$\$
DECLARE
  stop timestamptz := clock_timestamp() + interval '$secs seconds';
  samples text[] := '{}';
  summary text;
BEGIN
  PERFORM pg_sleep(0.5);
  WHILE clock_timestamp() < stop LOOP
    PERFORM pg_stat_clear_snapshot();
    samples := samples || ARRAY(
      SELECT CASE WHEN state = 'active' THEN
                    coalesce(wait_event_type || ':' || wait_event, 'CPU')
                  ELSE state END
        FROM pg_stat_activity
       WHERE application_name = 'pgbench' AND backend_type = 'client backend');
    COMMIT;
    PERFORM pg_sleep(0.1);
    COMMIT;
  END LOOP;
  SELECT string_agg(format('%s %s%%', w, round(100.0 * n / cardinality(samples))), ', '
                    ORDER BY n DESC, w)
    INTO summary
    FROM (SELECT w, count(*) n FROM unnest(samples) w GROUP BY w
          ORDER BY count(*) DESC, w LIMIT 4) top;
  RAISE NOTICE 'waits: %', coalesce(summary, '(no samples)');
END \$\$" 2>&1 | sed -n 's/^NOTICE:  waits: //p'
}

declare -A TPS LAT WAITS WAL WALNF CPU DISK # per "workload,clients": the median of the rounds
declare -A TPSL WALL WALNFL CPUL DISKL    # the rounds' values, space-separated
ROUND=1
RAW=()      # rows of the per-run table
ODD=()      # anything unexpected, reported at the end
HZ=$(getconf CLK_TCK)

# the ledger's audited tables (the _noaudit runs switch their capture off)
LEDGER_TABLES=(accounts entries postings pending_legs holds payments)
NOAUDIT_TABLES=$(audited_tables "${LEDGER_TABLES[@]}" | tr '\n' ' ')

# the relations a workload writes, whose growth after VACUUM is its disk
# bytes per call: fintech's whole schema (ledger and audit log), the plain
# baselines' ledger tables, the commit floor's table, pgledger's schema
relations_of() {
	case $1 in
	floor) echo "n.nspname = 'bench_plain' AND c.relname = 'floor'" ;;
	plain_transfer | plpgsql_transfer | plain_batch) echo "n.nspname = 'bench_plain' AND c.relname <> 'floor'" ;;
	pgledger) echo "n.nspname = 'pgledger'" ;;
	*) echo "n.nspname = 'fintech'" ;;
	esac
}
disk_bytes() { # disk_bytes WORKLOAD: tables with their indexes and TOAST
	ft_psql -Atc "SELECT coalesce(sum(pg_catalog.pg_total_relation_size(c.oid)), 0)
	                FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	               WHERE c.relkind IN ('r', 'm') AND $(relations_of "$1")"
}


# wal_without_images LSN0 LSN1 CALLS: WAL bytes per call between the two
# positions less the full-page images' (pg_waldump --stats); empty when
# pg_waldump cannot tell
wal_without_images() {
	local i
	[ -n "$3" ] || return 0
	# pg_waldump reads the files: the end must be flushed, or it fails on
	# the unwritten record there (the background jobs' WAL can sit in the
	# buffers until the WAL writer's next round, wal_writer_delay); and a
	# failure leaves the column empty rather than stopping the whole run
	# (under set -e a failed command substitution did, at random)
	for i in $(seq 1 50); do
		[ "$(ft_psql -Atc "SELECT pg_current_wal_flush_lsn() >= '$2'::pg_lsn")" = t ] && break
		sleep 0.1
	done
	{ "$PG_BIN/pg_waldump" --stats -p "$FT_PGDATA/pg_wal" -s "$1" -e "$2" 2>/dev/null || true; } |
		awk -v calls="$3" '$1 == "Total" { gsub(/\[[^]]*\]/, ""); printf "%.0f\n", $3 / calls }'
}

# run_one SCRIPT CLIENTS: one pgbench run, then seal, VACUUM and CHECKPOINT
run_one() {
	local script=$1 n=$2 j log err rc=0 tps lat failed processed before after waitsum
	local busy0 busy1 ours0 ours1 wall0 wall1 other file=$1 key=$1,$2
	j=$((n < 2 ? n : 2))
	local lsn0 lsn1 wal cpu disk0 disk1 disk opts=
	# X_noaudit: X.sql with the ledger's audit triggers off
	case $script in *_noaudit)
		file=${script%_noaudit}
		audit_triggers DISABLE "${LEDGER_TABLES[@]}"
		;;
	batch_pair) file=batch ;;   # the concurrency pair below
	esac
	[ "$script" = pgledger ] && opts=$PGLEDGER_OPTS
	log=$LOGS/$script-c$n.log
	err=$LOGS/$script-c$n.err
	printf '%-16s clients %2d ... ' "$script" "$n" >&2
	before=$(last_entry_id)
	disk0=$(disk_bytes "$script")
	lsn0=$(ft_psql -Atc 'SELECT pg_current_wal_insert_lsn()')
	busy0=$(cpu_busy) ours0=$(cluster_ticks) wall0=$(date +%s.%N)
	sample_waits "$((DURATION - 1))" >"$LOGS/$script-c$n.waits" &
	local sampler=$!
	(
		r=0
		PGOPTIONS=$opts ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$n" -j "$j" \
			-f "$BENCH/$file.sql" postgres >"$log" 2>"$err" || r=$?
		times >"$LOGS/$script-c$n.times"
		exit $r
	) || rc=$?
	wait "$sampler" || true
	# what the sealer has not yet sealed was written by this run
	ft_psql -Atc 'SELECT fintech.seal_audit()' >/dev/null || ODD+=("$script, $n clients: seal_audit() failed")
	sleep 0.3   # let the postmaster reap the pgbench sessions
	busy1=$(cpu_busy) ours1=$(cluster_ticks) wall1=$(date +%s.%N)
	other=$(other_cpu "$busy0" "$busy1" "$ours0" "$ours1" "$LOGS/$script-c$n.times" "$wall0" "$wall1")
	[ "$other" -le 15 ] || ODD+=("$script, $n clients: other processes used ${other}% of a CPU during the run")
	after=$(last_entry_id)
	lsn1=$(ft_psql -Atc 'SELECT pg_current_wal_insert_lsn()')
	waitsum=$(cat "$LOGS/$script-c$n.waits")
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$log")
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
	processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	[ "${processed:-0}" -gt 0 ] || processed=
	# WAL bytes per call: the run's own, the background jobs' (sealer,
	# fold) during the run and the sealing of its backlog included
	wal=$(ft_psql -Atc "SELECT round(pg_wal_lsn_diff('$lsn1', '$lsn0') / ${processed:-NULL})")
	# the same without the full-page images (pg_waldump --stats' FPI
	# size): every run starts after a CHECKPOINT, so images of the pages it
	# touches first weigh more in a short run than between production's
	# checkpoints minutes apart; reported beside the WAL, not instead
	walnf=$(wal_without_images "$lsn0" "$lsn1" "${processed:-}")
	# the server's CPU time per call, ms: user + system time of the
	# postmaster and all its processes (backends, background jobs, the
	# sealing of the backlog) between the two samples, from /proc, less
	# what the idle cluster uses in that time
	cpu=$(awk -v t=$((ours1 - ours0)) -v hz="$HZ" -v p="${processed:-0}" -v idle="$IDLE_MS" \
		-v w0="$wall0" -v w1="$wall1" \
		'BEGIN { if (p > 0) printf "%.3f\n", (1000 * t / hz - idle * (w1 - w0)) / p }')
	ft_psql -c 'VACUUM'
	disk1=$(disk_bytes "$script")
	disk=$(awk -v a="$disk0" -v b="$disk1" -v p="${processed:-0}" 'BEGIN { if (p > 0) printf "%.0f\n", (b - a) / p }')
	[ -n "$tps" ] || tps=0
	[ "$rc" -eq 0 ] || ODD+=("$script, $n clients: pgbench exited with $rc")
	[ "${failed:-0}" -eq 0 ] || ODD+=("$script, $n clients: $failed failed transactions")
	if grep -qv '^pgbench: warning' "$err" 2>/dev/null && [ -s "$err" ]; then
		ODD+=("$script, $n clients: pgbench said: $(grep -v '^pgbench: warning' "$err" | head -3 | tr '\n' ' ')")
	fi
	case $script in
	transfer | transfer_noaudit | hot_fee | batch | batch_noaudit | batch_pair | batch_disjoint)
		# every processed call must have written its entries (a refused
		# batch item does not fail the call, so count them)
		local per=1
		case $file in batch | batch_disjoint) per=1000 ;; esac
		if [ -n "$processed" ] && [ $((after - before)) -ne $((processed * per)) ]; then
			ODD+=("$script, $n clients: $((after - before)) entries written for $processed calls x $per")
		fi
		;;
	esac
	[ "$file" != "$script" ] && audit_triggers ENABLE "${LEDGER_TABLES[@]}"
	TPSL[$key]="${TPSL[$key]:-} $tps"
	WALL[$key]="${WALL[$key]:-} ${wal:-}"
	WALNFL[$key]="${WALNFL[$key]:-} ${walnf:-}"
	CPUL[$key]="${CPUL[$key]:-} ${cpu:-}"
	DISKL[$key]="${DISKL[$key]:-} ${disk:-}"
	LAT[$key]=${lat:-?}
	WAITS[$key]=${waitsum:-?}
	printf 'tps %s, WAL %s B (%s without images), CPU %s ms, disk %s B per call (other CPU %s%%)\n' "$tps" "${wal:-?}" "${walnf:-?}" "${cpu:-?}" "${disk:-?}" "$other" >&2
	local label=$script
	[ "$ROUNDS" -gt 1 ] && label="$script (round $ROUND)"
	RAW+=("| $label | $n | $(printf '%.0f' "$tps") | ${lat:-?} | ${failed:-?} | ${wal:-?} | ${walnf:-?} | ${cpu:-?} | ${disk:-?} | ${waitsum:-?} | ${other}% |")
	ft_psql -c 'CHECKPOINT'
}

# The plain baselines run on a ledger as big as fintech's.  fintech's
# tables get two to three times the history of bench_plain's in a round
# (transfer, transfer_noaudit, pay, hot_fee, batch, batch_noaudit and
# batch_pair all write them; plain_transfer, plpgsql_transfer and
# plain_batch write bench_plain), and a bigger account-history index means
# more full-page images per call after each CHECKPOINT: compared as they
# grew, a transfer paid for the runs before it.  So before plain_transfer
# (which runs just before transfer, with nothing writing fintech's
# ledger in between) and before plain_batch (against the size fintech's
# ledger had when batch started), plain_topup copies fintech's next
# wallet postings (and an entry for each of their entries) into
# bench_plain until it holds as many postings, then VACUUM and CHECKPOINT,
# as after every run.  A plain ledger already as big is left as it is.
COPIED_ENTRY=0      # fintech's entries copied so far: the next copy starts after it
TOPUPS=()           # what plain_topup did, for the report
ledger_postings() { # ledger_postings SCHEMA: its postings, a count
	ft_psql -Atc "SELECT count(*) FROM $1.postings"
}
plain_topup() {     # plain_topup TARGET CLIENTS
	local need have
	have=$(ledger_postings bench_plain)
	need=$(($1 - have))
	[ "$need" -gt 0 ] || return 0
	COPIED_ENTRY=$(ft_psql -Atc "
	  WITH src AS (
	    SELECT p.entry_id, p.leg, pg_catalog.substr(a.code, 2)::bigint AS acct,
	           p.amount, p.balance_after
	      FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id
	     WHERE p.entry_id > $COPIED_ENTRY AND a.code ~ '^w[0-9]+\$'
	     ORDER BY p.entry_id, p.leg LIMIT $need
	  ), ents AS (
	    SELECT entry_id, nextval('bench_plain.entries_id_seq') AS id
	      FROM (SELECT DISTINCT entry_id FROM src) d
	  ), e AS (
	    INSERT INTO bench_plain.entries (id, description) SELECT id, 'history' FROM ents
	  ), p AS (
	    INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after)
	    SELECT ents.id, src.leg, src.acct, src.amount, src.balance_after
	      FROM src JOIN ents USING (entry_id)
	  )
	  SELECT coalesce(max(entry_id), $COPIED_ENTRY) FROM src")
	ft_psql -c 'VACUUM bench_plain.entries, bench_plain.postings' -c 'CHECKPOINT'
	TOPUPS+=("$2 clients: $need postings copied (bench_plain had $have, fintech $1)")
}

# the idle cluster's own CPU (the background jobs' polling, the wait
# sampler): measured for 5 s before the runs and subtracted from each
# run's CPU time, so that CPU per call is what the calls cost
ft_log "the idle cluster's CPU, 5 s" >&2
ft_psql -c 'VACUUM' -c 'CHECKPOINT'
ours0=$(cluster_ticks) wall0=$(date +%s.%N)
sample_waits 5 >/dev/null
ours1=$(cluster_ticks) wall1=$(date +%s.%N)
IDLE_MS=$(awk -v t=$((ours1 - ours0)) -v hz="$HZ" -v w0="$wall0" -v w1="$wall1" \
	'BEGIN { printf "%.1f\n", 1000 * t / hz / (w1 - w0) }')   # ms of CPU per second
echo "idle cluster: $IDLE_MS ms of CPU per second" >&2

ft_log "runs: ${DURATION} s each, clients $CLIENTS" >&2
T0=$SECONDS
LOAD0=$(uptime | sed 's/.*load average/load average/')
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
WORKLOADS="floor plain_transfer plpgsql_transfer transfer transfer_noaudit pay hot_fee batch batch_noaudit plain_batch"
if [ -n "$PGLEDGER_SRC" ]; then
	WORKLOADS="floor plain_transfer plpgsql_transfer pgledger transfer transfer_noaudit pay hot_fee batch batch_noaudit plain_batch"
else
	ODD+=("pgledger not measured: no pgledger.sql in ${PGLEDGER_DIR:-test/bench/pgledger} (set PGLEDGER_DIR; see docs/benchmarks.md)")
fi
# BENCH_WORKLOADS="transfer transfer_noaudit ...": only these, in this order
# (a side-by-side comparison of two builds need not run all of them)
if [ -n "${BENCH_WORKLOADS:-}" ]; then
	for script in $BENCH_WORKLOADS; do
		case " $WORKLOADS batch_pair batch_disjoint " in
		*" $script "*) ;;
		*) ft_die "BENCH_WORKLOADS: no workload '$script'" ;;
		esac
	done
	WORKLOADS=$BENCH_WORKLOADS
	case " $WORKLOADS " in *" batch_pair "*) PAIR=1 ;; *) PAIR= ;; esac
	WORKLOADS=$(echo " $WORKLOADS " | sed 's/ batch_pair / /g')
	ODD+=("only these workloads (BENCH_WORKLOADS): $WORKLOADS")
fi
PAIR=${PAIR-1}
for ROUND in $(seq 1 "$ROUNDS"); do
	[ "$ROUNDS" -gt 1 ] && ft_log "round $ROUND of $ROUNDS" >&2
	for n in $CLIENTS; do
		for script in $WORKLOADS; do
			case $script in
			transfer) SIZE_AT_TRANSFER=$(ledger_postings fintech) ;;
			batch) SIZE_AT_BATCH=$(ledger_postings fintech) ;;
			plain_transfer) plain_topup "$(ledger_postings fintech)" "$n" ;;
			plain_batch) plain_topup "${SIZE_AT_BATCH:-0}" "$n" ;;
			esac
			run_one "$script" "$n"
		done
	done
	# two concurrent batches vs one: batch.sql at 1 and at 2 clients back
	# to back (batch_pair), so that both find the tables the same size (the
	# batch runs above are minutes apart, and the later ones find bigger
	# indexes: more full-page images per transfer); the order alternates
	# from round to round
	if [ -z "$PAIR" ]; then
		:
	elif [ $((ROUND % 2)) -eq 1 ]; then
		run_one batch_pair 1
		run_one batch_pair 2
	else
		run_one batch_pair 2
		run_one batch_pair 1
	fi
done
# median VALUES...: the median of the numbers (empty when there are none)
median() {
	printf '%s\n' "$@" | grep -E '^-?[0-9.]+$' | sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
for key in "${!TPSL[@]}"; do
	# shellcheck disable=SC2086   # the lists split into their values
	TPS[$key]=$(median ${TPSL[$key]})
	# shellcheck disable=SC2086
	WAL[$key]=$(median ${WALL[$key]} | awk '{ printf "%.0f\n", $1 }')
	# shellcheck disable=SC2086
	WALNF[$key]=$(median ${WALNFL[$key]} | awk '{ printf "%.0f\n", $1 }')
	# shellcheck disable=SC2086
	CPU[$key]=$(median ${CPUL[$key]} | awk '{ printf "%.3f\n", $1 }')
	# shellcheck disable=SC2086
	DISK[$key]=$(median ${DISKL[$key]} | awk '{ printf "%.0f\n", $1 }')
done

# workload 6: screen_name over the full SDN list (when $OFAC_DIR has it),
# latency percentiles from pgbench's per-transaction log
OFAC_DIR=$(ofac_dir)
SCREEN=()
if [ -r "$OFAC_DIR/sdn.csv" ] && [ -r "$OFAC_DIR/alt.csv" ] && [ -r "$OFAC_DIR/add.csv" ]; then
	ft_log "screen_name over the full SDN list ($OFAC_DIR)" >&2
	mkdir -p "$FT_WORK/ofac" && cp "$OFAC_DIR"/sdn.csv "$OFAC_DIR"/alt.csv "$OFAC_DIR"/add.csv "$FT_WORK/ofac/"
	cp "$BENCH/screening/positives.csv" "$BENCH/screening/negatives.csv" "$FT_WORK/ofac/"
	chown -R postgres: "$FT_WORK/ofac" 2>/dev/null || true
	(cd "$FT_WORK/ofac" && ft_psql -d postgres >&2) <<'EOSQL'
\set sdn `cat sdn.csv`
\set alt `cat alt.csv`
\set add `cat add.csv`
SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add') AS entities;
CREATE TABLE bench_names (i serial PRIMARY KEY, q text, x1 text, x2 text);
\copy bench_names (q, x1, x2) FROM 'positives.csv' CSV HEADER
\copy bench_names (q, x1) FROM 'negatives.csv' CSV HEADER
EOSQL
	NQ=$(ft_psql -Atc 'SELECT count(*) FROM bench_names')
	printf '\\set r random(1, %s)\nSELECT * FROM bench_names b, fintech.screen_name(b.q) WHERE b.i = :r;\n' "$NQ" \
		>"$LOGS/screen.sql"
	for n in $CLIENTS; do
		j=$((n < 2 ? n : 2))
		rm -f "$LOGS"/screenlog.*
		printf '%-15s clients %2d ... ' screen_name "$n" >&2
		ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$n" -j "$j" -l \
			--log-prefix="$LOGS/screenlog" -f "$LOGS/screen.sql" postgres \
			>"$LOGS/screen-c$n.log" 2>"$LOGS/screen-c$n.err" || ODD+=("screen_name, $n clients: pgbench failed")
		# column 3 of the per-transaction log: latency in microseconds
		row=$(cat "$LOGS"/screenlog.* | awk '{print $3}' | sort -n | awk -v n="$n" '
			{ a[NR] = $1 } END {
				if (NR == 0) { print "| " n " | 0 | — | — | — | missed |"; exit }
				p50 = a[int(NR * 0.50) + 1] / 1000; p95 = a[int(NR * 0.95) + 1] / 1000
				p99 = a[int(NR * 0.99) + 1] / 1000
				printf "| %d | %d | %.2f | %.2f | %.2f | %s |\n", n, NR, p50, p95, p99,
					(p95 <= 5 ? "met" : "missed") }')
		SCREEN+=("$row")
		echo "$row" >&2
	done
else
	ODD+=("screen_name not measured: no readable sdn.csv, alt.csv, add.csv in ${OFAC_DIR:-test/bench/ofac} (set OFAC_DIR; see docs/benchmarks.md)")
fi

# the ledger is still consistent after all that (deferred fee postings folded first)
ft_log "fold deferred postings, check_ledger()" >&2
ft_psql -Atc "SELECT fintech.run_job('fold_postings')" >/dev/null ||
	ODD+=("run_job('fold_postings') failed")
BAD=$(ft_psql -Atc "SELECT check_name || ': ' || detail FROM fintech.check_ledger() WHERE NOT ok") ||
	BAD="check_ledger() failed"
[ -z "$BAD" ] || ODD+=("check_ledger: $BAD")
echo "(runs and check took $((SECONDS - T0)) s)" >&2
LOAD1=$(uptime | sed 's/.*load average/load average/')
STATS=$(ft_psql -Atc "SELECT format('%s entries, %s postings', (SELECT count(*) FROM fintech.entries), (SELECT count(*) FROM fintech.postings))")

ratio() { # ratio A B [TARGET] -> "1.23× (target ≥ 1.0×: met)", or "1.23×" without one
	awk -v a="$1" -v b="$2" -v t="${3:-}" 'BEGIN {
		if (a == "" || b == "" || b <= 0) { print "—"; exit }
		r = a / b
		if (t == "") { printf "%.2f×\n", r; exit }
		printf "%.2f× (target ≥ %s×: %s)\n", r, t, (r >= t ? "met" : "missed")
	}'
}
# costratio A B [TARGET] -> "1.80×" or "1.80× (target ≤ 2×: met)": a cost
# (WAL, CPU, disk) of transfer over that of another workload
costratio() {
	awk -v a="$1" -v b="$2" -v t="${3:-}" 'BEGIN {
		if (a == "" || b == "" || a == "?" || b == "?" || b <= 0) { print "—"; exit }
		r = a / b
		if (t == "") printf "%.2f×\n", r
		else printf "%.2f× (target ≤ %s×: %s)\n", r, t, (r <= t ? "met" : "missed")
	}'
}
int() { printf '%.0f' "${1:-0}"; }
# per WORKLOAD N VALUE: VALUE per transfer (a batch call is 1,000 transfers)
per() {
	case $1 in batch* | plain_batch) awk -v v="$2" 'BEGIN { if (v == "?" || v == "") print "?"; else printf "%.4g\n", v / 1000 }' ;;
	*) echo "$2" ;; esac
}
tps_of() { echo "${TPS[$1,$2]:-0}"; }
# ran W... N: every workload W was measured at N clients (a row of the
# ratio table is printed only then: BENCH_WORKLOADS may leave some out)
ran() {
	local n=${*: -1} w
	for w in "${@:1:$#-1}"; do [ -n "${TPS[$w,$n]:-}" ] || return 1; done
}

{
	echo "## Ledger, payments and audit throughput, $STARTED"
	echo
	echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs," \
		"$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
	echo "- load (uptime) before the build: $LOADB; when the runs started: $LOAD0; when they ended: $LOAD1"
	echo "- tree: $TREE; sha1 of the built src/, sql/, Makefile, control: $SRC_DIGEST"
	echo "- server: $(ft_psql -Atc 'SELECT version()' | sed 's/ on .*//'), fintech $(ft_psql -Atc 'SELECT fintech.version()')"
	echo "- pgledger: ${PGLEDGER_REV:-not measured}"
	echo "- settings (beside lib.sh's max_connections = 60):" \
		"$(printf '%s; ' "${SETTINGS[@]}" | sed 's/; $//')"
	echo "- each run: \`pgbench -n -M prepared -T $DURATION -c N -j min(N,2) -f test/bench/<script>.sql\`," \
		"then \`fintech.seal_audit()\`, VACUUM and CHECKPOINT"
	echo "- the plain ledger topped up to fintech's size before plain_transfer and plain_batch (plain_topup):" \
		"$([ ${#TOPUPS[@]} -gt 0 ] && printf '%s; ' "${TOPUPS[@]}" | sed 's/; $//' || echo 'nothing to copy')"
	echo "- the _noaudit runs disable the capture triggers of fintech.{$(printf "%s" "$NOAUDIT_TABLES" | sed "s/ $//; s/ /,/g")}"
	echo "- command: \`$([ "$ROUNDS" -gt 1 ] && echo "BENCH_ROUNDS=$ROUNDS ")bash test/bench/run.sh $DURATION $CLIENTS\`$([ "$ROUNDS" -gt 1 ] && echo "; tps, WAL, CPU and disk below are the medians of the $ROUNDS rounds (each round: every workload once)")"
	echo
	echo "| workload | clients | tps | baseline tps | ratio |"
	echo "|---|---:|---:|---:|---|"
	for n in $CLIENTS; do
		t=$(tps_of transfer "$n") p=$(tps_of plain_transfer "$n") f=$(tps_of floor "$n")
		h=$(tps_of hot_fee "$n") b=$(tps_of batch "$n")
		ran transfer plain_transfer "$n" && echo "| transfer vs plain SQL, one statement (plain_transfer) | $n | $(int "$t") | $(int "$p") | $(ratio "$t" "$p" 1.0) |"
		ran transfer plpgsql_transfer "$n" && echo "| transfer vs PL/pgSQL function (plpgsql_transfer) | $n | $(int "$t") | $(int "$(tps_of plpgsql_transfer "$n")") | $(ratio "$t" "$(tps_of plpgsql_transfer "$n")" 1.0) |"
		ran transfer pgledger "$n" && echo "| transfer vs pgledger (pgledger_create_transfer) | $n | $(int "$t") | $(int "$(tps_of pgledger "$n")") | $(ratio "$t" "$(tps_of pgledger "$n")" 1.0) |"
		ran transfer floor "$n" && echo "| transfer vs bare INSERT (floor) | $n | $(int "$t") | $(int "$f") | $(ratio "$t" "$f" 0.66) |"
		ran transfer hot_fee "$n" && echo "| hot fee (3-leg post) vs transfer | $n | $(int "$h") | $(int "$t") | $(ratio "$h" "$t" 0.8) |"
		ran transfer pay "$n" && echo "| pay vs transfer | $n | $(int "$(tps_of pay "$n")") | $(int "$t") | $(ratio "$(tps_of pay "$n")" "$t" 0.8) |"
		ran transfer transfer_noaudit "$n" && echo "| transfer, audit on vs off (transfer_noaudit) | $n | $(int "$t") | $(int "$(tps_of transfer_noaudit "$n")") | $(ratio "$t" "$(tps_of transfer_noaudit "$n")" 0.90) |"
		bt=$(awk -v b="$b" 'BEGIN { printf "%.0f", b * 1000 }')
		ran batch "$n" && echo "| batch of 1,000, transfers/s | $n | $bt | — | $(awk -v x="$bt" -v t="$BATCH_TARGET" 'BEGIN {
			printf "%.2f× of the %d/s target: %s\n", x / t, t, (x >= t ? "met" : "missed") }') |"
		bt=$(awk -v b="$(tps_of batch_noaudit "$n")" 'BEGIN { printf "%.0f", b * 1000 }')
		ran batch_noaudit "$n" && echo "| batch of 1,000 without audit (batch_noaudit), transfers/s | $n | $bt | — | $(awk -v x="$bt" -v t="$BATCH_TARGET" 'BEGIN {
			printf "%.2f× of the %d/s target (not the installed configuration)\n", x / t, t }') |"
		ran batch batch_noaudit "$n" && echo "| batch, audit on vs off, transfers/s | $n | $(int "$(awk -v b="$b" 'BEGIN { print b * 1000 }')") | $bt | $(ratio "$b" "$(tps_of batch_noaudit "$n")" 0.90) |"
		pb=$(tps_of plain_batch "$n")
		ran batch plain_batch "$n" && echo "| batch vs plain SQL batch, one statement (plain_batch), transfers/s | $n | $(int "$(awk -v b="$b" 'BEGIN { print b * 1000 }')") | $(int "$(awk -v b="$pb" 'BEGIN { print b * 1000 }')") | $(ratio "$b" "$pb") |"
	done
	for n in $CLIENTS; do
		[ "$n" -gt 1 ] || continue
		b1=$(tps_of batch_disjoint 1) b2=$(tps_of batch_disjoint "$n")
		ran batch_disjoint 1 && ran batch_disjoint "$n" && echo "| $n concurrent batches over disjoint accounts vs one (batch_disjoint at $n clients vs 1), transfers/s | $n | $(int "$(awk -v b="$b2" 'BEGIN { print b * 1000 }')") | $(int "$(awk -v b="$b1" 'BEGIN { print b * 1000 }')") | $(ratio "$b2" "$b1" 1.0) |"
	done
	b1=$(tps_of batch_pair 1) b2=$(tps_of batch_pair 2)
	ran batch_pair 1 && ran batch_pair 2 && echo "| two concurrent batches vs one (batch.sql at 2 clients vs 1, run back to back), transfers/s | 2 | $(int "$(awk -v b="$b2" 'BEGIN { print b * 1000 }')") | $(int "$(awk -v b="$b1" 'BEGIN { print b * 1000 }')") | $(ratio "$b2" "$b1" 1.0) |"
	echo
	echo "Cost per transfer (a batch call counts as 1,000 transfers): WAL bytes written during the run and the" \
		"sealing of its backlog; the server's CPU time (user + system time of all the cluster's processes from" \
		"/proc, background jobs and the sealing of the run's backlog included, less the idle cluster's $IDLE_MS ms per second); disk bytes = growth after VACUUM of the relations the workload writes" \
		"(fintech: the whole schema, ledger and audit log; plain baselines: bench_plain's ledger tables;" \
		"pgledger: its schema), tables with indexes and TOAST. The last three columns: transfer's cost over this" \
		"workload's (targets of issue 18: WAL ≤ 2× and disk ≤ 3× the one-statement plain SQL's)."
	echo
	echo "| workload | clients | tps | WAL B | WAL B without images | CPU ms | disk B | transfer's WAL × | without images × | transfer's CPU × | transfer's disk × |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in $CLIENTS; do
		tw=${WAL[transfer,$n]:-} tn=${WALNF[transfer,$n]:-} tc=${CPU[transfer,$n]:-} td=${DISK[transfer,$n]:-}
		for w in transfer plain_transfer plpgsql_transfer pgledger transfer_noaudit floor batch batch_noaudit plain_batch batch_disjoint; do
			[ -n "${TPS[$w,$n]:-}" ] || continue
			wl=$(per "$w" "${WAL[$w,$n]}") wn=$(per "$w" "${WALNF[$w,$n]:-}") c=$(per "$w" "${CPU[$w,$n]}") d=$(per "$w" "${DISK[$w,$n]}")
			tgt_w='' tgt_d=''
			[ "$w" = plain_transfer ] && tgt_w=2 tgt_d=3
			echo "| $w | $n | $(int "${TPS[$w,$n]}") | $wl | $wn | $c | $d | $(costratio "$tw" "$wl" "$tgt_w") | $(costratio "$tn" "$wn") | $(costratio "$tc" "$c") | $(costratio "$td" "$d" "$tgt_d") |"
		done
	done
	if [ ${#SCREEN[@]} -gt 0 ]; then
		echo
		echo "screen_name over the full SDN list (13,821 entities, 30,912 names; a random query of the 6,000 of" \
			"test/bench/screening per call; latency in ms from pgbench's per-transaction log):"
		echo
		echo "| clients | calls | p50 | p95 | p99 | target p95 ≤ 5 ms |"
		echo "|---:|---:|---:|---:|---:|---|"
		printf '%s\n' "${SCREEN[@]}"
	fi
	echo
	echo "Each run (tps = calls per second; wait events: share of 100 ms samples of the pgbench sessions;" \
		"WAL bytes/call: WAL written during the run and the sealing of its backlog, background jobs included, per call;" \
		"CPU ms/call: the server's CPU time per call (less the idle cluster's); disk bytes/call: growth after VACUUM, per call;" \
		"other CPU: what processes outside the cluster and pgbench used, in % of one CPU):"
	echo
	echo "| script | clients | tps | latency ms | failed | WAL bytes/call | without images | CPU ms/call | disk bytes/call | wait events | other CPU |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
	printf '%s\n' "${RAW[@]}"
	echo
	echo "After the runs: $STATS; check_ledger(): $([ -z "$BAD" ] && echo 'all ok' || echo 'NOT OK')."
	print_anomalies "No failed transactions, no pgbench errors."
} | tee "$OUT"
echo "(written to $OUT)" >&2
