#!/usr/bin/env bash
# test/fuzz/inputs.sh — a bounded fuzzing run of what fintech reads from
# outside: names (screen_name, explain_match, create_party: random strings
# of the scripts the matcher treats apart, marks, blanks, emoji, and listed
# names changed in a few places) and list files (load_sanctions_ofac, _un,
# _ftm: the test slices with characters of their syntax inserted or
# replaced, spans cut, repeated or moved, truncated).  Not part of
# test/run_tests.sh or CI: it takes minutes and is random.  It
#   1. builds the extension from this checkout with FINTECH_CHECKS=1 and
#      installs it (PG_CONFIG),
#   2. starts a throwaway preloaded cluster and loads the test slices of
#      the OFAC and UN lists (or the full lists: OFAC_DIR, UN_XML), whose
#      names, with test/bench/screening/crossscript_curated.csv's names in
#      their own scripts, are the seeds of the names,
#   3. runs the two procedures of test/fuzz/inputs.sql side by side for
#      FT_FUZZ_SECONDS each (default 300), every call in a rolled-back
#      subtransaction, with FT_FUZZ_SEED (default 1) as the random seed,
#   4. reports the calls by SQLSTATE, and as findings: any error that is not
#      22023 (the refusal of a bad input) with its input, every call slower
#      than FT_FUZZ_SLOW_MS (names; ten times that for a list load, default
#      1000), and server crashes.
# Exit status: 0 nothing found, 1 findings, 2 could not run.  FT_KEEP=1
# keeps the temp dir (the cluster's log, fz_found in the database).
#
#   bash test/fuzz/inputs.sh
#   FT_FUZZ_SECONDS=900 OFAC_DIR=/srv/ofac UN_XML=/srv/un.xml bash test/fuzz/inputs.sh
set -euo pipefail

. "$(dirname "$0")/../lib.sh"

FT_FUZZ_SECONDS=${FT_FUZZ_SECONDS:-300}
FT_FUZZ_SEED=${FT_FUZZ_SEED:-1}
FT_FUZZ_SLOW_MS=${FT_FUZZ_SLOW_MS:-1000}
D=$FT_ROOT/test/data
OFAC=${OFAC_DIR:-$D/ofac}
UN=${UN_XML:-$D/un/consolidated.xml}

trap ft_cleanup EXIT
trap 'exit 130' INT TERM

ft_bootstrap
ft_workdir
ft_log "build and install with FINTECH_CHECKS=1 ($PG_CONFIG)"
ft_build_install FINTECH_CHECKS=1
ft_log "start a throwaway preloaded cluster"
ft_cluster_start fuzz "fintech.database = 'postgres'" "restart_after_crash = off" \
	"fz.slow_ms = '$FT_FUZZ_SLOW_MS'"
for f in "$OFAC/sdn.csv" "$OFAC/alt.csv" "$OFAC/add.csv" "$UN" \
	"$D/ofac/sdn.csv" "$D/ofac/alt.csv" "$D/ofac/add.csv" "$D/un/consolidated.xml" \
	"$D/ftm/entities.jsonl" "$FT_ROOT/test/bench/screening/crossscript_curated.csv"; do
	[ -r "$f" ] || ft_die "cannot read $f"
done
# the server reads the files: copies it may read
mkdir -p "$FT_WORK/in"
cp "$OFAC/sdn.csv" "$FT_WORK/in/full_sdn.csv"; cp "$OFAC/alt.csv" "$FT_WORK/in/full_alt.csv"
cp "$OFAC/add.csv" "$FT_WORK/in/full_add.csv"; cp "$UN" "$FT_WORK/in/full_un.xml"
cp "$D/ofac/sdn.csv" "$D/ofac/alt.csv" "$D/ofac/add.csv" "$D/un/consolidated.xml" \
	"$D/ftm/entities.jsonl" "$FT_ROOT/test/bench/screening/crossscript_curated.csv" "$FT_WORK/in/"
chown -R postgres: "$FT_WORK/in"
I=$FT_WORK/in
ft_log "setup: the extension, the lists, the seeds (test/fuzz/inputs.sql)"
ft_psql -f "$FT_ROOT/test/fuzz/inputs.sql" >/dev/null
ft_psql >/dev/null <<SQL
CREATE EXTENSION fintech CASCADE;
SELECT fintech.load_sanctions_ofac(pg_read_file('$I/full_sdn.csv'), pg_read_file('$I/full_alt.csv'),
                                   pg_read_file('$I/full_add.csv'));
SELECT fintech.load_sanctions_un(pg_read_file('$I/full_un.xml'));
INSERT INTO fz_names SELECT name FROM fintech.sanctions_names;
CREATE TEMP TABLE xs (ref text, latin text, original text, script text);
\copy xs FROM '$I/crossscript_curated.csv' WITH (FORMAT csv, HEADER)
INSERT INTO fz_names SELECT original FROM xs, generate_series(1, 10);
INSERT INTO fz_seed VALUES ('sdn', pg_read_file('$I/sdn.csv')), ('alt', pg_read_file('$I/alt.csv')),
  ('add', pg_read_file('$I/add.csv')), ('un', pg_read_file('$I/consolidated.xml')),
  ('ftm', pg_read_file('$I/entities.jsonl'));
SQL
ft_log "fuzzing names and lists side by side for $FT_FUZZ_SECONDS s (seed $FT_FUZZ_SEED)"
rc_names=0 rc_lists=0
ft_psql -c "SELECT setseed($FT_FUZZ_SEED / 1000.0)" -c "CALL fz_names_run($FT_FUZZ_SECONDS)" \
	>"$FT_WORK/names.out" 2>&1 & p1=$!
ft_psql -c "SELECT setseed($FT_FUZZ_SEED / 1000.0 + 0.5)" -c "CALL fz_lists_run($FT_FUZZ_SECONDS)" \
	>"$FT_WORK/lists.out" 2>&1 & p2=$!
wait $p1 || rc_names=$?
wait $p2 || rc_lists=$?

ft_log "report"
findings=0
if [ $rc_names != 0 ] || [ $rc_lists != 0 ]; then
	echo "FINDING: a fuzzing session ended with an error (names $rc_names, lists $rc_lists):"
	cat "$FT_WORK/names.out" "$FT_WORK/lists.out"
	findings=1
fi
if grep -E "terminated by signal|PANIC|TRAP:" "$FT_WORK/fuzz/server.log"; then
	echo "FINDING: the server crashed (above, from its log)"
	findings=1
fi
if ! ft_psql -At -c "SELECT 1" >/dev/null 2>&1; then
	echo "FINDING: the server is gone"
	exit 1
fi
ft_psql -P footer=off <<'SQL'
\echo calls by outcome (ok: no error; slow: no error, but slower than the bound; 22023: refused as bad input)
SELECT what, state, n FROM fz_count ORDER BY what, state;
\echo
\echo findings: errors other than 22023, and slow calls (input cut to 300 characters)
SELECT what, state, msg, ms, left(input, 300) AS input
  FROM fz_found WHERE state NOT IN ('22023', 'ok') ORDER BY what, state, ms DESC LIMIT 40;
SQL
n=$(ft_psql -At -c "SELECT count(*) FROM fz_found WHERE state NOT IN ('22023', 'ok')")
[ "$n" = 0 ] || findings=1
echo "$(git -C "$FT_ROOT" describe --always --dirty 2>/dev/null || echo '?'): $([ $findings = 0 ] && echo 'nothing found' || echo "FINDINGS ($n rows)")"
exit $findings
