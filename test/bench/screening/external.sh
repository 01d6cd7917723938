#!/usr/bin/env bash
# test/bench/screening/external.sh — other projects' published name-matching
# cases (external/README.md: moov-io/watchman, opensanctions/nomenklatura,
# opensanctions/yente, deriv-com/perl-Data-Validate-Sanctions), run blind
# against fintech.screen_name at the default threshold:
#   (a) queries that must find a given entity of the OFAC SDN list or the
#       UN list: recall, and each miss by name;
#   (b) pairs of names judged the same or different: the listed side loaded
#       as a stand-in list inside a transaction that is rolled back; right
#       per judgement, and each wrong pair with its score;
#   (c) clean names that must match nothing: false positives, by name;
#   (d) OFAC's own search tool's scores of the same queries (as recorded by
#       nomenklatura) beside fintech's, for information.
#
#   bash test/bench/screening/external.sh
#   OFAC_DIR=/srv/ofac UN_XML=/srv/un/consolidated.xml bash test/bench/screening/external.sh
#
# It runs against the server libpq's environment names (PGHOST, PGPORT,
# PGDATABASE, PGUSER), as a superuser, in a database where fintech is
# installed or can be (CREATE EXTENSION IF NOT EXISTS), and replaces the
# lists OFAC-SDN and UN-SC there with the files of OFAC_DIR (sdn.csv,
# alt.csv, add.csv; default test/bench/ofac, see docs/benchmarks.md) and
# UN_XML (default test/bench/un/consolidated.xml): use a scratch database.
# EXTERNAL_LOAD=0 keeps the lists loaded as they are.  The files are read
# by psql (\set from cat), not by the server, so it may be remote.
# MIN_SCORE (default 0.85) is the threshold; EXTERNAL_SHOW=0 prints the
# summary tables only.  Nothing is built or started; no Python needed.
set -euo pipefail

. "$(dirname "$0")/../../lib.sh"
. "$FT_ROOT/test/bench/common.sh"

SET_DIR=$FT_ROOT/test/bench/screening/external
MIN_SCORE=${MIN_SCORE:-0.85}
case $MIN_SCORE in '' | *[!0-9.]*) ft_die "MIN_SCORE must be a number, not '$MIN_SCORE'" ;; esac
LOAD=${EXTERNAL_LOAD:-1}
SHOW=${EXTERNAL_SHOW:-1}
command -v psql >/dev/null || ft_die "no psql on PATH"
PSQL=(psql -X -v ON_ERROR_STOP=1)

"${PSQL[@]}" -Atc 'SELECT 1' >/dev/null || ft_die "cannot connect (set PGHOST, PGPORT, PGDATABASE, PGUSER)"
[ "$("${PSQL[@]}" -Atc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = t ] ||
	ft_die "run it as a superuser (the pairs are written into fintech's list tables, then rolled back)"
"${PSQL[@]}" -qc 'CREATE EXTENSION IF NOT EXISTS fintech CASCADE' >/dev/null 2>&1 ||
	ft_die "fintech cannot be installed in this database"

if [ "$LOAD" != 0 ]; then
	OFAC_DIR=$(ofac_dir)
	OFAC_DIR=${OFAC_DIR:-$FT_ROOT/test/bench/ofac}
	UN_XML=${UN_XML:-$FT_ROOT/test/bench/un/consolidated.xml}
	for f in "$OFAC_DIR/sdn.csv" "$OFAC_DIR/alt.csv" "$OFAC_DIR/add.csv" "$UN_XML"; do
		[ -r "$f" ] || ft_die "no readable $f (set OFAC_DIR and UN_XML, or EXTERNAL_LOAD=0)"
	done
	ft_log "load the full lists" >&2
	# psql reads the files (backquotes), the server gets their text
	"${PSQL[@]}" -q >&2 <<-EOF
		\\set sdn \`cat '$OFAC_DIR/sdn.csv'\`
		\\set alt \`cat '$OFAC_DIR/alt.csv'\`
		\\set add \`cat '$OFAC_DIR/add.csv'\`
		\\set un \`cat '$UN_XML'\`
		SELECT fintech.load_sanctions_ofac(:'sdn', :'alt', :'add') AS "OFAC-SDN entities";
		SELECT fintech.load_sanctions_un(:'un') AS "UN-SC entities";
	EOF
fi
for l in OFAC-SDN UN-SC; do
	[ "$("${PSQL[@]}" -Atc "SELECT count(*) FROM fintech.sanctions_lists WHERE list = '$l'")" = 1 ] ||
		ft_die "list $l is not loaded"
done

echo "# Screening: other projects' published cases (blind)"
echo
echo "Server $("${PSQL[@]}" -Atc 'SHOW server_version'), fintech $("${PSQL[@]}" -Atc 'SELECT fintech.version()'), tree $(tree_state | tr -d '\n'), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo
SCRATCH=$(mktemp /tmp/fintech_external.XXXXXX)
trap 'rm -f "$SCRATCH"' EXIT
(cd "$SET_DIR" && "${PSQL[@]}" -f external.sql -v min_score="$MIN_SCORE" -v show="$SHOW" -v scratch="$SCRATCH")
