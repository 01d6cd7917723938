#!/usr/bin/env bash
# test/fuzz/sqlsmith.sh — a bounded fuzzing run of fintech as an application
# role (not part of test/run_tests.sh or CI: it takes minutes and is
# random).  It
#   1. installs Debian's sqlsmith when it is missing (root only),
#   2. builds and installs the extension from this checkout (PG_CONFIG),
#   3. starts a throwaway preloaded cluster (Unix socket only) that logs every
#      error as CSV with its source location (log_error_verbosity = verbose),
#   4. runs test/fuzz/setup.sql: the extension, a small slice of the OFAC
#      list, accounts, holds, parties, an open alert, payments; the roles
#      fuzz_app (fintech.grant_application when the checkout has it, else
#      USAGE on schema fintech: before 0.4.0 that made the whole API
#      executable) and fuzz_nobody (no grants),
#   5. phase 1: sqlsmith as fuzz_app, its catalog view narrowed to fintech's
#      functions and a few builtins (FT_SMITH_QUERIES queries at most,
#      FT_SMITH_SECONDS seconds at most),
#   6. phase 2: test/fuzz/generate.sql's calls of every fintech.* function
#      with edge-case arguments, transactions of several ledger operations
#      with subtransactions rolled back, misuses of the trigger functions
#      and heavy probes, each in a rolled-back transaction followed by
#      check_ledger() (FZ001 when a check fails), as fuzz_app and as
#      fuzz_nobody; then random calls that commit, after which every job
#      runs and check_ledger() and verify_audit() must still pass
#      (FT_GEN_SECONDS seconds at most),
#   7. reports from the server's log: statements run, errors by SQLSTATE
#      class, server crashes (with the statement that crashed), XX000 and
#      other internal errors (with the C source location and the statement),
#      statements that overran statement_timeout by more than a second, and
#      broken invariants (with the statement that broke them).  Each statement reported is a reproducer: run it as
#      fuzz_app after test/fuzz/setup.sql.
# Then it stops the cluster and removes everything (FT_KEEP=1 keeps the temp
# dir; FT_SMITH_OUT=dir copies the report, the CSV log and sqlsmith's output
# there).  Exit status: 0 nothing found, 1 findings, 2 could not run.
#
# Parameters (environment): FT_SMITH_QUERIES (default 10000),
# FT_SMITH_SECONDS (180), FT_SMITH_SEED (1), FT_GEN_COMBOS random calls per
# function (20), FT_GEN_SECONDS (300), FT_STATEMENT_TIMEOUT (2s),
# FT_SMITH_OUT, FT_KEEP, PG_CONFIG.
#
#   PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config bash test/fuzz/sqlsmith.sh
set -euo pipefail

. "$(dirname "$0")/../lib.sh"

FT_SMITH_QUERIES=${FT_SMITH_QUERIES:-10000}
FT_SMITH_SECONDS=${FT_SMITH_SECONDS:-180}
FT_SMITH_SEED=${FT_SMITH_SEED:-1}
FT_GEN_COMBOS=${FT_GEN_COMBOS:-20}
FT_GEN_SECONDS=${FT_GEN_SECONDS:-300}
FT_STATEMENT_TIMEOUT=${FT_STATEMENT_TIMEOUT:-2s}
FT_SMITH_OUT=${FT_SMITH_OUT:-}

SMITH_PID=
fz_cleanup() {
	if [ -n "$SMITH_PID" ]; then
		kill "$SMITH_PID" 2>/dev/null || true
		wait "$SMITH_PID" 2>/dev/null || true
	fi
	ft_cleanup
}
trap fz_cleanup EXIT
trap 'exit 130' INT TERM

