"""A reference model of session.search's matching, written from docs/protocol.md: words split at spaces
and punctuation (Unicode letters and digits; case and accents folded); a query of words (every one must
match), "phrases" (the words in a row), prefix* (a word starting so), AND, OR, NOT and -word (operators in
capitals only; "or" is a plain word). A document is a session's title or one live turn's content.
Operators bind as documented: NOT (and -word) tightest, then AND (written or not), then OR. Hits are ordered as documented: title matches first, newest session first,
then turns newest first (`created`; ties in any order)."""
import re
import unicodedata

WORD = re.compile(r"[^\W_]+")


def fold(text):
    """Case and accents folded: NFD without combining marks, lower case."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def words(text):
    return WORD.findall(fold(text))


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
        elif p.endswith("*"):
            term = ("prefix", fold(p[:-1]))
        else:
            term = ("word", words(p)[0])
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


def expected_hits(query, sessions, user, status=None):
    """The documented hits for `user`: [(order key, hit id)], hit id = (session, seq or None)."""
    titles, turns = [], []
    for s in sessions.values():
        if user not in s["members"] or (status and s["status"] != status):
            continue
        if s["title"] and matches(query, s["title"]):
            titles.append(((0, -s["created"]), (s["id"], None)))
        for t in s["turns"]:
            if t["live"] and matches(query, t["content"]):
                turns.append(((1, -t["created"]), (s["id"], t["seq"])))
    return titles + turns


def positive_terms(query):
    """The terms a snippet may mark."""
    return [t for op, t in parse(query) if op != "NOT"]
