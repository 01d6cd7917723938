#!/usr/bin/env bash
# test/bench/merkle.sh — how the verifiable log's reads grow with its size
# (see docs/benchmarks.md): the latency of fintech.audit_root(),
# audit_inclusion_proof(seq) and audit_consistency_proof(old_size) at 10k,
# 100k, 1M and 10M sealed rows (target: O(log n), <= 5 ms at 10M).
#
#   bash test/bench/merkle.sh [seconds]          default: 5 s per function and size
#   MERKLE_MAX_ROWS=1000000 bash test/bench/merkle.sh 3
#
# MERKLE_MAX_ROWS (default 10000000) stops earlier (a cap that is not one of
# the sizes is measured as the last size).  Builds and installs the checkout
# (without FINTECH_CHECKS) and starts a throwaway cluster with run.sh's
# settings (fsync and synchronous_commit on; the background jobs, the
# sealer among them, run).  The log is filled fast: one user table
# (bench_merkle.filler, a bigint and an int) is audited with
# fintech.audit_table(), and each size is reached with INSERT ... SELECT
# generate_series in transactions of 100,000 rows (one captured row each),
# then fintech.seal_audit() and VACUUM ANALYZE and CHECKPOINT.  At each size,
# one client, each call its own transaction, for <seconds> each:
#   root         SELECT * FROM fintech.audit_root()
#   root_at      SELECT * FROM fintech.audit_root(<random size 1..n>)
#   inclusion    SELECT ... FROM fintech.audit_inclusion_proof(<random seq 1..n>)
#   consistency  SELECT ... FROM fintech.audit_consistency_proof(<random old size 1..n>)
#   verify_digest  SELECT fintech.verify_audit_digest(<the head's digest>)
# (a build without the first three, 0.4.1 and older, gets only the last:
# the "before" of the digest, which re-walked the chain)
# with pgbench -n -M prepared -c 1 -j 1 -T <seconds> -l: p50/p95/p99 in ms
# from the per-transaction log.  Prints a Markdown table to stdout and
# writes it to $MERKLE_OUT (default ./merkle-results.md in the caller's
# directory).  The cluster is stopped and removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

DURATION=${1:-${MERKLE_SECONDS:-5}}
case $DURATION in '' | *[!0-9]*) ft_die "seconds must be a positive integer, not '$DURATION'" ;; esac
[ "$DURATION" -ge 1 ] || ft_die "seconds must be at least 1"
MAX_ROWS=${MERKLE_MAX_ROWS:-10000000}
case $MAX_ROWS in '' | *[!0-9]*) ft_die "MERKLE_MAX_ROWS must be a positive integer, not '$MAX_ROWS'" ;; esac
[ "$MAX_ROWS" -ge 1000 ] || ft_die "MERKLE_MAX_ROWS must be at least 1000"
OUT=${MERKLE_OUT:-merkle-results.md}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
: >"$OUT" || ft_die "cannot write $OUT"

SIZES=
for s in 10000 100000 1000000 10000000; do
	if [ "$s" -lt "$MAX_ROWS" ]; then SIZES="$SIZES $s"; fi
done
SIZES="$SIZES $MAX_ROWS"
CHUNK=100000        # rows per fill transaction
TARGET_MS=5         # p95 of every function at every size

LOADB=$(uptime | sed 's/.*load average/load average/')
bench_start merkle --no-setup
ft_psql >&2 <<'EOSQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fintech CASCADE;
EOSQL
# a build before the tree (0.4.1 and older) has only the digest: measure that
FUNCS="root root_at inclusion consistency verify_digest"
for f in 'fintech.audit_root(bigint)' 'fintech.audit_inclusion_proof(bigint,bigint)' \
	'fintech.audit_consistency_proof(bigint,bigint)'; do
	if [ -z "$(ft_psql -Atc "SELECT to_regprocedure('$f')")" ]; then
		FUNCS=verify_digest
		NOTREE="this build (fintech $(ft_psql -Atc 'SELECT fintech.version()')) has no $f: only verify_audit_digest measured"
		echo "$NOTREE" >&2
		break
	fi
