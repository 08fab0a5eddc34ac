#!/usr/bin/env python3
"""Sorts ThreadSanitizer/AddressSanitizer report files (log_path output) for Tests/sanitizers/run.

  classify.py [--mutex-filter] REPORT...

Every report counts as a finding, and so does any other line a sanitizer's runtime wrote (a
"CHECK failed" of the runtime itself, which kills the process with no report and no SUMMARY), except, with --mutex-filter, a race whose two accesses both sit
inside Synchronization.Mutex.withLock bodies of the same source file: TSan on Linux cannot see
Mutex's lock (see mutex-visibility.swift), so those are listed apart as "Mutex (not visible to TSan)".
A withLock body is the closure `(inout sending Value) throws(E) -> sending Result`, which Swift
mangles as ...zYu[K]YTXEfU<n>_ ; it must be one of the top 4 frames of each access.
Prints a summary; exits 1 when any finding remains.
"""
import collections
import re
import sys

REPORT_START = re.compile(r"^(==\d+==)?(WARNING|ERROR): (Thread|Address|Leak)Sanitizer")
ANY_SANITIZER = re.compile(r"(Thread|Address|Leak|UndefinedBehavior)Sanitizer")
# Said outside a report without being one: TSan's count at exit, the line before an ERROR on a signal.
HARMLESS = re.compile(r"ThreadSanitizer: reported \d+ warnings|Sanitizer:DEADLYSIGNAL")
WITHLOCK_BODY = re.compile(r"zYuK?YTXEfU\d*_$")
FRAME = re.compile(r"^\s+#(\d+) (\S+) (\S+)")


def stacks(block):
    """The access stacks of one race report: lists of (symbol, file) for the top frames."""
    result, current = [], None
    for line in block:
        if re.match(r"^  [A-Z].* by (thread T\d+|main thread).*:$", line):
            current = []
            result.append(current)
        elif current is not None:
            match = FRAME.match(line)
            if match:
                current.append((match.group(2), match.group(3).rsplit(":", 2)[0]))
            elif not line.strip():
                current = None
    return result


def mutex_only(block):
    # The first two stacks are the two accesses (then come the location and the threads' creation).
    access = stacks(block)[:2]
    if len(access) != 2:
        return False
    files = set()
    for stack in access:
        hits = [path for symbol, path in stack[:4] if WITHLOCK_BODY.search(symbol)]
        if not hits:
            return False
        files.add(hits[0])
    return len(files) == 1


def main():
    args = sys.argv[1:]
    mutex_filter = "--mutex-filter" in args
    files = [a for a in args if a != "--mutex-filter"]
    findings = collections.Counter()
    mutex = collections.Counter()
    for path in files:
        block, in_report = [], False
        for line in open(path, errors="replace"):
            line = line.rstrip("\n")
            if REPORT_START.match(line):
                block, in_report = [line], True
            elif not in_report and ANY_SANITIZER.search(line) and not HARMLESS.search(line):
                findings[re.sub(r"\(tid=\d+\)|==\d+==", "", line).strip()] += 1
            elif in_report:
                block.append(line)
                if line.startswith("SUMMARY:"):
                    in_report = False
                    summary = line.replace("SUMMARY: ", "")
                    if mutex_filter and "race" in block[0] and mutex_only(block):
                        mutex[summary] += 1
                    else:
                        findings[summary] += 1
    for title, counter in (("findings", findings), ("Mutex (not visible to TSan on Linux; set aside)", mutex)):
        print(f"{title}: {sum(counter.values())}")
        for summary, n in sorted(counter.items()):
            print(f"  {n:4d}  {summary}")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
