"""What the model's commands (check.py, text_check.py, crash_check.py, admin_race.py) share: the seed
list they take, the server's flags, how a seed's failure is shown, and how a run ends (the tallies, the
verdict line, exit 1 on any failure)."""
import sys
import traceback

from matching import STATS, Mismatch


def parse_seeds(text):
    """Seeds from "0-2,7": ranges and single numbers, separated by commas."""
    seeds = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        seeds += list(range(int(a), int(b or a) + 1))
    return seeds


def server_flags(flag_args):
    """The words of every `--server-flag` given."""
    return [f for x in flag_args for f in x.split()]


def report_failure(seed, run, error, *context):
    """A seed's failure: where it stopped, the first divergence, `context` lines, the last writes (and the
    traceback of anything but a divergence)."""
    print(f"seed {seed}: FAIL at step {run.step}, last request {run.last}")
    print(f"   first divergence: {str(error)[:4000]}")
    for line in context:
        print(f"   {line}")
    print(f"   the writes before it: {run.trail[-8:]}")
    if not isinstance(error, Mismatch):
        traceback.print_exc()


def finish(seeds, requests, failures):
    """Prints the tallies and the verdict; exits 1 when anything failed."""
    for k in sorted(STATS):
        print(f"   {k[0]:20} {k[1]:20} {STATS[k]}")
    print(f"{len(seeds)} seeds, {requests} requests, {failures} failing")
    sys.exit(1 if failures else 0)
