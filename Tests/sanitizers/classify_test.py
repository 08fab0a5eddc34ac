#!/usr/bin/env python3
"""Checks classify.py on report files of the shapes the sanitizers write (Tests/sanitizers/run runs it
first). Each case: the report text, whether it must fail the run, with --mutex-filter."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# The runtime's own CHECK failure kills the process: no WARNING/ERROR line, no SUMMARY. Seen on
# 2026-12-06 in every test process while jemalloc was linked beside TSan's malloc.
CHECK_FAILED = """ThreadSanitizer: CHECK failed: sanitizer_allocator_secondary.h:297 "((IsAligned(p, page_size_))) != (0)" (0x0, 0x0) (tid=28157)
    #0 __tsan::CheckUnwind() tsan_rtl.cpp:696:21 (x.xctest+0x18594b)
    #10 free tsan_interceptors_posix.cpp:752:3 (x.xctest+0xe0c38)
"""

TSAN_SEGV = """ThreadSanitizer:DEADLYSIGNAL
==4327==ERROR: ThreadSanitizer: SEGV on unknown address 0x7f8c3ae00000 (pc 0x56080bfe85a6 bp 0x000000000001 sp 0x7ffc96fe9230 T4327)
==4327==The signal is caused by a READ memory access.
    #0 free tsan_interceptors_posix.cpp:752:3 (t+0xe0c38)
SUMMARY: ThreadSanitizer: SEGV (libstdc++.so.6+0x13fd54) in std::string::_M_mutate
==4327==ABORTING
"""

ASAN_BAD_FREE = """=================================================================
==4556==ERROR: AddressSanitizer: attempting free on address which was not malloc()-ed: 0x7b9d9840b000 in thread T0
    #0 0x55d8a96d0146 in free asan_malloc_linux.cpp:51:3
SUMMARY: AddressSanitizer: bad-free (libstdc++.so.6+0x13fd54) in std::string::_M_mutate
==4556==ABORTING
"""


def race(body_a, body_b):
    return f"""==================
WARNING: ThreadSanitizer: Swift access race (pid=1)
  Modifying access of Swift variable at 0x7b0400000010 by thread T2:
    #0 {body_a} Fanout.swift:10:5 (x+0x1)
    #1 Synchronization.Mutex.withLock <null> (libswiftSynchronization.so+0x2)

  Previous read of size 8 at 0x7b0400000010 by thread T1:
    #0 {body_b} Fanout.swift:20:5 (x+0x3)

SUMMARY: ThreadSanitizer: Swift access race Fanout.swift:10:5 in {body_a}
==================
ThreadSanitizer: reported 1 warnings
"""


WITHLOCK = "$s6Fanout7publishyyFyAA5StateVzYuKYTXEfU_"
PLAIN = "$s6Fanout7publishyyF"

CASES = [
    ("runtime CHECK failure", CHECK_FAILED, True),
    ("TSan SEGV", TSAN_SEGV, True),
    ("ASan bad free", ASAN_BAD_FREE, True),
    ("race inside Mutex bodies of one file", race(WITHLOCK, WITHLOCK), False),
    ("race with one access outside the lock", race(WITHLOCK, PLAIN), True),
]


def main():
    failed = 0
    with tempfile.TemporaryDirectory() as directory:
        for name, text, must_fail in CASES:
            path = os.path.join(directory, "report.1")
            with open(path, "w") as report:
                report.write(text)
            result = subprocess.run([sys.executable, os.path.join(HERE, "classify.py"), "--mutex-filter", path],
                                    capture_output=True, text=True)
            if (result.returncode != 0) != must_fail:
                failed += 1
                print(f"FAIL: {name}: classify.py exited {result.returncode}\n{result.stdout}")
    print(f"classify.py: {len(CASES) - failed} of {len(CASES)} cases right")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
