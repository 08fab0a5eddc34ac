"""A reference model of tandem.v1 sessions, written from docs/protocol.md (and docs/store.md where the
protocol is silent): turns, history, undo/clear, rows with a three-way merge of flat objects,
comments, contributions, checkpoints, branches and their merges. It is a second derivation of every
answer, kept naive on purpose (lists scanned, nothing indexed or stepped), so that where the server's
derived answers (counts, pages, staleness, what a fork or merge carries) disagree with the document,
one of them is wrong. It knows no times or ids: those it takes from the server (ANY) once matched."""
import copy
import json

ANY = "<any>"  # a value the model cannot predict (a server timestamp); matches anything present
ABSENT = object()
NOBASE = object()  # base 0: no base value at all (not even an absent one)

ROLES = ["read", "comment", "write", "admin", "owner"]


def rank(role):
    return ROLES.index(role)


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def same(a, b):
    if a is ABSENT or b is ABSENT:
        return a is b
    return canon(a) == canon(b)


def merge3(base, cur, prop, path=""):
    """Three-way merge: objects key by key, anything else as a whole. Returns (value, conflicts); with
    conflicts, the value keeps current's side at each (what a conflict answer's `merged` holds)."""
    if same(cur, prop):
        return cur, []
    if base is not NOBASE:
        if same(prop, base):
            return cur, []
        if same(cur, base):
            return prop, []
    if isinstance(cur, dict) and isinstance(prop, dict) and (base is NOBASE or isinstance(base, dict)):
        b = base if isinstance(base, dict) else {}
        out, conflicts = {}, []
        for k in sorted(set(cur) | set(prop) | set(b)):
            v, cs = merge3(b.get(k, ABSENT), cur.get(k, ABSENT), prop.get(k, ABSENT), path + "/" + k)
            conflicts += cs
            if v is not ABSENT:
                out[k] = v
        return out, conflicts
    c = {"path": path}
    if base is not ABSENT and base is not NOBASE:
        c["base"] = base
    if cur is not ABSENT:
        c["current"] = cur
    if prop is not ABSENT:
        c["proposed"] = prop
    return cur, [c]


def zero_counts():
    return {"turns": 0, "tokens_in": 0, "tokens_out": 0, "comments": 0, "row_writes": 0, "merges": 0,
            "conflicts": 0, "undos": 0}


class Turn:
    def __init__(self, seq, author, role, content, metadata, tokens, created, nonce, eseq):
        self.seq, self.author, self.role, self.content = seq, author, role, content
        self.metadata, self.tokens, self.created, self.nonce = metadata, tokens, created, nonce
        self.state = "live"
        self.eseq = eseq  # the change-log seq of its append

    def wire(self, with_state=True):
        d = {"seq": self.seq, "author": self.author, "role": self.role, "content": self.content,
             "created": self.created}
        if self.metadata:
            d["metadata"] = self.metadata
        if self.tokens and (self.tokens["input"] or self.tokens["output"]):
            d["tokens"] = self.tokens
        if self.nonce is not None:
            d["nonce"] = self.nonce
        if with_state and self.state != "live":
            d["undone"] = True
            d["state"] = self.state
        return d


