#!/usr/bin/env bash
# test/bench/callgrind.sh — CPU instructions per call of fintech's hot paths,
# counted by valgrind's callgrind in a single-user backend: repeatable for
# the same build whatever else the machine does, so two builds compare to
# a fraction of a percent (tps on a shared 2-core machine move ±15 %).
#
#   bash test/bench/callgrind.sh BINDIR [BINDIR...]
#
# BINDIR: the bin directory of a PostgreSQL 15 where a fintech build is
# installed (make install PG_CONFIG=BINDIR/pg_config); to compare two trees,
# install each into its own copy of the server.  Per BINDIR and workload it
# runs 200 and then 1,200 calls (each statement its own transaction,
# fsync off, no background worker; every workload on a copy of the same
# freshly set up data directory) and reports (I(1200) - I(200)) / 1000:
# start-up, plan preparation and warm-up cancel out; both runs start from a
# copy of the same data directory.  The WAL the calls
# wrote is counted the same way (pg_current_wal_insert_lsn before and
# after each run; bytes per call, full-page images included).
#   transfer      fintech.transfer between 'bank' and one of 100 wallets
#   transfer_key  the same with a fresh idempotency_key per call
#   transfer_pair fintech.transfer of 1 between two of the 1,200 funded
#                 wallets 'n0'..'n1199', each used once in 600 calls: no
#                 account the session used lately, so both are locked by
#                 their update, as in run.sh's random transfers (not in
#                 the default list)
#   plain_transfer the baseline of transfer_pair: test/bench/plain_transfer.sql's
#                 one statement (a data-modifying CTE: the entry, the two
#                 accounts' updates with the min_balance check, the two
#                 postings) on setup.sql's bench_plain tables (1,200
#                 accounts with ids 1..1200, the same pairs as
#                 transfer_pair: i mod 1200 + 1 to (i + 600) mod 1200 + 1),
#                 PREPAREd once and EXECUTEd per call, as run.sh's
#                 pgbench -M prepared sends it; the instructions that
#                 fintech's transfer spends beyond plain SQL are
#                 transfer_prep's minus this (not in the default list)
#   transfer_prep transfer_pair's calls through a statement PREPAREd once,
#                 SELECT fintech.transfer('n' || $1, 'n' || $2, 1), and
#                 EXECUTEd per call, as run.sh's pgbench -M prepared sends
#                 transfer.sql: transfer_pair without the parsing and
#                 planning of a literal SELECT every call (not in the
#                 default list)
#   capture       a hold (transfer with pending_for) and its post_pending
#                 in one statement
#   capture_key   the same with a fresh key on both calls
#   pay           fintech.pay with a fresh key
#   post3         a 3-leg fintech.post
#   screen        fintech.screen_name over the repository's SDN slice (or
#                 the lists of CALLGRIND_OFAC_DIR / CALLGRIND_UN_XML)
#   screen_eval   screen_name(q) for the evaluation set's queries
#                 (test/bench/screening: positive 1, negative 1, positive
#                 2 ...; call i screens query i); meant with the full
#                 lists (CALLGRIND_OFAC_DIR) (not in the default list)
#   screen_xs     screen_name(q) for the cross-script pairs' names in
#                 their own script (crossscript_un.csv, then
#                 crossscript_curated.csv; call i screens name i mod 423)
#                 (not in the default list)
#   pay_3lim      pay, with three limits that every payment passes (per
#                 payer 1,000,000 a day and 100,000 payments an hour, per
#                 payee 1,000,000 a day; test/bench/limits.sh's): keys seen
#                 before
#   pay_3lim_new  the same, each payment to a payee not paid before (a new
#                 payee key: 'n0' ... 'n1199')
#   pay_3lim_keys the same, each payment from a payer and to a payee not
#                 seen before (three new keys, as most payments of a short
#                 limits.sh run: 'n' wallets funded at the start of the run)
#   pay_keys      pay_3lim_keys without the limits (its baseline)
#   pay_eurlim    pay with the three limits of pay_3lim in EUR: none applies
#                 to these USD payments, which read their accounts' currency
#                 to know it (what the baseline of test/bench/limits_mixed.sh
#                 pays beside pay)
#   batch         fintech.transfer_batch of 1,000 transfers of 1 between
#                 pseudo-random pairs of 2,000 funded wallets ('b1'..'b2000',
#                 opened and funded at the start of each run, so that both
#                 runs pay the same and it cancels out); runs 2 and 12 calls
#                 instead of 200 and 1,200 and reports per TRANSFER:
#                 (I(12) - I(2)) / 10,000 (not in the default list)
#   plain_batch   batch's baseline: test/bench/plain_batch.sql's one
#                 statement (1,000 transfers of 1 written by hand into
#                 plain tables: entries, postings, each account updated
#                 once) on test/bench/setup.sql's bench_plain tables with
#                 2,000 accounts instead of 10,000 (created at the start of
#                 each run), so the gap between transfer_batch and the
#                 least plain SQL does for the same rows is a number; runs
#                 and reports as batch (per transfer) (not in the default
#                 list)
#   statement     SELECT count(*) FROM fintech.statement('hist', s, 50): a
#                 page of 50 postings of an account with 1,000 postings
#                 (every fourth of 4,000 transfers from 'bank', the others
#                 to the 100 wallets, written at the start of each run), s
#                 spread over its history (not in the default list)
#   balance_at    fintech.balance_at('hist', t), t one of its postings'
#                 stamps (or a microsecond after), spread over its history:
#                 the search of seq_at_time (not in the default list)
#   balance_now   fintech.balance_at('hist', now()): after its last
#                 posting, the common case (not in the default list)
#   seal          fintech.seal_audit() of a backlog of ledger entries' audit
#                 rows (transfer_batch calls of 1,000 transfers from 'bank'
#                 to the 100 wallets, written first, not counted): runs
#                 2,000 and 12,000 transfers, and reports per TRANSFER
#                 (per sealed row before 0.6.0's one audit row per batch,
#                 when each transfer had its own):
#                 (I(12,000) - I(2,000)) / 10,000, instructions counted
#                 inside fintech_seal_audit only (--toggle-collect), WAL
#                 from just before to just after the call (no full-page
#                 images: the rows' pages were written since the last
#                 checkpoint) (not in the default list; test/bench/seal.sh)
#   seal_fpi      the same with a CHECKPOINT between writing the rows and
#                 sealing them: the WAL includes the full-page images of
#                 every page the sealer changes first
#   seal_single   seal with a backlog of single fintech.transfer calls
#                 (one audit row each, entry_id set: what run.sh's
#                 transfer workload leaves to the sealer), per sealed row
#                 (not in the default list)
# (the limits are created at the start of each run and dropped at its end,
# so both runs pay the same first-payment costs and they cancel out)
# (transfer_key and capture_key are not in the default list:
# CALLGRIND_WORKLOADS="transfer transfer_key capture capture_key", as
# test/bench/keys.sh's CPU counterpart)
# CALLGRIND_WORKLOADS="transfer pay" runs only those; CALLGRIND_OUT=DIR keeps
# each run's callgrind output there (DIR/<n>-<workload>-<runs>.out, n the
# BINDIR's position) for callgrind_annotate; CALLGRIND_SETTINGS
# ("-c name=value ...") go to the backend, e.g. "-c fintech.events=off"
# (test/bench/events.sh compares events on and off this way).
# CALLGRIND_OFAC_DIR=DIR loads DIR's sdn.csv, alt.csv and add.csv (the
# full SDN list, docs/benchmarks.md) instead of the repository's slice,
# and CALLGRIND_UN_XML=FILE also the UN list (load_sanctions_un): each run
# then builds the index of the full list at its first call (both runs do,
# so it cancels out; it takes minutes under valgrind).
# CALLGRIND_CONSUMER=1 creates an event consumer in the data every workload
# starts from: without one, no event has a row (a database's events are
# written only while someone can read them), so measuring what events cost
# needs it (test/bench/events.sh's CPU counterpart).
# CALLGRIND_NOAUDIT=1 disables the capture trigger (fintech_audit) of the
# ledger's tables in the data every workload starts from: auditing off, as
# test/bench/run.sh's _noaudit workloads switch it off (only the capture;
# session_replication_role=replica also switches off the foreign keys and
# every other trigger).
# CALLGRIND_HISTORY=N gives batch's 2,000 wallets a history before the runs:
# they are opened and funded in the data every workload starts from, then
# N transfers of 1 between random pairs of them are written (transfer_batch
# calls of 1,000, through the server, not counted), sealed, VACUUMed and
# CHECKPOINTed; batch's runs then skip opening them.  Compares a batch on
# an empty ledger with one on a big one (docs/benchmarks.md, "Session 15:
# batches on a bigger ledger"); N=570000 gives each wallet ~570 postings,
# as run.sh's 10,000 wallets had in its second round.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BINDIR [BINDIR...]" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
AS=()
[ "$(id -u)" = 0 ] && AS=(runuser -u postgres --)
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

