"""What the admin race watches on live connections: durable events of a command reaching every joined
member within one second of tandem-admin's exit (then compared with the model), closes with their code and
reason within that second, spare connections (extra tokens) whose every event equals the model's at its
eseq, share-link viewers whose events come without gap or repeat, and the rejoin with `since` of a user whose
connection a revoked token closed. The delays are kept for the figures."""
import time

from websockets.exceptions import InvalidStatus

from live_wire import wait_close
from matching import Mismatch, match
from wire import Client

LIVE_S = 1.0  # docs/protocol.md: access changes take effect on live connections within one second


class AdminLive:
    def admin_setup(self, cli, load, weight):
        self.cli, self.load, self.admin_weight = cli, load, weight
        self.racing = False
        # the owner's token is the server's, re-issued by an earlier seed's revoke perhaps (when older
        # spare tokens of the owner's still work: the first listed is not it)
        self.main_tokens = {u: cli.token_ids(u)[0] for u in self.users[1:]}
        self.main_tokens["owner"] = getattr(self.server, "owner_token_id", None) or cli.token_ids("owner")[0]
        self.spares = {}  # token id -> (user, Client joined to one of their sessions)
        self.viewers = {}  # link id -> (session id, Client)
        self.revoked_tokens, self.revoked_links = {}, set()  # token id -> its user; link ids
        self.link_sessions = {}  # link id -> its session (a deleted or purged session's links go with it)
        self.delays = []  # (what, seconds from tandem-admin's exit until seen)
        self.admin_stats = {}

    def seen(self, what):
        self.delays.append((what, time.monotonic() - self.t_exit))

    def left(self):
        return max(0.01, self.t_exit + LIVE_S - time.monotonic())

    def live_events(self, s, first):
        """Every joined connection holds the session's events through the model's head within a second
        of the exit; then they are compared with the model's."""
        for u in self.users:
            key = (u, s.id)
            if key not in self.joined:
                continue
            if not self.clients[u].wait_eseq(s.id, s.head_eseq, timeout=self.left()):
                got = self.clients[u].durable(s.id)
                raise Mismatch(f"{u} did not get {s.id}'s event {s.head_eseq} within {LIVE_S} s of tandem-admin's "
                               f"exit (last: {got[-1] if got else None})")
            self.seen(s.events[-1]["event"])
        self.check_events(s)
        self.sync(s, first)

    def closed_within(self, c, want, what):
        got = wait_close(c, self.left())
        if got is None:
            raise Mismatch(f"{what}: the connection still open {LIVE_S} s after tandem-admin's exit")
        match(got, want, f"close of {what}")
        self.seen(f"close {want[0]}")

    def refused_after_revoke(self, secret):
        """A handshake with a token revoked a moment ago: refused (401, or 429 once this address failed
        too often), or else closed 4401 within the second."""
        try:
            c = Client(self.server.url, secret, "revoked")
        except InvalidStatus as e:
            if e.response.status_code not in (401, 429):
                raise Mismatch(f"a revoked token's handshake: HTTP {e.response.status_code}")
            self.tally_admin(f"revoked token refused ({e.response.status_code})")
            return
        self.closed_within(c, (4401, "token revoked"), "a connection opened with a token just revoked")
        self.tally_admin("revoked token accepted, then closed")

    def open_spare(self, u, tid, secret):
        """A second connection of `u` on a token of its own, joined to one of their sessions."""
        c = Client(self.server.url, secret, u)
        c.token = secret
        mine = [s for s in self.sessions.values() if u in s.members]
        c.race_sid = self.rng.choice(mine).id if mine else None
        if c.race_sid:
            r = c.request("session.join", session=c.race_sid)
            if not r.get("ok"):
                raise Mismatch(f"spare join: {r}")
            c.race_head = r["result"]["head_eseq"]
        self.spares[tid] = (u, c)

    def check_spare(self, c):
        """Each event a spare connection received equals the model's event at its eseq."""
        s = self.sessions.get(c.race_sid)
        if s is None:
            return
        for e in c.durable(s.id):
            want = dict(s.events[e["eseq"] - 1])
            match(e, want, f"spare {c.user}'s event {e['eseq']}")

    def open_viewer(self, s, lid, secret):
        v = Client(self.server.url, None, "viewer", share=secret)
        r = v.request("session.join", session=s.id)
        if not r.get("ok") or r["result"]["role"] != "read":
            raise Mismatch(f"viewer join by an admin-made link: {r}")
        v.race_head = r["result"]["head_eseq"]
        self.viewers[lid] = (s.id, v)
        self.link_sessions[lid] = s.id

    def check_viewer(self, v, sid, through=None):
        """A viewer's events: every eseq after its join once, in order (through `through` when given)."""
        if through is not None and through > v.race_head and not v.wait_eseq(sid, through):
            raise Mismatch(f"viewer of {sid} did not get events through {through}")
        got = [e["eseq"] for e in v.durable(sid)]
        if got != list(range(v.race_head + 1, v.race_head + 1 + len(got))):
            raise Mismatch(f"viewer of {sid}: eseqs {got[:20]} after its join at {v.race_head}")

    def reconnect(self, u, secret=None):
        """`u`'s connection was closed: a new token (unless given), a new connection, and each session it
        was joined to joined again with `since` its last event: the backlog is exactly what it missed."""
        if secret is None:
            a = self.cli.run("tokens", "issue", u, "--json", json_doc=True)
            if a.rc != 0:
                raise Mismatch(f"tokens issue: {a}")
            self.main_tokens[u], secret = a.doc["id"], a.doc["secret"]
        old = self.clients[u]
        self.end_watch(u, old)
        c = self.clients[u] = Client(self.server.url, secret, u)
        self.tokens[u] = secret
        if u == "owner":
            self.server.owner_token, self.server.owner_token_id = secret, self.main_tokens[u]
        for (who, sid) in [k for k in self.joined if k[0] == u]:
            s = self.sessions[sid]
            held = old.durable(sid)
            since = held[-1]["eseq"] if held else self.join_head[(u, sid)]
            r = c.request("session.join", session=sid, since=since, created=s.created)
            if not r.get("ok"):
                raise Mismatch(f"rejoin of {sid} since {since}: {r}")
            match((r["result"]["backlog"], r["result"]["role"]), (s.head_eseq - since, s.members[u]), f"rejoin since {since}")
            if s.head_eseq > since:
                c.wait_eseq(sid, s.head_eseq)
            want = []
            for ev in s.events[since:]:
                ev = dict(ev)
                if ev["event"] == "turn":
                    ev.update(s.turns[ev["seq"] - 1].wire(True))
                want.append(ev)
            match(c.durable(sid), want, f"{u}'s backlog of {sid} since {since}")
            self.joined[(u, sid)] = len(c.durable(sid))
            self.join_head[(u, sid)] = s.head_eseq
            self.join_base[(u, sid)] = since
            self.tally_admin("rejoined with since")
        old.close()

    def end_watch(self, u, old):
        """`u`'s connection `old` is gone: it got nothing of a session after their removal from it."""
        for (who, sid), n in list(self.removed_watch.items()):
            if who == u:
                if old.durable(sid)[n:]:
                    raise Mismatch(f"{u} removed from {sid} still got {old.durable(sid)[n:][:3]}")
                del self.removed_watch[(who, sid)]

    def finish_race(self):
        """At a run's end: open viewers and spares hold every event, without gap; nothing acknowledged by the
        load writer was lost."""
        for lid, (sid, v) in self.viewers.items():
            s = self.sessions.get(sid)
            if s is not None:
                self.check_viewer(v, sid, through=s.head_eseq)
            v.close()
        for tid, (u, c) in self.spares.items():
            s = self.sessions.get(c.race_sid)
            # a removal since its join ended its subscription (then it holds what came before)
            gone = s is None or any(e["event"] == "member" and e["user"] == u and e.get("removed")
                                    for e in s.events[c.race_head:])
            if not gone and s.head_eseq > c.race_head and not c.wait_eseq(s.id, s.head_eseq):
                raise Mismatch(f"spare {u} did not get {s.id}'s events through {s.head_eseq}")
            self.check_spare(c)
            c.close()
        self.viewers, self.spares = {}, {}
        self.load_turns = self.load.check()
