#!/usr/bin/env python3
"""The admin race: tandem-admin writing the database of a running tandemd. Per seed, a model run
(model_run.py: three users, random operations, every answer and event compared with the model) whose
random steps include tandem-admin commands (admin_ops.py), each racing a busy server (admin_load.py: a
writer with turns always in flight; at times a lock holder); the model takes each command's change, and the
wire answers and live effects after its exit are checked against it (admin_live.py). Prints per seed the
commands' exit codes, and the delays from a command's exit to its effects on live connections; exits 1 on
any failure, naming the seed, the step and the first divergence.
Usage: admin_race.py --tandemd PATH [--seeds 0-1] [--steps 60] [--admin-weight 25] [--server-flag ...]"""
import argparse
import random

from admin_cli import AdminCLI
from admin_load import LoadWriter
from admin_ops import AdminOps
from check_cli import finish, parse_seeds, report_failure, server_flags
from model_run import Run
from wire import Server


class RaceRun(AdminOps, Run):
    """A model run whose steps include tandem-admin commands."""

    def __init__(self, server, seed, steps, weight):
        super().__init__(server, seed, steps)
        self.admin_setup(AdminCLI(server.admin, server.db), LoadWriter(server, seed, random.Random(seed + 1000)), weight)

    def run(self):
        super().run()
        if not getattr(self, "purges", 0):  # a purge a seed at least (drawn rarely, or given up busy)
            try:
                self.admin_purge()
            finally:
                self.load.stop()
        self.finish_race()

    def close(self):
        super().close()
        self.load.close()
        for _, c in list(self.spares.values()) + list(self.viewers.values()):
            c.close()


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tandemd", required=True, help="the tandemd binary (tandem-admin beside it)")
    ap.add_argument("--seeds", default="0-1")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--admin-weight", type=float, default=25, help="weight of a tandem-admin command among the "
                    "random operations (theirs sum to 88-93)")
    ap.add_argument("--server-flag", action="append", default=[])
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    server = Server(args.tandemd, server_flags(args.server_flag))
    failures = total_ops = 0
    delays, codes, stats, load_turns = [], {}, {}, 0
    try:
        for seed in seeds:
            run = RaceRun(server, seed, args.steps, args.admin_weight)
            try:
                run.run()
                n = sum(run.cli.codes.values())
                worst = max((d for _, d in run.delays), default=0.0)
                print(f"seed {seed}: ok ({run.ops} requests, {n} tandem-admin commands, {run.load_turns} load turns, "
                      f"slowest live effect {worst * 1000:.0f} ms)")
                load_turns += run.load_turns
            except Exception as e:
                failures += 1
                report_failure(seed, run, e)
                server.log.flush()
                print("   the server's log, last lines:\n" + "".join(open(server.log.name).readlines()[-12:]))
            total_ops += run.ops
            delays += run.delays
            for k, v in run.cli.codes.items():
                codes[k] = codes.get(k, 0) + v
            for k, v in run.admin_stats.items():
                stats[k] = stats.get(k, 0) + v
            run.close()
    finally:
        server.stop()
    print("   tandem-admin exit codes: " + ", ".join(f"{c} {rc}: {n}" for (c, rc), n in sorted(codes.items())))
    print("   races: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.items())) + f"; load turns kept: {load_turns}")
    ds = [d for _, d in delays]
    print(f"   live effects after the exit: {len(ds)}, median {percentile(ds, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(ds, 0.99) * 1000:.0f} ms, max {max(ds, default=0) * 1000:.0f} ms")
    finish(seeds, total_ops, failures)


if __name__ == "__main__":
    main()
