"""Text merges with repeated and moved lines (text_values.py), through the server: per case, one key
gets base (version 1), current on version 1 (version 2), then proposed on version 1 again (a stale
write: merged or conflict); a second key the same with the sides swapped. Each answer is compared
with merge_model.py (whose line diff is line_diff.py, the documented choice of LCS), and the
properties that hold whatever the diff (text_properties.py) are checked on the server's answers.
Cases go in batches: each of the three writes of a batch's keys is sent at once (pipelined, keys
independent), which keeps the run to a few seconds."""
import json
import random
import time

from line_diff import lcs_length, matches
from matching import Mismatch, match, tally
from merge_model import lines, merge_row
from text_properties import broken
from text_values import TextValues
from wire import Client, ClientsRun

BATCH = 50  # cases per batch: 300 requests, within one connection's request burst (400)


class TextRun(ClientsRun):
    """One seed: `steps` text triples, each merged both ways on the server."""

    def __init__(self, server, seed, steps):
        self.rng = random.Random(seed)
        self.values = TextValues(self.rng)
        self.steps = steps
        self.server = server
        self.clients = {"owner": Client(server.url, server.owner_token, "owner")}
        self.sid = f"texts-{seed}"
        self.ops = 0

    def run(self):
        self.ok("owner", "session.create", session=self.sid)
        for first in range(0, self.steps, BATCH):
            if first:
                # A fresh connection per batch: its requests come faster than the rate refills.
                self.clients["owner"].close()
                self.clients["owner"] = Client(self.server.url, self.server.owner_token, "owner")
            self.batch(first, min(self.steps, first + BATCH))

    def batch(self, first, end):
        cases = []
        for step in range(first, end):
            kind, base, cur, prop = self.values.triple()
            tally("text triple", kind)
            for text in (cur, prop):
                # the oracle's own diff must be a longest common subsequence
                o, x = lines(base), lines(text)
                if sum(j is not None for j in matches(o, x)) != lcs_length(o, x):
                    raise Mismatch(f"step {step}: line_diff.matches is no LCS of {base!r} / {text!r}")
            cases.append((step, base, cur, prop))
        writes = [(f"t{s}", b, c, p) for s, b, c, p in cases] + [(f"s{s}", b, p, c) for s, b, c, p in cases]
        self.pipelined([dict(key=k, value=b, base=0) for k, b, _, _ in writes])
        self.pipelined([dict(key=k, value=c, base=1) for k, _, c, _ in writes])
        answers = self.pipelined([dict(key=k, value=p, base=1) for k, _, _, p in writes])
        merged, regions = {}, {}
        for (key, base, cur, prop), res in zip(writes, answers):
            merged[key] = self.check(key, base, cur, prop, res)
            # Left out when the one region is the whole of every text.
            regions[key] = res["conflicts"][0].get("lines", [{"base": [0, len(lines(base))], "current": [0, len(lines(cur))],
                                                               "proposed": [0, len(lines(prop))]}]) if merged[key] is None else []
        for step, base, cur, prop in cases:
            m, swapped = merged[f"t{step}"], merged[f"s{step}"]
            tally("text merge", "conflict" if m is None else "merged")
            problems = broken(base, cur, prop, m, swapped)
            problems += broken_regions(base, cur, prop, regions[f"t{step}"], regions[f"s{step}"])
            if problems:
                raise Mismatch(f"step {step}: {problems}\n   base {base!r}\n   current {cur!r}\n   proposed {prop!r}\n"
                               f"   merged {m!r}\n   swapped {swapped!r}")

    def pipelined(self, puts):
        """Sends every state.put at once, then waits for all; their results, in order."""
        client = self.clients["owner"]
        ids = []
        for params in puts:
            ids.append(client.next_id)
            client.ws.send(json.dumps({"id": client.next_id, "op": "state.put", "session": self.sid, **params}))
            client.next_id += 1
        self.ops += len(puts)
        deadline = time.monotonic() + 10
        while any(i not in client.responses for i in ids):
            client._read(max(0.001, deadline - time.monotonic()))
        out = []
        for i, params in zip(ids, puts):
            r = client.responses.pop(i)
            if not r.get("ok"):
                raise Mismatch(f"state.put {params}: {r}")
            out.append(r["result"])
        return out

    def check(self, key, base, cur, prop, res):
        """The server's merge of `prop` written on version 1 (`base`) over `cur`, checked with the
        model; None on conflict."""
        outcome, want, merged = merge_row(base, cur, prop)
        if outcome == "conflict":
            tally("text conflict lines", "checked")
        where = f"key {key}:\n   base {base!r}\n   current {cur!r}\n   proposed {prop!r}\n  "
        if outcome == "conflict":
            match(res.get("outcome"), "conflict", where)
            match(res["conflicts"], want, where)
            # Left out when it is current's value (a text's conflict is of the whole text).
            match(res.get("merged", cur), merged, where)
            return None
        match(res.get("outcome"), outcome, where)
        match(res["row"]["value"], want, where)
        return res["row"]["value"]


def broken_regions(base, cur, prop, regions, swapped):
    """What a text conflict's `lines` (and the swapped merge's) break whatever the diff: regions in text
    order without overlap on every side, each a place both sides changed differently (its three slices
    differ), and the swapped merge's regions the same with current and proposed swapped."""
    out = []
    texts = {"base": lines(base), "current": lines(cur), "proposed": lines(prop)}
    ends = {side: 0 for side in texts}
    for r in regions:
        cut = {}
        for side, (first, count) in ((side, r[side]) for side in texts):
            if first < ends[side] or first + count > len(texts[side]):
                out.append(f"region {r} overlaps the one before or runs past {side}'s {len(texts[side])} lines")
            ends[side] = first + count
            cut[side] = texts[side][first:first + count]
        if cut["current"] == cut["base"] or cut["proposed"] == cut["base"] or cut["current"] == cut["proposed"]:
            out.append(f"region {r} is no conflict: {cut}")
    want = [{"base": r["base"], "current": r["proposed"], "proposed": r["current"]} for r in regions]
    if swapped != want:
        out.append(f"swapping the sides gives regions {swapped}, not {want}")
    return out
