"""A reference model of session.search's matching, written from docs/protocol.md: words split at spaces
and punctuation (Unicode letters and digits; case and accents folded); a query of words (every one must
match), "phrases" (the words in a row), prefix* (a word starting so), AND, OR, NOT and -word (operators in
capitals only; "or" is a plain word). A Han, kana or Hangul-syllable character is a word of its own, so a
query's run of them is a phrase (found in order and adjacent inside any longer run; `東京*` is `東京`); so is
a Thai, Lao, Khmer or Myanmar cluster (a letter with the combining marks after it, never folded away; a Thai
or Lao cluster's marks in one order, whatever order they were typed in), and
their digits are words as ASCII digits are; Tibetan syllables (between tsheg) are words, marks and all. A
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


# Thai, Lao, Tibetan, Myanmar (with extensions A, B), Khmer (with its symbols): kept as they are (no folding).
SEA = [(0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)]
# Combining marks of those blocks (Unicode 14 Mn and Mc), plus Thai and Lao SARA AM: part of the cluster before them.
MARKS = [(0x0E31, 0x0E31), (0x0E33, 0x0E3A), (0x0E47, 0x0E4E), (0x0EB1, 0x0EB1), (0x0EB3, 0x0EBC), (0x0EC8, 0x0ECD),
         (0x0F18, 0x0F19), (0x0F35, 0x0F35), (0x0F37, 0x0F37), (0x0F39, 0x0F39), (0x0F3E, 0x0F3F), (0x0F71, 0x0F84),
         (0x0F86, 0x0F87), (0x0F8D, 0x0F97), (0x0F99, 0x0FBC), (0x0FC6, 0x0FC6), (0x102B, 0x103E), (0x1056, 0x1059),
         (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D), (0x1071, 0x1074), (0x1082, 0x108D), (0x108F, 0x108F),
         (0x109A, 0x109D), (0xA9E5, 0xA9E5), (0xAA7B, 0xAA7D), (0x17B4, 0x17D3), (0x17DD, 0x17DD)]
# Letters that start a cluster: Thai, Lao, Myanmar, Khmer (Tibetan is not split: tsheg separates its syllables).
CLUSTERED = [(0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)]
# Their digits: words as ASCII digits are, not split.
DIGITS = [(0x0E50, 0x0E59), (0x0ED0, 0x0ED9), (0x1040, 0x1049), (0x1090, 0x1099), (0x17E0, 0x17E9), (0x17F0, 0x17F9),
          (0xA9F0, 0xA9F9)]


def _within(c, ranges):
    return any(lo <= ord(c) <= hi for lo, hi in ranges)


def is_mark(c):
    return _within(c, MARKS)


def is_unit(word):
    """A word that is one split unit: a CJK character, or a cluster (a letter and its marks)."""
    return bool(word) and (is_split(word[0]) or (_within(word[0], CLUSTERED) and not _within(word[0], DIGITS)
                                                 and not is_mark(word[0]))) and all(map(is_mark, word[1:]))


def fold_kept(text):
    """Folded, except CJK characters and the scripts of clusters and Tibetan, kept as they are (marks and all)."""
    return "".join(c if is_split(c) or _within(c, SEA) else fold(c) for c in text)


# docs/protocol.md's one order for a Thai or Lao cluster's marks: Lao subjoined LO, then a vowel above or
# below, then a tone mark (or thanthakhat, yamakkan, the Lao cancellation mark), then SARA AM; ties by code point.
RANKS = {0x0EBC: 0, 0x0E31: 1, 0x0E47: 1, 0x0E4D: 1, 0x0EB1: 1, 0x0ECD: 1, 0x0E4E: 2, 0x0E33: 3, 0x0EB3: 3}
RANKS.update({c: 1 for c in list(range(0x0E34, 0x0E3B)) + list(range(0x0EB4, 0x0EBC))})
RANKS.update({c: 2 for c in list(range(0x0E48, 0x0E4D)) + list(range(0x0EC8, 0x0ECD))})
# NIKHAHIT ... SARA AA (after the cluster's other marks) is SARA AM.
AM = {"\u0e32": ("\u0e4d", "\u0e33"), "\u0eb2": ("\u0ecd", "\u0eb3")}


def order_marks(text):
    """Each run of Thai and Lao marks in the one order, NIKHAHIT + SARA AA as SARA AM."""
    out, run = [], []
    for c in text + "\0":
        if ord(c) in RANKS:
            run.append(c)
        elif c in AM and AM[c][0] in run:
            run[run.index(AM[c][0])] = AM[c][1]
        else:
            out += sorted(run, key=lambda m: (RANKS[ord(m)], ord(m)))
            run = []
            out.append(c)
    return "".join(out[:-1])


def words(text):
    """Folded words; each CJK character and each cluster a word, as it is (no folding: が stays が, กิ กิ),
    its Thai or Lao marks in one order (ก่ี is กี่)."""
    chars = fold_kept(order_marks(text))
    out, cur, cur_unit = [], "", False
    for c in chars:
        mark = is_mark(c)
        token = mark or (c.isalnum() and c != "_")
        unit = token and not mark and is_unit(c)
        # A mark stays in the word before it; a unit starts a word, which the next non-mark ends.
        if cur and (not token or unit or (cur_unit and not mark)):
            out.append(cur)
            cur = ""
        if token:
            if not cur:
                cur_unit = unit
            cur += c
    return out + ([cur] if cur else [])


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
        elif p.endswith("*") and len(p) > 1 and not (words(p[:-1]) and is_unit(words(p[:-1])[-1])):
            term = ("prefix", fold_kept(order_marks(p[:-1])))
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
