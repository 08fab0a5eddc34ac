"""Count limits (`limit_exceeded`) whichever path adds the item, checked against docs/protocol.md on a
tandemd of its own. First, on default settings, things bigger than the tiny caps are made (a template
and an export of 3 rows, of 3 members, of 2 comments, of 3 checkpoints); then the server restarts on the
same database with the tiny caps (TIGHT) and, past each cap, every path that would add one more answers
`limit_exceeded` with a message naming the setting and its value, and leaves nothing (no session from a
refused import, template, branch or create; no row, turn or comment from a refused merge; the branch still
open): sessions per user (create, branch by the owner or a write member, template, import), checkpoints
(save, import), templates, rows (new key, merge, template, import; an existing key always writes),
comments (add, merge, import), members (add, template; a role change always works), line-diff steps of a
stale `state.put`; connections per client address (HTTP 429). Places come free when items go (a delete or discard of a session, a member's removal,
a session deleted and made again under its id); tandem-admin is not held to the caps (`grant`). Fixed
field sizes one byte past (`too_large`) and page sizes past 1000 (`invalid_argument`) too."""
import subprocess
import time

from live_wire import code, refused_status
from matching import Mismatch, match
from wire import Client, Server

# DIFF leaves room for the walk around a text (2,000 steps a text merged, docs/store.md) but not for the
# line diff of 120 reordered lines, so the refusal below is the line diff's.
SESSIONS, CHECKPOINTS, TEMPLATES, ROWS, COMMENTS, MEMBERS, DIFF, PER_ADDRESS = 6, 2, 2, 2, 1, 2, 10_000, 6
TIGHT = ["--max-connections-per-address", str(PER_ADDRESS), "--max-sessions-per-user", str(SESSIONS), "--max-checkpoints-per-session", str(CHECKPOINTS),
         "--max-templates-per-user", str(TEMPLATES), "--max-rows-per-session", str(ROWS),
         "--max-comments-per-session", str(COMMENTS), "--max-members-per-session", str(MEMBERS),
         "--max-merge-diff-steps", str(DIFF)]
CAP = {"max-sessions-per-user": SESSIONS, "max-checkpoints-per-session": CHECKPOINTS,
       "max-templates-per-user": TEMPLATES, "max-rows-per-session": ROWS,
       "max-comments-per-session": COMMENTS, "max-members-per-session": MEMBERS, "max-merge-diff-steps": DIFF}


