#!/usr/bin/env bash
# test/bench/wal_records.sh — the WAL of a workload, record by record: after
# a CHECKPOINT, CLIENTS pgbench clients run SCRIPT TRANSACTIONS times each,
# the audit log is sealed, and pg_waldump's records between the two WAL
# positions are grouped by record type and relation (per transaction:
# records, bytes, full-page images and their bytes).  The cost per transfer
# that docs/benchmarks.md ("Session 8") takes apart.
#
#   PG_BIN=/usr/lib/postgresql/15/bin bash test/bench/wal_records.sh SCRIPT [CLIENTS [TRANSACTIONS]]
#
# Against the cluster of PGHOST/PGPORT/PGDATABASE (test/bench/setup.sql
# loaded, common.sh's settings), run as its OS user (pg_waldump reads
# $PGDATA/pg_wal: PGDATA must be set).  PGOPTIONS go to pgbench, e.g.
# PGOPTIONS="-c fintech.events=off".  Rows of less than 3 bytes per
# transaction are left out; the last lines say how much of the total the
# events' rows and vacuum took (both belong to other jobs).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SCRIPT [CLIENTS [TRANSACTIONS]]" >&2; exit 2; }
: "${PG_BIN:?set PG_BIN}" "${PGDATA:?set PGDATA}"
script=$1 clients=${2:-8} per=${3:-1000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
q() { "$PG_BIN/psql" -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
q CHECKPOINT
start=$(q 'SELECT pg_current_wal_insert_lsn()')
"$PG_BIN/pgbench" -n -M prepared -t "$per" -c "$clients" -j "$((clients < 2 ? clients : 2))" \
	-f "$script" >"$T/pgbench.out" 2>&1 || { cat "$T/pgbench.out" >&2; exit 1; }
q 'SELECT fintech.seal_audit()' >/dev/null 2>&1 || true
end=$(q 'SELECT pg_current_wal_insert_lsn()')
n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$T/pgbench.out")
grep -E '^(tps|number of failed)' "$T/pgbench.out"
echo "transactions $n, WAL $(q "SELECT pg_wal_lsn_diff('$end', '$start')") bytes, $(q "SELECT round(pg_wal_lsn_diff('$end', '$start') / $n)") per transaction"
q "SELECT pg_relation_filenode(c.oid) || ' ' || c.oid::regclass FROM pg_class c
    WHERE pg_relation_filenode(c.oid) IS NOT NULL AND c.relnamespace <> 'pg_catalog'::regnamespace" >"$T/rels"
"$PG_BIN/pg_waldump" -p "$PGDATA/pg_wal" -s "$start" -e "$end" 2>/dev/null >"$T/wal" || true
python3 - "$n" "$T/rels" "$T/wal" <<'PY'
import collections, re, sys
n = int(sys.argv[1])
rels = dict(l.rstrip('\n').split(' ', 1) for l in open(sys.argv[2]) if ' ' in l)
cnt, byt, fpi, fpib = (collections.Counter() for _ in range(4))
pat = re.compile(r'rmgr: (\S+)\s+len \(rec/tot\):\s+(\d+)/\s*(\d+), tx:\s+\d+, lsn: \S+, prev \S+, desc: (\S+)(.*)')
for line in open(sys.argv[3]):
    m = pat.match(line)
    if not m:
        continue
    rm, rec, tot, kind, rest = m.groups()
    r = re.search(r'blkref #0: rel \d+/\d+/(\d+)', rest)
    k = (rm + '/' + kind.replace('+INIT', ''), rels.get(r.group(1), r.group(1)) if r else '-')
    cnt[k] += 1
    byt[k] += int(tot)
    if 'FPW' in rest:
        fpi[k] += 1
        fpib[k] += int(tot) - int(rec)
print(f"| record | relation | per transaction | bytes | FPI | FPI bytes |\n|---|---|---:|---:|---:|---:|")
for k, v in sorted(byt.items(), key=lambda x: -x[1]):
    if v / n >= 3:
        print(f"| {k[0]} | {k[1]} | {cnt[k] / n:.3f} | {v / n:.0f} | {fpi[k] / n:.3f} | {fpib[k] / n:.0f} |")
tot = sum(byt.values())
ev = sum(v for k, v in byt.items() if k[1].startswith('fintech.events'))
vac = sum(v for k, v in byt.items() if k[0] in ('Heap2/VACUUM', 'Heap2/VISIBLE', 'Heap2/FREEZE_PAGE', 'Btree/VACUUM',
          'Btree/UNLINK_PAGE', 'Btree/DELETE') and not k[1].startswith('fintech.events'))
print(f"\nrecords {tot / n:.0f} bytes per transaction, of which full-page images {sum(fpib.values()) / n:.0f};"
      f" fintech.events' rows {ev / n:.0f}, vacuum {vac / n:.0f}; without both {(tot - ev - vac) / n:.0f}")
PY