# Debian's sqlsmith package; apt-get update only when apt knows no candidate
fz_need_sqlsmith() {
	command -v sqlsmith >/dev/null && return 0
	[ "$(id -u)" = 0 ] || ft_die "sqlsmith is not installed (apt-get install sqlsmith, as root)"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-cache policy sqlsmith 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		ft_log "apt-get update (no sqlsmith candidate yet)"
		apt-get update -qq || ft_die "apt-get update failed"
	fi
	ft_log "installing sqlsmith"
	apt-get install -y -qq sqlsmith >/dev/null || ft_die "apt-get install sqlsmith failed"
}

# seconds as a number for timeout(1) and the report (2s, 1500ms, 2)
fz_seconds() {
	case $1 in
	*ms) echo $(( (${1%ms} + 999) / 1000 )) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}

fz_wait_ready() {
	for _ in $(seq 1 120); do
		ft_as_pg "$PG_BIN/psql" -X -q -At -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	ft_die "the server did not come back"
}

# fz_run_gen ROLE APPNAME FILE DEADLINE: run FILE (one statement per line,
# each starting with /* fz N */, N its line number) as ROLE; when a session
# dies (a crash), note the statement it was running, wait for the server to
# recover and go on with the next line.
fz_run_gen() {
	local role=$1 app=$2 file=$3 deadline=$4 total start=1 rc last left
	total=$(wc -l <"$file")
	while [ "$start" -le "$total" ]; do
		left=$((deadline - SECONDS))
		if [ "$left" -le 0 ]; then
			echo "$app: time is up at line $start of $total" | tee -a "$FT_WORK/gen-stopped.txt"
			return 0
		fi
		rc=0
		tail -n "+$start" "$file" |
			PGUSER=$role PGAPPNAME=$app timeout -k 5 "$left" \
				"${AS_PG[@]}" "$PG_BIN/psql" -X -q -a -o /dev/null -v ON_ERROR_STOP=0 -f - \
				>"$FT_WORK/$app.echo" 2>>"$FT_WORK/$app.err" || rc=$?
		[ "$rc" = 0 ] && return 0
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "$app: time is up (psql killed) after line $start of $total" | tee -a "$FT_WORK/gen-stopped.txt"
			return 0
		fi
		last=$(grep -o '^/\* fz [0-9]* \*/' "$FT_WORK/$app.echo" | tail -n 1 | tr -dc '0-9')
		[ -n "$last" ] || last=$start
		echo "$app: session lost (psql exit $rc) at: $(sed -n "${last}p" "$file" | cut -c1-2000)" |
			tee -a "$FT_WORK/gen-lost.txt"
		start=$((last + 1))
		fz_wait_ready
	done
}

ft_bootstrap
fz_need_sqlsmith
ft_workdir

ft_log "build and install ($PG_CONFIG)"
ft_build_install

ft_log "start a throwaway preloaded cluster"
ft_as_pg mkdir -p "$FT_WORK/smith/log"
ft_cluster_start smith \
	"fintech.database = 'postgres'" \
	"logging_collector = on" \
	"log_destination = 'stderr,csvlog'" \
	"log_directory = '$FT_WORK/smith/log'" \
	"log_filename = 'server-%H%M%S.log'" \
	"log_rotation_age = 0" \
	"log_rotation_size = 0" \
	"log_error_verbosity = verbose" \
	"log_min_error_statement = error" \
	"track_activity_query_size = 65536" \
	"restart_after_crash = on"
echo "PGHOST=$PGHOST PGPORT=$PGPORT"
TIMEOUT_S=$(fz_seconds "$FT_STATEMENT_TIMEOUT")

ft_log "setup: extension, OFAC slice, ledger, parties, payments, roles (test/fuzz/setup.sql)"
(cd "$FT_WORK/src" && ft_psql -d postgres -f test/fuzz/setup.sql) >"$FT_WORK/setup.out" 2>&1 ||
	{ cat "$FT_WORK/setup.out"; ft_die "setup failed"; }
