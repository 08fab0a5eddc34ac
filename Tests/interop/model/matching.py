"""Comparing the server's answers with the model's: the first difference raises Mismatch with the
path to it (what a failing run prints), and a tally of what the run met (printed at the end, so a
run that stopped exercising something shows it)."""
import time

from reference_model import ANY, canon

STATS = {}


def tally(kind, what):
    """Counts one occurrence of (kind, what), e.g. ("state.put", "merged")."""
    STATS[(kind, what)] = STATS.get((kind, what), 0) + 1


class Mismatch(Exception):
    """The server answered other than the model: the message says where and what."""


class Wild(dict):
    """The answer of a write that happened although the kill cut its answer off (crash_check.py): it
    is `ok`, and every field an operation reads from it is ANY (a value the model then takes from the
    server: events, lists) or, for an object, another Wild; it matches whatever the model wants."""
    OBJECTS = ("result", "turn", "comment", "checkpoint", "session", "row", "share", "template")

    def __getitem__(self, k):
        return Wild() if k in self.OBJECTS else ANY

    def get(self, k, default=None):
        return True if k == "ok" else self[k]


def now_ms():
    return int(time.time() * 1000)


def match(got, want, path="$"):
    """Raises Mismatch at the first difference; ANY in want matches anything present."""
    if want is ANY or isinstance(got, Wild):
        return
    if isinstance(want, dict):
        if not isinstance(got, dict):
            raise Mismatch(f"{path}: got {got!r}, want an object {want!r}")
        for k in set(got) | set(want):
            if k not in got:
                raise Mismatch(f"{path}.{k}: missing, want {want[k]!r}")
            if k not in want:
                raise Mismatch(f"{path}.{k}: unexpected {got[k]!r}")
            match(got[k], want[k], f"{path}.{k}")
        return
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            raise Mismatch(f"{path}: got {canon(got)[:600]}, want {canon(want)[:600]}")
        for i, (g, w) in enumerate(zip(got, want)):
            match(g, w, f"{path}[{i}]")
        return
    if type(got) is not type(want) or got != want:
        raise Mismatch(f"{path}: got {got!r}, want {want!r}")


KEYS = ["plan", "notes", "k1", "k2", "k3"]
FIELDS = ["a", "b", "c", "d"]
