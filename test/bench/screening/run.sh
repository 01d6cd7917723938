#!/usr/bin/env bash
# test/bench/screening/run.sh — sanctions screening: load time of the full
# OFAC SDN list, matching quality of fintech.screen_name on the evaluation
# set (README.md next to this file), and its latency under pgbench.
#
#   bash test/bench/screening/run.sh [seconds]      default: 20 s per pgbench run
#   OFAC_DIR=/path/to/ofac BENCH_OUT=out.md bash test/bench/screening/run.sh
#
# Builds and installs the checkout (without FINTECH_CHECKS, like
# test/bench/run.sh), starts a throwaway cluster (test/lib.sh), then
#   1. loads sdn.csv, alt.csv and add.csv from $OFAC_DIR (default
#      test/bench/ofac in the checkout; see docs/benchmarks.md) with
#      fintech.load_sanctions_ofac, twice (first load, then a reload of the
#      same files), and times both;
#   2. runs eval.sql on positives.csv and negatives.csv (regenerated with
#      make_eval.pl when they are missing): recall and false-positive rate at
#      the default threshold 0.85, per perturbation and per kind of name, the
#      worst misses and false positives;
#   3. runs pgbench -n -M prepared -T <seconds> with 1 and then 2 clients over
#      a script calling fintech.screen_name on a random query of the set
#      (positives and negatives), with a per-transaction log (-l), and
#      reports p50, p95 and p99 latency from that log.
# Prints Markdown to stdout and writes it to $BENCH_OUT (default
# ./screening-results.md in the caller's directory); per-query results go to
# screening-results.pos.csv and .neg.csv beside it.  BENCH_STRICT=1: exit 1
# when recall < 98 % or the false-positive rate > 1 %.  SCREENING_SETUP_SQL:
# an SQL file run after CREATE EXTENSION (settings to try, or stand-ins when
# testing this runner).  No Python needed.
set -euo pipefail

. "$(dirname "$0")/../../lib.sh"

DURATION=${1:-${BENCH_SECONDS:-20}}
case $DURATION in '' | *[!0-9]*) ft_die "seconds must be a positive integer, not '$DURATION'" ;; esac
[ "$DURATION" -ge 3 ] || ft_die "seconds must be at least 3"
. "$FT_ROOT/test/bench/common.sh"
. "$FT_ROOT/test/bench/screening/queries.sh"
screening_bench_start screening screening-results.md
DETAILS=${OUT%.md}

# the evaluation set: the committed one, or made now from $OFAC_DIR
SET_NOTE="committed"
if [ ! -f "$SET_DIR/positives.csv" ] || [ ! -f "$SET_DIR/negatives.csv" ]; then
	ft_log "make the evaluation set (make_eval.pl)" >&2
	ft_as_pg perl "$SET_DIR/make_eval.pl" "$FT_WORK/ofac" "$SET_DIR" >"$LOGS/make_eval.md" ||
		ft_die "make_eval.pl failed"
	SET_NOTE="made now by make_eval.pl from $OFAC_DIR"
fi
SET_DIGEST=$(cat "$SET_DIR/positives.csv" "$SET_DIR/negatives.csv" | sha1sum | cut -c1-12)

ft_log "start a throwaway cluster" >&2
ft_cluster_start screening "fintech.database = 'postgres'" "shared_buffers = '512MB'" ||
	ft_die "server did not start"
ft_psql -c 'CREATE EXTENSION fintech CASCADE' >&2
if [ -n "${SCREENING_SETUP_SQL:-}" ]; then
	ft_as_pg cat "$SCREENING_SETUP_SQL" >/dev/null || ft_die "cannot read $SCREENING_SETUP_SQL"
	ft_psql -f "$SCREENING_SETUP_SQL" >&2
fi
for fn in load_sanctions_ofac screen_name; do
	[ "$(ft_psql -Atc "SELECT count(*) FROM pg_proc WHERE proname = '$fn' AND pronamespace = 'fintech'::regnamespace")" != 0 ] ||
		ft_die "this build has no fintech.$fn"
done

