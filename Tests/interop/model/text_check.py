#!/usr/bin/env python3
"""The model check of deep state merges and session.search: stale writes of nested objects, texts and
arrays by three writers against merge_model.py (merge_run.py), then text merges of repeated and moved
lines, both ways round, against the same model and properties that hold whatever the diff (text_run.py),
then seeded searches against
search_model.py (search_run.py), on a tandemd of its own; with --scan N, also searches on a second tandemd
whose pages examine at most N index entries (`--max-search-scan N`), among bursts of posts, so that pages
end short. A failure names the seed, step and the first divergence, and exits 1.
Usage: text_check.py --tandemd PATH [--seeds 0-2] [--merge-steps 150] [--text-steps 150] [--search-steps 40] [--scan 100 --scan-steps 60]"""
import argparse
import traceback

from check_cli import finish, parse_seeds, server_flags
from merge_run import MergeRun
from search_run import SearchRun
from text_run import TextRun
from wire import Server


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tandemd", required=True, help="the tandemd binary (tandem-admin beside it)")
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--merge-steps", type=int, default=150)
    ap.add_argument("--text-steps", type=int, default=150)
    ap.add_argument("--search-steps", type=int, default=40)
    ap.add_argument("--scan", type=int, default=0, help="max-search-scan of the second server (0: none)")
    ap.add_argument("--scan-steps", type=int, default=60)
    ap.add_argument("--server-flag", action="append", default=[])
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    flags = server_flags(args.server_flag)
    server = Server(args.tandemd, flags)
    # Its bursts of posts and walks of many short pages go faster than the default request rate allows.
    scan_server = Server(args.tandemd, flags + ["--max-search-scan", str(args.scan), "--rate", "100000", "--burst", "100000"]) \
        if args.scan else None
    runs = [("merge", MergeRun, args.merge_steps), ("text", TextRun, args.text_steps),
            ("search", SearchRun, args.search_steps)]
    if scan_server:
        runs.append(("search scan", lambda _, seed, steps: SearchRun(scan_server, seed, steps, scan=args.scan, bulk=0.1),
                     args.scan_steps))
    failures = total = 0
    try:
        for seed in seeds:
            for name, make, steps in runs:
                run = make(server, seed, steps)
                try:
                    run.run()
                    print(f"seed {seed} {name}: ok ({run.ops} requests)")
                except Exception as e:
                    failures += 1
                    print(f"seed {seed} {name}: FAIL\n   first divergence: {str(e)[:4000]}")
                    if not type(e).__name__ == "Mismatch":
                        traceback.print_exc()
                total += run.ops
                run.close()
    finally:
        server.stop()
        if scan_server:
            scan_server.stop()
    finish(seeds, total, failures)


if __name__ == "__main__":
    main()
