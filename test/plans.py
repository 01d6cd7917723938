#!/usr/bin/env python3
"""test/plans.py -- the generic plan of every statement fintech's C code saves.

Reads the preprocessed sources (test/plans.sh makes them) for each part's
FintechPlanDef table, prepares each statement in the database that libpq's
environment points at, and prints, with plan_cache_mode =
force_generic_plan, the plan a backend would keep.  Run it right after
ANALYZE of an empty database: the plans made then are the ones kept until
autovacuum analyses the tables again.  It flags what has gone wrong
before (docs/contributing.md, "Statements built in C"):
  partial   a partial index that a lookup by key did not mean to use
  rescan    a nested loop that filters a join over a sequential scan
Statements marked `replan` are planned at every run and are listed apart.
"""
import glob, json, re, subprocess, sys

TYPES = {16: 'bool', 17: 'bytea', 19: 'name', 20: 'int8', 23: 'int4', 25: 'text',
         26: 'oid', 27: 'tid', 114: 'json', 700: 'float4', 1001: 'bytea[]',
         1007: 'int4[]', 1009: 'text[]', 1016: 'int8[]', 1028: 'oid[]',
         1082: 'date', 1184: 'timestamptz', 1185: 'timestamptz[]', 1186: 'interval',
         2205: 'regclass', 3802: 'jsonb', 3807: 'jsonb[]'}
# the partial indexes whose predicate a key lookup may repeat by mistake
PARTIAL = ['postings_unfolded', 'holds_open_expiry', 'audit_log_unsealed',
           'payments_held', 'events_unordered', 'screening_alerts_open']


def block_end(src, i):
    depth = 1
    while depth:
        c = src[i]
        if c == '"':
            i += 1
            while src[i] != '"':
                i += 2 if src[i] == '\\' else 1
        elif c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
        i += 1
    return i - 1


def statements(idir):
    entry = re.compile(r'\[\s*(\w+)\s*\]\s*=\s*\{((?:\s*"(?:[^"\\]|\\.)*")+)\s*,\s*(\d+)\s*,'
                       r'\s*\{([^}]*)\}\s*(?:,\s*(\w+)\s*)?\}')
    for f in sorted(glob.glob(idir + '/*.i')):
        src = open(f).read()
        part = f.rsplit('/', 1)[1][:-2]
        for m in re.finditer(r'FintechPlanDef\s+\w+\s*\[[^\]]*\]\s*=\s*\{', src):
            body = src[m.end():block_end(src, m.end())]
            for e in entry.finditer(body):
                sql = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', e.group(2))).replace('\\"', '"')
                n = int(e.group(3))
                oids = [int(re.sub(r'\(Oid\)|[()\s]', '', t)) for t in e.group(4).split(',') if t.strip()][:n]
                replan = e.group(5) in ('1', 'true')
                yield part, e.group(1), sql, [TYPES.get(o, str(o)) for o in oids], replan


def explain(sql, types):
    tl = '(' + ','.join(types) + ')' if types else ''
    args = '(' + ','.join(['NULL'] * len(types)) + ')' if types else ''
    script = ('SET plan_cache_mode = force_generic_plan;\nSET search_path = pg_catalog;\n'
              f'PREPARE s{tl} AS {sql};\nEXPLAIN (COSTS OFF) EXECUTE s{args};\n')
    p = subprocess.run(['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1'],
                       input=script, capture_output=True, text=True)
    return p.stdout, p.stderr.strip()


def main():
    idir = sys.argv[1]
    rows, replanned, errors = [], [], 0
    for part, name, sql, types, replan in statements(idir):
        if replan:
            replanned.append(f'{part}.{name}')
            continue
        plan, err = explain(sql, types)
        if err:
            errors += 1
            rows.append((f'{part}.{name}', 'ERROR', err.splitlines()[0]))
            continue
        flags = [p for p in PARTIAL if p in plan]
        flag = ('partial ' + ','.join(flags)) if flags else ''
        lines = plan.splitlines()
        for i, l in enumerate(lines):
            if 'Nested Loop' in l and any('Join Filter' in x for x in lines[i + 1:i + 2]) \
                    and any('Seq Scan' in x for x in lines[i + 1:]):
                flag = (flag + ' rescan').strip()
                break
        scans = sorted(set(re.findall(r'(Seq Scan|Index Scan|Index Only Scan|Tid Scan|Bitmap Heap Scan)'
                                      r'(?: using \S+)? on (\S+)', plan)))
        rows.append((f'{part}.{name}', flag, '; '.join(f'{k} {t}' for k, t in scans)))
    print('| statement | flag | scans |\n|---|---|---|')
    for r in rows:
        print(f'| `{r[0]}` | {r[1]} | {r[2]} |')
    print(f'\n{len(rows)} statements with a generic plan, {errors} not explained; '
          f'planned at every run: {", ".join(replanned) or "none"}')


main()
