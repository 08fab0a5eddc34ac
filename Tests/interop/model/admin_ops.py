"""The random tandem-admin commands of the admin race, each predicted by the model: `grant` (add or role
change), `revoke` (member removal), `tokens issue`/`revoke`, `users remove` (their id stays taken: a new
user takes their place), `share create`/`revoke`, `sessions archive`/`delete`/`import`, `purge`
(admin_purge.py), and commands naming what does not exist. Each runs as
its own process on the server's database while the load writer keeps tandemd's writer busy (sometimes
while a lock holder keeps the write lock, with a --busy-timeout shorter or longer than that); commands
that change nothing the model's sessions hold race the model's own random steps too.
After the command's exit: its exit code and message are the documented ones; a refused or timed-out one
changed nothing (the model's later checks see every row); the wire answers at once as the change says;
its live effects (`member`, `session` events by `admin`, closes 4401/4403 with their reasons) reach every
connection within one second; a connection closed by a revoked token rejoins with `since` and gets exactly
the events it missed."""
import copy
import os
import time

from admin_cli import LockHolder, busy_message
from admin_live import AdminLive
from admin_purge import AdminPurge
from matching import Mismatch, match, now_ms
from reference_model import ANY, rank

ROLES = ["admin", "write", "comment", "read"]
WEIGHTS = {"grant": 6, "revoke": 3, "token_issue": 2, "token_revoke": 3, "user_remove": 1, "share_create": 2,
           "share_revoke": 2, "archive": 0.4, "delete": 1, "import": 0.7, "purge": 0.8, "unknown": 1}


