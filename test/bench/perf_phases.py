#!/usr/bin/env python3
"""test/bench/perf_phases.py -- a perf profile of a cluster split into phases,
in microseconds of CPU per call.

    perf script -i FILE -F comm,pid,ip,sym > FILE.txt
    python3 test/bench/perf_phases.py FILE.txt CALLS HZ [FRAME,FRAME,...]

FILE: a `perf record -g --call-graph dwarf -F HZ` of the cluster's
processes (test/bench/cpu_split.sh with PERF_OUT=FILE writes it, and the
transactions committed meanwhile to FILE.n: CALLS).  Each sample is counted
once, in the first of the FRAMEs (in the order given) that its stack holds;
a sample of a process that is not a backend (no PostgresMain in its stack)
counts as "not a backend"; one that holds none of the frames as "other".
Without FRAMEs, the phases of a call: its commit, the fintech function's
locking (begin), deciding (apply_entry) and writing (ledger_finish), the
executor of a plain statement (PortalRun), the protocol (pq_getbyte) and
the rest of the main loop.

    --leaves FRAME   the innermost functions of the samples under FRAME
    --callers FRAME  the callers (4 frames) of FRAME's samples
"""
import collections
import sys

PHASES = ['CommitTransactionCommand', 'begin', 'apply_entry', 'ledger_finish',
          'ledger_key_claim', 'fmgr_security_definer', 'ExecInitNode',
          'standard_ExecutorEnd', 'PortalRun', 'GetCachedPlan', 'pq_getbyte',
          'ReadyForQuery', 'PostgresMain']


def stacks(path):
    """(stack, innermost first) per sample of `perf script -F comm,pid,ip,sym`"""
    cur = []
    with open(path, errors='replace') as f:
        for line in f:
            if line.startswith((' ', '\t')):
                parts = line.split(None, 1)
                if len(parts) > 1:
                    cur.append(parts[1].strip())
            elif cur:
                yield cur
                cur = []
    if cur:
        yield cur


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    path, calls, hz = argv[1], int(argv[2]), float(argv[3])
    rest = argv[4:]
    per_call = 1e6 / hz / calls
    counts = collections.Counter()
    if rest and rest[0] in ('--leaves', '--callers'):
        frame = rest[1]
        for s in stacks(path):
            if frame in s:
                i = s.index(frame)
                key = s[0] if rest[0] == '--leaves' else \
                    ' < '.join(x for x in s[i + 1:i + 5] if not x.startswith('0x'))
                counts[key] += 1
        for key, n in counts.most_common(20):
            print('  %8.2f us/call  %s' % (n * per_call, key))
        return
    phases = rest[0].split(',') if rest else PHASES
    total = 0
    for s in stacks(path):
        total += 1
        if 'PostgresMain' not in s:
            counts['(not a backend)'] += 1
            continue
        counts[next((p for p in phases if p in s), '(other)')] += 1
    for key, n in counts.most_common():
        print('  %-40s %8.1f us/call' % (key, n * per_call))
    print('  %-40s %8.1f us/call' % ('TOTAL', total * per_call))


if __name__ == '__main__':
    main(sys.argv)