grep -h 'fuzz_app:' "$FT_WORK/setup.out" | sed 's/.*WARNING: *//'
# every statement of the fuzzing roles is logged with its start time: the
# report measures how long each ran past statement_timeout from the log
ft_psql -d postgres <<EOF
ALTER ROLE fuzz_app SET statement_timeout = '$FT_STATEMENT_TIMEOUT';
ALTER ROLE fuzz_nobody SET statement_timeout = '$FT_STATEMENT_TIMEOUT';
ALTER ROLE fuzz_app SET log_statement = 'all';
ALTER ROLE fuzz_nobody SET log_statement = 'all';
EOF

ft_log "phase 1: sqlsmith as fuzz_app (at most $FT_SMITH_QUERIES queries, $FT_SMITH_SECONDS s, seed $FT_SMITH_SEED)"
SMITH_START=$SECONDS
SMITH_RC=0
# fuzz_smith first on the search_path: sqlsmith reads pg_proc unqualified
timeout -k 5 "$FT_SMITH_SECONDS" sqlsmith \
	--target="host=$PGHOST port=$PGPORT dbname=postgres user=fuzz_app options='-c search_path=fuzz_smith,fintech,pg_catalog'" \
	--exclude-catalog --max-queries="$FT_SMITH_QUERIES" --seed="$FT_SMITH_SEED" --verbose \
	>"$FT_WORK/sqlsmith.out" 2>"$FT_WORK/sqlsmith.err" &
SMITH_PID=$!
wait "$SMITH_PID" || SMITH_RC=$?
SMITH_PID=
SMITH_QUERIES=$(grep -o '^queries: [0-9]*' "$FT_WORK/sqlsmith.err" | tail -n 1 | tr -dc '0-9')
SMITH_QUERIES=${SMITH_QUERIES:-$(tr -cd '.et' <"$FT_WORK/sqlsmith.err" | wc -c)}
echo "sqlsmith: exit $SMITH_RC after $((SECONDS - SMITH_START)) s, $SMITH_QUERIES queries"
fz_wait_ready

ft_log "phase 2: every fintech function with edge-case arguments (test/fuzz/generate.sql)"
GEN_START=$SECONDS
GEN_DEADLINE=$((SECONDS + FT_GEN_SECONDS))
for mode in rollback commit; do
	ft_psql -d postgres -At -v seed="0.$FT_SMITH_SEED" -v combos="$FT_GEN_COMBOS" -v mode="$mode" \
		-f "$FT_WORK/src/test/fuzz/generate.sql" | grep -v '^$' >"$FT_WORK/gen-$mode.sql"
done
wc -l "$FT_WORK/gen-rollback.sql" "$FT_WORK/gen-commit.sql" | sed '$d'
fz_run_gen fuzz_app fz_gen_app "$FT_WORK/gen-rollback.sql" "$GEN_DEADLINE"
fz_run_gen fuzz_nobody fz_gen_nobody "$FT_WORK/gen-rollback.sql" "$GEN_DEADLINE"
fz_run_gen fuzz_app fz_gen_commit "$FT_WORK/gen-commit.sql" "$GEN_DEADLINE"
fz_wait_ready

ft_log "invariants after the committed calls: every job once, check_ledger(), verify_audit()"
ft_as_pg "$PG_BIN/psql" -X -q -d postgres -v ON_ERROR_STOP=0 >"$FT_WORK/invariants.out" 2>&1 <<'EOF' || true
\pset footer off
SET statement_timeout = '60s';
SELECT job, fintech.run_job(job, true) AS rows FROM fintech.worker_status WHERE job <> 'launcher' ORDER BY job;
SELECT job, errors, last_error FROM fintech.worker_status WHERE errors > 0 ORDER BY job;
SELECT check_name, ok, detail FROM fintech.check_ledger() ORDER BY check_name;
SELECT ok, rows_checked, first_bad_seq, detail FROM fintech.verify_audit();
\t on
SELECT 'BROKEN INVARIANT: check_ledger ' || check_name || ': ' || coalesce(detail, '')
  FROM fintech.check_ledger() WHERE ok IS NOT TRUE;
