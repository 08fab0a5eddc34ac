"""Branches: branch.create at any seq (branches of branches), branch.merge (clean, with row conflicts,
parent moved, parent paused or archived) and branch.discard (also of a branch whose parent was
discarded), predicted by the model's fork and merge."""
from reference_model import ANY, apply_merge, fork, plan_merge, rank
from matching import Mismatch, match, now_ms, tally


class BranchOps:
    def op_branch(self, s, user):
        if sum(1 for b in self.sessions.values() if b.branch_open) >= 2:
            return
        at = self.rng.randint(0, s.head_seq)
        self.nbranch = getattr(self, "nbranch", 0) + 1
        bid = f"m{self.seed}-b{self.nbranch}"
        r = self.req(user, "branch.create", session=s.id, at=at, branch=bid)
        if rank(s.members[user]) < rank("write"):
            return self.expect_error(r, "forbidden")
        if not r.get("ok"):
            raise Mismatch(f"branch.create failed {r}")
        info = r["result"]["session"]
        b = fork(s, bid, at, s.title + " (branch)", info["created"])
        b.updated = info["created"]
        self.sessions[bid] = b
        match(info, b.info(role=s.members[user]), "branch.create")
        # the copied comments get new ids: read them
        got = self.ok(user, "comment.list", session=bid)["comments"]
        if len(got) != len(b.comments):
            raise Mismatch(f"branch comments {got} want {b.comments}")
        for c, g in zip(b.comments, got):
            c["id"] = g["id"]
        for u in self.users:
            if u in b.members:
                self.join(u, b)
        self.check_all(b)


    def op_merge(self, b, user):
        if b.fork_seq is None:
            return
        r = self.req(user, "branch.merge", session=b.id)
        if not b.branch_open:
            return self.expect_error(r, "conflict")
        p = self.sessions[b.parent["session"]]
        if user not in p.members:
            return self.expect_error(r, "forbidden" if user in p.removed else "not_found")
        if rank(p.members.get(user, "read")) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if p.status != "active":
            return self.expect_error(r, f"session_{p.status}")
        plan = plan_merge(p, b)
        if plan[0] == "moved":
            return self.expect_error(r, "conflict")
        if not r.get("ok"):
            raise Mismatch(f"merge failed {r} (model {plan[0]})")
        if plan[0] == "conflicts":
            match(r["result"], {"merged": False, "rows": [], "rows_total": 0, "conflicts": plan[1]}, "merge with conflicts")
            tally("branch.merge", "row-conflicts")
            return
        pfirst, bfirst = p.head_eseq + 1, b.head_eseq + 1
        first, last = apply_merge(p, b, plan[1], user)
        p.emit({"event": "session", "change": "merged", "detail": b.id, "by": user, "info": ANY})
        self.change_window(p, self.t_sent)
        p.events[-1]["info"] = dict(p.info(), updated=ANY)
        b.branch_open = False
        # A branch session.archive archived already changes status no more: no second event.
        if b.status == "archived":
            tally("branch.merge", "of an archived branch")
        else:
            b.status = "archived"
            b.emit({"event": "session", "change": "status", "by": user, "info": ANY})
            self.change_window(b, self.t_sent)
            b.events[-1]["info"] = dict(b.info(), updated=ANY)
        want = {"merged": True, "rows": [k for k, *_ in plan[1]], "rows_total": len(plan[1]), "conflicts": []}
        if first is not None:
            want["first_seq"], want["last_seq"] = first, last
        match(r["result"], want, "merge")
        self.pending.append((p, pfirst))
        self.pending.append((b, bfirst))

    def op_discard(self, b, user):
        if b.fork_seq is None:
            return
        r = self.req(user, "branch.discard", session=b.id)
        if rank(b.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if not b.branch_open and not getattr(b, "orphan", False):
            return self.expect_error(r, "conflict")
        if not r.get("ok"):
            raise Mismatch(f"discard failed {r}")
        b.emit({"event": "session", "change": "deleted", "by": user, "info": ANY})
        b.events[-1]["info"] = dict(b.info(), updated=ANY)
        self.check_events(b)
        del self.sessions[b.id]
        for c in self.sessions.values():
            if c.parent and c.parent["session"] == b.id:
                c.lose_parent(now_ms(), user)
        for u in self.users:
            self.joined.pop((u, b.id), None)
        match(r["result"], {}, "discard")