class Session:
    def __init__(self, sid, owner, title, metadata, created):
        self.id, self.owner, self.title, self.metadata = sid, owner, title, metadata
        self.status = "active"
        self.created = created
        self.updated = created
        self.parent = None  # {"session", "seq"}
        self.members = {owner: "owner"}
        self.removed = set()  # users removed from it: `forbidden` for them while they are no member
        self.turns = []  # index seq-1
        self.rows = {}  # key -> {version, value, author, updated, merged}
        self.row_history = {}  # key -> [(version, value, author, updated, merged, eseq)]
        self.comments = []  # {id, seq, author, text, created}
        self.head_eseq = 0
        self.events = []  # expected durable events, index eseq-1
        self.contrib = {}  # user -> counts
        self.checkpoints = []  # dicts, save order
        self.retirement_log = []  # (eseq, set of seqs retired) for staleness
        # branch bookkeeping
        self.fork_seq = None
        self.fork_rows = None  # key -> version at the fork
        self.fork_eseq = None  # branch's own head right after the fork
        self.branch_open = False
        self.fork_parent_eseq = None

    def lose_parent(self, now, by):
        """Its parent deleted, discarded or purged by `by` (at or before `now`, ms): no parent, an orphan if it
        was open, a new `updated` (the delete's time stamp, between its last one and `now`) and a `session`
        event `unparented` naming the parent in `detail`."""
        gone = self.parent["session"]
        self.parent = None
        self.orphan = self.branch_open
        self.branch_open = False
        lo = self.updated_window[0] if self.updated is ANY else self.updated
        self.updated, self.updated_window = ANY, (lo, now)
        self.emit({"event": "session", "change": "unparented", "by": by, "detail": gone, "info": ANY})
        self.events[-1]["info"] = self.info()

    # --- derived -------------------------------------------------------------------------------
    @property
    def head_seq(self):
        return len(self.turns)

    def live(self):
        return [t for t in self.turns if t.state == "live"]

    def info(self, role=None):
        d = {"id": self.id, "title": self.title, "owner": self.owner, "status": self.status,
             "metadata": self.metadata, "created": self.created, "updated": self.updated,
             "head_seq": self.head_seq, "head_eseq": self.head_eseq}
        if self.parent:
            d["parent"] = dict(self.parent)
        if role:
            d["role"] = role
        return d

    def count(self, user, **delta):
        c = self.contrib.setdefault(user, zero_counts())
        for k, v in delta.items():
            c[k] += v

    def contributions(self):
        out = []
        for user in sorted(self.contrib):
            c = self.contrib[user]
            out.append({"session": self.id, "user": user, "turns": c["turns"],
                        "tokens": {"input": c["tokens_in"], "output": c["tokens_out"]}, "comments": c["comments"],
                        "row_writes": c["row_writes"], "merges": c["merges"], "conflicts": c["conflicts"],
                        "undos": c["undos"]})
        return out

    def emit(self, ev):
        self.head_eseq += 1
        ev = dict(ev)
        ev["eseq"] = self.head_eseq
        ev["session"] = self.id
        self.events.append(ev)
        return self.head_eseq

    # --- turns ---------------------------------------------------------------------------------
    def post(self, author, role, content, metadata, tokens, created, nonce):
        seq = self.head_seq + 1
        t = Turn(seq, author, role, content, metadata, tokens, created, nonce, self.head_eseq + 1)
        self.turns.append(t)
        ev = {"event": "turn", **t.wire(False)}
        self.emit(ev)
        self.count(author, turns=1, tokens_in=tokens["input"] if tokens else 0,
                   tokens_out=tokens["output"] if tokens else 0)
        return t

    def undo(self, actor):
        last = self.live()[-1]
        last.state = "undone"
        self.emit({"event": "turn.undone", "seq": last.seq, "by": actor})
        self.count(actor, undos=1)
        return last

    def retire(self, seqs):
        self.retirement_log.append((self.head_eseq, set(seqs)))
        for cp in self.checkpoints:
            if any(s <= cp["seq"] for s in seqs):
                cp["stale"] = True

    def clear(self, actor):
        live = self.live()
        if not live:
            return 0
        for t in live:
            t.state = "cleared"
        self.retire([t.seq for t in live])
        self.emit({"event": "session", "change": "cleared", "by": actor, "info": ANY})
        return self.head_seq

    # --- rows ----------------------------------------------------------------------------------
    def store_row(self, key, value, author, updated, merged, counted=True):
        version = (self.rows[key]["version"] if key in self.rows else 0) + 1
        self.rows[key] = {"key": key, "version": version, "value": value, "author": author, "updated": updated,
                          "merged": merged}
        eseq = self.emit({"event": "state", "key": key, "version": version, "value": value, "author": author,
                          "updated": updated, "merged": merged})
        self.row_history.setdefault(key, []).append((version, value, author, updated, merged, eseq))
        if counted:
            self.count(author, row_writes=1, merges=1 if merged else 0)
        return self.rows[key]

    def version_value(self, key, version):
        for (v, value, *_rest) in self.row_history.get(key, []):
            if v == version:
                return value
        raise KeyError((key, version))

    def plan_put(self, key, value, base):
        """('applied'|'merged', value) or ('conflict', {conflicts, merged}); raises ValueError for a bad base."""
        cur = self.rows.get(key)
        curv = cur["version"] if cur else 0
        if base > curv:
            raise ValueError("base")
        if base == curv:
            return "applied", value
        b = self.version_value(key, base) if base > 0 else NOBASE
        merged, conflicts = merge3(b, cur["value"], value)
        if conflicts:
            # `merged` is left out when it is current's value.
            return "conflict", {"conflicts": conflicts, **({} if same(merged, cur["value"]) else {"merged": merged})}
        return "merged", merged

    def row_wire(self, key):
        r = self.rows[key]
        return {k: r[k] for k in ("key", "version", "value", "author", "updated")}

    # --- comments ------------------------------------------------------------------------------
    def add_comment(self, cid, seq, author, text, created, counted=True):
        c = {"id": cid, "seq": seq, "author": author, "text": text, "created": created}
        self.comments.append(c)
        self.emit({"event": "comment", "comment": c})
        if counted:
            self.count(author, comments=1)
        return c

    # --- checkpoints ---------------------------------------------------------------------------
    def save_checkpoint(self, name, by, created):
        cp = {"name": name, "seq": self.head_seq, "by": by, "created": created,
              "rows": {k: r["version"] for k, r in self.rows.items()}, "stale": False}
        self.checkpoints.append(cp)
        return cp

    def checkpoint_wire(self, cp):
        return {"name": cp["name"], "seq": cp["seq"], "by": cp["by"], "created": cp["created"],
                "row_count": len(cp["rows"])}

    def restore(self, cp, actor, now):
        rewound = [t for t in self.turns if t.seq > cp["seq"] and t.state == "live"]
        for t in rewound:
            t.state = "rewound"
        if rewound:
            self.retire([t.seq for t in rewound])
        self.emit({"event": "session", "change": "restored", "by": actor, "detail": cp["name"], "info": ANY})
        for key in sorted(self.rows):
            r = self.rows[key]
            target = cp["rows"].get(key)
            if target == r["version"]:
                continue
            value = self.version_value(key, target) if target else None
            if same(value, r["value"]):
                continue
            self.store_row(key, value, actor, now, False, counted=False)


