#!/usr/bin/env python3
"""The model-based check of tandem.v1: drives a real tandemd (temporary database, port 0) with random
seeded operations from three users and compares every answer and every event with a reference model
written from docs/protocol.md (reference_model.py). A run is deterministic for its seeds: a failure
names the seed and step and the first divergence, and exits 1.
Live cases (presence, share links over time, live role changes, limits: live_cases.py) run once, with
the first seed, unless --no-live.
Usage: check.py --tandemd PATH [--seeds 0-2] [--steps 100] [--server-flag "--write-step-records 2"] [--no-live]"""
import argparse

from fixed_cases import CASES
from live_cases import run_live
from check_cli import finish, parse_seeds, report_failure, server_flags
from matching import Mismatch
from model_run import Run
from wire import Server


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tandemd", required=True, help="the tandemd binary (tandem-admin beside it)")
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--server-flag", action="append", default=[])
    ap.add_argument("--big-posts", type=float, default=0.0)
    ap.add_argument("--no-live", action="store_true", help="skip the live cases (live_cases.py)")
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    server = Server(args.tandemd, server_flags(args.server_flag))
    failures = 0
    total_ops = 0
    try:
        for case in CASES:
            try:
                case(server)
                print(f"case {case.__name__}: ok")
            except Mismatch as e:
                failures += 1
                print(f"case {case.__name__}: FAIL\n   first divergence: {e}")
        for name, e in ([] if args.no_live else run_live(server, seeds[0])):
            print(f"case live {name} (seed {seeds[0]}): " + ("ok" if e is None else f"FAIL\n   first divergence: {e}"))
            failures += e is not None
        for seed in seeds:
            run = Run(server, seed, args.steps, args.big_posts)
            try:
                run.run()
                print(f"seed {seed}: ok ({run.ops} requests)")
            except Exception as e:
                failures += 1
                report_failure(seed, run, e)
            total_ops += run.ops
            run.close()
    finally:
        server.stop()
    finish(seeds, total_ops, failures)


if __name__ == "__main__":
    main()
