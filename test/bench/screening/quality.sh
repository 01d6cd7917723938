#!/usr/bin/env bash
# test/bench/screening/quality.sh — the matching quality of screen_name on
# every evaluation set at once, as docs/benchmarks.md reports it: recall
# and false positives at 0.85 per set and mode, the cross-script training
# pairs, and held-out 3's pairs by direction.
#
# usage: OFAC_DIR=DIR UN_XML=FILE bash test/bench/screening/quality.sh OUTDIR [modes...]
#   against the server psql reaches (PGHOST, PGPORT, PGDATABASE, PGUSER: a
#   superuser, for pg_read_file), whose installed fintech is the build under
#   test (it builds and starts nothing);
#   OFAC_DIR  the SDN list's directory (sdn.csv, alt.csv, add.csv);
#   UN_XML    the UN Security Council consolidated list (XML);
#   OUTDIR    where the outputs go (created);
#   modes     n k a1 d1 (default all): name only; kinds; kinds + country
#             (attrs=1); kinds + country + date of birth (dob=1).
# env: SETS (default "train ho ho2 ho3": the training set and the three
#      held-out sets; "dev" adds the development set of dev/, positives and
#      negatives, whose misses and false positives are all listed in
#      OUTDIR/dev_MODE.md, every hit in OUTDIR/dev_MODE/: a set to tune on);
#      LOAD=0 keeps the database as it is (no DROP/CREATE
#      EXTENSION, no list load, no cross-script stand-ins); PAIRS=0 skips
#      held-out 3's pairs.
# It DROPs and re-CREATEs the extension in PGDATABASE (unless LOAD=0): use a
# scratch database.  It loads the full SDN and UN lists, runs eval.sql per
# set and mode, then crossscript.sql's stand-in lists (after the
# evaluation: their names would count as false positives of eval.sql), then
# heldout.sql on heldout3/pairs.csv (both directions).
# Blind: for the held-out sets only the aggregate lines (recall,
# false-positive rate) are kept, never the misses or false positives;
# eval.sql's full output is kept for the training set only.  Held-out 3's
# pairs by script name its must-not-match pairs (one a script, mostly):
# read the "all" rows to keep them blind.
# About 6.5 minutes for all four sets on a busy 2-core machine.
set -e
[ $# -ge 1 ] || { sed -n 2,33p "$0"; exit 2; }
[ -n "${OFAC_DIR:-}" ] && [ -n "${UN_XML:-}" ] || { echo "set OFAC_DIR and UN_XML" >&2; exit 2; }
OUT=$1; shift
MODES=${*:-"n k a1 d1"}
SETS=${SETS:-"train ho ho2 ho3"}
TREE=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$OUT"; chmod 777 "$OUT"; OUT=$(cd "$OUT" && pwd)
S=$TREE/test/bench/screening
[ -f $S/heldout3/positives.csv ] || { echo "no $S/heldout3/positives.csv" >&2; exit 2; }
if [ "${LOAD:-1}" = 1 ]; then
  psql -X -q -v ON_ERROR_STOP=1 -c 'DROP EXTENSION IF EXISTS fintech CASCADE' -c 'CREATE EXTENSION fintech CASCADE' 2>/dev/null
  psql -X -Atq -v ON_ERROR_STOP=1 \
    -c "SELECT fintech.load_sanctions_ofac(pg_read_file('$OFAC_DIR/sdn.csv'), pg_read_file('$OFAC_DIR/alt.csv'), pg_read_file('$OFAC_DIR/add.csv'))" \
    -c "SELECT fintech.load_sanctions_un(pg_read_file('$UN_XML'))" > $OUT/load.txt
fi
agg() { grep -E '^\| (recall|false-positive rate) \|' || true; }
for m in $MODES; do
  case $m in
    n) V="-v kinds=0 -v attrs=0";; k) V="-v kinds=1 -v attrs=0";;
    a1) V="-v kinds=1 -v attrs=1";; d1) V="-v kinds=1 -v attrs=1 -v dob=1";;
    *) echo "unknown mode $m" >&2; exit 2;;
  esac
  for s in $SETS; do
    case $s in
      train) (cd $S && psql -X -f eval.sql -v sweep=0 $V > $OUT/train_$m.md 2>&1);;
      ho|ho2|ho3)
        d=heldout${s#ho}
        (cd $S/$d && psql -X -f ../eval.sql -v sweep=0 $V -v countries=../kind_country.csv \
           -v positives=positives.csv -v negatives=negatives.csv 2>&1 | agg > $OUT/${s}_$m.md);;
      dev) mkdir -p $OUT/dev_$m; chmod 777 $OUT/dev_$m
           (cd $S/dev && psql -X -f ../eval.sql -v sweep=0 $V -v countries=../kind_country.csv -v worst=100000 \
              -v positives=positives.csv -v negatives=negatives.csv -v details=$OUT/dev_$m > $OUT/dev_$m.md 2>&1);;
      none) ;;
      *) echo "unknown set $s" >&2; exit 2;;
    esac
  done
done
# the cross-script stand-in lists after the evaluation: they would count as false positives of eval.sql
[ "${LOAD:-1}" = 1 ] && (cd $S && psql -X -f crossscript.sql > $OUT/xs.txt 2>&1)
if [ "${PAIRS:-1}" = 1 ]; then
  (cd $S/heldout3 && psql -X -f ../heldout/heldout.sql -v pairs=pairs.csv -v aliases=/dev/null \
     -v scratch=$OUT/pairs_scratch.csv > $OUT/ho3_pairs.txt 2>&1)
  # by direction (heldout.sql's table counts both directions together); aggregates only
  /usr/bin/python3 - $OUT/pairs_scratch.csv > $OUT/ho3_pairs_dir.txt <<'PY'
import csv, sys, collections
n = collections.Counter(); ok = collections.Counter()
for src, kind, expect, direction, ref, query, found in csv.reader(open(sys.argv[1], encoding="utf-8")):
    d = "query -> listed" if direction == "a -> b" else "listed -> query"
    right = (found == "t") == (expect == "match")
    for k in ((expect, d, kind), (expect, d, "all")):
        n[k] += 1; ok[k] += right
print("| expect | direction | kind | pairs | right |")
print("|---|---|---|---:|---:|")
for k in sorted(n, key=lambda k: (k[0], k[1], k[2] == "all", k[2])):
    print(f"| {k[0]} | {k[1]} | {k[2]} | {n[k]} | {ok[k]} ({100.0 * ok[k] / n[k]:.1f} %) |")
PY
  rm -f $OUT/pairs_scratch.csv
fi
echo "== $TAG: $(git -C $TREE log -1 --format='%h %s' 2>/dev/null | cut -c1-70)"
[ -f $OUT/xs.txt ] && echo "xs (training cross-script, UN + curated): $(grep -E 'original -> Latin|Latin -> original' $OUT/xs.txt | grep 423 | tr -s ' ' | paste -sd' ')"
for m in $MODES; do
  for s in $SETS; do [ $s = none ] || echo "$m $s: $(agg < $OUT/${s}_$m.md | sed -E 's/ *\| */|/g' | cut -d'|' -f2,3 | paste -sd' ')"; done
done
[ -f $OUT/ho3_pairs_dir.txt ] && grep -E '\| all \|' $OUT/ho3_pairs_dir.txt
exit 0