def fork(s, bid, at, title, created):
    """The branch `s` forks into at turn `at` (docs/protocol.md branch.create)."""
    b = Session(bid, s.owner, title, copy.deepcopy(s.metadata), created)
    b.parent = {"session": s.id, "seq": at}
    b.members = dict(s.members)
    for t in s.turns[:at]:
        c = copy.copy(t)
        b.turns.append(c)
        c.eseq = b.emit({"event": "turn", **c.wire(False)})
    mark = s.turns[at].eseq - 1 if at < s.head_seq else s.head_eseq
    for key in sorted(s.row_history):
        hist = [h for h in s.row_history[key] if h[5] <= mark]
        if not hist:
            continue
        v, value, author, updated, merged, _ = hist[-1]
        b.rows[key] = {"key": key, "version": v, "value": value, "author": author, "updated": updated, "merged": merged}
        b.row_history[key] = [(h[0], h[1], h[2], h[3], h[4], 0) for h in hist]
        b.emit({"event": "state", "key": key, "version": v, "value": value, "author": author, "updated": updated,
                "merged": merged})
    for c in s.comments:
        if c["seq"] <= at:
            b.add_comment(ANY, c["seq"], c["author"], c["text"], c["created"], counted=False)
    b.fork_seq = at
    b.fork_rows = {k: r["version"] for k, r in b.rows.items()}
    b.fork_eseq = b.head_eseq
    b.branch_open = True
    return b


def plan_merge(p, b):
    """('moved',) | ('conflicts', [...]) | ('ok', [(key, outcome, value, author)])."""
    for t in b.turns[:b.fork_seq]:
        if t.state == "live" and p.turns[t.seq - 1].state != "live":
            return ("moved",)
    changed = sorted({ev["key"] for ev in b.events[b.fork_eseq:] if ev["event"] == "state"})
    plans, conflicts = [], []
    for key in changed:
        row = b.rows[key]
        outcome, v = p.plan_put(key, row["value"], b.fork_rows.get(key, 0))
        if outcome == "conflict":
            conflicts.append({"key": key, "conflicts": v["conflicts"]})
        else:
            plans.append((key, outcome, v, row["author"]))
    if conflicts:
        return ("conflicts", conflicts)
    return ("ok", plans)


def apply_merge(p, b, plans, actor):
    """Appends the branch's new live turns (with their comments) and rows to `p`; returns (first, last)."""
    left = {}
    for key, outcome, value, author in plans:
        p.store_row(key, value, author, ANY, outcome == "merged")
        if author not in left:
            left[author] = b.contrib.get(author, {}).get("row_writes", 0)
        if left[author] > 0:
            b.count(author, row_writes=-1)
        left[author] = max(0, left[author] - 1)
    first = last = None
    for t in b.turns[b.fork_seq:]:
        if t.state != "live":
            continue
        nonce = t.nonce
        if nonce is not None and any(x.author == t.author and x.nonce == nonce for x in p.turns):
            nonce = None
        n = p.post(t.author, t.role, t.content, t.metadata, t.tokens, ANY, nonce)
        p.events[-1]["created"] = ANY
        b.count(t.author, turns=-1, tokens_in=-(t.tokens["input"] if t.tokens else 0),
                tokens_out=-(t.tokens["output"] if t.tokens else 0))
        first = first or n.seq
        last = n.seq
        for c in b.comments:
            if c["seq"] == t.seq:
                p.add_comment(ANY, n.seq, c["author"], c["text"], ANY)
                b.count(c["author"], comments=-1)
    return first, last
