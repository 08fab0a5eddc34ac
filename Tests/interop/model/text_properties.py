"""Properties of a line-wise three-way text merge that hold whichever longest common subsequence the
line diffs pick (docs/store.md, "Text merges, line by line"), checked on the server's answers.
`merged` is the merged text, or None for a conflict. Each check returns a list of broken properties
(empty when all hold)."""
from collections import Counter

from merge_model import lines


def broken(base, cur, prop, merged, swapped):
    """What `merged` (merge of cur and prop) and `swapped` (of prop and cur) break."""
    out = []
    if cur == prop and merged != cur:
        out.append("both sides equal: the merge is that text")
    if cur == base and merged != prop:
        out.append("current unchanged: the merge is proposed")
    if prop == base and merged != cur:
        out.append("proposed unchanged: the merge is current")
    if merged != swapped:
        out.append("swapping the sides changes the answer")
    if merged is None:
        return out
    o, a, b, m = Counter(lines(base)), Counter(lines(cur)), Counter(lines(prop)), Counter(lines(merged))
    for line, count in m.items():
        if line not in o and line not in a and line not in b:
            out.append(f"merged line {line!r} is in none of the three texts")
    for mine, other in ((a, b), (b, a)):
        for line, count in mine.items():
            # Never matched (not in base), not in the other side either: its chunk changed on this
            # side only, so a clean merge took it, every copy.
            if line not in o and line not in other and m[line] != count:
                out.append(f"line {line!r} only one side has ({count}x) is in the merge {m[line]}x")
    for line in o:
        if line not in a and line not in b and m[line]:
            out.append(f"line {line!r} both sides removed is in the merge")
    ms = lines(merged)
    if any(not x.endswith("\n") for x in ms[:-1]):
        out.append("a line before the last has no terminator")
    return out
