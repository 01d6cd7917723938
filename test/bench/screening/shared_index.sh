#!/usr/bin/env bash
# test/bench/screening/shared_index.sh — screening v2: the shared index and
# cross-script matching, on the full OFAC SDN list.
#
#   bash test/bench/screening/shared_index.sh [seconds]     default: 20 s per pgbench run
#   OFAC_DIR=/path/to/ofac BENCH_OUT=out.md bash test/bench/screening/shared_index.sh 10
#
# Builds and installs the checkout (test/bench/common.sh), starts a
# throwaway preloaded cluster (test/lib.sh), loads sdn.csv, alt.csv and
# add.csv from $OFAC_DIR, then reports:
#   1. the first screen_name of each of 20 new sessions (ms, min / median /
#      max; the first session builds the shared index: reported apart);
#      for scale, the first fintech.version() and SELECT 1 of new sessions,
#      and the CPU of a new session through its first statement (screen_name
#      against SELECT 1);
#   2. a new session's memory growth from screening: the backend's memory
#      contexts (pg_backend_memory_contexts) and its private resident memory
#      (RssAnon in /proc/<pid>/status), before and after 200 calls;
#   3. latency of screen_name over the evaluation set's 6,000 queries
#      (pgbench -n -M prepared -T <seconds>, per-transaction log): at 1, 2
#      and 8 saturating clients, then at a fixed total rate of half the
#      1-client throughput (pgbench -R) by 1 and by 8 clients (contention
#      apart from the queue for the CPUs): tps, mean / p50 / p95 / p99;
#   4. rescreening: 3,000 parties (1,000 positives, 2,000 negatives of the
#      set) created, the rescreen_parties job switched off, the list
#      reloaded, the index built by one call, then
#      fintech.rescreen_parties() timed: parties per second, elapsed and
#      per CPU-second of the backend; then the same parties copied
#      RESCREEN_COPIES times more (default 33: about 100,000), rescreened
#      again; and the CPU per screen_name call over the 6,000 queries;
#   5. cross-script matching (crossscript.sql) with the list loaded.
# Prints Markdown to stdout and writes it to $BENCH_OUT (default
# ./shared-index-results.md).  No Python needed.
set -euo pipefail

. "$(dirname "$0")/../../lib.sh"

DURATION=${1:-${BENCH_SECONDS:-20}}
case $DURATION in '' | *[!0-9]*) ft_die "seconds must be a positive integer, not '$DURATION'" ;; esac
. "$FT_ROOT/test/bench/common.sh"
. "$FT_ROOT/test/bench/screening/queries.sh"
screening_bench_start shared shared-index-results.md

ft_cluster_start shared "fintech.database = 'postgres'" "shared_buffers = '256MB'" ||
	ft_die "server did not start"
ft_psql -qc 'CREATE EXTENSION fintech CASCADE' >&2
load_list() {
	ft_psql -Atc "SELECT fintech.load_sanctions_ofac(pg_read_file('$FT_WORK/ofac/sdn.csv'),
	                pg_read_file('$FT_WORK/ofac/alt.csv'), pg_read_file('$FT_WORK/ofac/add.csv'))" >/dev/null
}
ft_log "load the list" >&2
load_list

