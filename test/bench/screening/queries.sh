# test/bench/screening/queries.sh — sourced by run.sh and shared_index.sh:
# the latency runs' query table and their percentiles, written once.

# load_queries [SQL]: the table screening_queries (id, query) of every
# query of the evaluation set ($SET_DIR's positives and negatives), the
# pgbench script $LOGS/screen.sql that screens a random one of them, and
# NQ, their count.  SQL runs in the same session after the set is loaded
# (the temp tables p and n hold its two files), for a caller's own table.
load_queries() {
	ft_psql -q <<-EOF
		CREATE TABLE screening_queries (id int PRIMARY KEY, query text NOT NULL);
		CREATE TEMP TABLE p (query text, expected_uid text, perturbation text);
		CREATE TEMP TABLE n (query text, kind text);
		\copy p FROM '$SET_DIR/positives.csv' WITH (FORMAT csv, HEADER true)
		\copy n FROM '$SET_DIR/negatives.csv' WITH (FORMAT csv, HEADER true)
		INSERT INTO screening_queries
		SELECT row_number() OVER (), query FROM (SELECT query FROM p UNION ALL SELECT query FROM n) q;
		${1:-}
		VACUUM ANALYZE screening_queries;
	EOF
	NQ=$(ft_psql -Atc 'SELECT count(*) FROM screening_queries')
	cat >"$LOGS/screen.sql" <<-'EOF'
		\set r random(1, :nq)
		SELECT * FROM fintech.screen_name((SELECT query FROM screening_queries WHERE id = :r));
	EOF
	chown postgres: "$LOGS/screen.sql" 2>/dev/null || true
}

# percentiles LOG...: "calls mean p50 p95 p99 max" in ms of the latencies
# (µs, the 3rd field) of pgbench -l logs
percentiles() {
	cat "$@" | awk '{print $3}' | sort -n | awk '
		{ v[NR] = $1; s += $1 }
		function at(p,  i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; return v[i] / 1000 }
		END {
			if (NR == 0) { print "0 — — — — —"; exit }
			printf "%d %.2f %.2f %.2f %.2f %.2f\n", NR, s / NR / 1000, at(0.50), at(0.95), at(0.99), v[NR] / 1000
		}'
}
