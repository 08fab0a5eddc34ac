"""Random writes of turns, rows and comments, each answer predicted by the model: turn.post (roles,
metadata, tokens, nonces and retries), turn.undo (own/other, seq guard), session.clear, state.put (fresh,
stale with three-way merges and conflicts, base beyond current) and comment.add (live/undone/unknown
turns), with the error a role or a session's status must get."""
from reference_model import ANY, rank, same
from matching import Mismatch, match, now_ms, tally

KEYS = ["plan", "notes", "k1", "k2", "k3"]


class TurnOps:
    def change_window(self, s, t0):
        s.updated = ANY
        s.updated_window = (t0, now_ms())

    def op_post(self, s, user):
        rng = self.rng
        role = rng.choice(["user", "assistant", "tool", "system"])
        content = rng.choice(["", "hi", f"turn by {user}", "line1\nline2"])
        if rng.random() < self.big_posts:
            content = f"big {rng.randint(0, 9)} " + "x" * rng.randint(20000, 40000)
        params = {"session": s.id, "content": content}
        if role != "user" or rng.random() < 0.3:
            params["role"] = role
        md = {}
        if rng.random() < 0.3:
            md = {"m": rng.randint(0, 3)}
            params["metadata"] = md
        tokens = None
        if rng.random() < 0.5:
            tokens = {"input": rng.randint(0, 50), "output": rng.randint(0, 20)}
            params["tokens"] = tokens
        nonce = None
        if rng.random() < 0.3:
            nonce = f"n{rng.randint(0, 30)}"
            params["nonce"] = nonce
        mine = [t for t in s.turns if t.author == user and t.nonce is not None]
        if mine and rng.random() < 0.1:
            # a retry: the same post again
            t = rng.choice(mine)
            role, content, md, tokens, nonce = t.role, t.content, t.metadata, t.tokens, t.nonce
            params = {"session": s.id, "content": content, "role": role, "metadata": md, "nonce": nonce}
            if tokens is not None:
                params["tokens"] = tokens
        prior = None
        if nonce is not None:
            prior = next((t for t in s.turns if t.author == user and t.nonce == nonce), None)
        # A repeat of a post that is there finds it (or conflicts) whatever the session's status or the
        # member's role now: only a post that is not there is refused for them.
        if prior is None and (s.status != "active" or rank(s.members[user]) < rank("write")):
            code = "forbidden" if rank(s.members[user]) < rank("write") else f"session_{s.status}"
            return self.expect_error(self.req(user, "turn.post", **params), code)
        r = self.req(user, "turn.post", **params)
        if prior is not None:
            same_body = (prior.content == content and prior.role == role and same(prior.metadata, md)
                         and same(prior.tokens or {"input": 0, "output": 0}, tokens or {"input": 0, "output": 0}))
            if not same_body:
                return self.expect_error(r, "conflict")
            if not r.get("ok"):
                raise Mismatch(f"duplicate post: {r}")
            match(r["result"], {"duplicate": True, "eseq": prior.eseq, "turn": prior.wire(True)}, "dup post")
            tally("turn.post", "duplicate")
            return
        if not r.get("ok"):
            raise Mismatch(f"post failed {r}")
        created = r["result"]["turn"].get("created")
        t = s.post(user, role, content, md, tokens, created, nonce)
        match(r["result"], {"duplicate": False, "eseq": s.head_eseq, "turn": t.wire(False)}, "post")
        s.updated = created

    def op_undo(self, s, user):
        params = {"session": s.id}
        live = s.live()
        guard = None
        if live and self.rng.random() < 0.3:
            guard = live[-1].seq if self.rng.random() < 0.7 else max(1, live[-1].seq - 1)
            params["seq"] = guard
        r = self.req(user, "turn.undo", **params)
        role = s.members[user]
        if rank(role) < rank("write"):
            return self.expect_error(r, "forbidden")
        if s.status != "active":
            return self.expect_error(r, f"session_{s.status}")
        if not live:
            return self.expect_error(r, "conflict")
        if guard is not None and guard != live[-1].seq:
            return self.expect_error(r, "conflict")
        if live[-1].author != user and rank(role) < rank("admin"):
            return self.expect_error(r, "forbidden")
        t0 = now_ms()
        t = s.undo(user)
        if not r.get("ok"):
            raise Mismatch(f"undo failed {r}")
        match(r["result"], {"seq": t.seq, "eseq": s.head_eseq}, "undo")
        self.change_window(s, self.t_sent)

    def op_clear(self, s, user):
        r = self.req(user, "session.clear", session=s.id)
        if rank(s.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if s.status != "active":
            return self.expect_error(r, f"session_{s.status}")
        if not r.get("ok"):
            raise Mismatch(f"clear failed {r}")
        through = s.clear(user)
        match(r["result"], {"cleared_through": through, "eseq": s.head_eseq}, "clear")
        if through:
            s.events[-1]["info"] = ANY
            self.change_window(s, self.t_sent)
            self.fix_session_event(s)

    def fix_session_event(self, s):
        """The model's own view of a `session` event's info (updated from the server)."""
        ev = s.events[-1]
        info = s.info()
        info["updated"] = ANY
        ev["info"] = info

    def random_value(self):
        rng = self.rng
        if rng.random() < 0.08:
            return None
        return {f: rng.randint(0, 3) for f in rng.sample(["a", "b", "c", "d"], rng.randint(1, 3))}

    def op_put(self, s, user):
        rng = self.rng
        key = rng.choice(KEYS[:3] if s.branch_open else KEYS) if not getattr(s, "key_pool", None) else rng.choice(s.key_pool)
        cur = s.rows.get(key)
        curv = cur["version"] if cur else 0
        mode = rng.random()
        if mode < 0.5 or curv <= 1:
            base = curv
            value = self.random_value()
        elif mode < 0.95:
            base = rng.randint(1, curv - 1)
            bv = s.version_value(key, base)
            if isinstance(bv, dict) and rng.random() < 0.8:
                value = dict(bv)
                f = rng.choice(["a", "b", "c", "d"])
                if f in value and rng.random() < 0.2:
                    del value[f]
                else:
                    value[f] = rng.randint(0, 3)
            else:
                value = self.random_value()
        else:
            base = curv + 1
            value = self.random_value()
        params = {"session": s.id, "key": key, "value": value, "base": base}
        r = self.req(user, "state.put", **params)
        if rank(s.members[user]) < rank("write"):
            return self.expect_error(r, "forbidden")
        if s.status != "active":
            return self.expect_error(r, f"session_{s.status}")
        try:
            outcome, v = s.plan_put(key, value, base)
        except ValueError:
            return self.expect_error(r, "invalid_argument")
        if not r.get("ok"):
            raise Mismatch(f"put failed {r}")
        res = r["result"]
        if outcome == "conflict":
            s.count(user, conflicts=1)
            match(res, {"outcome": "conflict", "current": s.row_wire(key), **v}, f"put conflict {res} hist {s.row_history.get(key)}")
            return
        updated = res.get("row", {}).get("updated")
        s.store_row(key, v, user, updated, outcome == "merged")
        match(res, {"outcome": outcome, "row": s.row_wire(key), "eseq": s.head_eseq}, f"put {outcome}")
        s.updated = updated

    def op_comment(self, s, user):
        rng = self.rng
        seq = rng.randint(1, s.head_seq + 1) if s.turns else 1
        text = rng.choice(["+1", "why?", f"from {user}"])
        r = self.req(user, "comment.add", session=s.id, seq=seq, text=text)
        if rank(s.members[user]) < rank("comment"):
            return self.expect_error(r, "forbidden")
        if s.status != "active":
            return self.expect_error(r, f"session_{s.status}")
        if seq > s.head_seq:
            return self.expect_error(r, "not_found")
        if s.turns[seq - 1].state != "live":
            return self.expect_error(r, "conflict")
        if not r.get("ok"):
            raise Mismatch(f"comment failed {r}")
        c = r["result"]["comment"]
        # Ids are numbered server-wide and never given again (also not a deleted session's).
        if c["id"] is not ANY:  # ANY: an answer a kill cut off (crash_check.py); the event brings the id
            if c["id"] <= self.server.comment_high:
                raise Mismatch(f"comment id {c['id']} given again: the highest given before is {self.server.comment_high}")
            self.server.comment_high = c["id"]
        mc = s.add_comment(c["id"], seq, user, text, c["created"])
        match(r["result"], {"comment": mc, "eseq": s.head_eseq}, "comment.add")
        s.updated = c["created"]