# 1. the first call of new sessions (the first one builds the shared index)
ft_log "first call of new sessions" >&2
first_call() {
	ft_psql -At -c '\timing on' -c "SELECT count(*) FROM fintech.screen_name('$1')" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
BUILD_MS=$(first_call 'Nicolas Maduro Moros')
for i in $(seq 1 20); do first_call 'Nicolas Maduro Moros'; done >"$LOGS/first.txt"
read -r FMIN FMED FMAX <<<"$(sort -n "$LOGS/first.txt" | awk '{v[NR]=$1} END {print v[1], v[int((NR+1)/2)], v[NR]}')"
# the same new sessions' first statement that is not screening, for scale
median() { sort -n "$1" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for i in $(seq 1 20); do
	ft_psql -At -c '\timing on' -c "SELECT fintech.version()" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
done >"$LOGS/first_version.txt"
VMED=$(median "$LOGS/first_version.txt")
for i in $(seq 1 20); do
	ft_psql -At -c '\timing on' -c "SELECT 1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
done >"$LOGS/first_select1.txt"
SMED=$(median "$LOGS/first_select1.txt")
# CPU of a new session up to and with its first statement (the backend's
# run time, /proc/self/schedstat, read by the second statement): screening
# against SELECT 1, whatever else the machine does
session_cpu() {
	for i in $(seq 1 20); do
		ft_psql -At -c "$1" -c "SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint / 1e6" | tail -1
	done >"$LOGS/cpu.txt"
	median "$LOGS/cpu.txt"
}
CPU_SCREEN=$(session_cpu "SELECT count(*) FROM fintech.screen_name('Nicolas Maduro Moros')")
CPU_SELECT1=$(session_cpu "SELECT 1")

# 2. memory growth of a new session
ft_log "memory of a new session" >&2
# (jit off: the planner's estimate for the 200-call statement below is
# high enough to JIT-compile it, and LLVM's ~22 MB would be counted as
# screening's private memory)
MEM=$(ft_psql -At <<-'EOF'
	SET jit = off;
	CREATE TEMP TABLE q AS SELECT x FROM unnest(ARRAY['Nicolas Maduro Moros', 'Blue Harbor Logistics LLC',
	  'Sergey Shoigu', 'Mohammed Ali Hassan', 'Kim Jong Un', 'AL QAIDA', 'Banco Nacional de Cuba',
	  'Juan Carlos Rodriguez', 'Ivan Petrov', 'Zhang Wei']) AS x;
	SELECT sum(total_bytes) AS c0 FROM pg_backend_memory_contexts \gset
	SELECT substring(pg_read_file('/proc/self/status') FROM 'RssAnon:\s+(\d+)')::bigint AS r0 \gset
	SELECT count(*) FROM q, generate_series(1, 20), fintech.screen_name(q.x) \gset
	SELECT sum(total_bytes) AS c1 FROM pg_backend_memory_contexts \gset
	SELECT substring(pg_read_file('/proc/self/status') FROM 'RssAnon:\s+(\d+)')::bigint AS r1 \gset
	SELECT round((:c1 - :c0) / 1048576.0, 2) || ' ' || round((:r1 - :r0) / 1024.0, 2) || ' '
	    || (SELECT round(bytes / 1048576.0, 1) || ' ' || shared FROM fintech.screening_index())
	EOF
)
read -r MEM_CTX MEM_RSS IDX_MB IDX_SHARED <<<"$MEM"

# 3. latency at 1 and 8 clients
load_queries "CREATE TABLE rescreen_names AS SELECT query FROM (SELECT query FROM p LIMIT 1000) a UNION ALL SELECT query FROM (SELECT query FROM n LIMIT 2000) b;"
# latency: pgbench at c clients for DURATION s, saturating (no rate) or at a
# fixed total rate (-R, calls/s, spread over the clients: a call's latency
# then counts from its scheduled start, so waiting for a client counts too)
ROWS=()
bench() {
	local c=$1 rate=${2:-} tps n mean p50 p95 p99
	local tag=c$c${rate:+_r$rate}
	ft_log "pgbench, $c client(s)${rate:+ at $rate calls/s}, $DURATION s" >&2
	(cd "$LOGS" && ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c "$c" -j "$c" ${rate:+-R "$rate"} \
		-D nq="$NQ" -l --log-prefix="lat_$tag" -f "$LOGS/screen.sql" postgres \
		>"$LOGS/pgbench_$tag.out" 2>"$LOGS/pgbench_$tag.err") || { cat "$LOGS/pgbench_$tag.err" >&2; ft_die "pgbench failed"; }
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$LOGS/pgbench_$tag.out")
	read -r n mean p50 p95 p99 _ <<<"$(percentiles "$LOGS"/lat_$tag.*)"
	ROWS+=("| $c | ${rate:-saturating} | $n | $(printf '%.0f' "${tps:-0}") | $mean | $p50 | $p95 | $p99 |")
	LAST_TPS=${tps:-0} LAST_P95=$p95
}
# saturating: each client calls again as soon as it has its answer; with
# more clients than CPUs they queue for the CPUs (by Little's law the mean
# latency is clients / tps), so p95 at 8 clients measures the queue first
for c in 1 2 8; do
	bench "$c"
	if [ "$c" = 1 ]; then TPS1=$LAST_TPS; fi
done
# at a fixed rate below capacity: half the 1-client throughput, by 1
# client and by 8; what 8 clients add then is contention, not the queue of
# a saturated machine
LAT_RATE=$(awk -v t="$TPS1" 'BEGIN { r = int(t / 2); print (r < 1 ? 1 : r) }')
bench 1 "$LAT_RATE"
P95_R1=$LAST_P95
bench 8 "$LAT_RATE"
P95_R8=$LAST_P95
RATIO=$(awk -v a="$P95_R8" -v b="$P95_R1" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')

# 4. rescreening after a load: the rescreen_parties job is switched off
# first (it would rescreen some of the parties meanwhile); the first
# screen_name after the load builds the new generation's index (timed
# apart); CPU times are the backend's own (/proc/self/schedstat: run time
# in ns, whatever else the machine does)
ft_log "rescreening" >&2
ft_psql -qc "SELECT count(fintech.create_party(query)) FROM rescreen_names" >/dev/null
ft_psql -qc "ALTER SYSTEM SET fintech.rescreen_interval = 0" -c "SELECT pg_reload_conf()" >/dev/null
load_list
RESCREEN=$(ft_psql -At <<-'EOF'
	SELECT count(*) AS n FROM fintech.parties \gset
	SELECT clock_timestamp() AS t0 \gset
	SELECT count(*) FROM fintech.screen_name('x') \gset
	SELECT clock_timestamp() AS t1, split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS c1 \gset
	SELECT fintech.rescreen_parties() AS alerts \gset
	SELECT clock_timestamp() AS t2, split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS c2 \gset
	SELECT :n || ' ' || round(extract(epoch FROM :'t2'::timestamptz - :'t1'::timestamptz)::numeric, 2)
	    || ' ' || round((:c2 - :c1) / 1e9, 2)
	    || ' ' || round(extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz)::numeric, 2)
	EOF
)
read -r NPARTIES RESCREEN_S RESCREEN_CPU BUILD_S <<<"$RESCREEN"
RATE=$(awk -v n="$NPARTIES" -v s="$RESCREEN_S" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
RATE_CPU=$(awk -v n="$NPARTIES" -v s="$RESCREEN_CPU" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')

# 4c. rescreening at scale: the 3,000 parties copied RESCREEN_COPIES times
# more (default 33: about 100,000 parties; written straight into the table,
# screened as of the current list), analysed, the list reloaded, and
# rescreen_parties() timed again.  Its rate should not fall with the
# number of parties (each batch reads its own rows from the index).
ft_log "rescreening at scale" >&2
RESCREEN_COPIES=${RESCREEN_COPIES:-33}
ft_psql -qc "INSERT INTO fintech.parties (name, country, kind, status, screened_generation, birth_date)
	SELECT p.name, p.country, p.kind, 'clear', p.screened_generation, p.birth_date
	  FROM fintech.parties p, generate_series(1, $RESCREEN_COPIES)" -c "ANALYZE fintech.parties" >/dev/null
load_list
RESCREEN_BIG=$(ft_psql -At <<-'EOF'
	SELECT count(*) AS n FROM fintech.parties \gset
	SELECT count(*) FROM fintech.screen_name('x') \gset
	SELECT clock_timestamp() AS t1 \gset
	SELECT fintech.rescreen_parties() AS alerts \gset
	SELECT clock_timestamp() AS t2 \gset
	SELECT :n || ' ' || round(extract(epoch FROM :'t2'::timestamptz - :'t1'::timestamptz)::numeric, 2)
	EOF
)
read -r NPARTIES_BIG RESCREEN_BIG_S <<<"$RESCREEN_BIG"
RATE_BIG=$(awk -v n="$NPARTIES_BIG" -v s="$RESCREEN_BIG_S" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')

# 4b. CPU per screen_name call: the 6,000 queries in one session
ft_log "CPU per call" >&2
CPU=$(ft_psql -At <<-'EOF'
	SET jit = off;
	SELECT count(*) FROM fintech.screen_name('x') \gset
	SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS c0 \gset
	SELECT count(*) AS n FROM screening_queries q, fintech.screen_name(q.query) \gset
	SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS c1 \gset
	SELECT round((:c1 - :c0) / 1e6 / (SELECT count(*) FROM screening_queries), 3)
	EOF
)

# 5. cross-script
ft_log "cross-script (crossscript.sql)" >&2
XS=$(cd "$SET_DIR" && ft_psql -f crossscript.sql)

{
	echo "# Screening v2: shared index, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- tree: $TREE; list: $OFAC_DIR"
	echo "- command: \`bash test/bench/screening/shared_index.sh $DURATION\`"
	echo
	echo "| measure | result |"
	echo "|---|---|"
	echo "| first \`screen_name\` of the first session (builds the shared index) | $BUILD_MS ms |"
	echo "| first \`screen_name\` of a new session (20 sessions: min / median / max) | $FMIN / $FMED / $FMAX ms |"
	echo "| first \`fintech.version()\` / first \`SELECT 1\` of a new session (median, for scale) | $VMED / $SMED ms |"
	echo "| CPU of a new session through its first statement, \`screen_name\` / \`SELECT 1\` (median of 20, schedstat) | $CPU_SCREEN / $CPU_SELECT1 ms |"
	echo "| memory growth of a session from 200 calls: memory contexts / private resident (RssAnon) | $MEM_CTX MB / $MEM_RSS MB |"
	echo "| the shared index | $IDX_MB MB (shared: $IDX_SHARED) |"
	echo "| index build by the first call after the load | $BUILD_S s |"
	echo "| rescreening after a load (job off) | $NPARTIES parties in $RESCREEN_S s = $RATE parties/s (CPU $RESCREEN_CPU s = $RATE_CPU parties per CPU-second) |"
	echo "| rescreening after a load at scale (the same parties $RESCREEN_COPIES times more) | $NPARTIES_BIG parties in $RESCREEN_BIG_S s = $RATE_BIG parties/s |"
	echo "| CPU per \`screen_name\` call (the $NQ queries, one session) | $CPU ms |"
	echo
	echo "| clients | rate (calls/s) | calls | tps | mean ms | p50 ms | p95 ms | p99 ms |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "At $LAT_RATE calls/s (half the 1-client throughput): p95 at 8 clients / p95 at 1 client = $RATIO."
	echo
	echo "Cross-script (crossscript.sql, at 0.85):"
	echo
	echo '```text'
	echo "$XS"
	echo '```'
} | tee "$OUT"