class AdminOps(AdminPurge, AdminLive):
    def extra_ops(self, s, root):
        return [] if self.racing else [(self.op_admin, self.admin_weight)]

    def op_admin(self, s, user):
        kind = self.rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
        try:
            getattr(self, "admin_" + kind)()
        finally:  # the load runs on through the command's live effects: they must come under load too
            self.load.stop()

    # --- the race around one command ------------------------------------------------------------
    def race(self, argv, json_doc=False, side_steps=False):
        """Runs one command racing the load writer (and, a fifth of the time, a lock holder; with
        `side_steps`, some of the model's random steps). Returns its Answer, or None when the lock holder
        kept it out past its --busy-timeout (then checked to have said so, and to have changed nothing)."""
        rng = self.rng
        hold = busy = holder = None
        if rng.random() < 0.2:
            hold = rng.uniform(0.3, 0.6)
            busy = rng.choice([0.05, round(hold + 1.5, 2)])
        self.t_admin = self.t_sent = int(time.time() * 1000)
        self.load.start()
        try:
            if hold:
                holder = LockHolder(self.server.db, hold)
            started = self.cli.start(*argv, busy_timeout=busy)
            if side_steps:
                self.racing = True
                try:
                    for _ in range(rng.randint(1, 3)):
                        self.side_step()
                finally:
                    self.racing = False
            a = self.cli.finish(started, json_doc)
            self.t_exit = time.monotonic()
        finally:
            if holder:
                holder.join()
        self.last = ("tandem-admin", argv, a.rc)
        self.trail.append(("tandem-admin", argv, a.rc, a.reason))
        if hold and a.rc == 4 and a.reason == busy_message(busy):
            if busy > hold:
                raise Mismatch(f"busy after {busy} s while the lock was held {hold:.2f} s: {a}")
            self.tally_admin("busy (exit 4)")
            self.unchanged()
            return None
        if hold and self.t_exit < holder.releasing:
            raise Mismatch(f"finished a write while another connection held the write lock: {a}")
        if hold:
            self.tally_admin("waited for the lock")
        return a

    def unchanged(self):
        """After a command that gave up: every session still answers as the model (members, status,
        everything check_all reads), and every connection, viewer and spare is still open."""
        for s in self.sessions.values():
            self.check_all(s)
        for u in self.users:
            self.ok(u, "ping")
        for sid, v in self.viewers.values():
            if not v.request("session.get", session=sid).get("ok"):
                raise Mismatch(f"a viewer of {sid} lost its link to a command that gave up")
        for u, c in self.spares.values():
            if not c.request("ping").get("ok"):
                raise Mismatch(f"{u}'s spare connection lost to a command that gave up")

    def side_step(self):
        """One of the model's random writes on the home session, during a command (no branch, member or
        status changes: the command's own prediction must not depend on its order with them)."""
        s = self.home
        user = self.rng.choice([u for u in self.users if u in s.members])
        fn = self.rng.choice([self.op_post, self.op_post, self.op_put, self.op_comment, self.op_undo])
        self.t_sent = now_ms()
        self.pending, self.pending_restore = [], None
        fn(s, user)
        self.check_events(s)
        self.sync(s, 1)

    def expect(self, a, rc, out=None, reason=None):
        if a.rc != rc or (out is not None and a.out.strip() != out) or (reason is not None and a.reason != reason):
            raise Mismatch(f"want exit {rc} {out or reason or ''!r}, got {a}")

    def tally_admin(self, what, n=1):
        self.admin_stats[what] = self.admin_stats.get(what, 0) + n

    # --- the commands -----------------------------------------------------------------------------
    def admin_grant(self):
        s = self.rng.choice(list(self.sessions.values()))
        u = self.rng.choice(self.users[1:])
        role = self.rng.choice(ROLES)
        a = self.race(["grant", u, s.id, role])
        if a is None:
            return
        if s.members.get(u) == role:
            return self.expect(a, 0, f"{u} already has role {role} in {s.id}")
        self.expect(a, 0, f"{u} is now {role} in {s.id}")
        added = u not in s.members
        s.members[u] = role
        first = s.emit({"event": "member", "user": u, "role": role, "by": "admin"})
        self.change_window(s, self.t_admin)
        self.live_events(s, first)
        # at once: the wire says the new role (reads, and a write the role no longer allows)
        match(self.ok(u, "session.get", session=s.id)["session"]["role"], role, "session.get right after grant")
        if rank(role) < rank("write"):
            self.expect_error(self.req(u, "turn.post", session=s.id, content="no"), "forbidden")
        if added:
            self.join(u, s)

    def admin_revoke(self):
        s = self.rng.choice(list(self.sessions.values()))
        u = self.rng.choice(self.users[1:])
        a = self.race(["revoke", u, s.id])
        if a is None:
            return
        if u not in s.members:
            return self.expect(a, 2, reason=f"error: '{u}' is not a member of session '{s.id}'; "
                                             f"list members with: tandem-admin members {s.id}")
        self.expect(a, 0, f"removed {u} from {s.id}")
        self.remove_member(s, u)
        # a former member is told so (docs/protocol.md, Conventions: Visibility)
        self.expect_error(self.req(u, "session.get", session=s.id), "forbidden")
        self.expect_error(self.req(u, "turn.post", session=s.id, content="gone"), "forbidden")

    def remove_member(self, s, u, closing=False):
        """The model's side of an admin removal: the event at every joined connection within a second
        (the removed member's too, unless `closing`: their connection is being closed), then nothing more
        for them."""
        first = s.emit({"event": "member", "user": u, "removed": True, "by": "admin"})
        self.change_window(s, self.t_admin)
        del s.members[u]
        s.removed.add(u)
        if closing:
            self.joined.pop((u, s.id), None)
        self.live_events(s, first)
        if not closing and (u, s.id) in self.joined:
            del self.joined[(u, s.id)]
            self.removed_watch[(u, s.id)] = len(self.clients[u].durable(s.id))

    def admin_token_issue(self):
        u = self.rng.choice(self.users)
        a = self.race(["tokens", "issue", u, "--label", "race", "--json"], json_doc=True, side_steps=True)
        if a is None:
            return
        self.expect(a, 0)
        match((a.doc["user"], a.doc["revoked"], a.doc["label"]), (u, False, "race"), "tokens issue --json")
        self.open_spare(u, a.doc["id"], a.doc["secret"])

    def admin_token_revoke(self):
        choices = [("spare", t) for t in self.spares] + [("main", u) for u in self.users]
        if self.revoked_tokens:
            choices.append(("again", self.rng.choice(sorted(self.revoked_tokens))))
        kind, x = self.rng.choice(choices)
        tid = self.main_tokens[x] if kind == "main" else x
        a = self.race(["tokens", "revoke", tid], side_steps=kind == "again")
        if a is None:
            return
        if kind == "again" and self.revoked_tokens[tid] in self.former_users:  # gone with their user
            return self.expect(a, 2, reason=f"error: no token '{tid}'; list tokens with: tandem-admin tokens list")
        if kind == "again":
            return self.expect(a, 0, f"token {tid} was already revoked")
        self.expect(a, 0, f"revoked token {tid}")
        self.revoked_tokens[tid] = self.spares[tid][0] if kind == "spare" else x
        self.refused_after_revoke(self.spares[tid][1].token if kind == "spare" else self.tokens[x])
        if kind == "spare":
            u, c = self.spares.pop(tid)
            self.closed_within(c, (4401, "token revoked"), f"{u}'s revoked spare token")
            self.check_spare(c)
            if not self.ok(u, "ping"):  # their other connection stays
                raise Mismatch(f"{u}'s main connection went with a spare token")
            return
        self.closed_within(self.clients[x], (4401, "token revoked"), f"{x}'s revoked token")
        self.reconnect(x)

    def admin_user_remove(self):
        u = self.rng.choice(self.users[1:])
        a = self.race(["users", "remove", u, "--yes"])
        if a is None:
            return
        self.expect(a, 0, f"removed user {u}")
        for s in list(self.sessions.values()):
            if u in s.members:
                self.remove_member(s, u, closing=True)
        # every connection of theirs closes: the tokens went with the user
        self.closed_within(self.clients[u], (4401, "account removed"), f"removed user {u}")
        for tid, (owner, c) in list(self.spares.items()):
            if owner == u:
                self.closed_within(c, (4401, "account removed"), f"removed user {u}'s spare")
                del self.spares[tid]
        # their id stays taken while turns name it (exit 3); a new user under another id takes their place
        a = self.cli.run("users", "add", u, "--id", u)
        self.expect(a, 3, reason=f"error: user id {u} belonged to a removed user, whose turns still name it; "
                                 "choose another id")
        self.generation = getattr(self, "generation", 0) + 1
        new = f"{u.split('-')[0]}-{self.generation}"
        a = self.cli.run("users", "add", new, "--id", new, "--json", json_doc=True)
        self.expect(a, 0)
        self.end_watch(u, self.clients[u])
        self.users[self.users.index(u)] = new
        self.former_users.add(u)
        self.clients[new] = self.clients.pop(u)
        self.main_tokens[new] = a.doc["token"]["id"]
        self.reconnect(new, secret=a.doc["token"]["secret"])

    def admin_share_create(self):
        s = self.home  # never deleted: the side steps and later commands keep its viewers' fate known
        a = self.race(["share", "create", s.id, "--expires", "1h", "--json"], json_doc=True, side_steps=True)
        if a is None:
            return
        self.expect(a, 0)
        match((a.doc["session"], a.doc["state"], a.doc["created_by"]), (s.id, "active", "admin"), "share create --json")
        self.open_viewer(s, a.doc["id"], a.doc["url"].rsplit("/s/", 1)[1])

    def admin_share_revoke(self):
        if not self.viewers and not self.revoked_links:
            return self.admin_unknown()
        again = self.revoked_links and (not self.viewers or self.rng.random() < 0.2)
        lid = self.rng.choice(sorted(self.revoked_links) if again else sorted(self.viewers))
        a = self.race(["share", "revoke", lid], side_steps=True)
        if a is None:
            return
        if again:
            return self.expect(a, 0, f"share link {lid} was already revoked")
        self.expect(a, 0, f"revoked share link {lid}")
        self.revoked_links.add(lid)
        sid, v = self.viewers.pop(lid)
        self.closed_within(v, (4403, "share link revoked"), "a revoked link's viewer")
        self.check_viewer(v, sid)

    def admin_archive(self):
        cands = [s for s in self.sessions.values() if not s.branch_open and not getattr(s, "orphan", False)]
        s = self.rng.choice(cands)
        a = self.race(["sessions", "archive", s.id, "--yes"])
        if a is None:
            return
        if s.status == "archived":
            return self.expect(a, 3, reason=f"error: session {s.id} is already archived")
        self.expect(a, 0, f"archived session {s.id}")
        self.archived_by_admin(s)

    def archive_now(self, s):
        """`sessions archive` without a race (to have something to purge)."""
        self.t_admin = int(time.time() * 1000)
        a = self.cli.run("sessions", "archive", s.id, "--yes")
        self.t_exit = time.monotonic()
        self.expect(a, 0, f"archived session {s.id}")
        self.archived_by_admin(s)

    def archived_by_admin(self, s):
        s.status = "archived"
        first = s.emit({"event": "session", "change": "status", "by": "admin", "info": ANY})
        self.change_window(s, self.t_admin)
        s.events[-1]["info"] = dict(s.info(), updated=ANY)
        self.live_events(s, first)
        for u in self.users:
            if u in s.members and rank(s.members[u]) >= rank("write"):
                self.expect_error(self.req(u, "turn.post", session=s.id, content="late"), "session_archived")
                break

    def admin_delete(self):
        cands = [s for s in self.sessions.values() if s.fork_seq is not None]
        if not cands:
            return self.admin_unknown()
        b = self.rng.choice(cands)
        a = self.race(["sessions", "delete", b.id, "--yes"])
        if a is None:
            return
        self.expect(a, 0, f"deleted session {b.id}")
        self.deleted_by_admin(b)

    def deleted_by_admin(self, b):
        """The model's side of a session deleted (or purged) by tandem-admin: `deleted` by `admin` at every
        joined member within a second, its viewers closed, its branches without a parent, then not_found."""
        first = b.emit({"event": "session", "change": "deleted", "by": "admin", "info": ANY})
        b.events[-1]["info"] = dict(b.info(), updated=ANY)
        self.live_events(b, first)
        for lid, (sid, v) in list(self.viewers.items()):
            if sid == b.id:
                self.closed_within(v, (4403, "session deleted"), "a deleted session's viewer")
                del self.viewers[lid]
        del self.sessions[b.id]
        # its revoked links went with it: revoking one again is `no share link` (exit 2)
        self.revoked_links = {lid for lid in self.revoked_links if self.link_sessions.get(lid) != b.id}
        for c in self.sessions.values():  # as branch.discard leaves them (branch_ops.op_discard)
            if c.parent and c.parent["session"] == b.id:
                c.lose_parent(now_ms(), "admin")
        for u in self.users:
            self.joined.pop((u, b.id), None)
            if u in b.members:
                self.expect_error(self.req(u, "session.get", session=b.id), "not_found")

    def admin_import(self):
        """An export of the home session (a read) imported under a new id: the same session, members and
        authors kept (docs/protocol.md: tandem-admin restores a document as it is)."""
        self.import_home(raced=True)

    def import_home(self, raced=False):
        s = self.home
        path = os.path.join(self.server.tmp, f"export-{self.seed}-{self.step}.json")
        a = self.cli.run("sessions", "export", s.id, "-o", path)
        self.expect(a, 0)
        snapshot = copy.deepcopy(s)
        new = f"{s.id}-a{self.step}"
        argv = ["sessions", "import", path, "--as", new]
        a = self.race(argv) if raced else self.cli.run(*argv)
        if a is None:
            return None
        self.expect(a, 0, f"imported session {new} ({s.head_seq} turns)")
        m = self.clone_import(snapshot, new, lambda v: v, members=snapshot.members)
        again = self.cli.run("sessions", "import", path, "--as", new)
        self.expect(again, 3, reason=f"error: session {new} already exists")
        return m

    def admin_unknown(self):
        """A command naming what does not exist: exit 2 and the documented hint; nothing changes."""
        s = self.rng.choice(list(self.sessions.values()))
        ghost = f"ghost{self.rng.randint(0, 99)}"
        argv, reason = self.rng.choice([
            (["grant", self.users[1], ghost, "read"],
             f"error: no session '{ghost}'; list sessions with: tandem-admin sessions list"),
            (["grant", ghost, s.id, "read"], f"error: no user '{ghost}'; list users with: tandem-admin users list"),
            (["tokens", "revoke", ghost], f"error: no token '{ghost}'; list tokens with: tandem-admin tokens list"),
            (["share", "revoke", ghost], f"error: no share link '{ghost}'; list share links with: tandem-admin share list"),
            (["sessions", "delete", ghost, "--yes"], f"error: no session '{ghost}'; list sessions with: tandem-admin sessions list"),
        ])
        a = self.race(argv, side_steps=True)
        if a is not None:
            self.expect(a, 2, reason=reason)
