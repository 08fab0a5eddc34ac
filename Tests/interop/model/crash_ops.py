"""The random operations the crash model check adds to the model run's (crash_run.py), each a write
that leaves work for the next start when a kill cuts it short: template.save and
template.create_session (a session written in steps), export → session.import (steps), session.delete
(removed in the background after the answer), share.create/revoke; and the checks of what they made
(share links, templates). All by the owner, who is a member of every session with role owner. Each
operation's first write is its first request but for the import (the export before it is a read)."""
import copy

from reference_model import ANY, Session
from matching import Mismatch, Wild, match, now_ms


class CrashOps:
    def extra_ops(self, s, root):
        # More forks and merges than the model run makes: they are the stepped work a kill should cut.
        ops = [(self.op_template_save, 2), (self.op_share, 2), (self.op_branch, 3)]
        if s.branch_open:
            ops.append((self.op_merge, 6))
        if self.templates:
            ops.append((self.op_template_create, 2))
        if s.status == "active" and not getattr(s, "imported", False):
            ops.append((self.op_import, 2))
        if self.deletable(root):
            ops.append((self.op_delete, 2))
        return ops

    def new_id(self, kind):
        """The id the next session of `kind` ("t" template, "i" import) gets: from a counter kept with
        the model (so a replayed step picks it again)."""
        return f"m{self.seed}-{kind}{self.counters[kind] + 1}"

    def op_template_save(self, s, user):
        self.counters["tpl"] += 1
        name = f"m{self.seed}-tpl{self.counters['tpl']}"  # templates are the owner's, across seeds
        r = self.req("owner", "template.save", session=s.id, name=name)
        if not r.get("ok"):
            raise Mismatch(f"template.save failed {r}")
        match(r["result"], {"template": {"by": "owner", "created": ANY, "name": name, "source": s.id}}, "template.save")
        self.templates[name] = {"title": s.title, "metadata": copy.deepcopy(s.metadata),
                                "rows": {k: copy.deepcopy(r["value"]) for k, r in s.rows.items()},
                                "members": dict(s.members)}

    def op_template_create(self, s, user):
        name = self.rng.choice(sorted(self.templates))
        t = self.templates[name]
        new = self.new_id("t")
        r = self.req("owner", "template.create_session", template=name, session=new)
        if not r.get("ok"):
            raise Mismatch(f"template.create_session failed {r}")
        self.counters["t"] += 1
        got = r["result"]["session"]
        n = Session(new, "owner", t["title"], copy.deepcopy(t["metadata"]), got["created"])
        n.members = {u: ("admin" if role == "owner" else role) for u, role in t["members"].items()}
        n.members["owner"] = "owner"
        for key in sorted(t["rows"]):
            n.store_row(key, copy.deepcopy(t["rows"][key]), "owner", ANY, False, counted=False)
        n.templated = True
        n.updated = got["updated"]
        match(got, n.info(role="owner"), "template.create_session")
        self.sessions[new] = n
        for u in self.users:
            if u in n.members:
                self.join(u, n)
        self.adopt_rows(n)
        self.check_all(n)

    def adopt_rows(self, s):
        """Rows whose time the model could not know (a template's, written in the new session's
        steps before anyone could join): taken from state.get once."""
        rows = {x["key"]: x for x in self.ok("owner", "state.get", session=s.id)["rows"]}
        for key, row in s.rows.items():
            if row["updated"] is ANY and key in rows and rows[key]["version"] == row["version"]:
                at, v = rows[key]["updated"], row["version"]
                row["updated"] = at
                s.row_history[key] = [(h[0], h[1], h[2], at if h[0] == v else h[3], h[4], h[5]) for h in s.row_history[key]]
                for ev in s.events:
                    if ev["event"] == "state" and ev["key"] == key and ev["version"] == v and ev["updated"] is ANY:
                        ev["updated"] = at

    def op_import(self, s, user):
        doc = self.ok("owner", "session.export", session=s.id)["document"]
        new = self.new_id("i")
        r = self.req("owner", "session.import", document=doc, session=new)
        if not r.get("ok"):
            raise Mismatch(f"session.import failed {r}")
        self.counters["i"] += 1
        others = set(self.users) - {"owner"}

        def rename(v):
            if isinstance(v, dict):
                return {k: rename(x) for k, x in v.items()}
            if isinstance(v, list):
                return [rename(x) for x in v]
            if isinstance(v, str) and v in others:
                return v + "@import"
            return v
        m = self.clone_import(s, new, rename)
        m.imported = True
        for attr in ("templated", "orphan"):
            if hasattr(m, attr):
                delattr(m, attr)
        match(r["result"]["session"], dict(m.info(role="owner"), updated=ANY), "session.import")

    def deletable(self, root):
        """Sessions made by a template or an import that no branch names as its parent."""
        parents = {b.parent["session"] for b in self.sessions.values() if b.parent}
        return [x for x in self.sessions.values() if x is not root and x.id not in parents
                and (getattr(x, "imported", False) or getattr(x, "templated", False))]

    def op_delete(self, s, user):
        x = self.rng.choice(self.deletable(self.sessions[f"m{self.seed}"]))
        r = self.req("owner", "session.delete", session=x.id)
        if not r.get("ok"):
            raise Mismatch(f"session.delete failed {r}")
        match(r["result"], {}, "session.delete")
        x.emit({"event": "session", "change": "deleted", "by": "owner", "info": ANY})
        x.events[-1]["info"] = dict(x.info(), updated=ANY)
        self.check_events(x)
        del self.sessions[x.id]
        self.shares.pop(x.id, None)
        for u in self.users:
            self.joined.pop((u, x.id), None)
            self.removed_watch.pop((u, x.id), None)

    def op_share(self, s, user):
        links = self.shares.setdefault(s.id, [])
        working = [x for x in links if not x["revoked"]]
        if working and self.rng.random() < 0.4:
            link = self.rng.choice(working)
            r = self.req("owner", "share.revoke", share=link["id"])
            if not r.get("ok"):
                raise Mismatch(f"share.revoke failed {r}")
            if not isinstance(r, Wild):  # a lost answer (crash_resolve.py): share.list tells
                match(r["result"]["share"]["revoked"], True, "share.revoke")
            link["revoked"] = True
            return
        r = self.req("owner", "share.create", session=s.id, expires_in=3600)
        if not r.get("ok"):
            raise Mismatch(f"share.create failed {r}")
        sh = r["result"]["share"]
        match(sh, {"by": "owner", "created": ANY, "expires": ANY, "id": ANY, "permission": "read",
                   "revoked": False, "session": s.id}, "share.create")
        links.append({"id": sh["id"], "revoked": False})

    # --- checks and adoption -----------------------------------------------------------------------
    def server_shares(self, sid):
        got = self.ok("owner", "share.list", session=sid, include_revoked=True)
        return sorted((x["id"], x["revoked"]) for x in got["shares"])

    def check_shares(self, s):
        """share.list (revoked ones too) against the model; a link whose id a kill cut off is adopted."""
        links = self.shares.get(s.id, [])
        got = self.server_shares(s.id)
        unknown = [x for x in links if x["id"] is ANY]
        if len(unknown) == 1:
            fresh = [g for g in got if g[0] not in {x["id"] for x in links}]
            if len(fresh) == 1:
                unknown[0]["id"] = fresh[0][0]
        match(got, sorted((x["id"], x["revoked"]) for x in links), f"share.list({s.id})")

    def check_templates(self):
        got = self.ok("owner", "template.list")["templates"]
        match(sorted(t["name"] for t in got if t["name"].startswith(f"m{self.seed}-")), sorted(self.templates), "template.list")

    def adopt_sessions(self, t0):
        """After a replayed step: the times of sessions, checkpoints and rows the lost answer held."""
        for s in self.sessions.values():
            if s.created is ANY or s.updated is ANY:
                info = self.ok("owner", "session.get", session=s.id)["session"]
                if s.created is ANY:
                    s.created = info["created"]
                if s.updated is ANY:  # changed by the lost write (after t0) or by one before it
                    s.updated_window = (min(s.updated_window[0], t0), now_ms())
            if any(cp["created"] is ANY for cp in s.checkpoints):
                got = {c["name"]: c for c in self.ok("owner", "checkpoint.list", session=s.id)["checkpoints"]}
                for cp in s.checkpoints:
                    if cp["created"] is ANY and cp["name"] in got:
                        cp["created"] = got[cp["name"]]["created"]
            if any(r["updated"] is ANY for r in s.rows.values()):
                self.adopt_rows(s)