# load_sanctions_ofac takes the files' text (read by the server here);
# prints "entities seconds"
load_list() {
	local w=$FT_WORK/ofac
	ft_psql -At <<-EOF
		SELECT clock_timestamp() AS t0 \gset
		SELECT fintech.load_sanctions_ofac(pg_read_file('$w/sdn.csv'), pg_read_file('$w/alt.csv'),
		                                   pg_read_file('$w/add.csv')) AS n \gset
		SELECT :n || ' ' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2)
	EOF
}
ft_log "load the list from $OFAC_DIR" >&2
LOAD1=$(load_list) || ft_die "load_sanctions_ofac failed"
LOAD2=$(load_list) || ft_die "load_sanctions_ofac (reload) failed"
read -r N_LOADED LOAD1_S <<<"$LOAD1"
read -r _ LOAD2_S <<<"$LOAD2"
LIST_STATS=$(ft_psql -Atc "SELECT format('%s entities, %s names (version %s)', entities, names, version)
                            FROM fintech.sanctions_lists WHERE list = 'OFAC-SDN'" 2>/dev/null || true)
echo "loaded $N_LOADED entities in $LOAD1_S s (reload $LOAD2_S s)" >&2

# a fresh session's first call (it may build a per-backend index) and the next one
COLD=$(ft_psql -At <<-'EOF'
	SELECT clock_timestamp() AS t0 \gset
	SELECT count(*) FROM fintech.screen_name('Nicolas Maduro Moros') \gset
	SELECT clock_timestamp() AS t1 \gset
	SELECT count(*) FROM fintech.screen_name('Blue Harbor Logistics LLC') \gset
	SELECT round(1000 * extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz)::numeric, 1) || ' '
	    || round(1000 * extract(epoch FROM clock_timestamp() - :'t1'::timestamptz)::numeric, 1)
	EOF
)
read -r COLD_MS WARM_MS <<<"$COLD"

ft_log "matching quality (eval.sql)" >&2
T0=$SECONDS
EVAL=$(cd "$SET_DIR" && ft_psql -f eval.sql -v details="$LOGS") || ft_die "eval.sql failed"
EVAL_S=$((SECONDS - T0))
cp "$LOGS/pos_results.csv" "$DETAILS.pos.csv" 2>/dev/null || true
cp "$LOGS/neg_results.csv" "$DETAILS.neg.csv" 2>/dev/null || true

# latency: a random query of the set per transaction
load_queries
ROWS=()
for c in 1 2; do
	ft_log "pgbench, $c client(s), $DURATION s" >&2
	rm -f "$LOGS"/lat_c$c.*
	rc=0
	(cd "$LOGS" && ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$c" -j "$c" \
		-D nq="$NQ" -l --log-prefix="lat_c$c" -f "$LOGS/screen.sql" postgres \
		>"$LOGS/pgbench_c$c.out" 2>"$LOGS/pgbench_c$c.err") || rc=$?
	[ "$rc" -eq 0 ] || { cat "$LOGS/pgbench_c$c.err" >&2; ft_die "pgbench failed ($rc)"; }
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$LOGS/pgbench_c$c.out")
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$LOGS/pgbench_c$c.out")
	read -r n mean p50 p95 p99 max <<<"$(percentiles "$LOGS"/lat_c$c.*)"
	# each connection's first call (a new backend)
	first=$(cat "$LOGS"/lat_c$c.* | awk '$2 == 1 {printf "%s%.1f", (n++ ? ", " : ""), $3 / 1000}')
	ROWS+=("| $c | $n | $(printf '%.0f' "${tps:-0}") | $mean | $p50 | $p95 | $p99 | $max | $first | ${failed:-0} |")
	echo "tps $tps, p50 $p50 ms, p99 $p99 ms" >&2
done

{
	echo "# Sanctions screening, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs," \
		"$(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
	echo "- tree: $TREE; server: $(ft_psql -Atc 'SELECT version()' | sed 's/ on .*//')"
	echo "- list: $OFAC_DIR (sdn.csv, alt.csv, add.csv)"
	echo "- evaluation set: $SET_NOTE (sha1 of positives.csv + negatives.csv: $SET_DIGEST)"
	echo "- command: \`bash test/bench/screening/run.sh $DURATION\`"
	echo
	echo "## Loading the list"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| fintech.load_sanctions_ofac, first load | $LOAD1_S s ($N_LOADED entities) |"
	echo "| reload of the same files | $LOAD2_S s |"
	[ -n "$LIST_STATS" ] && echo "| fintech.sanctions_lists | $LIST_STATS |"
	echo "| first screen_name call in a new session | $COLD_MS ms |"
	echo "| second call | $WARM_MS ms |"
	echo
	echo "$EVAL"
	echo
	echo "(evaluation took $EVAL_S s)"
	echo
	echo "## Latency of screen_name"
	echo
	echo "\`pgbench -n -M prepared -T $DURATION -c N -j N\`, each transaction" \
		"\`SELECT * FROM fintech.screen_name(q)\` for a random q of the $NQ queries of the set;" \
		"percentiles from the per-transaction log (-l), in ms."
	echo
	echo "| clients | calls | calls/s | mean | p50 | p95 | p99 | max | first call per connection | failed |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
	printf '%s\n' "${ROWS[@]}"
} | tee "$OUT"
echo "(written to $OUT; per-query results in $DETAILS.pos.csv, $DETAILS.neg.csv)" >&2

if [ -n "${BENCH_STRICT:-}" ]; then
	grep -q '^| recall | .*: met |$' "$OUT" && grep -q '^| false-positive rate | .*: met |$' "$OUT" || exit 1
fi
