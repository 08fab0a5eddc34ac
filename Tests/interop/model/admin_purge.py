"""`tandem-admin purge` in the admin race: every session archived longer ago than the cutoff (docs/admin.md)
is deleted while tandemd serves its members. Before a purge, one or two of the model's sessions (never the
home session) are archived if none is, one of them with live members (joined, and a viewer on an admin-made
share link) and, when there are two, the other with none (its members left it); the purge waits until they
are older than the 1 s cutoff (the CLI's smallest). After it: the answer names exactly the archived sessions
(an earlier seed's included: the database is shared), each goes as an admin delete does (`session` event
`deleted` by `admin` at every joined member within a second, viewers closed 4403 `session deleted`, then
`not_found`), members who had left get nothing, their share links are refused at the handshake, the rows
are gone from the file and each owner's session count (what `max-sessions-per-user` holds) is freed. While
the home session is archived (a purge would take it) the purge names a 90 d cutoff and must purge nothing."""
import sqlite3
import time

from live_wire import refused_status
from matching import Mismatch, match, now_ms

CUTOFF = "1s"


class AdminPurge:
    def admin_purge(self):
        if self.home.status == "archived":
            a = self.race(["purge", "--archived-older-than", "90d", "--yes", "--json"], json_doc=True)
            if a is not None:
                self.expect(a, 0)
                match(a.doc, {"purged": []}, "purge of nothing that old")
                self.tally_admin("purged: nothing (the home session is archived)")
            return
        doomed = self.purge_material()
        left = {}  # (user, sid) -> events held when they left
        # one without live members: the second of two, or now and then the only one
        quiet = doomed[1:2] if len(doomed) > 1 else [s for s in doomed if self.rng.random() < 0.4]
        for s in quiet:
            for (u, sid) in [k for k in self.joined if k[1] == s.id]:
                self.ok(u, "session.leave", session=sid)
                del self.joined[(u, sid)]
                left[(u, sid)] = len(self.clients[u].durable(sid))
        links = self.purge_links(doomed)
        archived = self.file_rows("SELECT id, owner, archived_at FROM sessions WHERE status = 'archived'")
        wait = max(at for _, _, at in archived) + 1100 - now_ms()
        if wait > 0:  # the cutoff is an age: the newest must be older than it (no event to await)
            time.sleep(wait / 1000)
        counts = dict(self.file_rows("SELECT user_id, session_count FROM owner_counts"))
        a = self.race(["purge", "--archived-older-than", CUTOFF, "--yes", "--json"], json_doc=True, side_steps=True)
        if a is None:
            return
        self.expect(a, 0)
        self.purges = getattr(self, "purges", 0) + 1  # done (admin_race.py purges once more a seed without)
        mine = {s.id for s in self.sessions.values() if s.status == "archived"}
        want = {sid for sid, _, _ in archived}
        if not mine <= want or want & set(self.sessions) != mine:
            raise Mismatch(f"archived in the file {sorted(want)}, in the model {sorted(mine)}")
        match(sorted(a.doc["purged"]), sorted(want), "purge --json")
        live = {sid for (_, sid) in self.joined if sid in mine}
        self.tally_admin("purged: a session with live members", len(live))
        self.tally_admin("purged: a session without", len(mine - live))
        self.tally_admin("purged: an earlier seed's session", len(want - mine))
        # Parents before their branches, as the purge goes (in the order the sessions were made): a purged
        # branch whose parent is purged too gets `unparented` before its own `deleted`.
        for s in sorted((self.sessions[sid] for sid in mine), key=lambda s: (self.depth(s), s.id)):
            self.deleted_by_admin(s)
        for (u, sid), n in left.items():
            if self.clients[u].durable(sid)[n:]:
                raise Mismatch(f"{u} left {sid} before its purge, and got {self.clients[u].durable(sid)[n:][:2]}")
        for secret in links:  # 429 once this address failed too often (the revoked tokens count too)
            status = refused_status(self.server.url, share=secret)
            if status is None or status[0] not in (401, 429):
                raise Mismatch(f"a purged session's share link at the handshake: {status}")
        gone = self.file_rows(f"SELECT id FROM sessions WHERE id IN ({','.join('?' * len(want))})", sorted(want))
        if gone:
            raise Mismatch(f"purged sessions still in the file: {gone}")
        freed = {}
        for _, owner, _ in archived:
            freed[owner] = freed.get(owner, 0) + 1
        after = dict(self.file_rows("SELECT user_id, session_count FROM owner_counts"))
        for owner, n in freed.items():
            match(after.get(owner), counts.get(owner, 0) - n, f"{owner}'s session count after the purge")

    def depth(self, s):
        """How many of the model's sessions stand above `s` through parents."""
        n = 0
        while s.parent and s.parent["session"] in self.sessions:
            s, n = self.sessions[s.parent["session"]], n + 1
        return n

    def purge_material(self):
        """The model's sessions to purge: those archived, else one or two archived now (an import of the
        home session when there is nothing else), each with a joined member."""
        doomed = [s for s in self.sessions.values() if s.status == "archived"]
        if not doomed:
            cands = [s for s in self.sessions.values()
                     if s is not self.home and not s.branch_open and not getattr(s, "orphan", False)]
            if not cands:
                cands = [self.import_home()]
            doomed = self.rng.sample(cands, min(len(cands), self.rng.choice([1, 2])))
            for s in doomed:
                self.archive_now(s)
        for s in doomed:
            members = [u for u in self.users if u in s.members]
            if members and not any(k[1] == s.id for k in self.joined):
                self.join(self.rng.choice(members), s)
        return doomed

    def purge_links(self, doomed):
        """A share link made by tandem-admin on the first session to purge, with a viewer on it."""
        s = doomed[0]
        a = self.cli.run("share", "create", s.id, "--expires", "1h", "--json", json_doc=True)
        self.expect(a, 0)
        self.open_viewer(s, a.doc["id"], a.doc["url"].rsplit("/s/", 1)[1])
        return [a.doc["url"].rsplit("/s/", 1)[1]]

    def file_rows(self, sql, args=()):
        con = sqlite3.connect(f"file:{self.server.db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
