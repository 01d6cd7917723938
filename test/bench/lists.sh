#!/usr/bin/env bash
# test/bench/lists.sh — load times of the full sanctions lists: the OFAC SDN
# list (load_sanctions_ofac) and the UN Security Council Consolidated List
# (load_sanctions_un), each loaded ROUNDS times into a throwaway cluster
# (the first load writes every entity; each later one replaces the list).
#
#   bash test/bench/lists.sh [rounds]          default: 3 (also LOAD_ROUNDS)
#   OFAC_DIR=/srv/ofac UN_XML=/srv/un/consolidated.xml bash test/bench/lists.sh
#
# OFAC_DIR holds sdn.csv, alt.csv and add.csv (default test/bench/ofac, see
# docs/benchmarks.md); UN_XML is the UN list's XML (default
# test/bench/un/consolidated.xml).  A list whose files are missing is
# skipped, and said so.  The time is the loader's statement alone (psql's
# \timing; the files are read into a temporary table first).  Prints one
# Markdown table: list, entities, names, first load and the median of the
# reloads, in milliseconds, and the machine's load average.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$FT_ROOT/test/bench/common.sh"

ROUNDS=${1:-${LOAD_ROUNDS:-3}}
case $ROUNDS in '' | *[!0-9]*) ft_die "rounds must be a positive integer, not '$ROUNDS'" ;; esac
[ "$ROUNDS" -ge 2 ] || ft_die "rounds must be at least 2 (a first load and a reload)"
OFAC_DIR=$(ofac_dir)
OFAC_DIR=${OFAC_DIR:-$FT_ROOT/test/bench/ofac}
UN_XML=${UN_XML:-$FT_ROOT/test/bench/un/consolidated.xml}

ft_bootstrap
ft_workdir
trap ft_cleanup EXIT
bench_build
ft_cluster_start lists "${SETTINGS[@]}" >&2
ft_psql -c 'CREATE EXTENSION fintech CASCADE' >/dev/null 2>&1

# the loader statement's times in ms, one a line
timed_loads() {
	local setup=$1 call=$2
	{
		echo "$setup"
		echo '\timing on'
		for _ in $(seq 1 "$ROUNDS"); do echo "$call"; done
	} | ft_psql -X 2>/dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

row() {
	local list=$1 times first rest counts
	times=$(cat)
	first=$(echo "$times" | head -1)
	rest=$(echo "$times" | tail -n +2 | median)
	counts=$(ft_psql -At -c "SELECT entities || ' | ' || names FROM fintech.sanctions_lists WHERE list = '$list'")
	echo "| $list | $counts | $first | $rest |"
}

echo "| list | entities | names | first load, ms | reload (median of $((ROUNDS - 1))), ms |"
echo "|---|---|---|---|---|"
copy() { cp "$1" "$FT_WORK/$2" && chmod a+r "$FT_WORK/$2"; }
if [ -r "$OFAC_DIR/sdn.csv" ] && [ -r "$OFAC_DIR/alt.csv" ] && [ -r "$OFAC_DIR/add.csv" ]; then
	copy "$OFAC_DIR/sdn.csv" sdn.csv; copy "$OFAC_DIR/alt.csv" alt.csv; copy "$OFAC_DIR/add.csv" add.csv
	timed_loads "CREATE TEMP TABLE f AS SELECT pg_read_file('$FT_WORK/sdn.csv') AS sdn,
	                    pg_read_file('$FT_WORK/alt.csv') AS alt, pg_read_file('$FT_WORK/add.csv') AS add;" \
		"SELECT fintech.load_sanctions_ofac(sdn, alt, add) FROM f;" | row OFAC-SDN
else
	echo "| OFAC-SDN | skipped: no sdn.csv, alt.csv, add.csv in $OFAC_DIR (set OFAC_DIR) | | | |"
fi
if [ -r "$UN_XML" ]; then
	copy "$UN_XML" un.xml
	timed_loads "CREATE TEMP TABLE f AS SELECT pg_read_file('$FT_WORK/un.xml') AS xml;" \
		"SELECT fintech.load_sanctions_un(xml) FROM f;" | row UN-SC
else
	echo "| UN-SC | skipped: no $UN_XML (set UN_XML) | | | |"
fi
echo
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg); tree $TREE."
