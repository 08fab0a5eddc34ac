"""What the model's two commands (check.py, text_check.py) share: the seed list they take, the
server's flags, and how a run ends (the tallies, the verdict line, exit 1 on any failure)."""
import sys

from matching import STATS


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


def finish(seeds, requests, failures):
    """Prints the tallies and the verdict; exits 1 when anything failed."""
    for k in sorted(STATS):
        print(f"   {k[0]:20} {k[1]:20} {STATS[k]}")
    print(f"{len(seeds)} seeds, {requests} requests, {failures} failing")
    sys.exit(1 if failures else 0)
