#!/usr/bin/env python3
"""The model check of deep state merges and session.search: stale writes of nested objects, texts and
arrays by three writers against merge_model.py (merge_run.py), then seeded searches against
search_model.py (search_run.py), on a tandemd of its own. A failure names the seed, step and the first
divergence, and exits 1.
Usage: text_check.py --tandemd PATH [--seeds 0-2] [--merge-steps 150] [--search-steps 40]"""
import argparse
import traceback

from check_cli import finish, parse_seeds, server_flags
from merge_run import MergeRun
from search_run import SearchRun
from wire import Server


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tandemd", required=True, help="the tandemd binary (tandem-admin beside it)")
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--merge-steps", type=int, default=150)
    ap.add_argument("--search-steps", type=int, default=40)
    ap.add_argument("--server-flag", action="append", default=[])
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    server = Server(args.tandemd, server_flags(args.server_flag))
    failures = total = 0
    try:
        for seed in seeds:
            for name, make, steps in (("merge", MergeRun, args.merge_steps), ("search", SearchRun, args.search_steps)):
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
    finish(seeds, total, failures)


if __name__ == "__main__":
    main()
