"""One seed's run: three users (`owner` and two with random roles) and a session; random seeded
operations on it and its branches, each answer and event compared with the model, the derived
answers checked every few steps; at the end replays, viewers, templates, session.list, then export →
import and more random work on the import."""
import random
import time

from reference_model import ANY, Session
from matching import Mismatch, match, now_ms, tally
from wire import Client
from answer_checks import AnswerChecks
from branch_ops import BranchOps
from copy_checks import CopyChecks
from event_checks import EventChecks
from replay_checks import ReplayChecks
from session_ops import SessionOps
from turn_ops import TurnOps


class Run(EventChecks, AnswerChecks, TurnOps, SessionOps, BranchOps, ReplayChecks, CopyChecks):
    """The state of one seed's run; the operations and checks come from the mixins, one concern each."""

    def __init__(self, server, seed, steps, big_posts=0.0):
        self.server, self.seed, self.steps, self.big_posts = server, seed, steps, big_posts
        self.rng = random.Random(seed)
        self.users = ["owner", f"bob{seed}", f"carol{seed}"]
        tokens = self.tokens = {"owner": server.owner_token}
        for u in self.users[1:]:
            tokens[u] = server.add_user(u)
        self.clients = {u: Client(server.url, tokens[u], u) for u in self.users}
        self.sessions = {}  # id -> Session
        self.joined = {}  # (user, sid) -> index into model events already compared
        self.join_base = {}  # (user, sid) -> model events before the first one that client holds
        self.join_head = {}  # (user, sid) -> head_eseq its join answered
        self.removed_watch = {}  # (user, sid) -> events held when removed: nothing may follow
        self.former_users = set()  # users removed by tandem-admin (admin_race.py): their work keeps their id
        self.trail = []  # the writes sent, for a failure's report
        self.last = None
        self.step = 0
        self.ops = 0

    # --- helpers -----------------------------------------------------------------------------
    def req(self, who, op, **params):
        self.ops += 1
        self.last = (who, op, params)
        if not op.startswith(("history", "state.get", "comment.list", "contrib", "checkpoint.list", "checkpoint.get",
                              "session.get", "session.list", "member.list", "session.join")):
            self.trail.append((who, op, params))
        for _ in range(50):
            r = self.clients[who].request(op, **params)
            if r.get("ok") or r["error"]["code"] != "rate_limited":
                break
            time.sleep(r["error"].get("retry_after_ms", 5) / 1000 + 0.05)
        outcome = "ok" if r.get("ok") else r["error"]["code"]
        if op == "state.put" and r.get("ok"):
            outcome = r["result"]["outcome"]
        tally(op, outcome)
        return r

    def ok(self, who, op, **params):
        r = self.req(who, op, **params)
        if not r.get("ok"):
            raise Mismatch(f"{op} by {who} {params} failed: {r}")
        return r["result"]

    def expect_error(self, r, code):
        if r.get("ok") or r["error"]["code"] != code:
            raise Mismatch(f"want error {code}, got {r}")

    # --- the run -------------------------------------------------------------------------------
    def create(self, sid):
        r = self.ok("owner", "session.create", session=sid, title="S", metadata={"seed": self.seed})
        sess = r["session"]
        s = Session(sid, "owner", "S", {"seed": self.seed}, sess["created"])
        self.sessions[sid] = s
        match(sess, s.info(role="owner"), "session.create")
        for u, role in zip(self.users[1:], [self.rng.choice(["admin", "write"]), self.rng.choice(["write", "comment", "read"])]):
            r = self.ok("owner", "member.add", session=sid, user=u, role=role)
            s.members[u] = role
            s.emit({"event": "member", "user": u, "role": role, "by": "owner"})
            match(r, {"member": ANY, "eseq": s.head_eseq}, "member.add")
        s.updated = ANY
        s.updated_window = (s.created, now_ms())
        for u in self.users:
            self.join(u, s)
        return s


    def one_step(self, root):
        rng = self.rng
        cands = [root] + [b for b in self.sessions.values() if b.branch_open]
        if rng.random() < 0.1:
            cands += [b for b in self.sessions.values() if b.fork_seq is not None and not b.branch_open]
        s = rng.choice(cands)
        members = [u for u in self.users if u in s.members]
        user = rng.choices(members, [3 if s.members[u] in ("owner", "admin") else 1 for u in members])[0]
        ops = [(self.op_post, 30), (self.op_undo, 8), (self.op_clear, 2), (self.op_put, 20), (self.op_comment, 10),
               (self.op_checkpoint, 4), (self.op_restore, 4), (self.op_status, 2), (self.op_update, 1),
               (self.op_role, 2), (self.op_member, 2)]
        ops.append((self.op_branch, 3))
        if s is not root:
            ops += [(self.op_merge, 4), (self.op_discard, 1)]
        ops += self.extra_ops(s, root)
        fn = rng.choices([f for f, _ in ops], [w for _, w in ops])[0]
        self.t_sent = now_ms()
        self.pending = []
        self.pending_restore = None
        fn(s, user)
        if self.pending_restore:
            self.pending.append(self.pending_restore)
        for s2, first in self.pending:
            self.check_events(s2)
            self.sync(s2, first)
        return s


    def extra_ops(self, s, root):
        """More (operation, weight) pairs for a step on `s`: none here (crash_run.py and the admin race add
        their own)."""
        return []

    def random_steps(self, home, steps):
        """Random operations numbered `steps`, on `home` or a session they make; after each, the
        acted-on session checked whole (every fifth step and a fifth of the rest) or its events."""
        self.home = home
        for self.step in steps:
            acted = self.one_step(home)
            if acted.id not in self.sessions:
                acted = home
            if self.step % 5 == 0 or self.rng.random() < 0.2:
                self.check_all(acted)
            else:
                self.check_events(acted)
            self.sync(acted, 1)

    def run(self):
        s = self.create(f"m{self.seed}")
        self.random_steps(s, range(self.steps))
        for x in list(self.sessions.values()):
            self.check_all(x)
            self.replay_check(x)
            self.viewer_check(x)
            self.template_check(x)
        for u in self.users:
            self.check_list(u)
            self.check_user_contributions(u)
        for (u, sid), n in self.removed_watch.items():
            if (u, sid) not in self.joined:
                self.clients[u].settle(0.1)
                after = self.clients[u].durable(sid)[n:]
                if after:
                    raise Mismatch(f"{u} removed from {sid} still got {after[:3]}")
        imp = self.export_check(s)
        self.replay_check(imp)
        self.random_steps(imp, range(self.steps, self.steps + self.steps // 2))
        for x in list(self.sessions.values()):
            self.check_all(x)
            self.replay_check(x)


    def close(self):
        for c in self.clients.values():
            c.close()
