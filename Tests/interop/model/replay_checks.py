"""What a fresh connection sees: a replay from since 0 (turns as they are now), a resume from any
since (and resync_required for another created or a since beyond the head), a join with last+state;
and what a share-link viewer reads (live turns and their comments only, replayed retired turns and
their comments without text, restores and merges without `detail`)."""
from reference_model import ANY
from matching import Mismatch, match, tally
from wire import Client


class ReplayChecks:
    def replay_check(self, s):
        """A fresh connection joining with since 0 replays every event as the session stands now."""
        user = self.rng.choice([u for u in self.users if u in s.members])
        c = Client(self.server.url, self.tokens[user], user)
        try:
            r = c.request("session.join", session=s.id, since=0)
            if not r.get("ok"):
                raise Mismatch(f"replay join: {r}")
            match(r["result"]["backlog"], s.head_eseq, "replay backlog")
            c.wait_eseq(s.id, s.head_eseq)
            got = c.durable(s.id)
            start = s.fork_eseq or 0  # a branch's copied events: counted above, not modelled in detail
            want = []
            for ev in s.events:
                ev = dict(ev)
                if ev["event"] == "turn":
                    ev.update(s.turns[ev["seq"] - 1].wire(True))
                want.append(ev)
            match(len(got), len(want), "replay count")
            match(got[start:], want[start:], f"replay of {s.id}")
        finally:
            c.close()
        # resuming from anywhere: exactly the events after it; another `created` is resync_required
        c = Client(self.server.url, self.tokens[user], user)
        try:
            k = self.rng.randint(max(0, start), s.head_eseq)
            r = c.request("session.join", session=s.id, since=k, created=s.created)
            if not r.get("ok"):
                raise Mismatch(f"join since {k}: {r}")
            match(r["result"]["backlog"], s.head_eseq - k, f"backlog since {k}")
            if s.head_eseq > k:
                c.wait_eseq(s.id, s.head_eseq)
            match(c.durable(s.id), want[k:], f"replay since {k}")
            c2 = Client(self.server.url, self.tokens[user], user)
            try:
                self.expect_error(c2.request("session.join", session=s.id, since=k, created=s.created + 1), "resync_required")
                self.expect_error(c2.request("session.join", session=s.id, since=s.head_eseq + 1), "resync_required")
            finally:
                c2.close()
        finally:
            c.close()
        c = Client(self.server.url, self.tokens[user], user)
        try:
            n = self.rng.randint(1, 12)
            r = c.request("session.join", session=s.id, last=n, state=True)
            if not r.get("ok"):
                raise Mismatch(f"join last: {r}")
            res = r["result"]
            live = [t.wire(True) for t in s.turns if t.state == "live"][-n:]
            if 0 < len(res["turns"]) < len(live):
                live = live[-len(res["turns"]):]
                tally("join", "turns-cut")
            match(res["turns"], live, f"join last {n}")
            rows = [s.row_wire(k) for k in sorted(s.rows)]
            if res["state_more"]:
                rows = rows[:len(res["state"])]
            match(res["state"], rows, "join state")
            want = s.info(role=s.members[user])
            if s.updated is ANY:
                want["updated"] = ANY
            match(res["session"], want, "join session")
        finally:
            c.close()

    def viewer_check(self, s):
        """What a share-link viewer reads: live turns only, comments on live turns only, and a
        replay whose retired turns (and comments on them) come without their text."""
        if s.members.get("owner") not in ("owner", "admin"):
            return
        r = self.ok("owner", "share.create", session=s.id, expires_in=3600)
        v = Client(self.server.url, None, "viewer", share=r["secret"])
        try:
            def vok(op, **params):
                x = v.request(op, **params)
                if not x.get("ok"):
                    raise Mismatch(f"viewer {op} {params}: {x}")
                return x["result"]
            want = s.info(role="read")
            if s.updated is ANY:
                want["updated"] = ANY
            match(vok("session.get", session=s.id)["session"], want, "viewer session.get")
            turns, since = [], 0
            while True:
                h = vok("history", session=s.id, since=since, limit=self.rng.randint(1, 5))
                turns += h["turns"]
                if not h["more"]:
                    break
                since = turns[-1]["seq"]
            match(turns, [t.wire(True) for t in s.turns if t.state == "live"], "viewer history")
            x = v.request("history", session=s.id, include_undone=True)
            self.expect_error(x, "forbidden")
            live = {t.seq for t in s.turns if t.state == "live"}
            shown = [c for c in s.comments if c["seq"] in live]
            got, params = [], {"session": s.id, "limit": self.rng.randint(1, 3)}
            while True:
                x = vok("comment.list", **params)
                got += x["comments"]
                if not x["more"]:
                    break
                params["after"] = x["comments"][-1]["id"]
            match(got, shown, "viewer comment.list (live turns only)")
            for t in s.turns:
                if t.state != "live" and any(c["seq"] == t.seq for c in s.comments):
                    match(vok("comment.list", session=s.id, seq=t.seq)["comments"], [], f"viewer comments of retired turn {t.seq}")
                    break
            match(vok("state.get", session=s.id)["rows"], [s.row_wire(k) for k in sorted(s.rows)], "viewer state.get")
            j = vok("session.join", session=s.id, since=0)
            v.wait_eseq(s.id, s.head_eseq)
            replay = v.durable(s.id)
            start = s.fork_eseq or 0
            wantev = []
            for ev in s.events:
                ev = dict(ev)
                if ev["event"] == "turn":
                    t = s.turns[ev["seq"] - 1]
                    ev.update(t.wire(True))
                    if t.state != "live":
                        ev["content"] = ""
                        ev.pop("metadata", None)
                elif ev["event"] == "comment" and ev["comment"]["seq"] not in live:
                    ev["comment"] = dict(ev["comment"], text="")
                elif ev["event"] == "session" and ev["change"] in ("restored", "merged", "unparented"):
                    # the checkpoint's name, the branch's id, the gone parent's id: reads forbidden to a viewer
                    # (permissions.md)
                    ev.pop("detail", None)
                wantev.append(ev)
            match(len(replay), len(wantev), "viewer replay count")
            match(replay[start:], wantev[start:], "viewer replay")
            tally("viewer", "checked")
        finally:
            v.close()
