#!/usr/bin/env bash
# test/bench/vault.sh — the card vault's throughput (see docs/benchmarks.md):
# tokenize_card and detokenize_card calls per second at 1 and 8 clients.
#
#   bash test/bench/vault.sh [seconds]          default: 10 s per run
#
# Builds and installs the checkout (without FINTECH_CHECKS) and starts a
# throwaway cluster with run.sh's settings (fsync and synchronous_commit
# on) and a key file of one key.  Setup: VAULT_CARDS (default 100,000)
# Luhn-valid 16-digit numbers in a table of the benchmark (bench_pans; in
# clear: a benchmark is no place for real cards), the first half tokenized.
# Each call is its own transaction (pgbench -n -M prepared):
#   tokenize_known   tokenize_card of a card already in the vault (the lookup)
#   tokenize_new     tokenize_card of a card not yet in the vault (seal, insert)
#   detokenize       detokenize_card of a known token (decrypt, record, audit)
# Prints a Markdown table to stdout and writes it to $VAULT_OUT (default
# ./vault-results.md in the caller's directory).  The cluster is stopped
# and removed at the end.
set -euo pipefail

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

DURATION=${1:-${VAULT_SECONDS:-10}}
case $DURATION in '' | *[!0-9]*) ft_die "seconds must be a positive integer, not '$DURATION'" ;; esac
CARDS=${VAULT_CARDS:-100000}
case $CARDS in '' | *[!0-9]*) ft_die "VAULT_CARDS must be a positive integer, not '$CARDS'" ;; esac
OUT=${VAULT_OUT:-$PWD/vault-results.md}
HALF=$((CARDS / 2))

trap ft_cleanup EXIT
ft_bootstrap
ft_workdir
bench_build

# the key: random, in a file only the server's OS user reads
KEYFILE=$FT_WORK/vault.key
( umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEYFILE"; echo >>"$KEYFILE" )
[ "$(id -u)" = 0 ] && chown postgres: "$KEYFILE"

ft_log "start the cluster" >&2
ft_cluster_start bench "${SETTINGS[@]}" "fintech.vault_key_file = '$KEYFILE'" >&2

ft_log "setup: $CARDS card numbers, $HALF tokenized" >&2
ft_psql <<SQL
CREATE EXTENSION fintech CASCADE;
CREATE TABLE bench_pans (n int PRIMARY KEY, pan text NOT NULL, token text);
-- a 16-digit number of n and the Luhn check digit that fits it
INSERT INTO bench_pans (n, pan)
SELECT n, p || ((10 - (SELECT sum(CASE WHEN i % 2 = 1 THEN (2 * d) / 10 + (2 * d) % 10 ELSE d END)
                          FROM (SELECT i, substr(p, 16 - i, 1)::int AS d FROM generate_series(1, 15) i) s) % 10) % 10)
  FROM (SELECT n, '4' || lpad(n::text, 14, '0') AS p FROM generate_series(1, $CARDS) n) q;
UPDATE bench_pans SET token = fintech.tokenize_card(pan) WHERE n <= $HALF;
CREATE SEQUENCE bench_new START $((HALF + 1));
VACUUM ANALYZE;
CHECKPOINT;
SQL

SCRIPTS=$FT_WORK/scripts
mkdir -p "$SCRIPTS"
echo "\\set n random(1, $HALF)
SELECT fintech.tokenize_card(pan) FROM bench_pans WHERE n = :n;" >"$SCRIPTS/tokenize_known.sql"
echo "SELECT fintech.tokenize_card(pan) FROM bench_pans WHERE n = (SELECT nextval('bench_new'));" >"$SCRIPTS/tokenize_new.sql"
echo "\\set n random(1, $HALF)
SELECT fintech.detokenize_card(token) FROM bench_pans WHERE n = :n;" >"$SCRIPTS/detokenize.sql"
[ "$(id -u)" = 0 ] && chown -R postgres: "$SCRIPTS"

{
	echo "| operation | clients | calls/s |"
	echo "|---|---:|---:|"
} >"$FT_WORK/table.md"
for op in tokenize_known tokenize_new detokenize; do
	for clients in 1 8; do
		ft_log "$op, $clients client(s), $DURATION s" >&2
		out=$(ft_as_pg "$PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$((clients < 2 ? 1 : 2))" \
			-T "$DURATION" -f "$SCRIPTS/$op.sql" postgres 2>&1) || { echo "$out" >&2; ft_die "pgbench failed"; }
		tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
		failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
		[ "${failed:-0}" = 0 ] || ft_die "$op: $failed failed transactions"
		printf '| %s | %d | %.0f |\n' "$op" "$clients" "$tps" >>"$FT_WORK/table.md"
	done
done
{
	echo "Card vault, $(date -u +%Y-%m-%d), $(nproc) CPUs, $DURATION s per run, $CARDS cards ($TREE, sources $SRC_DIGEST)"
	echo
	cat "$FT_WORK/table.md"
} | tee "$OUT"
