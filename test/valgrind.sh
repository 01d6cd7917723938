#!/usr/bin/env bash
# test/valgrind.sh — the pg_regress and isolation suites against a server
# running under valgrind (Memcheck), then a report of every error whose
# stack passes through fintech.so.  Slow (minutes): run it by hand for each
# change to the C code, not in CI.
#
#   bash test/valgrind.sh            # exits 1 if any error involves fintech
#   FT_KEEP=1 bash test/valgrind.sh  # keep the logs in the temp dir
#   FT_VG_REGRESS="extension ledger" FT_VG_ISOLATION= bash test/valgrind.sh
#       # only these pg_regress files and isolation specs (names as in the
#       # Makefile's REGRESS and ISOLATION; a variable that is set but empty
#       # runs none of that suite, one that is unset runs all of it): on a
#       # busy machine the whole run takes more than an hour
#
# Debian's server is not built with USE_VALGRIND, so palloc'd memory is not
# tracked chunk by chunk: Memcheck sees malloc-level blocks.  Errors inside
# PostgreSQL itself that are known to be harmless (uninitialised padding
# written to files and sockets) are suppressed by test/valgrind.supp.
set -uo pipefail

. "$(dirname "$0")/lib.sh"

trap ft_cleanup EXIT
trap 'exit 130' INT TERM

command -v valgrind >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq valgrind >/dev/null; }
command -v valgrind >/dev/null || ft_die "valgrind is not installed"

ft_bootstrap
ft_workdir
ft_log "build and install (FINTECH_CHECKS=1, -O0)"
ft_build_install FINTECH_CHECKS=1 COPT=-O0 || ft_die "build failed"

ft_log "start a preloaded cluster under valgrind"
VG=$FT_WORK/vg
ft_as_pg mkdir -p "$VG"
# a wrapper so that pg_ctl starts "postgres" under valgrind
ft_as_pg mkdir -p "$FT_WORK/bin"
cat >"$FT_WORK/bin/postgres" <<EOF
#!/bin/sh
exec valgrind --quiet --error-limit=no --num-callers=30 --track-origins=yes \\
  --leak-check=no --trace-children=no --read-var-info=no \\
  --suppressions=$FT_WORK/src/test/valgrind.supp \\
  --log-file=$VG/%p.log \\
  $(dirname "$PG_CONFIG")/postgres "\$@"
EOF
chmod 755 "$FT_WORK/bin/postgres"
FT_POSTGRES=$FT_WORK/bin/postgres FT_START_TIMEOUT=300 \
	ft_cluster_start main "huge_pages = off" "max_connections = 20" \
	"fintech.heartbeat_interval = '200ms'" || ft_die "server did not start"

ft_log "suites"
# make the launcher run its jobs too: create the extension in its database
ft_psql -d postgres -c 'CREATE EXTENSION fintech CASCADE'
# the pg_regress files, then the isolation specs (a failure in the first
# must not skip the second: the valgrind report is what this run is for)
regress_args=(ISOLATION=)
[ -n "${FT_VG_REGRESS+set}" ] && regress_args+=("REGRESS=$FT_VG_REGRESS")
isolation_args=(REGRESS=)
[ -n "${FT_VG_ISOLATION+set}" ] && isolation_args+=("ISOLATION=$FT_VG_ISOLATION")
for suite in regress_args isolation_args; do
	declare -n args=$suite
	ft_as_pg make -C "$FT_WORK/src" --no-print-directory installcheck PG_CONFIG="$PG_CONFIG" "${args[@]}" 2>&1 |
		grep -E '^(test |ok |not ok | All | [0-9]+ of )'
	unset -n args
done
# the launcher's paths the suites do not reach: a failing job, a restart
ft_psql -d postgres -At <<'SQL' 2>&1 | grep -E '^(ERROR|ok)'
SELECT fintech.run_job('heartbeat');
UPDATE pg_extension SET extversion = '0.0.0' WHERE extname = 'fintech';
\set ON_ERROR_STOP off
SELECT fintech.run_job('heartbeat');
\set ON_ERROR_STOP on
UPDATE pg_extension SET extversion = fintech.version() WHERE extname = 'fintech';
SELECT pg_terminate_backend(pid) FROM fintech.worker_status WHERE job = 'launcher';
DO $$ BEGIN
  FOR i IN 1..600 LOOP
    PERFORM FROM fintech.worker_status WHERE job = 'launcher' AND state = 'running';
    EXIT WHEN FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT 'ok: ' || fintech.run_job('heartbeat');
SQL
ft_psql -d postgres -At -c "SELECT job, state, runs, errors FROM fintech.worker_status"
ft_cluster_stop

ft_log "valgrind report"
total=$(cat "$VG"/*.log 2>/dev/null | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninitialised|Mismatched|Source and destination overlap|Syscall param)')
# a frame of ours: fintech.so without line numbers, or one of src/'s files
# with them (the -O0 -g build: valgrind then names the file, not the .so)
OURS_RE="fintech\\.so|\\(($(cd "$FT_ROOT/src" && ls *.c | sed 's/\.c$//' | paste -sd'|'))\\.c:[0-9]+\\)"
ours=0 through=0
for f in "$VG"/*.log; do
	# each error block with a frame of ours among its first 4 frames (the
	# error is in our code or in what it called directly) into $f.ours;
	# one whose first frame of ours is deeper (PostgreSQL's own code, run
	# on our behalf, e.g. the invalidation a utility command does) is
	# counted apart
	OURS_RE=$OURS_RE awk '
		function flush() {
			if (blk != "" && hit >= 0) { if (hit < 4) print blk > (FILENAME ".ours"); else deep++ }
			blk = ""; nf = 0; hit = -1
		}
		BEGIN { hit = -1; re = ENVIRON["OURS_RE"] }
		/^==[0-9]+== [A-Z]/ { flush(); blk = $0 "\n"; next }
		/^==[0-9]+== +(at|by) 0x/ { if (hit < 0 && $0 ~ re) hit = nf; nf++ }
		{ if (blk != "") blk = blk $0 "\n" }
		END { flush(); print deep + 0 }' "$f" >"$f.deep"
	through=$((through + $(cat "$f.deep")))
	if [ -s "$f.ours" ]; then
		cat "$f.ours"
		ours=$((ours + $(grep -c '^==[0-9]*== [A-Z]' "$f.ours")))
	fi
done
echo "valgrind: $(ls "$VG"/*.log | wc -l) processes, $total errors in all, $ours in or directly under fintech's code, $through deeper in PostgreSQL below a fintech frame"
[ "$ours" -eq 0 ]
