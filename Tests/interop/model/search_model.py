"""A reference model of session.search's matching, written from docs/protocol.md: words split at spaces
and punctuation (Unicode letters and digits; case and accents folded); a query of words (every one must
match), "phrases" (the words in a row), prefix* (a word starting so), AND, OR, NOT and -word (operators in
capitals only; "or" is a plain word). A Han, kana or Hangul-syllable character is a word of its own, so a
query's run of them is a phrase (found in order and adjacent inside any longer run; `東京*` is `東京`). A
document is a session's title or one live turn's content.
Operators bind as documented: NOT (and -word) tightest, then AND (written or not), then OR. Hits are ordered as documented: title matches first, the
session that came to this server last first, then turns, the one written last first (a copy by a branch or an
import, or a merge's append, is written then, whatever its `created`); pages as `max-search-scan` cuts them."""
import bisect
import re
import unicodedata

WORD = re.compile(r"[^\W_]+")


def fold(text):
    """Case and accents folded: NFD without combining marks, lower case."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


# The characters docs/protocol.md makes words of their own: Han, kana, Hangul syllables.
SPLIT = [(0x3005, 0x3007), (0x3021, 0x3029), (0x3031, 0x3035), (0x303B, 0x303C), (0x3041, 0x30FF), (0x31F0, 0x31FF),
         (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x1B000, 0x1B16F),
         (0x20000, 0x3FFFF)]


def is_split(c):
    return any(lo <= ord(c) <= hi for lo, hi in SPLIT)


def words(text):
    """Folded words; each split character a word, as it is (no folding: が stays が)."""
    out, rest = [], ""
    for c in text:
        if is_split(c):
            out += WORD.findall(fold(rest))
            rest = ""
            out += WORD.findall(c)
        else:
            rest += c
    return out + WORD.findall(fold(rest))


def term_matches(term, doc):
    """term: ('word', w) | ('prefix', p) | ('phrase', [w...]); doc: its folded words."""
    kind, t = term
    if kind == "word":
        return t in doc
    if kind == "prefix":
        return any(w.startswith(t) for w in doc)
    n = len(t)
    return any(doc[i:i + n] == t for i in range(len(doc) - n + 1))


def parse(query):
    """[(operator, term)]: the first operator is None; between terms without one, AND; -word is NOT word."""
    out, op = [], None
    for p in re.findall(r'"[^"]*"\*?|\S+', query):
        if p in ("AND", "OR", "NOT"):
            op = p
            continue
        if p.startswith("-") and len(p) > 1:
            op, p = "NOT", p[1:]
        if p.startswith('"'):
            term = ("phrase", words(p.strip('"*')))
        elif p.endswith("*") and len(p) > 1 and not is_split(p[-2]):
            term = ("prefix", fold(p[:-1]))
        else:
            w = words(p)
            term = ("word", w[0]) if len(w) == 1 else ("phrase", w)
        out.append((op if out else None, term))
        op = "AND"
    return out


def matches(query, text):
    """Precedence NOT, then AND, then OR (docs/protocol.md), each from the left."""
    doc = words(text)
    groups = [[]]  # OR of ANDs of chains [t0, not t1, not t2...]
    for op, term in parse(query):
        if op == "OR":
            groups.append([])
        if op == "NOT":
            groups[-1][-1].append(term)
        else:
            groups[-1].append([term])
    return any(all(term_matches(c[0], doc) and not any(term_matches(t, doc) for t in c[1:]) for c in g)
               for g in groups)


def visible(s, user, status):
    return user in s["members"] and (not status or s["status"] == status)


def index_entries(query, world):
    """The index entries matching `query`, newest first, each (position, session, turn or None): every
    session's title (any member's, any status: session ids are global) by the order sessions came to the
    server (`added`), and every turn, live or not, by the order turns were written (`written`)."""
    titles = [(s["added"], s, None) for s in world["sessions"].values() if s["title"] and matches(query, s["title"])]
    turns = [(t["written"], s, t) for s in world["sessions"].values() for t in s["turns"] if matches(query, t["content"])]
    return sorted(titles, key=lambda e: -e[0]), sorted(turns, key=lambda e: -e[0])


def walk(entries, want, budget, is_hit):
    """One page's walk over `entries` (newest first): hits until `want` of them and one more is seen, or
    `budget` entries examined. Returns (hits, where the next page starts or None at the index's end)."""
    hits, last_hit, last_seen = [], None, float("inf")
    for examined, e in enumerate(entries[:budget], 1):
        if is_hit(e):
            if len(hits) == want:
                return hits, last_hit if hits else last_seen
            hits.append(e)
            last_hit = e[0]
        last_seen = e[0]
    return hits, last_seen if len(entries) >= budget else None


def expected_pages(query, world, user, status, limit, budget):
    """The documented pages for `user`: [(hit ids, next_cursor given)], hit id = (session, seq or None).
    Title hits first, then turn hits, each newest first (the order the index holds them); a page walks
    title entries, then turn entries, at most `budget` (`max-search-scan`) of each, and ends early with a
    next_cursor when one walk used up its budget (entries of sessions the caller may not see, of another
    status, and turns no longer live count too)."""
    titles, turns = index_entries(query, world)
    keys = {"titles": [-e[0] for e in titles], "turns": [-e[0] for e in turns]}

    def below(kind, mark):
        """The entries of `kind` below the index position `mark` (the lists are newest first)."""
        entries = titles if kind == "titles" else turns
        return entries[bisect.bisect_right(keys[kind], -mark):]
    def title_hit(e):
        return visible(e[1], user, status)
    def turn_hit(e):
        return visible(e[1], user, status) and e[2]["live"]
    def hid(e):
        return (e[1]["id"], e[2]["seq"] if e[2] else None)
    pages, cursor = [], ("titles", float("inf"))
    while len(pages) < 10_000:
        page = []
        turns_below = float("inf")
        if cursor[0] == "titles":
            page, nxt = walk(below("titles", cursor[1]), limit, budget, title_hit)
            if nxt is not None:
                pages.append(([hid(e) for e in page], True))
                cursor = ("titles", nxt)
                continue
        else:
            turns_below = cursor[1]
        hits, nxt = walk(below("turns", turns_below), limit - len(page), budget, turn_hit)
        pages.append(([hid(e) for e in page + hits], nxt is not None))
        if nxt is None:
            return pages
        cursor = ("turns", nxt)
    return pages


def positive_terms(query):
    """The terms a snippet may mark."""
    return [t for op, t in parse(query) if op != "NOT"]