done
ft_psql >&2 <<'EOSQL'
SET client_min_messages = warning;
CREATE SCHEMA bench_merkle;
CREATE TABLE bench_merkle.filler (id bigint PRIMARY KEY, v int NOT NULL);
SELECT fintech.audit_table('bench_merkle.filler');
EOSQL

# the workloads; :n is the tree size (pgbench -D n=...)
cat >"$LOGS/root.sql" <<'EOF'
SELECT tree_size, root_hash FROM fintech.audit_root();
EOF
cat >"$LOGS/root_at.sql" <<'EOF'
\set s random(1, :n)
SELECT tree_size, root_hash FROM fintech.audit_root(:s);
EOF
cat >"$LOGS/inclusion.sql" <<'EOF'
\set s random(1, :n)
SELECT seq, leaf_hash, cardinality(path) FROM fintech.audit_inclusion_proof(:s);
EOF
cat >"$LOGS/consistency.sql" <<'EOF'
\set s random(1, :n)
SELECT old_size, cardinality(path) FROM fintech.audit_consistency_proof(:s);
EOF
# the digest of the whole log (:n, root or chain hash :h in hex)
cat >"$LOGS/verify_digest.sql" <<'EOF'
SELECT fintech.verify_audit_digest(:n, decode(:h, 'hex'));
EOF
chown postgres: "$LOGS"/*.sql 2>/dev/null || true

since() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", t1 - t0 }'; }
# the sealed size and the hash of the digest, from audit_digest() (in every version)
sealed() { ft_psql -Atc 'SELECT coalesce((SELECT n FROM fintech.audit_digest() AS d(n, h)), 0)'; }
digest_hex() { ft_psql -Atc "SELECT encode(h, 'hex') FROM fintech.audit_digest() AS d(n, h)"; }
mb() { # mb RELATION: its size with indexes and TOAST in MB, or — when there is none
	ft_psql -Atc "SELECT coalesce((SELECT round(pg_total_relation_size(c.oid) / 1048576.0)::text
	                                 FROM pg_class c WHERE c.oid = to_regclass('$1')), '—')"
}

# measure FUNCTION N: sets MEASURED to "p50 / p95 / p99 | calls | yes|no"
# (latency in ms of one client's calls; yes when p95 is within the target)
measure() {
	local fn=$1 n=$2
	rm -f "$LOGS"/lat.*
	ft_as_pg "$PG_BIN/pgbench" -n -M prepared -T "$DURATION" -c 1 -j 1 -D n="$n" -D h="$HASH" -l \
		--log-prefix="$LOGS/lat" -f "$LOGS/$fn.sql" postgres \
		>"$LOGS/$fn-$n.log" 2>"$LOGS/$fn-$n.err" ||
		ODD+=("$fn at $n rows: pgbench failed: $(grep -v '^pgbench: warning' "$LOGS/$fn-$n.err" | head -3 | tr '\n' ' ')")
	# column 3 of the per-transaction log: latency in microseconds
	MEASURED=$(cat "$LOGS"/lat.* 2>/dev/null | awk '{print $3}' | sort -n | awk -v t="$TARGET_MS" '
		{ a[NR] = $1 } END {
			if (NR == 0) { print "— | 0 | no"; exit }
			p50 = a[int(NR * 0.50) + 1] / 1000; p95 = a[int(NR * 0.95) + 1] / 1000
			p99 = a[int(NR * 0.99) + 1] / 1000
			printf "%.3f / %.3f / %.3f | %d | %s\n", p50, p95, p99, NR, (p95 <= t ? "yes" : "no") }')
}

ROWS=()
ODD=()
T0=$SECONDS
LOAD0=$(uptime | sed 's/.*load average/load average/')
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
for size in $SIZES; do
	have=$(sealed)
	t0=$(date +%s.%N)
	if [ "$have" -lt "$size" ]; then
		ft_log "fill the log from $have to $size sealed rows" >&2
		ft_psql -c "DO \$\$
DECLARE
  first bigint := coalesce((SELECT max(id) FROM bench_merkle.filler), 0) + 1;
  last  bigint := first + $size - $have - 1;
  a bigint := first;
BEGIN
  WHILE a <= last LOOP
    INSERT INTO bench_merkle.filler (id, v)
    SELECT g, 0 FROM generate_series(a, least(a + $CHUNK - 1, last)) g;
    COMMIT;
    a := a + $CHUNK;
  END LOOP;
END \$\$" >&2
	fi
	fill=$(since "$t0")
	t0=$(date +%s.%N)
	ft_psql -Atc 'SELECT fintech.seal_audit()' >/dev/null
	seal=$(since "$t0")
	t0=$(date +%s.%N)
	ft_psql -c 'VACUUM ANALYZE' -c 'CHECKPOINT'
	vac=$(since "$t0")
	n=$(sealed)
	echo "$n sealed rows: fill $fill s, seal_audit() $seal s, VACUUM ANALYZE + CHECKPOINT $vac s" >&2
	HASH=$(digest_hex)
	line="| $n"
	for fn in root root_at inclusion consistency verify_digest; do
		case " $FUNCS " in
		*" $fn "*)
			measure "$fn" "$n"
			r=$MEASURED
			echo "  $fn: $r" >&2
			line="$line | $(echo "$r" | cut -d'|' -f1 | sed 's/ *$//') ($(echo "$r" | cut -d'|' -f2 | tr -d ' '))"
			case $r in *'| no') ODD+=("$fn at $n rows: p95 above $TARGET_MS ms ($r)") ;; esac
			;;
		*) line="$line | —" ;;
		esac
	done
	paths=—
	[ "$FUNCS" = verify_digest ] ||
		paths=$(ft_psql -Atc "SELECT format('%s / %s', (SELECT cardinality(path) FROM fintech.audit_inclusion_proof(1)),
		                                         (SELECT cardinality(path) FROM fintech.audit_consistency_proof(1)))")
	line="$line | $paths | $(mb fintech.audit_log) | $(mb fintech.audit_tree) | $fill + $seal |"
	ROWS+=("$line")
done
LOAD1=$(uptime | sed 's/.*load average/load average/')

{
	echo "## The verifiable log: roots and proofs as the log grows, $STARTED"
	echo
	echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs," \
		"$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
	echo "- load (uptime) before the build: $LOADB; when the runs started: $LOAD0; when they ended: $LOAD1"
	echo "- tree: $TREE; sha1 of the built src/, sql/, Makefile, control: $SRC_DIGEST"
	echo "- server: $(ft_psql -Atc 'SELECT version()' | sed 's/ on .*//'), fintech $(ft_psql -Atc 'SELECT fintech.version()')"
	echo "- settings (beside lib.sh's max_connections = 60):" \
		"$(printf '%s; ' "${SETTINGS[@]}" | sed 's/; $//')"
	echo "- each function and size: \`pgbench -n -M prepared -T $DURATION -c 1 -j 1 -l\`, a random argument per call"
	echo "- command: \`MERKLE_MAX_ROWS=$MAX_ROWS bash test/bench/merkle.sh $DURATION\`"
	echo
	[ -z "${NOTREE:-}" ] || { echo "$NOTREE."; echo; }
	echo "Latency in ms, p50 / p95 / p99 (calls in brackets; target: p95 ≤ $TARGET_MS ms at every size); path lengths of the proofs" \
		"of seq 1 and of old size 1; sizes in MB with indexes; fill = INSERT of the captured rows (the sealer" \
		"running beside), seal = the fintech.seal_audit() of what was left, in s:"
	echo
	echo "| sealed rows | \`audit_root()\` | \`audit_root(size)\` | \`audit_inclusion_proof(seq)\` | \`audit_consistency_proof(old)\` | \`verify_audit_digest\` of the head | path lengths | audit_log MB | audit_tree MB | fill + seal s |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "(runs took $((SECONDS - T0)) s)"
	print_anomalies "Every p95 within $TARGET_MS ms; no pgbench errors."
} | tee "$OUT"
echo "(written to $OUT)" >&2