class CountLimits:
    def __init__(self, tandemd, rng):
        self.rng = rng
        self.server = Server(tandemd)
        self.tokens = {u: self.server.add_user(u) for u in ("bob", "carol", "dave")}
        self.tokens["owner"] = self.server.owner_token
        self.clients = {}

    def connect(self):
        for c in self.clients.values():
            c.close()
        self.clients = {u: Client(self.server.url, t, u) for u, t in self.tokens.items()}

    def ok(self, who, op, **params):
        r = self.clients[who].request(op, **params)
        if not r.get("ok"):
            raise Mismatch(f"{who}: {op} {params}: {r}")
        return r["result"]

    def refused(self, who, setting, what, op, **params):
        """`op` past the cap `setting`: limit_exceeded whose message names the setting and its value."""
        r = self.clients[who].request(op, **params)
        match(code(r), "limit_exceeded", f"{what} ({who}: {op})")
        if f"{setting} = {CAP[setting]}" not in r["error"]["message"]:
            raise Mismatch(f"{what}: the message does not name {setting} = {CAP[setting]}: {r}")
        return r["error"]["message"]

    def gone(self, who, sid, what):
        """Nothing is left of a refused creation: the id names no session."""
        match(code(self.clients[who].request("session.get", session=sid)), "not_found", f"{what}: session {sid} afterwards")

    def owned(self, who):
        return sorted(s["id"] for s in self.ok(who, "session.list", limit=1000)["sessions"] if s["owner"] == who)

    def run(self):
        try:
            self.connect()
            docs, templates = self.make_big()
            self.server.restart(TIGHT)
            self.connect()
            self.copies_past_the_caps(docs, templates)
            self.over_cap_sessions()
            self.sessions_per_user()
            self.checkpoints(docs)
            self.templates()
            self.merges()
            self.diff_steps()
            self.sizes()
            self.connections()
        finally:
            for c in self.clients.values():
                c.close()
            self.server.stop()

    def make_big(self):
        """On default caps: sessions (the owner's) bigger than the tiny caps, their templates and exports."""
        ok = self.ok
        ok("owner", "session.create", session="big-rows")
        for k in "abc":
            ok("owner", "state.put", session="big-rows", key=k, value=k, base=0)
        ok("owner", "session.create", session="big-members")
        ok("owner", "member.add", session="big-members", user="bob", role="write")
        ok("owner", "member.add", session="big-members", user="carol", role="read")
        ok("owner", "session.create", session="big-comments")
        ok("owner", "turn.post", session="big-comments", content="t")
        for text in ("one", "two"):
            ok("owner", "comment.add", session="big-comments", seq=1, text=text)
        ok("owner", "session.create", session="big-cps")
        ok("owner", "turn.post", session="big-cps", content="t")
        for name in ("c1", "c2", "c3"):
            ok("owner", "checkpoint.save", session="big-cps", name=name)
        for sid in ("big-rows", "big-members"):
            ok("owner", "template.save", session=sid, name=f"t-{sid}")
        docs = {sid: ok("owner", "session.export", session=sid)["document"]
                for sid in ("big-rows", "big-comments", "big-cps")}
        return docs, {"max-rows-per-session": "t-big-rows", "max-members-per-session": "t-big-members"}

    def copies_past_the_caps(self, docs, templates):
        """A template or an import holding more than a session may: refused, no session left, no place taken."""
        before = self.owned("owner")
        for setting, name in templates.items():
            self.refused("owner", setting, f"a session from a template past {setting}", "template.create_session",
                         template=name, session=f"from-{name}")
            self.gone("owner", f"from-{name}", "a refused template session")
        for sid, setting in (("big-rows", "max-rows-per-session"), ("big-comments", "max-comments-per-session"),
                             ("big-cps", "max-checkpoints-per-session")):
            self.refused("owner", setting, f"an import past {setting}", "session.import", document=docs[sid], session=f"imp-{sid}")
            self.gone("owner", f"imp-{sid}", "a refused import")
        match(self.owned("owner"), before, "the owner's sessions after refused copies")

    def over_cap_sessions(self):
        """Sessions over a cap lowered since: what only changes works, what adds is refused; removals make room."""
        ok = self.ok
        cur = ok("owner", "state.get", session="big-rows", key="a")["rows"][0]["version"]
        ok("owner", "state.put", session="big-rows", key="a", value="again", base=cur)
        self.refused("owner", "max-rows-per-session", "a new key in a session over the rows cap", "state.put",
                     session="big-rows", key="d", value=1, base=0)
        match(sorted(r["key"] for r in ok("owner", "state.get", session="big-rows")["rows"]), ["a", "b", "c"],
              "rows after a refused new key")
        ok("owner", "member.set_role", session="big-members", user="bob", role="read")
        self.refused("owner", "max-members-per-session", "a new member past the cap", "member.add",
                     session="big-members", user="dave", role="read")
        ok("owner", "member.remove", session="big-members", user=self.rng.choice(["bob", "carol"]))
        self.refused("owner", "max-members-per-session", "a new member at the cap", "member.add",
                     session="big-members", user="dave", role="read")
        left = [m["user"] for m in ok("owner", "member.list", session="big-members")["members"] if m["user"] != "owner"]
        ok("owner", "member.remove", session="big-members", user=left[0])
        ok("owner", "member.add", session="big-members", user="dave", role="read")
        # The operator is not held to the caps (docs/hardening.md, Growth caps).
        subprocess.run([self.server.admin, "--db", self.server.db, "grant", "carol", "big-members", "read"],
                       check=True, capture_output=True)
        match([m["user"] for m in ok("owner", "member.list", session="big-members")["members"]],
              ["carol", "dave", "owner"], "members after tandem-admin grant past the cap")
        self.refused("owner", "max-members-per-session", "a new member after the operator's", "member.add",
                     session="big-members", user="bob", role="read")

    def sessions_per_user(self):
        """bob's sessions by every path up to the cap; past it every path is refused; each place that comes
        free (a discard, a delete) is taken by the path refused before."""
        ok = self.ok
        ok("bob", "session.create", session="b1", title="one")
        ok("bob", "member.add", session="b1", user="carol", role="write")
        ok("bob", "template.save", session="b1", name="bt")
        doc = ok("bob", "session.export", session="b1")["document"]
        paths = {
            "create": lambda sid: ("session.create", {"session": sid}),
            "template": lambda sid: ("template.create_session", {"template": "bt", "session": sid}),
            "import": lambda sid: ("session.import", {"document": doc, "session": sid}),
            "branch": lambda sid: ("branch.create", {"session": "b1", "branch": sid}),
        }
        made = {"b1": "create"}
        for i, (path, who) in enumerate([("template", "bob"), ("import", "bob"), ("branch", "bob"),
                                         ("branch", "carol"), ("create", "bob")]):
            op, params = paths[path](f"b{i + 2}")
            ok(who, op, **params)
            made[f"b{i + 2}"] = path
        match(self.owned("bob"), sorted(made), "bob's sessions (a branch by carol is bob's)")
        n = 0

        def all_refused(why):
            nonlocal n
            for path, who in (("create", "bob"), ("template", "bob"), ("import", "bob"), ("branch", "bob"), ("branch", "carol")):
                n += 1
                op, params = paths[path](f"bx{n}")
                self.refused(who, "max-sessions-per-user", f"{path} by {who} {why}", op, **params)
                self.gone("bob", f"bx{n}", f"a refused {path}")
        all_refused("at the cap")
        ok("carol", "session.create", session="c-own")  # the cap is per owner
        # Each place that comes free is taken by one path; then the cap holds again.
        frees = [("branch.discard", "b4"), ("session.delete", "b3"), ("branch.discard", "b5"), ("session.delete", "b6")]
        for (free, sid), path in zip(frees, self.rng.sample(["create", "template", "import", "branch"], 4)):
            ok("bob", free, session=sid)
            del made[sid]
            n += 1
            op, params = paths[path](f"bf{n}")
            ok("bob", op, **params)
            made[f"bf{n}"] = path
            all_refused(f"after a {free} and a {path}")
        match(self.owned("bob"), sorted(made), "bob's sessions at the end")

    def checkpoints(self, docs):
        ok = self.ok
        ok("dave", "session.create", session="cp")
        ok("dave", "turn.post", session="cp", content="t")
        for name in ("c1", "c2"):
            ok("dave", "checkpoint.save", session="cp", name=name)
        self.refused("dave", "max-checkpoints-per-session", "a checkpoint past the cap", "checkpoint.save", session="cp", name="c3")
        match([c["name"] for c in ok("dave", "checkpoint.list", session="cp")["checkpoints"]], ["c1", "c2"], "checkpoints")
        ok("dave", "checkpoint.restore", session="cp", name="c1")  # a restore adds none
        # An import at the cap is taken, and is then as full as one saved by hand.
        doc = ok("dave", "session.export", session="cp")["document"]
        ok("owner", "session.import", document=doc, session="cp-copy")
        self.refused("owner", "max-checkpoints-per-session", "a checkpoint in an imported session at the cap",
                     "checkpoint.save", session="cp-copy", name="c3")
        ok("owner", "session.delete", session="cp-copy")
        # A session deleted and made again under its id starts with none.
        ok("dave", "session.delete", session="cp")
        ok("dave", "session.create", session="cp")
        for name in ("c1", "c2"):
            ok("dave", "checkpoint.save", session="cp", name=name)
        self.refused("dave", "max-checkpoints-per-session", "a checkpoint past the cap again", "checkpoint.save",
                     session="cp", name="c3")
        ok("dave", "session.delete", session="cp")

    def templates(self):
        ok = self.ok
        self.refused("owner", "max-templates-per-user", "a template past the cap", "template.save", session="big-rows", name="t3")
        ok("bob", "template.save", session="b1", name="bt2")  # bob's first was bt
        self.refused("bob", "max-templates-per-user", "bob's third template", "template.save", session="b1", name="bt3")
        match([t["name"] for t in ok("bob", "template.list")["templates"]], ["bt", "bt2"], "bob's templates")

    def merges(self):
        """A branch merge bringing a new key, or a comment, past the parent's cap: refused, nothing written in the
        parent, the branch still open."""
        ok = self.ok
        ok("dave", "session.create", session="mr")
        ok("dave", "state.put", session="mr", key="a", value=1, base=0)
        ok("dave", "branch.create", session="mr", branch="mr-b")
        ok("dave", "state.put", session="mr", key="b", value=1, base=0)
        ok("dave", "state.put", session="mr-b", key="c", value=1, base=0)
        ok("dave", "turn.post", session="mr-b", content="from the branch")
        self.refused("dave", "max-rows-per-session", "a merge bringing a new key past the cap", "branch.merge", session="mr-b")
        self.unchanged("mr", "mr-b", rows=["a", "b"], turns=0, comments=0)
        ok("dave", "session.create", session="mc")
        ok("dave", "turn.post", session="mc", content="t")
        ok("dave", "branch.create", session="mc", branch="mc-b")
        ok("dave", "turn.post", session="mc-b", content="u")
        ok("dave", "comment.add", session="mc-b", seq=2, text="on the branch")
        ok("dave", "comment.add", session="mc", seq=1, text="on the parent")
        self.refused("dave", "max-comments-per-session", "a comment past the cap", "comment.add", session="mc", seq=1, text="x")
        self.refused("dave", "max-comments-per-session", "a merge carrying a comment past the cap", "branch.merge", session="mc-b")
        self.unchanged("mc", "mc-b", rows=[], turns=1, comments=1)
        for b in ("mr-b", "mc-b"):
            ok("dave", "branch.discard", session=b)

    def unchanged(self, parent, branch, rows, turns, comments):
        ok = self.ok
        match(sorted(r["key"] for r in ok("dave", "state.get", session=parent)["rows"]), rows, f"{parent}'s rows after a refused merge")
        h = ok("dave", "history", session=parent)
        match((h["head_seq"], len(h["turns"])), (turns, turns), f"{parent}'s turns after a refused merge")
        match(len(ok("dave", "comment.list", session=parent)["comments"]), comments, f"{parent}'s comments after a refused merge")
        s = ok("dave", "session.get", session=branch)["session"]
        match((s["status"], s.get("parent", {}).get("session")), ("active", parent), f"{branch} after a refused merge")

    def diff_steps(self):
        """A stale state.put whose text merge needs more line-diff steps than the cap: refused, the row as it was."""
        ok = self.ok
        lines = [f"line {i}" for i in range(120)]
        ok("dave", "state.put", session="mr", key="a", value="\n".join(lines), base=1)
        cur = ok("dave", "state.put", session="mr", key="a", value="\n".join(reversed(lines)), base=2)["row"]
        shuffled = lines[:]
        self.rng.shuffle(shuffled)
        message = self.refused("dave", "max-merge-diff-steps", "a stale put past the diff steps", "state.put", session="mr",
                               key="a", value="\n".join(shuffled), base=2)
        if "line-diff steps" not in message:
            raise Mismatch(f"a stale put past the diff steps: refused for another cost than its line diff: {message}")
        match(ok("dave", "state.get", session="mr", key="a")["rows"][0], cur, "the row after a refused stale put")

    def sizes(self):
        """Fixed limits one byte past: too_large; page sizes past 1000: invalid_argument."""
        c = self.clients["dave"]
        ok = self.ok
        ok("dave", "session.create", session="sz")
        ok("dave", "turn.post", session="sz", content="t")
        ok("dave", "checkpoint.save", session="sz", name="x" * 512)
        for op, params in [("state.put", {"session": "sz", "key": "k" * 257, "value": 1, "base": 0}),
                           ("checkpoint.save", {"session": "sz", "name": "x" * 513}),
                           ("template.save", {"session": "sz", "name": "x" * 513}),
                           ("session.create", {"title": "é" * 256 + "x"}),
                           ("session.create", {"metadata": {"m": "x" * (16 * 1024)}}),
                           ("branch.create", {"session": "sz", "title": "x" * 513}),
                           ("session.search", {"query": "a" * 1025})]:
            match(code(c.request(op, **params)), "too_large", f"{op} one byte past its limit")
        match(code(c.request("state.put", session="sz", key="k" * 256, value=1, base=0)), "ok", "a key of 256 bytes")
        for op, params in [("history", {"session": "sz"}), ("session.list", {}), ("session.search", {"query": "t"}),
                           ("comment.list", {"session": "sz"}), ("member.list", {"session": "sz"}),
                           ("checkpoint.list", {"session": "sz"}), ("template.list", {}), ("share.list", {"session": "sz"}),
                           ("contributions", {"session": "sz"})]:
            match(code(c.request(op, limit=1000, **params)), "ok", f"{op} with limit 1000")
            r = c.request(op, limit=1001, **params)
            match((code(r), r.get("error", {}).get("field")), ("invalid_argument", "limit"), f"{op} with limit 1001")

    def connections(self):
        """Connections per client address: the one past `max-connections-per-address` is refused at the
        handshake (HTTP 429, Retry-After), whoever it is; a close makes room."""
        extra = [Client(self.server.url, self.tokens["carol"], "carol") for _ in range(PER_ADDRESS - len(self.clients))]
        try:
            for who in ("carol", "bob"):
                status, retry = refused_status(self.server.url, token=self.tokens[who]) or (101, None)
                match(status, 429, f"connection {PER_ADDRESS + 1} from one address ({who})")
                if retry is None or not retry.isdigit():
                    raise Mismatch(f"429 without a Retry-After in seconds: {retry!r}")
            extra.pop().close()
            for _ in range(50):  # the server sees the close a moment later
                if refused_status(self.server.url, token=self.tokens["bob"]) is None:
                    break
                time.sleep(0.02)
            else:
                raise Mismatch("a connection closed below max-connections-per-address: the next is still refused")
        finally:
            for c in extra:
                c.close()


def count_limits_case(tandemd, rng, tag):
    """The count limits on a tandemd of their own; raises Mismatch."""
    CountLimits(tandemd, rng).run()