SELECT 'BROKEN INVARIANT: verify_audit: ' || coalesce(detail, '') || ' at seq ' || coalesce(first_bad_seq::text, '?')
  FROM fintech.verify_audit() WHERE ok IS NOT TRUE;
EOF
cat "$FT_WORK/invariants.out"

ft_log "report (from the server's CSV log)"
# close the current log file so that COPY reads complete files only
sleep 1.1
ft_psql -d postgres -At -c 'SELECT pg_rotate_logfile()' >/dev/null
sleep 1.1
CURRENT_LOG=$(ft_psql -d postgres -At -c "SELECT pg_current_logfile('csvlog')")
FINTECH_FILES=$(cd "$FT_WORK/src/src" && ls ./*.c | sed 's|^\./||; s|\.|\\.|g' | paste -sd'|')
for f in "$FT_WORK"/smith/log/*.csv; do
	[ "$f" = "$CURRENT_LOG" ] || [ "$(basename "$f")" = "$(basename "$CURRENT_LOG")" ] ||
		echo "COPY fz_log FROM '$f' WITH (FORMAT csv);"
done >"$FT_WORK/load-log.sql"
FINDINGS=0
{
	echo "fintech fuzzing report: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -srm), $(nproc) CPUs"
	echo "tree: $(git -C "$FT_ROOT" describe --always --dirty 2>/dev/null || echo unknown), server: $("$PG_BIN/postgres" --version)"
	echo "sqlsmith $(dpkg-query -W -f='${Version}' sqlsmith 2>/dev/null || echo '?'): seed $FT_SMITH_SEED, $SMITH_QUERIES queries (at most $FT_SMITH_QUERIES in $FT_SMITH_SECONDS s), exit $SMITH_RC; statement_timeout $FT_STATEMENT_TIMEOUT"
	grep -h 'fuzz_app:' "$FT_WORK/setup.out" | sed 's/.*WARNING: */roles: /'
	echo "generator: $(wc -l <"$FT_WORK/gen-rollback.sql") statements rolled back (as fuzz_app, then fuzz_nobody), $(wc -l <"$FT_WORK/gen-commit.sql") committed (fuzz_app); seconds used: $((SECONDS - GEN_START))"
	cat "$FT_WORK/gen-stopped.txt" 2>/dev/null || true
	ft_psql -d postgres -v load="$FT_WORK/load-log.sql" -v files="($FINTECH_FILES)" \
		-v timeout_s="$TIMEOUT_S" -f "$FT_WORK/src/test/fuzz/report.sql"
	if [ -s "$FT_WORK/gen-lost.txt" ]; then
		echo
		echo "== sessions lost by the generator (the statement each was running)"
		cat "$FT_WORK/gen-lost.txt"
	fi
	if grep -q 'BROKEN INVARIANT' "$FT_WORK/invariants.out"; then
		echo
		echo "== after the committed calls:"
		grep 'BROKEN INVARIANT' "$FT_WORK/invariants.out"
	fi
} 2>&1 | tee "$FT_WORK/report.txt"

if grep -Eq "^crashes [1-9]|internal errors [1-9]|overruns [1-9]|broken invariants [1-9]" "$FT_WORK/report.txt" ||
	grep -q 'BROKEN INVARIANT' "$FT_WORK/invariants.out" || [ -s "$FT_WORK/gen-lost.txt" ]; then
	FINDINGS=1
fi
if [ -n "$FT_SMITH_OUT" ]; then
	mkdir -p "$FT_SMITH_OUT"
	cp "$FT_WORK/report.txt" "$FT_WORK/invariants.out" "$FT_WORK/sqlsmith.err" \
		"$FT_WORK/gen-rollback.sql" "$FT_WORK/gen-commit.sql" "$FT_SMITH_OUT/"
	cp "$FT_WORK"/smith/log/*.csv "$FT_SMITH_OUT/" 2>/dev/null || true
	echo "kept in $FT_SMITH_OUT"
fi
ft_log "done: stopping and removing the cluster"
exit "$FINDINGS"
