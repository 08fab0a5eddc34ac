"""The events each joined member receives, compared with the model's expected durable events (exact
fields, in order, nothing missing and nothing extra), and the values the model cannot predict
(server timestamps, comment ids) adopted from them once they matched."""
from reference_model import ANY, canon
from matching import Mismatch, match


class EventChecks:
    def check_events(self, s):
        for u in self.users:
            key = (u, s.id)
            if key not in self.joined:
                continue
            c = self.clients[u]
            if s.head_eseq > self.join_head[key] and not c.wait_eseq(s.id, s.head_eseq):
                got = c.durable(s.id)
                raise Mismatch(f"{u} did not receive events of {s.id} up to {s.head_eseq}; last "
                               f"{got[-1]['eseq'] if got else None}: {canon(got[-3:])[:800]}")
            got = c.durable(s.id)
            start = self.joined[key]
            fresh = got[start:]
            want = s.events[start + self.join_base[key]:]
            if len(fresh) != len(want):
                raise Mismatch(f"{u}: {len(fresh)} new events of {s.id}, want {len(want)}: "
                               f"{canon(fresh)[:1500]} want {canon(want)[:1500]}")
            for g, w in zip(fresh, want):
                try:
                    match(g, w, f"event@{u}")
                except Mismatch as e:
                    raise Mismatch(f"{e}\n   got  {canon(fresh)[:3000]}\n   want {canon(want)[:3000]}")
                # fill what the model could not predict from what the server said live
            self.joined[key] = len(got)

    def join(self, user, s):
        self.clients[user].settle(0.05)
        self.clients[user].events[s.id] = []  # a session deleted before under this id
        self.removed_watch.pop((user, s.id), None)
        r = self.ok(user, "session.join", session=s.id)
        match(r["head_eseq"], s.head_eseq, "join.head_eseq")
        match(r["head_seq"], s.head_seq, "join.head_seq")
        match(r["role"], s.members[user], "join.role")
        self.joined[(user, s.id)] = len(self.clients[user].durable(s.id))
        self.join_head[(user, s.id)] = r["head_eseq"]
        self.join_base[(user, s.id)] = s.head_eseq - len(self.clients[user].durable(s.id))

    def sync(self, s, first_eseq):
        """After the events checked out: take what the model could not predict (times, ids) from them."""
        for u in self.users:
            key = (u, s.id)
            if key not in self.joined:
                continue
            got = {e["eseq"]: e for e in self.clients[u].durable(s.id)}
            for ev in s.events[first_eseq - 1:]:
                g = got.get(ev["eseq"])
                if g is None:
                    continue
                for k, v in list(ev.items()):
                    if v is ANY:
                        ev[k] = g[k]
                if ev["event"] == "turn":
                    s.turns[ev["seq"] - 1].created = g["created"]
                elif ev["event"] == "comment":
                    for k, v in list(ev["comment"].items()):
                        if v is ANY:
                            ev["comment"][k] = g["comment"][k]
                    self.server.comment_high = max(self.server.comment_high, ev["comment"]["id"])
                elif ev["event"] == "state":
                    r = s.rows[ev["key"]]
                    if r["version"] == ev["version"]:
                        r["updated"] = g["updated"]
                    hist = s.row_history[ev["key"]]
                    for i, h in enumerate(hist):
                        if h[0] == ev["version"]:
                            hist[i] = (h[0], h[1], h[2], g["updated"], h[4], h[5])
            return
