"""A reference three-way merge of state row values, written from the documented rules (docs/protocol.md
"state.put", docs/store.md "Shared-state rows", the doc comments of Sources/TandemMerge/):

- a value changed on one side only takes that change; the same change on both sides is kept;
- objects changed on both sides merge key by key, recursively; a deleted key is an absent key, so a
  deletion against a modification, or two different additions of one key, conflict (two objects added
  under one key have no common base: a conflict); at the top, `base: 0` on an existing row merges two
  objects key by key from nothing, keeps two equal values, and anything else conflicts without `base`;
- strings changed on both sides merge line by line (diff3: lines keep their terminators; regions
  changed on one side take that side, regions changed alike are kept, regions changed differently,
  adjacent edits included, conflict); a text conflict names the string's path with the three whole
  strings and `lines`: each region that conflicted, in text order, as `[first, count]` of base, current
  and proposed (zero-based lines), left out when the one region is the whole of all three texts; one
  merge lists at most MAX_CONFLICT_LINES of them, the first in path order, and a text whose list was
  cut has `lines_more: true`;
- arrays, numbers, booleans, null and changes of kind changed differently on both sides conflict;
- every conflict is reported, sorted by path segments (a prefix first), as a JSON Pointer.

Equality is JSON's (`1 == 1.0`); strings byte for byte. The line diff is the longest common subsequence
docs/store.md names ("Text merges, line by line"), line_diff.py: with repeated or moved lines several
are valid, and that one is what the server picks (text_run.py checks texts made for it)."""
import json

from line_diff import matches

from matching import tally

ABSENT = object()  # the key is not there
NOBASE = object()  # base 0 on an existing row: no base value at all


def same(a, b):
    if a is ABSENT or b is ABSENT:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def lines(text):
    """Lines with their terminators; joining them gives the text back."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch == "\n":
            out.append(text[start:i + 1])
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


MAX_CONFLICT_LINES = 1000  # conflicting text regions one merge lists (docs/protocol.md, Limits)


def merge_text(base, cur, prop):
    """diff3 (Khanna, Kuber, Pierce): the merged text, or None when a region changed differently."""
    return merge_text_regions(base, cur, prop)[0]


def merge_text_regions(base, cur, prop):
    """(merged text, []) or (None, the regions that conflicted, each {"base": [first, count], ...})."""
    o, a, b = lines(base), lines(cur), lines(prop)
    return chunk_walk(o, a, b, matches(o, a), matches(o, b))


def chunk_merge(o, a, b, ma, mb):
    """diff3's chunk walk over the base lines `o` matched to `a` and `b` (`ma`, `mb`: base index to the
    side's index, or None): the merged text, or None when a region changed differently."""
    return chunk_walk(o, a, b, ma, mb)[0]


def chunk_walk(o, a, b, ma, mb):
    """chunk_merge's walk to the end: (merged text, []), or (None, every unstable chunk that conflicted
    as line ranges {"base": [first, count], "current": [...], "proposed": [...]}, in text order)."""
    out, regions, lo, la, lb = [], [], 0, 0, 0
    while True:
        # a stable run: base lines matched consecutively on both sides
        while lo < len(o) and ma[lo] == la and mb[lo] == lb:
            out.append(o[lo])
            lo, la, lb = lo + 1, la + 1, lb + 1
        nxt = next((i for i in range(lo, len(o)) if ma[i] is not None and mb[i] is not None), None)
        eo, ea, eb = (len(o), len(a), len(b)) if nxt is None else (nxt, ma[nxt], mb[nxt])
        co, ca, cb = o[lo:eo], a[la:ea], b[lb:eb]
        if ca == co:
            out += cb
        elif cb == co or ca == cb:
            out += ca
        else:
            regions.append({"base": [lo, eo - lo], "current": [la, ea - la], "proposed": [lb, eb - lb]})
        lo, la, lb = eo, ea, eb
        if nxt is None:
            return (None, regions) if regions else ("".join(out), [])


def _conflict(path, base, cur, prop, regions=None):
    c = {"path": path}
    if regions is not None:
        c["lines"] = regions
    if base is not ABSENT and base is not NOBASE:
        c["base"] = base
    if cur is not ABSENT:
        c["current"] = cur
    if prop is not ABSENT:
        c["proposed"] = prop
    return c


def merge3(base, cur, prop, path=""):
    """(merged value, conflicts); with conflicts, the value keeps current's side at each (ABSENT where
    current has none), as a conflict answer's `merged` does."""
    if same(cur, prop):
        return cur, []
    if base is not NOBASE and same(prop, base):
        return cur, []
    if base is not NOBASE and same(cur, base):
        return prop, []
    top_nobase = base is NOBASE and path == ""
    if isinstance(cur, dict) and isinstance(prop, dict) and (isinstance(base, dict) or top_nobase):
        b = base if isinstance(base, dict) else {}
        tally("merge kind", "objects from nothing" if top_nobase else "objects at depth %d" % path.count("/"))
        out, conflicts = dict(cur), []
        for k in set(cur) | set(prop) | set(b):
            v, cs = merge3(b.get(k, ABSENT), cur.get(k, ABSENT), prop.get(k, ABSENT),
                           path + "/" + k.replace("~", "~0").replace("/", "~1"))
            conflicts += cs
            if v is ABSENT:
                out.pop(k, None)
            else:
                out[k] = v
        return out, conflicts
    if isinstance(base, str) and isinstance(cur, str) and isinstance(prop, str):
        merged, regions = merge_text_regions(base, cur, prop)
        tally("merge kind", "text conflict" if merged is None else "text merged")
        if merged is not None:
            return merged, []
        # One region that is the whole of all three texts says nothing the values do not: left out.
        whole = len(regions) == 1 and regions[0] == {"base": [0, len(lines(base))], "current": [0, len(lines(cur))],
                                                     "proposed": [0, len(lines(prop))]}
        tally("text conflict regions", "whole (left out)" if whole else str(len(regions)) if len(regions) < 3 else "3+")
        return cur, [_conflict(path, base, cur, prop, None if whole else regions)]
    return cur, [_conflict(path, base, cur, prop)]


def pointer_segments(pointer):
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]


def merge_row(base, cur, prop):
    """('merged', value, value) or ('conflict', sorted conflicts, merged), as state.put answers a stale
    write: `merged` is the merge with current's side kept at each conflict."""
    value, conflicts = merge3(base, cur, prop)
    if conflicts:
        return "conflict", cap_lines(sorted(conflicts, key=lambda c: pointer_segments(c["path"]))), value
    return "merged", value, value


def cap_lines(conflicts):
    """At most MAX_CONFLICT_LINES regions over all the (sorted) conflicts, the first ones kept; a text
    whose list was cut says so with `lines_more`."""
    left = MAX_CONFLICT_LINES
    for c in conflicts:
        if "lines" in c:
            if len(c["lines"]) > left:
                c["lines"] = c["lines"][:left]
                c["lines_more"] = True
            left -= len(c["lines"])
    return conflicts
