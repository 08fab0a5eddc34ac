"""Random operations on a session's checkpoints, status, title and members, each answer predicted by
the model: checkpoint.save/restore (stale ones included), pause/resume/archive, session.update,
member.add/set_role/remove (and leaving; a removed member must get nothing more)."""
from reference_model import ANY, rank
from matching import Mismatch, match, now_ms


class SessionOps:
    def op_checkpoint(self, s, user):
        name = f"cp{len(s.checkpoints)}"
        if s.checkpoints and self.rng.random() < 0.1:
            name = s.checkpoints[0]["name"]
        r = self.req(user, "checkpoint.save", session=s.id, name=name)
        if rank(s.members[user]) < rank("write"):
            return self.expect_error(r, "forbidden")
        if s.status == "archived":
            return self.expect_error(r, "session_archived")
        if any(c["name"] == name for c in s.checkpoints):
            return self.expect_error(r, "already_exists")
        if not r.get("ok"):
            raise Mismatch(f"checkpoint failed {r}")
        cp = s.save_checkpoint(name, user, r["result"]["checkpoint"]["created"])
        match(r["result"], {"checkpoint": s.checkpoint_wire(cp)}, "checkpoint.save")

    def op_restore(self, s, user):
        if not s.checkpoints:
            return
        cp = self.rng.choice(s.checkpoints)
        r = self.req(user, "checkpoint.restore", session=s.id, name=cp["name"])
        if rank(s.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if s.status != "active":
            return self.expect_error(r, f"session_{s.status}")
        if cp["stale"]:
            return self.expect_error(r, "stale_checkpoint")
        if not r.get("ok"):
            raise Mismatch(f"restore failed {r} (model: not stale)")
        first = s.head_eseq + 1
        s.restore(cp, user, ANY)
        ev = s.events[first - 1]
        info = s.info()
        info["head_eseq"] = first
        info["updated"] = ANY
        ev["info"] = info
        match(r["result"], {"checkpoint": s.checkpoint_wire(cp), "eseq": s.head_eseq}, "restore")
        self.change_window(s, self.t_sent)
        # restored rows carry the server's time: take it from state.get after the event check
        self.pending_restore = (s, first)

    def op_status(self, s, user):
        if s.status == "archived":
            return
        op = "session.resume" if s.status == "paused" and self.rng.random() < 0.7 else \
            self.rng.choice(["session.pause", "session.resume"] + (["session.archive"] if s.fork_seq is not None and self.rng.random() < 0.3 else []))
        r = self.req(user, op, session=s.id)
        if rank(s.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        target = {"session.pause": "paused", "session.resume": "active", "session.archive": "archived"}[op]
        if target == s.status:
            return self.expect_error(r, "conflict")
        if not r.get("ok"):
            raise Mismatch(f"{op} failed {r}")
        s.status = target
        s.emit({"event": "session", "change": "status", "by": user, "info": ANY})
        self.change_window(s, self.t_sent)
        info = s.info(role=s.members[user])
        info["updated"] = ANY
        match(r["result"], {"session": info}, op)
        s.updated = r["result"]["session"]["updated"]
        ev_info = s.info()
        s.events[-1]["info"] = ev_info

    def op_update(self, s, user):
        title = self.rng.choice(["T", "Design", "x" * 3])
        r = self.req(user, "session.update", session=s.id, title=title)
        if rank(s.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if s.status == "archived":
            return self.expect_error(r, "session_archived")
        if not r.get("ok"):
            raise Mismatch(f"update failed {r}")
        s.title = title
        s.emit({"event": "session", "change": "updated", "by": user, "info": ANY})
        s.updated = r["result"]["session"]["updated"]
        if s.updated is not ANY and not (self.t_sent <= s.updated <= now_ms()):
            raise Mismatch(f"update's updated {s.updated} outside {self.t_sent}..")
        match(r["result"], {"session": s.info(role=s.members[user])}, "session.update")
        s.events[-1]["info"] = s.info()

    def op_role(self, s, user):
        target = self.rng.choice(self.users[1:])
        role = self.rng.choice(["admin", "write", "comment", "read"])
        r = self.req(user, "member.set_role", session=s.id, user=target, role=role)
        if rank(s.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if target not in s.members:
            return self.expect_error(r, "not_found")
        if not r.get("ok"):
            raise Mismatch(f"set_role failed {r}")
        s.members[target] = role
        s.emit({"event": "member", "user": target, "role": role, "by": user})
        match(r["result"], {"member": ANY, "eseq": s.head_eseq}, "set_role")
        self.change_window(s, self.t_sent)

    def op_member(self, s, user):
        target = self.rng.choice(self.users[1:])
        if target not in s.members:
            role = self.rng.choice(["admin", "write", "comment", "read"])
            r = self.req(user, "member.add", session=s.id, user=target, role=role)
            if rank(s.members[user]) < rank("admin"):
                return self.expect_error(r, "forbidden")
            if not r.get("ok"):
                raise Mismatch(f"member.add failed {r}")
            s.members[target] = role
            s.emit({"event": "member", "user": target, "role": role, "by": user})
            match(r["result"], {"member": ANY, "eseq": s.head_eseq}, "member.add")
            self.change_window(s, self.t_sent)
            self.check_events(s)
            self.join(target, s)
            return
        if self.rng.random() < 0.5:
            target = user if user != "owner" else target
        r = self.req(user, "member.remove", session=s.id, user=target)
        if target != user and rank(s.members[user]) < rank("admin"):
            return self.expect_error(r, "forbidden")
        if not r.get("ok"):
            raise Mismatch(f"member.remove failed {r}")
        s.emit({"event": "member", "user": target, "removed": True, "by": user})
        match(r["result"], {"eseq": s.head_eseq}, "member.remove")
        self.change_window(s, self.t_sent)
        self.check_events(s)
        del s.members[target]
        s.removed.add(target)
        self.joined.pop((target, s.id), None)
        # nothing of the session reaches the removed user's connection after that event
        c = self.clients[target]
        c.settle(0.05)
        n = len(c.durable(s.id))
        self.removed_watch[(target, s.id)] = n
