#!/usr/bin/env python3
"""test/bench/idle_memory.py - how much slower this machine's memory is to
touch after it has sat idle (docs/benchmarks.md, "Statement pages by ledger
size"): maps MB megabytes, writes one byte per 4 kB page, reads it back at
once, then again after each idle wait (and at once after that).  On a
virtual machine whose host reclaims guest memory that is not in use, the
first touch after a wait costs many times the second one; PostgreSQL's
shared buffers are such memory too, so a cold statement page pays it even
when every buffer it reads is a hit.

    python3 test/bench/idle_memory.py [MB [seconds...]]   default: 512 30 120 240
"""
import mmap
import sys
import time

mb = int(sys.argv[1]) if len(sys.argv) > 1 else 512
waits = [int(a) for a in sys.argv[2:]] or [30, 120, 240]
size = mb * 1024 * 1024
pages = size // 4096
m = mmap.mmap(-1, size)


def touch(write):
    t = time.perf_counter()
    s = 0
    for i in range(0, size, 4096):
        if write:
            m[i] = 1
        else:
            s += m[i]
    return (time.perf_counter() - t) / pages * 1e6   # microseconds a page


print(f"{mb} MB, {pages} pages of 4 kB; microseconds a page:", flush=True)
print(f"  first touch (write): {touch(True):.2f}; read at once: {touch(False):.2f}", flush=True)
for w in waits:
    time.sleep(w)
    cold = touch(False)
    print(f"  after {w} s idle: {cold:.2f}; read at once: {touch(False):.2f}", flush=True)
