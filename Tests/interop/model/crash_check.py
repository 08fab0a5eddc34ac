#!/usr/bin/env python3
"""The crash model check: the model check's seeded random operations (and templates, imports, deletes,
share links: crash_ops.py) against a tandemd killed with SIGKILL several times per seed and restarted
on the same database; after each kill every answered write must be there as the model says, the write
in flight must have happened whole or not at all, members rejoining with `since` must get exactly the
events they missed, and `PRAGMA integrity_check` must say ok (crash_run.py, crash_resolve.py).
Deterministic per seed but for the kill moments, which each seed's report lists.
Usage: crash_check.py --tandemd PATH [--seeds 0-2] [--steps 120] [--kills 5]
                      [--server-flag "--write-step-records 2"]"""
import argparse

from check_cli import finish, parse_seeds, report_failure, server_flags
from crash_run import CrashRun
from crash_server import KillableServer


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tandemd", required=True, help="the tandemd binary (tandem-admin beside it)")
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--kills", type=int, default=5, help="kills per seed (fewer when the steps end first)")
    ap.add_argument("--server-flag", action="append", default=[])
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    server = KillableServer(args.tandemd, server_flags(args.server_flag))
    failures = total_ops = total_kills = 0
    try:
        for seed in seeds:
            run = CrashRun(server, seed, args.steps, args.kills)
            try:
                run.run()
                print(f"seed {seed}: ok ({run.ops} requests, {len(run.kill_lines)} kills)")
            except Exception as e:
                failures += 1
                report_failure(seed, run, e, f"the kills before it: {run.kill_lines}")
            total_ops += run.ops
            total_kills += len(run.kill_lines)
            server.cancel()
            if server.proc.poll() is not None:
                server.restart()
            run.close()
    finally:
        server.cancel()
        server.stop()
    print(f"{total_kills} kills")
    finish(seeds, total_ops, failures)


if __name__ == "__main__":
    main()
