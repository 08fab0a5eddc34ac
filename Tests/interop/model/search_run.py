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
from search_model import expected_hits, fold, positive_terms, term_matches, words
from wire import Client, ClientsRun

VOCAB = ["merge", "merged", "merging", "conflict", "conflicts", "plan", "planet", "Plan", "alpha", "beta",
         "Délta", "delta", "or", "not", "review", "rev", "x1", "東京", "東京都"]
SEPS = [" ", " ", ", ", ". ", "-", "\n", " (", ") "]
BAD = ['"merge plan', "OR", "merge OR", "AND plan", "NOT", "...", " ".join(f"w{i}" for i in range(17)),
       "a* b* c* d* e*"]


class SearchRun(ClientsRun):
    """One seed: sessions of three users and `steps` random writes, each followed by a search."""

    def __init__(self, server, seed, steps):
        self.rng = random.Random(seed)
        self.steps = steps
        self.users = [f"sa{seed}", f"sb{seed}", f"sc{seed}"]
        self.clients = {u: Client(server.url, server.add_user(u), u) for u in self.users}
        self.sessions = {}
        self.seed = seed
        self.ops = 0

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
            if s["status"] == "active" and r < 0.6:
                t = self.ok(s["owner"], "turn.post", session=s["id"], content=self.text(1, 8))["turn"]
                s["turns"].append({"seq": t["seq"], "content": t["content"], "created": t["created"], "live": True})
            elif s["status"] == "active" and r < 0.68 and any(t["live"] for t in s["turns"]):
                seq = self.ok(s["owner"], "turn.undo", session=s["id"])["seq"]
                s["turns"][seq - 1]["live"] = False
            elif s["status"] == "active" and r < 0.7:
                self.ok(s["owner"], "session.clear", session=s["id"])
                for t in s["turns"]:
                    t["live"] = False
            elif s["status"] != "archived" and r < 0.78:
                s["title"] = self.text(0, 3)
                self.ok(s["owner"], "session.update", session=s["id"], title=s["title"])
            elif s["status"] != "archived" and r < 0.82:
                op = {"active": "session.pause", "paused": "session.resume"}[s["status"]]
                if self.rng.random() < 0.3:
                    op = "session.archive"
                self.ok(s["owner"], op, session=s["id"])
                s["status"] = {"session.pause": "paused", "session.resume": "active", "session.archive": "archived"}[op]
            self.search(self.rng.choice(self.users))

    def create(self):
        owner = self.rng.choice(self.users)
        sid = f"srch-{self.seed}-{len(self.sessions)}"
        title = self.text(0, 3)
        got = self.ok(owner, "session.create", session=sid, title=title)["session"]
        s = {"id": sid, "owner": owner, "title": title, "created": got["created"], "status": "active",
             "members": {owner}, "turns": []}
        for u in self.users:
            if u != owner and self.rng.random() < 0.5:
                self.ok(owner, "member.add", session=sid, user=u, role="read")
                s["members"].add(u)
        self.sessions[sid] = s

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
        want = expected_hits(q, self.sessions, user, status)
        got, cursor, pages = [], None, 0
        while True:
            params = {"query": q, **({"status": status} if status else {}), **({"limit": limit} if limit else {}),
                      **({"cursor": cursor} if cursor else {})}
            res = self.ok(user, "session.search", **params)
            pages += 1
            if len(res["hits"]) > (limit or 100):
                raise Mismatch(f"search {params}: {len(res['hits'])} hits on a page of limit {limit}")
            got += res["hits"]
            cursor = res.get("next_cursor")
            if not cursor or pages > 200:
                break
        tally("session.search", "no hits" if not want else f"{pages} pages" if pages > 1 else "hits")
        for _, (sid, seq) in want:
            tally("session.search hit", "title" if seq is None else "turn")
        self.compare(user, q, status, got, want)

    def compare(self, user, q, status, got, want):
        where = f"step {self.step}: {user} searched {q!r} status {status}"
        got_ids = [(h["session"]["id"], h.get("seq")) for h in got]
        if sorted(got_ids, key=str) != sorted([w[1] for w in want], key=str):
            raise Mismatch(f"{where}: hits {got_ids}, want {sorted(want, key=lambda w: w[0])}")
        order = {hid: key for key, hid in want}
        keys = [order[h] for h in got_ids]
        if keys != sorted(keys):
            raise Mismatch(f"{where}: hits out of the documented order: {list(zip(got_ids, keys))}")
        for h, hid in zip(got, got_ids):
            s = self.sessions[hid[0]]
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
            if not any(term_matches(t, words(m)) or (t[0] == "phrase" and fold(m) in [fold(x) for x in t[1]])
                       for t in terms):
                raise Mismatch(f"{where}: snippet {snippet!r} marks {m!r}, which no term of the query matches")
        plain = snippet.replace("[", "").replace("]", "")
        for piece in plain.split("…"):
            if piece not in text:
                raise Mismatch(f"{where}: snippet {snippet!r}: {piece!r} is not in the text {text!r}")
