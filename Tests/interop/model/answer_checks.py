"""The derived answers of one session compared with the model: session.get, history in every
selector (and whole walks forward and backward, also when pages are cut by bytes), state.get,
comment.list, checkpoint.list/get, member.list and contributions; and, across sessions, session.list
with its filters and a user's contributions everywhere."""
from reference_model import ANY, rank
from matching import Mismatch, match, tally


class AnswerChecks:
    def check_session(self, s, user):
        r = self.ok(user, "session.get", session=s.id)["session"]
        want = s.info(role=s.members[user])
        if s.updated is ANY:
            want["updated"] = ANY
        match(r, want, f"session.get({s.id})")
        if s.updated is ANY:
            lo, hi = s.updated_window
            if not (lo <= r["updated"] <= hi):
                raise Mismatch(f"session.updated {r['updated']} outside the change's window {lo}..{hi}")
            s.updated = r["updated"]

    def history_want(self, s, visible, selector, limit):
        ts = visible
        if "last" in selector:
            n = selector["last"]
            page = ts[-n:] if n else []
            more = len(ts) > n
        elif "since" in selector:
            rest = [t for t in ts if t.seq > selector["since"]]
            page, more = rest[:limit], len(rest) > limit
        else:
            rest = [t for t in ts if selector["from"] <= t.seq <= selector["to"]]
            page, more = rest[:limit], len(rest) > limit
        return {"turns": [t.wire(True) for t in page], "head_seq": s.head_seq, "more": more}

    def check_history(self, s, user):
        rng = self.rng
        params = {"session": s.id}
        kind = rng.choice(["none", "last", "since", "range", "limit"])
        limit = 100
        sel = {"last": 100}
        if kind == "last":
            sel = {"last": rng.randint(1, 8)}
            params["last"] = sel["last"]
        elif kind == "limit":
            limit = rng.randint(1, 6)
            sel = {"last": limit}
            params["limit"] = limit
        elif kind == "since":
            sel = {"since": rng.randint(0, s.head_seq + 1)}
            params["since"] = sel["since"]
            if rng.random() < 0.6:
                limit = rng.randint(1, 6)
                params["limit"] = limit
        elif kind == "range":
            a = rng.randint(1, max(1, s.head_seq + 1))
            b = rng.randint(a, a + 8)
            sel = {"from": a, "to": b}
            params["from"], params["to"] = a, b
            if rng.random() < 0.5:
                limit = rng.randint(1, 6)
                params["limit"] = limit
        inc = rng.random() < 0.4
        if inc:
            params["include_undone"] = True
        author = None
        if rng.random() < 0.25:
            author = rng.choice(self.users)
            params["author"] = author
        visible = [t for t in s.turns if (inc or t.state == "live") and (author is None or t.author == author)]
        r = self.ok(user, "history", **params)
        want = self.history_want(s, visible, sel, limit)
        if r.get("more") and 0 < len(r.get("turns", [])) < len(want["turns"]):
            # a page cut by max_page_bytes: the first turns (the last ones for `last`)
            n = len(r["turns"])
            want["turns"] = want["turns"][-n:] if "last" in sel else want["turns"][:n]
            want["more"] = True
            tally("history", "cut-by-bytes")
        match(r, want, f"history{params}")

    def walk_history(self, s, user):
        """Reads the whole history page by page (since + limit) and backwards (last, then from/to)."""
        rng = self.rng
        inc = rng.random() < 0.5
        visible = [t.wire(True) for t in s.turns if inc or t.state == "live"]
        limit = rng.randint(1, 7)
        since, got = 0, []
        for _ in range(1000):
            params = {"session": s.id, "since": since, "limit": limit}
            if inc:
                params["include_undone"] = True
            r = self.ok(user, "history", **params)
            got += r["turns"]
            if not r["more"]:
                break
            if not r["turns"]:
                raise Mismatch(f"history page with more and no turns: {params}")
            since = r["turns"][-1]["seq"]
        match(got, visible, f"history walk forward (limit {limit}, include_undone {inc})")
        params = {"session": s.id, "last": limit}
        if inc:
            params["include_undone"] = True
        r = self.ok(user, "history", **params)
        back = r["turns"]
        more = r["more"]
        edge = back[0]["seq"] if back else 1
        if more and not back:
            raise Mismatch(f"history last {limit}: more without turns")
        for _ in range(100000):
            if not more:
                break
            to = edge - 1
            lo = max(1, to - limit + 1)
            params = {"session": s.id, "from": lo, "to": to}
            if inc:
                params["include_undone"] = True
            page = []
            for _ in range(1000):
                r = self.ok(user, "history", **params)
                page += r["turns"]
                if not r["more"]:
                    break
                if not r["turns"]:
                    raise Mismatch(f"range page {params} says more without turns")
                params["from"] = r["turns"][-1]["seq"] + 1
            back = page + back
            more = lo > 1
            edge = lo
        match(back, visible, f"history walk backward (last {limit}, include_undone {inc})")

    def walk_lists(self, s, user):
        rng = self.rng
        limit = rng.randint(1, 4)
        # comments
        got, params = [], {"session": s.id, "limit": limit}
        for _ in range(1000):
            r = self.ok(user, "comment.list", **params)
            got += r["comments"]
            if not r["more"]:
                break
            params["after"] = r["comments"][-1]["id"]
        match(got, s.comments, f"comment.list walk (limit {limit})")
        # rows
        got, params = [], {"session": s.id, "limit": limit}
        for _ in range(1000):
            r = self.ok(user, "state.get", **params)
            got += r["rows"]
            if not r["more"]:
                break
            params["after"] = r["rows"][-1]["key"]
        match(got, [s.row_wire(k) for k in sorted(s.rows)], f"state.get walk (limit {limit})")
        # checkpoints, and one checkpoint's map
        got, params = [], {"session": s.id, "limit": limit}
        for _ in range(1000):
            r = self.ok(user, "checkpoint.list", **params)
            got += r["checkpoints"]
            if not r["more"]:
                break
            params["after"] = r["checkpoints"][-1]["name"]
        match(got, [s.checkpoint_wire(c) for c in s.checkpoints], f"checkpoint.list walk (limit {limit})")
        if s.checkpoints:
            cp = rng.choice(s.checkpoints)
            got, params = [], {"session": s.id, "name": cp["name"], "limit": limit}
            for _ in range(1000):
                r = self.ok(user, "checkpoint.get", **params)
                got += r["rows"]
                if not r["more"]:
                    break
                params["after"] = r["rows"][-1]["key"]
            match(got, [{"key": k, "version": v} for k, v in sorted(cp["rows"].items())], "checkpoint.get walk")

    def check_state(self, s, user):
        r = self.ok(user, "state.get", session=s.id)
        match(r, {"rows": [s.row_wire(k) for k in sorted(s.rows)], "more": False}, "state.get")
        if s.rows and self.rng.random() < 0.5:
            k = self.rng.choice(sorted(s.rows))
            r = self.ok(user, "state.get", session=s.id, key=k)
            match(r, {"rows": [s.row_wire(k)], "more": False}, f"state.get({k})")

    def check_comments(self, s, user):
        r = self.ok(user, "comment.list", session=s.id)
        match(r, {"comments": s.comments, "more": False}, "comment.list")
        if s.turns:
            seq = self.rng.randint(1, s.head_seq)
            r = self.ok(user, "comment.list", session=s.id, seq=seq)
            match(r, {"comments": [c for c in s.comments if c["seq"] == seq], "more": False}, f"comment.list seq {seq}")

    def check_contributions(self, s, user):
        r = self.ok(user, "contributions", session=s.id)
        got = sorted(r["contributions"], key=lambda c: c["user"])
        match(got, s.contributions(), f"contributions({s.id})")

    def check_checkpoints(self, s, user):
        if rank(s.members[user]) < rank("read"):
            return
        r = self.ok(user, "checkpoint.list", session=s.id)
        match(r, {"checkpoints": [s.checkpoint_wire(c) for c in s.checkpoints], "more": False}, "checkpoint.list")
        for cp in s.checkpoints[-2:]:
            r = self.ok(user, "checkpoint.get", session=s.id, name=cp["name"])
            match(r, {"rows": [{"key": k, "version": v} for k, v in sorted(cp["rows"].items())], "more": False},
                  f"checkpoint.get({cp['name']})")

    def check_members(self, s, user):
        r, params = [], {"session": s.id, "limit": self.rng.randint(1, 4)}
        while True:
            x = self.ok(user, "member.list", **params)
            r += x["members"]
            if not x["more"]:
                break
            params["after"] = r[-1]["user"]
        # by user id (byte order), every member once
        match([(m["user"], m["role"]) for m in r], sorted(s.members.items()), "member.list pages")


    def check_all(self, s):
        user = self.rng.choice([u for u in self.users if u in s.members])
        self.check_events(s)
        self.check_session(s, user)
        self.check_history(s, user)
        self.check_state(s, user)
        self.check_comments(s, user)
        self.check_contributions(s, user)
        self.check_checkpoints(s, user)
        self.check_members(s, user)
        if self.rng.random() < 0.3:
            self.walk_history(s, user)
            self.walk_lists(s, user)

    def check_list(self, user):
        r = self.ok(user, "session.list", limit=1000)
        mine = [s for s in self.sessions.values() if user in s.members]
        got = {x["id"]: x for x in r["sessions"] if x["id"] in self.sessions}
        if set(got) != {s.id for s in mine}:
            raise Mismatch(f"session.list for {user}: {sorted(got)} want {sorted(s.id for s in mine)}")
        for s in mine:
            want = s.info(role=s.members[user])
            if s.updated is ANY:
                want["updated"] = ANY
            match(got[s.id], want, f"session.list[{s.id}]")
        ups = [x["updated"] for x in r["sessions"]]
        if ups != sorted(ups, reverse=True):
            raise Mismatch(f"session.list not most recently updated first: {ups}")
        order = list(self.sessions)
        ours = [x for x in r["sessions"] if x["id"] in self.sessions]
        for a, b in zip(ours, ours[1:]):
            if a["updated"] == b["updated"] and order.index(a["id"]) < order.index(b["id"]):
                raise Mismatch(f"session.list: {a['id']} and {b['id']} updated in the same ms, the later added not first")
        # filters
        for other in self.users:
            r = self.ok(user, "session.list", member=other, limit=1000)
            got = sorted(x["id"] for x in r["sessions"] if x["id"] in self.sessions)
            match(got, sorted(s.id for s in mine if other in s.members), f"session.list member={other}")
        for p in mine:
            r = self.ok(user, "session.list", parent=p.id, limit=1000)
            got = sorted(x["id"] for x in r["sessions"])
            match(got, sorted(b.id for b in mine if b.parent and b.parent["session"] == p.id), f"session.list parent={p.id}")
        for st in ("active", "paused", "archived"):
            r = self.ok(user, "session.list", status=st, limit=1000)
            got = sorted(x["id"] for x in r["sessions"] if x["id"] in self.sessions)
            match(got, sorted(s.id for s in mine if s.status == st), f"session.list status={st}")
        for s in mine:
            r = self.ok(user, "contributions", session=s.id, user=user)["contributions"]
            match(r, [c for c in s.contributions() if c["user"] == user], f"contributions({s.id}, {user})")


    def check_user_contributions(self, user):
        r = self.ok(user, "contributions", user=user)["contributions"]
        got = sorted([c for c in r if c["session"] in self.sessions], key=lambda c: c["session"])
        want = sorted([c for s in self.sessions.values() if user in s.members for c in s.contributions() if c["user"] == user],
                      key=lambda c: c["session"])
        match(got, want, f"contributions(user: {user})")