count() {	# count DIR BIN FILE [VALGRIND OPTIONS]: instructions and WAL bytes of one single-user run
	local pos
	"${AS[@]}" valgrind --tool=callgrind --callgrind-out-file="$1/cg.out" "${@:4}" \
		"$2/postgres" --single -D "$1/data" ${CALLGRIND_SETTINGS:-} postgres <"$3" >"$1/out.txt" 2>"$1/vg.txt"
	# the WAL position printed before and after the calls (see WALPOS below)
	read -r -a pos <<<"$(grep -Eo 'walpos[0-9]+' "$1/out.txt" | grep -Eo '[0-9]+' | tr '\n' ' ')"
	[ ${#pos[@]} -eq 2 ] || { echo "no WAL positions in $1/out.txt" >&2; exit 1; }
	echo "$(grep -Eo 'Collected : [0-9]+' "$1/vg.txt" | grep -Eo '[0-9]+') $((pos[1] - pos[0]))"
}
WALPOS="SELECT 'walpos' || (pg_current_wal_insert_lsn() - '0/0')::int8"
# plain_batch.sql's statement on one line (a single-user backend ends a
# statement at a newline), over 2,000 accounts instead of 10,000
PLAIN_BATCH=$(sed 's/--.*//' "$ROOT/test/bench/plain_batch.sql" | tr '\n' ' ' | sed 's/random() \* 10000/random() * 2000/g')

printf '| build | version | workload | instructions per call | WAL bytes per call |\n|---|---|---|---:|---:|\n'
nbin=0
for BIN in "$@"; do
	nbin=$((nbin + 1))
	D=$(mktemp -d /tmp/fintech-cg.XXXXXX)
	chmod 755 "$D"
	[ ${#AS[@]} -gt 0 ] && chown postgres "$D"
	"${AS[@]}" "$BIN/initdb" -D "$D/data" -A trust >/dev/null
	cat >>"$D/data/postgresql.conf" <<CONF
shared_preload_libraries = 'fintech'
fsync = off
synchronous_commit = off
listen_addresses = ''
unix_socket_directories = '$D'
port = 5990
CONF
	cp "${CALLGRIND_OFAC_DIR:-$ROOT/test/data/ofac}"/{sdn,alt,add}.csv "$D/" && chmod a+r "$D"/*.csv
	"${AS[@]}" "$BIN/pg_ctl" -D "$D/data" -l "$D/log" -w start >/dev/null
	ver=$("${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX \
		-c "CREATE EXTENSION fintech CASCADE" \
		-c "SELECT fintech.open_account('bank', 'USD', kind => 'asset', min_balance => NULL)" \
		-c "SELECT count(fintech.open_account('w' || i, 'USD')) FROM generate_series(0, 99) i" \
		-c "SELECT count(fintech.open_account('n' || i, 'USD')) FROM generate_series(0, 1199) i" \
		-c "SELECT count(*) FROM fintech.load_sanctions_ofac(pg_read_file('$D/sdn.csv'), pg_read_file('$D/alt.csv'), pg_read_file('$D/add.csv'))" \
		-c "SELECT extversion FROM pg_extension WHERE extname = 'fintech'" | tail -1)
	[ -n "${CALLGRIND_OFAC_DIR:-}" ] && ver="$ver, the SDN list of $CALLGRIND_OFAC_DIR"
	if [ -n "${CALLGRIND_UN_XML:-}" ]; then
		cp "$CALLGRIND_UN_XML" "$D/un.xml" && chmod a+r "$D/un.xml"
		"${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX -v ON_ERROR_STOP=1 \
			-c "SELECT fintech.load_sanctions_un(pg_read_file('$D/un.xml'))" >/dev/null
		ver="$ver, the UN list"
	fi
	# the queries of screen_eval and screen_xs, in a table of the data every workload starts from
	case " ${CALLGRIND_WORKLOADS:-} " in *" screen_eval "* | *" screen_xs "*)
		cp "$ROOT"/test/bench/screening/{positives,negatives,crossscript_un,crossscript_curated}.csv "$D/"
		chmod a+r "$D"/*.csv
		"${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX -v ON_ERROR_STOP=1 <<-SQL >/dev/null
			CREATE TEMP TABLE p (query text, expected_uid text, perturbation text);
			CREATE TEMP TABLE n (query text, kind text);
			CREATE TEMP TABLE x (ref text, latin text, original text, script text);
			\copy p FROM '$D/positives.csv' WITH (FORMAT csv, HEADER true)
			\copy n FROM '$D/negatives.csv' WITH (FORMAT csv, HEADER true)
			\copy x FROM '$D/crossscript_un.csv' WITH (FORMAT csv, HEADER true)
			\copy x FROM '$D/crossscript_curated.csv' WITH (FORMAT csv, HEADER true)
			CREATE TABLE cg_eval (id int PRIMARY KEY, query text NOT NULL);
			INSERT INTO cg_eval SELECT 2 * row_number() OVER () - 1, query FROM p;
			INSERT INTO cg_eval SELECT 2 * row_number() OVER (), query FROM n;
			CREATE TABLE cg_xs (id int PRIMARY KEY, query text NOT NULL);
			INSERT INTO cg_xs SELECT row_number() OVER () - 1, original FROM x;
			VACUUM ANALYZE cg_eval, cg_xs;
		SQL
		;;
	esac
	# plain_transfer's tables (setup.sql's bench_plain, 1,200 accounts)
	case " ${CALLGRIND_WORKLOADS:-} " in *" plain_transfer "*)
		"${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX -v ON_ERROR_STOP=1 <<-SQL >/dev/null
			CREATE SCHEMA bench_plain;
			CREATE TABLE bench_plain.accounts (id bigint PRIMARY KEY, code text UNIQUE,
			    balance bigint NOT NULL, min_balance bigint) WITH (fillfactor = 50);
			CREATE TABLE bench_plain.entries (id bigserial PRIMARY KEY, description text,
			    created_at timestamptz DEFAULT now());
			CREATE TABLE bench_plain.postings (entry_id bigint, leg int, account_id bigint,
			    amount bigint, balance_after bigint NOT NULL, PRIMARY KEY (entry_id, leg));
			CREATE INDEX ON bench_plain.postings (account_id);
			INSERT INTO bench_plain.accounts (id, code, balance, min_balance)
			SELECT i, 'w' || i, 1000000, 0 FROM generate_series(1, 1200) i;
			VACUUM ANALYZE bench_plain.accounts;
		SQL
		;;
	esac
	if [ -n "${CALLGRIND_CONSUMER:-}" ]; then
		"${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX -v ON_ERROR_STOP=1 \
			-c "SELECT fintech.create_consumer('callgrind')" >/dev/null
		ver="$ver, an event consumer"
	fi
	if [ -n "${CALLGRIND_NOAUDIT:-}" ]; then
		"${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX -v ON_ERROR_STOP=1 -c "DO \$\$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT tgrelid::regclass FROM pg_trigger
            WHERE tgname = 'fintech_audit'
              AND tgrelid = ANY (ARRAY['fintech.accounts', 'fintech.entries', 'fintech.holds', 'fintech.payments']::regclass[])
  LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER fintech_audit', t);
  END LOOP;
END \$\$"
		ver="$ver, audit triggers off"
	fi
	if [ -n "${CALLGRIND_HISTORY:-}" ]; then
		{
		echo "SELECT count(fintech.open_account('b' || i, 'USD')) FROM generate_series(1, 2000) i;"
		echo "SELECT count(*) FROM fintech.transfer_batch((SELECT array_agg('bank'::text) FROM generate_series(1, 2000)), (SELECT array_agg('b' || i) FROM generate_series(1, 2000) i), (SELECT array_agg(1000000::int8) FROM generate_series(1, 2000)));"
		echo "SELECT setseed(0.25);"
		for _ in $(seq 1 $((CALLGRIND_HISTORY / 1000))); do
			echo "SELECT count(*) FROM (SELECT array_agg('b' || d) d, array_agg('b' || (1 + (d + k) % 2000)) c, array_agg(1::int8) a FROM (SELECT 1 + floor(random() * 2000)::int d, 1 + floor(random() * 1999)::int k FROM generate_series(1, 1000)) r) s, fintech.transfer_batch(s.d, s.c, s.a) t;"
		done
		echo "SELECT fintech.seal_audit() >= 0;"
		echo "VACUUM;"
		echo "CHECKPOINT;"
		} | "${AS[@]}" "$BIN/psql" -h "$D" -p 5990 -d postgres -qAtX -v ON_ERROR_STOP=1 >/dev/null
		ver="$ver, a history of $CALLGRIND_HISTORY transfers among batch's wallets"
	fi
	"${AS[@]}" "$BIN/pg_ctl" -D "$D/data" -w stop >/dev/null
	# every workload starts from this state: what one run leaves behind
	# (dead row versions of 'bank', which every call updates; no autovacuum
	# in a single-user backend) must not make the next workload dearer
	"${AS[@]}" cp -a "$D/data" "$D/data0"
	for w in ${CALLGRIND_WORKLOADS:-transfer pay post3 screen}; do
		declare -A I=() W=()
		runs="200 1200" per=1000 vgopts=()
		case $w in batch | plain_batch) runs="2 12" per=10000 ;; esac
		case $w in seal | seal_fpi | seal_single) runs="2000 12000" per=10000 vgopts=(--toggle-collect=fintech_seal_audit) ;; esac
		for n in $runs; do
			# each run from that state, not from what the run before left
			# (batch opens its 2,000 wallets in each run: in the second run
			# they existed already, so the difference left out their opening)
			rm -rf "$D/data"
			"${AS[@]}" cp -a "$D/data0" "$D/data"
			{
			case $w in batch)
				if [ -z "${CALLGRIND_HISTORY:-}" ]; then
					echo "SELECT count(fintech.open_account('b' || i, 'USD')) FROM generate_series(1, 2000) i"
					echo "SELECT count(*) FROM fintech.transfer_batch((SELECT array_agg('bank'::text) FROM generate_series(1, 2000)), (SELECT array_agg('b' || i) FROM generate_series(1, 2000) i), (SELECT array_agg(1000000::int8) FROM generate_series(1, 2000)))"
				fi
				echo "SELECT setseed(0.5)"
				;;
			plain_batch)
				# setup.sql's plain tables, 2,000 accounts as batch's wallets
				sed -n '/^CREATE SCHEMA bench_plain/,/^SELECT i, .w. || i/p' "$ROOT/test/bench/setup.sql" |
					sed 's/--.*//; s/generate_series(1, 10000)/generate_series(1, 2000)/' | tr '\n' ' ' | sed 's/; */;\n/g'
				echo "VACUUM ANALYZE bench_plain.accounts"
				;;
			statement | balance_at | balance_now)
				echo "SELECT fintech.open_account('hist', 'USD') > 0"
				echo "SELECT count(fintech.transfer('bank', CASE WHEN i % 4 = 0 THEN 'hist' ELSE 'w' || (i % 100) END, 1)) FROM generate_series(1, 4000) i"
				echo "CREATE TABLE cg_at (i int PRIMARY KEY, t timestamptz)"
				echo "INSERT INTO cg_at SELECT p.seq, p.posted_at + (p.seq % 2) * interval '1 microsecond' FROM fintech.postings p JOIN fintech.accounts a ON a.id = p.account_id WHERE a.code = 'hist'"
				;;
			seal | seal_fpi)
				# the backlog: n rows, sealed by the one call measured below
				for _ in $(seq 1 $((n / 1000))); do
					echo "SELECT count(*) FROM fintech.transfer_batch((SELECT array_agg('bank'::text) FROM generate_series(1, 1000)), (SELECT array_agg('w' || (i % 100)) FROM generate_series(1, 1000) i), (SELECT array_agg(1::int8) FROM generate_series(1, 1000)))"
				done
				[ "$w" = seal_fpi ] && echo "CHECKPOINT"
				;;
			seal_single)
				# the backlog: n single transfers, one audit row each
				for _ in $(seq 1 $((n / 1000))); do
					echo "SELECT count(fintech.transfer('bank', 'w' || (i % 100), 1)) FROM generate_series(1, 1000) i"
				done
				;;
			esac
			echo "$WALPOS"
			case $w in transfer_prep) echo "PREPARE tp(int, int) AS SELECT fintech.transfer(debit_account => 'n' || \$1, credit_account => 'n' || \$2, amount => 1)" ;; esac
			case $w in pay_3lim_keys | pay_keys | transfer_pair | transfer_prep) echo "SELECT count(fintech.transfer('bank', 'n' || i, 10)) FROM generate_series(0, 1199) i" ;; esac
			case $w in plain_transfer) echo "PREPARE pt(int8, int8, int8, int8) AS WITH e AS (INSERT INTO bench_plain.entries (description) VALUES ('transfer') RETURNING id), lo AS (UPDATE bench_plain.accounts SET balance = balance + \$3 WHERE id = \$1 AND balance + \$3 >= min_balance RETURNING balance), hi AS (UPDATE bench_plain.accounts SET balance = balance + \$4 WHERE id = \$2 AND balance + \$4 >= min_balance RETURNING balance) INSERT INTO bench_plain.postings (entry_id, leg, account_id, amount, balance_after) VALUES ((SELECT id FROM e), 1, \$1, -1 * \$3, (SELECT balance FROM lo)), ((SELECT id FROM e), 2, \$2, -1 * \$4, (SELECT balance FROM hi))" ;; esac
			case $w in pay_3lim*) echo "SELECT fintech.create_limit('cg payer amount', 'payer', '1 day', max_amount => 1000000), fintech.create_limit('cg payer count', 'payer', '1 hour', max_count => 100000), fintech.create_limit('cg payee amount', 'payee', '1 day', max_amount => 1000000)" ;; esac
			case $w in pay_eurlim) echo "SELECT fintech.create_limit('cg payer amount', 'payer', '1 day', max_amount => 1000000, currency => 'EUR'), fintech.create_limit('cg payer count', 'payer', '1 hour', max_count => 100000, currency => 'EUR'), fintech.create_limit('cg payee amount', 'payee', '1 day', max_amount => 1000000, currency => 'EUR')" ;; esac
			case $w in seal | seal_fpi | seal_single) calls=1 ;; *) calls=$n ;; esac
			for i in $(seq 1 $calls); do
				case $w in
				seal | seal_fpi | seal_single) echo "SELECT 'sealed' || fintech.seal_audit()" ;;
				transfer) echo "SELECT fintech.transfer('bank', 'w$((i % 100))', 1)" ;;
				transfer_pair) echo "SELECT fintech.transfer('n$((i % 1200))', 'n$(((i + 600) % 1200))', 1)" ;;
				plain_transfer)
					a=$((i % 1200 + 1)) b=$(((i + 600) % 1200 + 1))
					lo=$((a < b ? a : b)) hi=$((a < b ? b : a))
					dlo=$((lo == a ? -1 : 1)) dhi=$((hi == b ? 1 : -1))
					echo "EXECUTE pt($lo, $hi, $dlo, $dhi)"
					;;
				transfer_prep) echo "EXECUTE tp($((i % 1200)), $(((i + 600) % 1200)))" ;;
				transfer_key) echo "SELECT fintech.transfer('bank', 'w$((i % 100))', 1, idempotency_key => 't$n-$i')" ;;
				capture) echo "SELECT fintech.post_pending(fintech.transfer('bank', 'w$((i % 100))', 1, pending_for => '1 hour'))" ;;
				capture_key) echo "SELECT fintech.post_pending(fintech.transfer('bank', 'w$((i % 100))', 1, pending_for => '1 hour', idempotency_key => 'a$n-$i'), idempotency_key => 'c$n-$i')" ;;
				pay) echo "SELECT * FROM fintech.pay('k$n-$i', 'bank', 'w$((i % 100))', 1)" ;;
				pay_3lim) echo "SELECT * FROM fintech.pay('l$n-$i', 'bank', 'w$((i % 100))', 1)" ;;
				pay_eurlim) echo "SELECT * FROM fintech.pay('u$n-$i', 'bank', 'w$((i % 100))', 1)" ;;
				pay_3lim_new) echo "SELECT * FROM fintech.pay('m$n-$i', 'bank', 'n$((i - 1))', 1)" ;;
				pay_keys) echo "SELECT * FROM fintech.pay('r$n-$i', 'n$((i - 1))', 'n$(((i + 599) % 1200))', 1)" ;;
				pay_3lim_keys) echo "SELECT * FROM fintech.pay('q$n-$i', 'n$((i - 1))', 'n$(((i + 599) % 1200))', 1)" ;;
				post3) echo "SELECT fintech.post(ARRAY[fintech.debit('bank', 2), fintech.credit('w$((i % 100))', 1), fintech.credit('w0', 1)])" ;;
				screen) echo "SELECT count(*) FROM fintech.screen_name('Nicolas Maduro $i')" ;;
				screen_eval) echo "SELECT count(*) FROM fintech.screen_name((SELECT query FROM cg_eval WHERE id = $i))" ;;
				screen_xs) echo "SELECT count(*) FROM fintech.screen_name((SELECT query FROM cg_xs WHERE id = $((i % 423))))" ;;
				statement) echo "SELECT count(*) FROM fintech.statement('hist', $(((i * 37) % 950)), 50)" ;;
				balance_at) echo "SELECT fintech.balance_at('hist', t) FROM cg_at WHERE i = $(((i * 37) % 1000 + 1))" ;;
				balance_now) echo "SELECT fintech.balance_at('hist', now())" ;;
				plain_batch) echo "$PLAIN_BATCH" ;;
				batch) echo "SELECT count(*) FILTER (WHERE t.error IS NULL) FROM (SELECT array_agg('b' || d) d, array_agg('b' || (1 + (d + k) % 2000)) c, array_agg(1::int8) a FROM (SELECT 1 + floor(random() * 2000)::int d, 1 + floor(random() * 1999)::int k FROM generate_series(1, 1000)) r) s, fintech.transfer_batch(s.d, s.c, s.a) t" ;;
				*) echo "unknown workload $w" >&2; exit 2 ;;
				esac
			done
			echo "$WALPOS"
			case $w in pay_3lim* | pay_eurlim) echo "SELECT fintech.drop_limit(name) FROM fintech.limits WHERE dropped_at IS NULL" ;; esac
			} >"$D/in.sql"
			r=$(count "$D" "$BIN" "$D/in.sql" "${vgopts[@]}")
			read -r "I[$n]" "W[$n]" <<<"$r"
			if [ -n "${CALLGRIND_OUT:-}" ]; then
				cp "$D/cg.out" "$CALLGRIND_OUT/$nbin-$w-$n.out"
			fi
		done
		read -r r1 r2 <<<"$runs"
		case $w in batch | plain_batch) unit=' (per transfer)' ;; seal | seal_fpi) unit=' (per transfer sealed)' ;; seal_single) unit=' (per sealed row)' ;; *) unit= ;; esac
		printf '| %s | %s | %s | %s | %s |\n' "$BIN" "$ver" "$w$unit" $(((I[$r2] - I[$r1]) / per)) $(((W[$r2] - W[$r1]) / per))
	done
	rm -rf "$D"
done
