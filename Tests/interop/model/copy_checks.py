"""Sessions made from another: from a template (rows at version 1 by the caller, members kept with
owners made admins, no turns, contributions empty), and export → import → export (the same document
but for members and users, other authors renamed `@import`), whose import then becomes a session the
run goes on working on, against a renamed copy of the model."""
import copy

from reference_model import ANY, canon
from matching import Mismatch, match, now_ms, tally


class CopyChecks:
    def template_check(self, s):
        """A session made from a template: the rows' current values as version 1 by the caller, the
        members with their roles (the caller owner), no turns, nothing in contributions."""
        if s.members.get("owner") not in ("owner", "admin"):
            return
        name = f"t-{s.id}"
        self.ok("owner", "template.save", session=s.id, name=name)
        new = f"{s.id}-tpl"
        got = self.ok("owner", "template.create_session", template=name, session=new)["session"]
        want = {"id": new, "title": s.title, "owner": "owner", "status": "active", "metadata": s.metadata,
                "created": ANY, "updated": ANY, "head_seq": 0, "head_eseq": len(s.rows), "role": "owner"}
        match(got, want, "template.create_session")
        rows = self.ok("owner", "state.get", session=new)["rows"]
        match(rows, [{"key": k, "version": 1, "value": s.rows[k]["value"], "author": "owner", "updated": ANY}
                     for k in sorted(s.rows)], "template rows")
        members = self.ok("owner", "member.list", session=new)["members"]
        want_m = {u: ("admin" if r == "owner" else r) for u, r in s.members.items()}
        want_m["owner"] = "owner"
        match(sorted((m["user"], m["role"]) for m in members), sorted(want_m.items()), "template members")
        match(self.ok("owner", "contributions", session=new)["contributions"], [], "template contributions")
        match(self.ok("owner", "history", session=new)["turns"], [], "template turns")
        tally("template", "checked")


    def export_check(self, s):
        """export → import (wire, by the owner) → export: the same document but for what the doc says
        an import leaves out or renames; the imported session answers as the model, renamed."""
        doc1 = self.ok("owner", "session.export", session=s.id)["document"]
        new = f"{s.id}-imp"
        r = self.ok("owner", "session.import", document=doc1, session=new)
        doc2 = self.ok("owner", "session.export", session=new)["document"]
        others = (set(self.users) | self.former_users) - {"owner"}

        def rename(v, key=None):
            # the operator (`tandem-admin`, actor "admin") is renamed as any author: where it acts, not
            # where "admin" is a role
            if isinstance(v, dict):
                return {k: rename(x, k) for k, x in v.items()}
            if isinstance(v, list):
                return [rename(x, key) for x in v]
            if isinstance(v, str) and (v in others or (v == "admin" and key in ("actor", "by"))):
                return v + "@import"
            return v
        want = rename(copy.deepcopy(doc1))
        want["session"]["id"] = new
        # `updated_at` is the import's own time stamp (a poller finds it), what its answer gave as `updated`.
        if not (doc1["session"]["updated_at"] <= doc2["session"]["updated_at"] == r["session"]["updated"]):
            raise Mismatch(f"imported session's updated_at {doc2['session']['updated_at']}: not the import's "
                           f"{r['session']['updated']}, after the document's {doc1['session']['updated_at']}")
        want["session"]["updated_at"] = doc2["session"]["updated_at"]
        # contributions come by user id: a renamed id may sort elsewhere ("c-1@import" < "c@import")
        want["contributions"] = sorted(want.get("contributions", []), key=lambda c: c["user"])
        diffs = []
        for k in sorted(set(want) | set(doc2)):
            if canon(want.get(k)) != canon(doc2.get(k)):
                diffs.append(k)
        self.export_diffs = (want, doc2, diffs)
        for k in diffs:
            if k in ("members", "users"):
                continue
            if k == "session":
                sd = [f for f in set(want["session"]) | set(doc2["session"]) if want["session"].get(f) != doc2["session"].get(f)]
                if set(sd) <= {"parent_id", "branch_status", "fork_seq", "fork_rows"}:
                    continue
                raise Mismatch(f"export after import: session fields {sd}: {[(f, want['session'].get(f), doc2['session'].get(f)) for f in sd]}")
            raise Mismatch(f"export after import differs in {k}: {canon(want.get(k))[:1500]} vs {canon(doc2.get(k))[:1500]}")
        print(f"   export round trip: differs in {diffs}: members {doc2.get('members')} users {doc2.get('users')}")
        # the imported session answers like the model, renamed
        turns, since = [], 0
        while True:
            got = self.ok("owner", "history", session=new, since=since, limit=1000, include_undone=True)
            turns += got["turns"]
            if not got["more"]:
                break
            since = turns[-1]["seq"]
        wt = [rename(t.wire(True)) for t in s.turns]
        match(turns, wt, "imported history")
        got = self.ok("owner", "contributions", session=new)["contributions"]
        wc = rename(s.contributions())
        for c in wc:
            c["session"] = new
        match(sorted(got, key=lambda c: c["user"]), sorted(wc, key=lambda c: c["user"]), "imported contributions")
        return self.clone_import(s, new, rename)

    def clone_import(self, s, new, rename, members=None):
        """The model of the imported copy: the owner its only member, other authors renamed (tandem-admin's
        import: `members` kept, `rename` leaves every name)."""
        m = copy.deepcopy(s)
        m.id = new
        m.members = dict(members or {"owner": "owner"})
        m.parent = None
        m.fork_seq = m.fork_rows = m.fork_eseq = None
        m.branch_open = False
        # `updated` is the import's own time stamp (a poller finds it): after the document's, before now.
        lo = m.updated_window[0] if m.updated is ANY else m.updated
        m.updated, m.updated_window = ANY, (lo, now_ms())
        for t in m.turns:
            t.author = rename(t.author)
        m.rows = {k: rename(r) for k, r in m.rows.items()}
        m.row_history = {k: [(h[0], h[1], rename(h[2]), h[3], h[4], h[5]) for h in hist] for k, hist in m.row_history.items()}
        got = self.ok("owner", "comment.list", session=new)["comments"]
        old = [c["id"] for c in m.comments]
        for c, g in zip(m.comments, got):
            c["id"] = g["id"]
            c["author"] = rename(c["author"])
        by_old = {o: c for o, c in zip(old, m.comments)}
        m.checkpoints = [dict(cp, by=rename(cp["by"])) for cp in m.checkpoints]
        m.contrib = {rename(u): c for u, c in m.contrib.items()}
        events = []
        for ev in m.events:
            ev = rename(ev)
            ev["session"] = new
            if ev["event"] == "comment":
                cid = ev["comment"]["id"]
                ev["comment"] = by_old.get(cid) or next(c for c in m.comments if c["id"] == cid)
            if ev["event"] == "session" and isinstance(ev.get("info"), dict):
                ev["info"] = dict(ev["info"], id=new, owner="owner")
                ev["info"].pop("parent", None)
            events.append(ev)
        m.events = events
        self.sessions[new] = m
        for u in self.users:
            if u in m.members:
                self.join(u, m)
        self.check_all(m)
        return m
