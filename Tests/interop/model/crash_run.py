"""One seed's crash run: the model run's random steps (and crash_ops.py's) against a tandemd that is
killed with SIGKILL at chosen moments and restarted on the same database (crash_server.py). A kill is
planned after a number of answered requests (from a generator of its own, so the steps stay those of
the seed), then either a random 0-30 ms later, or 0-3 or 0-20 ms after the next merge (half of these)
or the next write that leaves work in steps (fork, merge, import, template session, delete, restore,
clear) is sent; a quarter of the restarts are killed too, 0-100 ms in. After each kill:
`integrity_check`, merge jobs and deletes finished, every member back with `since` (the backlog is
exactly the missed events, compared one by one), and the step the kill cut short resolved
(crash_resolve.py); then the run goes on on the same database."""
import copy
import random

from websockets.exceptions import ConnectionClosed

from crash_ops import CrashOps
from crash_resolve import CrashResolve, READS
from matching import Mismatch, Wild, now_ms, tally
from model_run import Run
from reference_model import Session

HEAVY = ("branch.create", "branch.merge", "branch.discard", "session.import", "template.create_session",
         "session.delete", "checkpoint.restore", "session.clear")

# A session whose `updated` came from an answer a kill cut off and that has had no change window yet:
# any time (crash_ops.adopt_sessions gives it a real window right after the step).
Session.updated_window = (0, 2 ** 62)


class CrashRun(CrashOps, CrashResolve, Run):
    def __init__(self, server, seed, steps, kills):
        super().__init__(server, seed, steps)
        self.krng = random.Random(seed * 7919 + 17)
        self.kills_left = kills
        self.answered = 0
        self.next_kill = None
        self.wait_heavy = ()  # the requests the next kill waits for (after its count), if any
        self.plan = None  # how the armed kill was chosen, for its report line
        self.kill_lines = []
        self.wild = None  # the write a replayed step answers with Wild (it happened; its answer was lost)
        self.step_write = None  # the first write of the step under way
        self.in_flight = None
        self.replay_t0 = None
        self._t_sent = 0
        self.templates = {}  # name -> what template.save saved
        self.shares = {}  # session -> [{"id", "revoked"}]
        self.counters = {"tpl": 0, "t": 0, "i": 0}

    @property
    def t_sent(self):
        """When the step's write was sent: a replayed step's was before the kill (its change window
        starts there), not when the replay runs."""
        return self.replay_t0 if self.replay_t0 is not None else self._t_sent

    @t_sent.setter
    def t_sent(self, value):
        self._t_sent = value

    # --- requests and the kill plan ------------------------------------------------------------
    def plan_kill(self):
        if self.kills_left <= 0:
            self.next_kill = None
            return
        self.next_kill = self.answered + self.krng.randint(15, 90)
        self.wait_heavy = ()

    def req(self, who, op, **params):
        if op not in READS and self.step_write is None:
            self.step_write = op
        if self.wild is not None and op == self.wild:
            self.wild = None
            self.ops += 1
            self.last = (who, op, params)
            self.trail.append((who, op, params))
            tally(op, "replayed")
            return Wild()
        if self.wait_heavy and op in self.wait_heavy:
            # short delays as often as long ones: a small stepped merge or import takes a few ms
            top = self.krng.choice([0.003, 0.02])
            self.arm(self.krng.uniform(0, top), f"0-{top * 1000:.0f} ms after sending {op}")
        self.in_flight = (who, op)
        r = super().req(who, op, **params)
        self.in_flight = None
        self.answered += 1
        if self.next_kill is not None and self.answered == self.next_kill:
            if self.krng.random() < 0.5:
                self.arm(self.krng.uniform(0, 0.03), "0-30 ms")
            else:  # half of these wait for a merge: the stepped work the model check cares most about
                self.wait_heavy = ("branch.merge",) if self.krng.random() < 0.5 else HEAVY
        return r

    def arm(self, delay, how):
        self.wait_heavy = ()
        self.next_kill = None
        self.kills_left -= 1
        self.plan = f"request {self.answered} answered, then {how}: {delay * 1000:.1f} ms"
        self.server.kill_later(delay)

    # --- the run ------------------------------------------------------------------------------
    def snapshot(self):
        return copy.deepcopy((self.sessions, self.joined, self.join_base, self.join_head, self.removed_watch,
                              self.templates, self.shares, self.counters, getattr(self, "nbranch", 0),
                              self.server.comment_high)), self.rng.getstate()

    def restore(self, snap):
        (self.sessions, self.joined, self.join_base, self.join_head, self.removed_watch, self.templates,
         self.shares, self.counters, self.nbranch, self.server.comment_high) = copy.deepcopy(snap[0])
        self.rng.setstate(snap[1])

    def killed(self, e):
        """A connection error: ours (the planned kill) or a failure."""
        if not self.server.dead():
            raise e
        if not self.server.kill_sent:
            raise Mismatch(f"tandemd exited without a kill (exit {self.server.proc.returncode}): {e!r}")

    def random_steps(self, home, steps):
        self.plan_kill()
        hid = home.id
        for self.step in steps:
            home = self.sessions[hid]  # a restored snapshot holds new objects: look it up each step
            snap = self.snapshot()
            self.step_write = None
            t0 = now_ms()
            try:
                acted = self.one_step(home)
            except (ConnectionClosed, OSError) as e:
                self.killed(e)
                acted = self.after_kill(hid, snap, t0)
            home = self.sessions[hid]
            if acted.id not in self.sessions:
                acted = home
            while True:
                try:
                    if self.step % 5 == 0 or self.rng.random() < 0.2:
                        self.check_all(acted)
                        self.check_shares(acted)
                    else:
                        self.check_events(acted)
                    self.sync(acted, 1)
                    break
                except (ConnectionClosed, OSError) as e:
                    self.killed(e)
                    self.after_kill(hid, None, t0)
        self.next_kill, self.wait_heavy = None, ()  # no kill planned past the steps
        self.server.cancel()
        if self.server.proc.poll() is not None:
            self.killed(ConnectionError("killed between steps"))
            self.after_kill(hid, None, now_ms())

    def run(self):
        s = self.create(f"m{self.seed}")
        self.random_steps(s, range(self.steps))
        for x in list(self.sessions.values()):
            self.check_all(x)
            self.check_shares(x)
            self.replay_check(x)
            self.viewer_check(x)
        self.check_templates()
        for u in self.users:
            self.check_list(u)
            self.check_user_contributions(u)
        self.server.integrity()
