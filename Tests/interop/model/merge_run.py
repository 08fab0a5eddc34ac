"""Stale writes of shared keys by three writers, every state.put answer and every `state` event
compared with merge_model.py: each writer edits the value it last saw (often several versions old), so
nested objects, texts and arrays are merged three-way or refused as a conflict; `base: 0` on a key
another writer created merges from nothing. Writers refresh their view at random (state.get, also
checked) or after their own write."""
import random

from matching import match, tally
from merge_model import NOBASE, merge_row, same
from merge_values import Values
from reference_model import ANY
from wire import Client, ClientsRun

KINDS = {"doc": "doc", "notes": "doc", "text": "text", "list": "list"}


class MergeRun(ClientsRun):
    """One seed: a session of three writers and `steps` random stale writes."""

    def __init__(self, server, seed, steps):
        self.rng = random.Random(seed)
        self.values = Values(self.rng)
        self.steps = steps
        self.users = ["owner", f"mbob{seed}", f"mcarol{seed}"]
        tokens = {"owner": server.owner_token}
        for u in self.users[1:]:
            tokens[u] = server.add_user(u)
        self.clients = {u: Client(server.url, tokens[u], u) for u in self.users}
        self.sid = f"merge-{seed}"
        self.rows = {}  # key -> [row dicts by version - 1]
        self.events = []  # the model's state events
        self.views = {u: {} for u in self.users}  # user -> key -> (version, value)
        self.ops = 0

    def run(self):
        self.ok("owner", "session.create", session=self.sid)
        for u in self.users[1:]:
            self.ok("owner", "member.add", session=self.sid, user=u, role="write")
        for u in self.users:
            self.eseq = self.ok(u, "session.join", session=self.sid)["head_eseq"]
        for self.step in range(self.steps):
            user = self.rng.choice(self.users)
            key = self.rng.choice(list(KINDS))
            if self.rng.random() < 0.25:
                self.refresh(user, key)
            self.put(user, key)
        for u in self.users:
            self.clients[u].wait_eseq(self.sid, self.eseq)
            got = [{k: e[k] for k in ("eseq", "key", "version", "value", "author", "merged")}
                   for e in self.clients[u].durable(self.sid) if e["event"] == "state"]
            match(got, self.events, f"{u}'s state events")

    def refresh(self, user, key):
        rows = self.ok(user, "state.get", session=self.sid, key=key)["rows"]
        want = [self.wire(self.rows[key][-1])] if key in self.rows else []
        match(rows, want, f"state.get {key}")
        if rows:
            self.views[user][key] = (rows[0]["version"], rows[0]["value"])

    def wire(self, row):
        return {k: row[k] for k in ("key", "version", "value", "author", "updated")}

    def put(self, user, key):
        base, seen = self.views[user].get(key, (0, None))
        value = self.values.fresh(KINDS[key]) if base == 0 else self.values.edit(seen)
        hist = self.rows.get(key, [])
        if base == len(hist):
            outcome, v = "applied", value
        else:
            outcome, v, merged = merge_row(hist[base - 1]["value"] if base else NOBASE, hist[-1]["value"], value)
        params = {"session": self.sid, "key": key, "value": value, "base": base}
        res = self.ok(user, "state.put", **params)
        tally("state.put deep", outcome)
        where = f"step {self.step}: {user} put {params}\n   on {self.wire(hist[-1]) if hist else None}\n   base value " \
                f"{hist[base - 1]['value'] if 0 < base <= len(hist) else None}\n  "
        if outcome == "conflict":
            want = {"outcome": "conflict", "conflicts": v, "current": self.wire(hist[-1])}
            if not same(merged, hist[-1]["value"]):  # left out when it is current's value
                want["merged"] = merged
            match(res, want, where)
            if self.rng.random() < 0.7:
                self.views[user][key] = (hist[-1]["version"], hist[-1]["value"])
            return
        self.eseq += 1
        row = {"key": key, "version": len(hist) + 1, "value": v, "author": user, "updated": ANY}
        match(res, {"outcome": outcome, "row": row, "eseq": self.eseq}, where)
        row["updated"] = res["row"]["updated"]
        self.rows.setdefault(key, []).append(row)
        self.events.append({"eseq": self.eseq, "key": key, "version": row["version"], "value": v, "author": user,
                            "merged": outcome == "merged"})
        self.views[user][key] = (row["version"], v)
