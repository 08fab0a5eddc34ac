"""Seeded session.search checks against search_model.py: three users make sessions (titles from a small
vocabulary), post turns, undo, clear, retitle, pause and archive them, and search with random queries
(words, phrases, prefixes, AND/OR/NOT/-word, lower-case "or"), limits and status filters, walking every
page by next_cursor. Each search comes right after the writes before it, without waiting: docs/store.md
promises that a search right after an acknowledged append finds it. Checked: the hits (exactly the
caller's matching titles and live turns), their documented order, page sizes, snippets (a piece of the
text with matched words in [ ]), and invalid_argument for queries the syntax cannot take."""
import random
import re

from matching import Mismatch, tally
from search_model import expected_pages, fold, is_unit, positive_terms, term_matches, words
from wire import Client, ClientsRun

VOCAB = ["merge", "merged", "merging", "conflict", "conflicts", "plan", "planet", "Plan", "alpha", "beta",
         "Délta", "delta", "or", "not", "review", "rev", "x1", "東京", "東京都", "京都", "東の京", "서울에서", "データ",
         "Tokyo東京2024", "กรุงเทพ", "ฉันไปกรุงเทพเมื่อวาน", "กิน", "กนก", "เทพกรุง", "ปี๒๕๖๗", "ລາວ", "ខ្មែរ",
         "မြန်မာ", "བོད་ཡིག", "ที่", "ท\u0e48\u0e35", "น้ำ", "น\u0e4d\u0e49\u0e32", "กุ้ง", "ເກົ້າ", "ເກ\u0ec9\u0ebb\u0eb2"]
SEPS = [" ", " ", ", ", ". ", "-", "\n", " (", ") "]
DEFAULT_SCAN = 20_000  # tandemd's max-search-scan
BAD = ['"merge plan', "OR", "merge OR", "AND plan", "NOT", "...", " ".join(f"w{i}" for i in range(17)),
       "a* b* c* d* e*"]


