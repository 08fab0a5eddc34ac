#!/usr/bin/env python3
"""The documented text merge (merge_model.py over line_diff.py, which text_run.py checks against the
server) compared with two independent implementations, `git merge-file -p` and GNU `diff3 -m -E`, on
the random triples of text_values.py. Every disagreement is classified:

- "another LCS": some other pair of longest common subsequences (base to current, base to proposed),
  run through the same diff3 chunk rule, gives the other tool's answer: both are valid merges, they
  only chose different diffs where lines repeat or move (the documented choice is ours);
- "no LCS": no such pair gives it (the other tool's diff is not a longest one, or its rule differs);
  printed in full, to be looked at.

`diff3 -m` alone (its -A) brackets even identical changes on both sides as conflicts; -E merges them,
as git and Tandem do. Not part of Tests/interop/run (a study, run by hand; docs/store.md cites it).
Usage: text_compare.py [--seeds 0-199] [--show N]"""
import argparse
import os
import random
import subprocess
import tempfile
from collections import Counter

from check_cli import parse_seeds
from merge_model import chunk_merge, lines, merge_text
from text_values import TextValues

CAP = 64  # LCS matchings enumerated per pair of texts, at most


def all_lcs(a, b):
    """Up to CAP distinct LCS matchings of a and b, each a list (index of b or None per index of a)."""
    n, m = len(a), len(b)
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            dp[i][j] = dp[i + 1][j + 1] + 1 if a[i] == b[j] else max(dp[i + 1][j], dp[i][j + 1])
    out, seen = [], set()

    def walk(i, j, pairs):
        if len(out) >= CAP:
            return
        if dp[i][j] == 0:
            key = tuple(pairs)
            if key not in seen:
                seen.add(key)
                mp = [None] * n
                for x, y in pairs:
                    mp[x] = y
                out.append(mp)
            return
        # every first pair (x, y) of some LCS of a[i:], b[j:]
        for x in range(i, n):
            for y in range(j, m):
                if a[x] == b[y] and dp[x][y] == dp[i][j] and dp[x + 1][y + 1] == dp[i][j] - 1:
                    walk(x + 1, y + 1, pairs + [(x, y)])
                    if len(out) >= CAP:
                        return
    walk(0, 0, [])
    return out


def tool(cmd, files):
    r = subprocess.run(cmd + files, capture_output=True)
    if r.returncode < 0 or r.returncode > 127:
        raise RuntimeError(f"{cmd} failed: {r.stderr!r}")
    # git answers the number of conflicts (0 clean); diff3 1 on conflicts, 2 on trouble
    if cmd[0] == "diff3" and r.returncode == 2:
        raise RuntimeError(f"diff3 failed: {r.stderr!r}")
    return r.stdout.decode("utf-8", "surrogateescape") if r.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-199")
    ap.add_argument("--per-seed", type=int, default=50)
    ap.add_argument("--show", type=int, default=2, help="examples printed per class")
    args = ap.parse_args()
    tally, shown = Counter(), Counter()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, n) for n in ("current", "base", "proposed")]
        for seed in parse_seeds(args.seeds):
            rng = random.Random(seed)
            values = TextValues(rng)
            for _ in range(args.per_seed):
                kind, base, cur, prop = values.triple()
                ours = merge_text(base, cur, prop)
                for p, t in zip(paths, (cur, base, prop)):
                    with open(p, "w", newline="") as f:
                        f.write(t)
                others = {"git merge-file": tool(["git", "merge-file", "-p"], paths),
                          "diff3 -m -E": tool(["diff3", "-m", "-E"], paths)}
                for name, other in others.items():
                    if other == ours:
                        tally[(name, "agree", "clean" if ours is not None else "conflict")] += 1
                        continue
                    what = ("ours conflict, theirs clean" if ours is None else
                            "ours clean, theirs conflict" if other is None else "both clean, texts differ")
                    o, a, b = lines(base), lines(cur), lines(prop)
                    outcomes = {chunk_merge(o, a, b, ma, mb) for ma in all_lcs(o, a) for mb in all_lcs(o, b)}
                    why = "another LCS" if other in outcomes else "no LCS"
                    tally[(name, what, why)] += 1
                    if shown[(name, what, why)] < args.show or why == "no LCS":
                        shown[(name, what, why)] += 1
                        print(f"[{name}: {what}, {why}] seed {seed} ({kind})\n   base     {base!r}\n   current  {cur!r}\n"
                              f"   proposed {prop!r}\n   ours     {ours!r}\n   theirs   {other!r}")
    for k in sorted(tally):
        print(f"   {k[0]:15} {k[1]:30} {k[2]:12} {tally[k]}")


if __name__ == "__main__":
    main()