class SearchRun(ClientsRun):
    """One seed: sessions of three users and `steps` random writes, each followed by a search."""

    def __init__(self, server, seed, steps, scan=DEFAULT_SCAN, bulk=0.0):
        self.rng = random.Random(seed)
        self.steps = steps
        self.scan = scan  # the server's max-search-scan
        self.bulk = bulk  # the share of steps that post a burst of turns (up to `scan`: pages then end short)
        self.users = [f"sa{seed}", f"sb{seed}", f"sc{seed}"]
        self.clients = {u: Client(server.url, server.add_user(u), u) for u in self.users}
        # Every search run's sessions on this server: other seeds' count in a page's scan too.
        if not hasattr(server, "search_world"):
            server.search_world = {"sessions": {}, "added": 0, "written": 0}
        self.world = server.search_world
        self.sessions = {}
        self.seed = seed
        self.ops = 0

    def add(self, s):
        """A session as it comes to the server (its place in the title index)."""
        self.world["added"] += 1
        s["added"] = self.world["added"]
        self.sessions[s["id"]] = self.world["sessions"][s["id"]] = s

    def turn(self, seq, content, created, live=True):
        """A turn as it is written (its place in the turn index); `created` as the server gave it."""
        self.world["written"] += 1
        return {"seq": seq, "content": content, "created": created, "live": live, "written": self.world["written"]}

    def new_id(self):
        return f"srch-{self.seed}-{len(self.sessions)}"

    def text(self, lo, hi):
        out = ""
        for i in range(self.rng.randint(lo, hi)):
            out += (self.rng.choice(SEPS) if i else "") + self.rng.choice(VOCAB)
        return out

    def run(self):
        for _ in range(3):
            self.create()
        for self.step in range(self.steps):
            r = self.rng.random()
            if r < 0.1:
                self.create()
            s = self.sessions[self.rng.choice(list(self.sessions))]
            if s["status"] == "active" and self.rng.random() < self.bulk:
                for _ in range(self.rng.randint(min(20, self.scan), min(self.scan, 100))):
                    self.post(s)
            elif s["status"] == "active" and r < 0.6:
                self.post(s)
            elif s["status"] == "active" and r < 0.68 and any(t["live"] for t in s["turns"]):
                seq = self.ok(s["owner"], "turn.undo", session=s["id"])["seq"]
                s["turns"][seq - 1]["live"] = False
            elif s["status"] == "active" and r < 0.7:
                self.ok(s["owner"], "session.clear", session=s["id"])
                for t in s["turns"]:
                    t["live"] = False
            elif s["status"] != "archived" and r < 0.76:
                s["title"] = self.text(0, 3)
                self.ok(s["owner"], "session.update", session=s["id"], title=s["title"])
            elif s["status"] != "archived" and r < 0.8:
                op = {"active": "session.pause", "paused": "session.resume"}[s["status"]]
                if self.rng.random() < 0.3:
                    op = "session.archive"
                self.ok(s["owner"], op, session=s["id"])
                s["status"] = {"session.pause": "paused", "session.resume": "active", "session.archive": "archived"}[op]
            elif 0.8 <= r < 0.84:  # (bands of their own: a status that skips the writes above must not land here)
                self.copy(s)
            elif 0.84 <= r < 0.88:
                self.branch(s)
            elif 0.88 <= r < 0.92:
                self.merge()
            self.search(self.rng.choice(self.users))

    def post(self, s):
        t = self.ok(s["owner"], "turn.post", session=s["id"], content=self.text(1, 8))["turn"]
        s["turns"].append(self.turn(t["seq"], t["content"], t["created"]))

    def copy(self, s):
        """Its owner exports it and imports the document as a session of their own: a newer session with
        the same title, status and turns (live or not), written now."""
        doc = self.ok(s["owner"], "session.export", session=s["id"])["document"]
        sid = self.new_id()
        made = self.ok(s["owner"], "session.import", document=doc, session=sid)["session"]
        tally("session.import", s["status"])
        self.add({"id": sid, "owner": s["owner"], "title": s["title"], "status": s["status"], "members": {s["owner"]},
                  "created": made["created"], "turns": [self.turn(t["seq"], t["content"], t["created"], t["live"]) for t in s["turns"]]})

    def branch(self, s):
        """A branch at the head: the same members, active, its turns (live or not) copied now."""
        sid = self.new_id()
        title = self.text(0, 3)
        made = self.ok(s["owner"], "branch.create", session=s["id"], branch=sid, title=title)["session"]
        tally("branch.create", "of a branch" if s.get("parent") else "of a session")
        self.add({"id": sid, "owner": s["owner"], "title": title, "status": "active", "members": set(s["members"]),
                  "created": made["created"], "turns": [self.turn(t["seq"], t["content"], t["created"], t["live"]) for t in s["turns"]],
                  "parent": s["id"], "at": len(s["turns"]), "open": True})

    def merge(self):
        """An open branch of an active parent merged by its owner: its live turns after the fork point are
        appended to the parent (written now), the branch archived; `conflict` when the parent moved (a turn
        up to the fork point live in the branch is not in the parent)."""
        open_ = [b for b in self.sessions.values() if b.get("open") and self.sessions[b["parent"]]["status"] == "active"]
        if not open_:
            return
        b = self.rng.choice(open_)
        p = self.sessions[b["parent"]]
        moved = any(t["live"] and not p["turns"][t["seq"] - 1]["live"] for t in b["turns"][:b["at"]])
        self.ops += 1
        r = self.clients[b["owner"]].request("branch.merge", session=b["id"])
        tally("branch.merge", "parent moved" if moved else "merged")
        if moved:
            if r.get("ok") or r["error"]["code"] != "conflict":
                raise Mismatch(f"step {self.step}: merge of {b['id']} into {p['id']}, which moved: want conflict, got {r}")
            return
        if not r.get("ok") or not r["result"]["merged"]:
            raise Mismatch(f"step {self.step}: merge of {b['id']} into {p['id']}: {r}")
        for t in b["turns"][b["at"]:]:
            if t["live"]:
                p["turns"].append(self.turn(len(p["turns"]) + 1, t["content"], None))  # created: the merge's time
        b["open"] = False
        b["status"] = "archived"

    def create(self):
        owner = self.rng.choice(self.users)
        sid = self.new_id()
        title = self.text(0, 3)
        made = self.ok(owner, "session.create", session=sid, title=title)["session"]
        s = {"id": sid, "owner": owner, "title": title, "status": "active", "members": {owner}, "created": made["created"], "turns": []}
        self.add(s)
        for u in self.users:
            if u != owner and self.rng.random() < 0.5:
                self.ok(owner, "member.add", session=sid, user=u, role="read")
                s["members"].add(u)

    def query(self):
        rng = self.rng
        def term():
            r = rng.random()
            w = fold(rng.choice(VOCAB)) if rng.random() < 0.5 else rng.choice(VOCAB)
            if r < 0.2:
                return f'"{w} {rng.choice(VOCAB)}"'
            if r < 0.4:
                return words(w)[0][:rng.randint(1, 4)] + "*"
            return w
        form = rng.random()
        if form < 0.45:
            return " ".join(term() for _ in range(rng.randint(1, 2)))
        if form < 0.6:
            return " OR ".join(term() for _ in range(rng.randint(2, 3)))
        if form < 0.7:
            return f"{term()} AND {term()}"
        if form < 0.8:
            return f"{term()} NOT {term()}"
        if form < 0.85:
            return f"{term()} -{rng.choice(VOCAB)}"
        if form < 0.9:
            return f"{term()} -{rng.choice(VOCAB)} {term()}"
        if form < 0.95:
            return f"{term()} or {term()}"
        ops = [" ", " AND ", " OR ", " NOT ", " -"]
        q = term()
        for _ in range(rng.randint(2, 4)):
            op = rng.choice(ops)
            q += op + (rng.choice(VOCAB) if op == " -" else term())
        return q

    def search(self, user):
        if self.rng.random() < 0.08:
            q = self.rng.choice(BAD)
            self.ops += 1
            r = self.clients[user].request("session.search", query=q)
            tally("session.search", "invalid query")
            if r.get("ok") or r["error"]["code"] != "invalid_argument":
                raise Mismatch(f"search {q!r}: want invalid_argument, got {r}")
            return
        q = self.query()
        status = self.rng.choice([None, None, "active", "paused", "archived"])
        limit = self.rng.choice([None, 1, 2, 5])
        want = expected_pages(q, self.world, user, status, limit or 100, self.scan)
        got, cursor = [], None
        while len(got) <= len(want):
            params = {"query": q, **({"status": status} if status else {}), **({"limit": limit} if limit else {}),
                      **({"cursor": cursor} if cursor else {})}
            res = self.ok(user, "session.search", **params)
            cursor = res.get("next_cursor")
            got.append((res["hits"], cursor is not None))
            if not cursor:
                break
        hits = [h for page, _ in got for h in page]
        tally("session.search", "no hits" if not hits else "1 page" if len(got) == 1 else
              "2-4 pages" if len(got) < 5 else "5 or more pages")
        for page, more in want:
            if more and len(page) < (limit or 100):
                tally("session.search page", "short, none" if not page else "short")
        flat = [hid for page, _ in want for hid in page]
        for sid, seq in flat:
            tally("session.search hit", "title" if seq is None else "turn")
        for a, b in zip(flat, flat[1:]):
            ca, cb = (self.created(*a), self.created(*b))
            if (a[1] is None) == (b[1] is None) and ca is not None and cb is not None and ca <= cb:
                tally("session.search order", f"{'titles' if a[1] is None else 'turns'} {'tied on' if ca == cb else 'against'} created")
        self.compare(user, q, status, limit, got, want)

    def created(self, sid, seq):
        s = self.world["sessions"][sid]
        return s["created"] if seq is None else s["turns"][seq - 1]["created"]

    def compare(self, user, q, status, limit, got, want):
        where = f"step {self.step}: {user} searched {q!r} status {status} limit {limit}"
        got_pages = [([(h["session"]["id"], h.get("seq")) for h in page], more) for page, more in got]
        for i, (g, w) in enumerate(zip(got_pages, want)):
            if g != w:
                raise Mismatch(f"{where}: page {i + 1} (hits, next_cursor given) {g}, want {w}")
        if len(got_pages) != len(want):
            raise Mismatch(f"{where}: {len(got_pages)} pages, want {len(want)}: {got_pages} / {want}")
        for h in (h for page, _ in got for h in page):
            hid = (h["session"]["id"], h.get("seq"))
            s = self.world["sessions"][hid[0]]
            got_s = {k: h["session"].get(k) for k in ("title", "status", "owner")}
            if got_s != {"title": s["title"], "status": s["status"], "owner": s["owner"]}:
                raise Mismatch(f"{where}: hit {hid}'s session {h['session']}, want title/status/owner of {s}")
            text = s["title"] if hid[1] is None else s["turns"][hid[1] - 1]["content"]
            self.check_snippet(where, q, h["snippet"], text)

    def check_snippet(self, where, q, snippet, text):
        """Marked pieces are words of the text matching a positive term; unmarked, it is a piece of text."""
        marked = [m.strip("[]") for m in re.findall(r"\[[^\[\]]*\]", snippet)]
        terms = positive_terms(q)
        for m in marked:
            # Marked units (CJK characters, clusters) next to each other share a pair of brackets, whichever
            # terms they matched.
            units = set().union(*(t[1] if t[0] == "phrase" else [t[1]] for t in terms))
            if not (all(map(is_unit, words(m))) and set(words(m)) <= units) and not any(
                    term_matches(t, words(m)) or (t[0] == "phrase" and fold(m) in [fold(x) for x in t[1]]) for t in terms):
                raise Mismatch(f"{where}: snippet {snippet!r} marks {m!r}, which no term of the query matches")
        plain = snippet.replace("[", "").replace("]", "")
        for piece in plain.split("…"):
            if piece not in text:
                raise Mismatch(f"{where}: snippet {snippet!r}: {piece!r} is not in the text {text!r}")
