"""Shared state, members and contributions, checkpoints, branches, templates, export and import."""

import uuid


from wire import (CHECKPOINT, CONFLICT, CONTRIBUTION, EVENT_BASE, MEMBER, ROW, SESSION, TEMPLATE, Conn, check,
                  new_id, shape)


def state(a):
    o = Conn(a.url, a.token)
    sid = new_id("st")
    o.ok("session.create", session=sid)
    o.ok("session.join", session=sid)
    o.drain()
    put = o.ok("state.put", session=sid, key="plan", value={"owner": "bob", "steps": ["draft"]}, base=0)
    shape(put, ({"outcome", "row", "eseq"}, set()), "state.put applied result")
    shape(put["row"], ROW, "state.put's row")
    check(put["outcome"] == "applied" and put["row"]["version"] == 1, "applied: version base+1", put)
    ev = o.durable()
    shape(ev, (EVENT_BASE | ROW[0] | {"merged"}, set()), "state event")
    check(ev.get("merged") is False, "applied state event: merged false", ev)
    o.ok("state.put", session=sid, key="plan", value={"owner": "bob", "steps": ["draft", "review"]}, base=1)
    merged = o.ok("state.put", session=sid, key="plan", value={"owner": "carol", "steps": ["draft"]}, base=1)
    check(merged["outcome"] == "merged" and merged["row"]["value"] == {"owner": "carol", "steps": ["draft", "review"]}
          and merged["row"]["version"] == 3, "a clean three-way merge", merged)
    o.drain()
    conflict = o.ok("state.put", session=sid, key="plan", value={"due": "friday", "owner": "dave", "steps": ["draft"]}, base=1)
    shape(conflict, ({"outcome", "conflicts"}, {"current", "merged"}), "state.put conflict result")
    check(conflict["outcome"] == "conflict" and conflict["conflicts"] == [{"base": "bob", "current": "carol", "path": "/owner", "proposed": "dave"}],
          "a conflict names path and sides", conflict)
    check(conflict.get("merged") == {"due": "friday", "owner": "carol", "steps": ["draft", "review"]},
          "merged: the rest merged, current's side at the conflict", conflict)
    # Resolving as the doc says: set the path in `merged` to the chosen side, put on current's version.
    mine = o.ok("state.put", session=sid, key="plan", value={**conflict["merged"], "owner": "dave"}, base=conflict["current"]["version"])
    check(mine["outcome"] == "applied" and mine["row"]["value"] == {"due": "friday", "owner": "dave", "steps": ["draft", "review"]},
          "a conflict resolved from merged keeps the other side's changes", mine)
    for x in conflict["conflicts"]:
        shape(x, CONFLICT, "merge conflict")
    o.err("state.put", "invalid_argument", "a base newer than current", field="base", session=sid, key="plan", value=1, base=9)
    o.err("state.put", "invalid_argument", "a missing value", field="value", session=sid, key="k", base=0)
    both = o.ok("state.put", session=sid, key="plan", value="text", base=0)
    check(both["outcome"] == "conflict" and all("base" not in x for x in both["conflicts"]), "base 0 on an existing row: no base side", both)
    check("merged" not in both, "merged left out when it is current's value (a whole-value conflict)", both)
    nul = o.ok("state.put", session=sid, key="n", value=None, base=0)
    check(nul["outcome"] == "applied" and nul["row"]["value"] is None, "a null value is a value", nul)
    o.err("state.put", "too_large", "a 257-byte key", session=sid, key="k" * 257, value=1, base=0)
    o.err("state.put", "invalid_argument", "an empty key", field="key", session=sid, key="", value=1, base=0)
    o.ok("state.put", session=sid, key="caf\u00e9", value=1, base=0)
    o.err("state.put", "invalid_argument", "a new key that respells another in NFD", session=sid, key="cafe\u0301", value=1, base=0)
    for k in ("a", "b", "c"):
        o.ok("state.put", session=sid, key=k, value=k, base=0)
    g = o.ok("state.get", session=sid, key="plan")
    shape(g, ({"rows", "more"}, set()), "state.get result")
    check(len(g["rows"]) == 1 and g["more"] is False, "state.get one key", g)
    g = o.ok("state.get", session=sid, key="none")
    check(g == {"more": False, "rows": []}, "state.get of a missing key: empty", g)
    g = o.ok("state.get", session=sid, limit=2)
    check([r["key"] for r in g["rows"]] == ["a", "b"] and g["more"] is True, "state.get pages in key order", g)
    g = o.ok("state.get", session=sid, after="b")
    check([r["key"] for r in g["rows"]] == ["c", "caf\u00e9", "n", "plan"] and g["more"] is False, "state.get after continues", g)
    o.err("state.get", "invalid_argument", "after with key", session=sid, key="a", after="a")
    o.err("state.get", "invalid_argument", "limit with key", session=sid, key="a", limit=1)
    j = Conn(a.url, a.token)
    jr = j.ok("session.join", session=sid, state=True)
    check([r["key"] for r in jr["state"]][:2] == ["a", "b"] and jr["state_more"] is False, "join state rows by key", jr)
    j.close()
    text_conflict(o)
    o.close()


def text_conflict(o):
    """state.put's text example: a text conflict lists the regions that conflicted as [first, count]
    of base, current and proposed; the region that merged (current's line 0) is not listed; a
    branch.merge conflict on the same texts carries the same lines."""
    sid = new_id("tx")
    o.ok("session.create", session=sid)
    base, cur, prop = ("goal: ship\n\nowner: bob\ndue: friday\n", "goal: ship 2.0\n\nowner: carol\nreviewer: erin\ndue: friday\n",
                       "goal: ship\n\nowner: dave\ndue: friday\n")
    want = [{"base": base, "current": cur, "lines": [{"base": [2, 1], "current": [2, 2], "proposed": [2, 1]}], "path": "",
             "proposed": prop}]
    o.ok("state.put", session=sid, key="notes", value=base, base=0)
    o.ok("state.put", session=sid, key="notes", value=cur, base=1)
    r = o.ok("state.put", session=sid, key="notes", value=prop, base=1)
    check(r.get("outcome") == "conflict" and r["conflicts"] == want and "merged" not in r,
          "a text conflict lists the lines that conflicted (the documented example)", r)
    shape(r["conflicts"][0], CONFLICT, "text merge conflict")
    branch = o.ok("branch.create", session=sid)["session"]["id"]
    forked = o.ok("state.get", session=branch, key="notes")["rows"][0]
    o.ok("state.put", session=branch, key="notes", value=prop, base=forked["version"])
    o.ok("state.put", session=sid, key="notes", value=base, base=2)
    m = o.ok("branch.merge", session=branch)
    # The fork point holds current's text; the parent went back to base's, the branch wrote proposed's:
    # line 0 both changed alike (merged), line 2 (and 3 at the fork) each differently.
    check(forked["value"] == cur and m["merged"] is False and m["conflicts"] == [{"key": "notes", "conflicts": [
        {"base": cur, "current": base, "lines": [{"base": [2, 2], "current": [2, 1], "proposed": [2, 1]}], "path": "",
         "proposed": prop}]}], "a branch.merge text conflict carries lines too", m)
    o.ok("branch.discard", session=branch)


def members_and_contributions(a):
    o = Conn(a.url, a.token)
    b = Conn(a.url, a.bob)
    sid = new_id("mb")
    o.ok("session.create", session=sid)
    o.ok("session.join", session=sid)
    o.ok("member.add", session=sid, user="bob", role="admin")
    o.err("member.add", "already_exists", "adding a member twice", session=sid, user="bob", role="read")
    o.err("member.add", "not_found", "adding a user that does not exist", session=sid, user="nobody-" + uuid.uuid4().hex[:6], role="read")
    o.err("member.add", "invalid_argument", "an unknown role", field="role", session=sid, user="carol", role="boss")
    o.err("member.set_role", "not_found", "set_role of a non-member", session=sid, user="carol", role="read")
    b.err("member.add", "forbidden", "an admin granting owner", session=sid, user="carol", role="owner")
    o.drain()
    b.ok("member.add", session=sid, user="carol", role="comment")
    ev = o.durable()
    check(ev == {"by": "bob", "eseq": ev.get("eseq"), "event": "member", "role": "comment", "session": sid, "user": "carol"},
          "member event", ev)
    ml = o.ok("member.list", session=sid)
    shape(ml, ({"members", "more"}, set()), "member.list result")
    check([(x["user"], x["role"]) for x in ml["members"]] == [("bob", "admin"), ("carol", "comment"), ("owner", "owner")]
          and ml["more"] is False, "member.list: by user id, more false on the last page", ml)
    for x in ml["members"]:
        shape(x, MEMBER, "member.list's member")
    check([x["online"] for x in ml["members"]] == [False, False, True], "member.list online = joined", ml)
    member_pages(o, sid)
    sr = o.ok("member.set_role", session=sid, user="carol", role="write")
    check(sr["member"]["role"] == "write", "member.set_role", sr)
    o.err("member.set_role", "conflict", "demoting the last owner", session=sid, user="owner", role="admin")
    o.err("member.remove", "conflict", "removing the last owner", session=sid, user="owner")
    o.drain()
    rm = o.ok("member.remove", session=sid, user="carol")
    check(set(rm) == {"eseq"}, "member.remove -> {eseq}", rm)
    ev = o.durable()
    check(ev == {"by": "owner", "eseq": rm["eseq"], "event": "member", "removed": True, "session": sid, "user": "carol"},
          "member removed event", ev)
    o.err("member.remove", "not_found", "removing a non-member", session=sid, user="carol")
    o.ok("turn.post", session=sid, content="one", tokens={"input": 3, "output": 4})
    co = o.ok("contributions", session=sid)
    for x in co["contributions"]:
        shape(x, CONTRIBUTION, "contribution")
    mine = [x for x in co["contributions"] if x["user"] == "owner"]
    check(mine and mine[0]["turns"] == 1 and mine[0]["tokens"] == {"input": 3, "output": 4}, "contributions count turns and tokens", co)
    co = o.ok("contributions", user="owner")
    check(any(x["session"] == sid for x in co["contributions"]), "contributions per user", co)
    # Token counts: each at most 2^48 a turn, and a total stops there (an export still imports).
    o.err("turn.post", "invalid_argument", "tokens over 2^48", field="tokens.input", session=sid, content="x",
          tokens={"input": 2**48 + 1})
    o.err("turn.post", "invalid_argument", "tokens of Int64.max", field="tokens.output", session=sid, content="x",
          tokens={"output": 2**63 - 1})
    for _ in range(2):
        o.ok("turn.post", session=sid, content="big", tokens={"input": 2**48})
    mine = o.ok("contributions", session=sid, user="owner")["contributions"]
    check(mine and mine[0]["tokens"] == {"input": 2**48, "output": 4}, "a token total stops at 2^48", mine)
    o.err("contributions", "forbidden", "another user's contributions without session", field="user", user="bob")
    one = o.ok("contributions", session=sid, user="bob")
    check(one == {"contributions": [], "more": False}, "a member who has done nothing has no contributions row", one)
    check(len(co["contributions"]) >= 1, "contributions per user", co)
    b.ok("comment.add", session=sid, seq=1, text="counted")
    o.ok("member.remove", session=sid, user="bob")
    rows = o.ok("contributions", session=sid)["contributions"]
    check([(x["user"], x["comments"]) for x in rows] == [("bob", 1), ("owner", 0)],
          "a session's rows by user id, a removed member's kept", rows)
    own = b.ok("contributions", user="bob")["contributions"]
    check(sid not in [x["session"] for x in own], "a user's own rows: only sessions they are still in", own)
    o.err("contributions", "invalid_argument", "contributions with neither", )
    contribution_pages(o, b, sid)
    o.close()
    b.close()


def member_pages(o, sid):
    """member.list pages: after (a user id, member or not), limit (1-1000), more."""
    p1 = o.ok("member.list", session=sid, limit=2)
    check([x["user"] for x in p1["members"]] == ["bob", "carol"] and p1["more"] is True, "member.list limit: a page and more", p1)
    p2 = o.ok("member.list", session=sid, after="carol", limit=2)
    check([x["user"] for x in p2["members"]] == ["owner"] and p2["more"] is False, "member.list after the last user of the page before", p2)
    gap = o.ok("member.list", session=sid, after="bz", limit=1)
    check([x["user"] for x in gap["members"]] == ["carol"] and gap["more"] is True, "member.list after a user id that is no member", gap)
    end = o.ok("member.list", session=sid, after="~")
    check(end == {"members": [], "more": False}, "member.list after the last member: empty, more false", end)
    o.err("member.list", "invalid_argument", "limit 0", field="limit", session=sid, limit=0)
    o.err("member.list", "invalid_argument", "limit 1001", field="limit", session=sid, limit=1001)


def contribution_pages(o, b, sid):
    """contributions pages: a session's by user id, a user's in session creation order (after a session id)."""
    o.ok("member.add", session=sid, user="bob", role="write")
    b.ok("turn.post", session=sid, content="bob again")
    p1 = o.ok("contributions", session=sid, limit=1)
    check([x["user"] for x in p1["contributions"]] == ["bob"] and p1["more"] is True, "contributions of a session: limit 1, more", p1)
    p2 = o.ok("contributions", session=sid, after="bob", limit=1)
    check([x["user"] for x in p2["contributions"]] == ["owner"] and p2["more"] is False, "contributions of a session after a user id", p2)
    # Ids made in the reverse of their creation order: the user's list follows creation.
    made = [new_id("pz"), new_id("pm"), new_id("pa")]
    for s in made:
        o.ok("session.create", session=s)
        o.ok("turn.post", session=s, content="x")
    seen, after = [], None
    for _ in range(100):
        page = o.ok("contributions", user="owner", limit=1, **({"after": after} if after else {}))
        shape(page, ({"contributions", "more"}, set()), "contributions result")
        seen += [x["session"] for x in page["contributions"]]
        if not page["more"]:
            break
        after = page["contributions"][-1]["session"]
    check(seen[-3:] == made and len(seen) == len(set(seen)), "a user's contributions page in session creation order, each once", seen)
    o.err("contributions", "not_found", "after a session the user has no row in", field="after", user="owner", after="no-such-" + uuid.uuid4().hex[:6])
    o.err("contributions", "invalid_argument", "limit 0", field="limit", user="owner", limit=0)


def checkpoints_branches_templates(a):
    o = Conn(a.url, a.token)
    sid = new_id("cp")
    o.ok("session.create", session=sid, metadata={"team": "core"})
    o.ok("turn.post", session=sid, content="t1")
    o.ok("state.put", session=sid, key="plan", value={"owner": "bob"}, base=0)
    cp = o.ok("checkpoint.save", session=sid, name="before")
    shape(cp, ({"checkpoint"}, set()), "checkpoint.save result")
    shape(cp["checkpoint"], CHECKPOINT, "checkpoint")
    check(cp["checkpoint"]["row_count"] == 1 and cp["checkpoint"]["seq"] == 1, "checkpoint row_count and seq", cp)
    o.err("checkpoint.save", "already_exists", "a taken checkpoint name", session=sid, name="before")
    o.ok("turn.post", session=sid, content="t2")
    o.ok("checkpoint.save", session=sid, name="second")
    cl = o.ok("checkpoint.list", session=sid, limit=1)
    check([x["name"] for x in cl["checkpoints"]] == ["before"] and cl["more"] is True, "checkpoint.list pages oldest first", cl)
    cl = o.ok("checkpoint.list", session=sid, after="before")
    check([x["name"] for x in cl["checkpoints"]] == ["second"] and cl["more"] is False, "checkpoint.list after", cl)
    o.err("checkpoint.list", "not_found", "after naming no checkpoint", session=sid, after="nope")
    cg = o.ok("checkpoint.get", session=sid, name="before")
    check(cg == {"more": False, "rows": [{"key": "plan", "version": 1}]}, "checkpoint.get map", cg)
    o.err("checkpoint.get", "not_found", "an unknown checkpoint", session=sid, name="nope")
    o.ok("state.put", session=sid, key="aa", value=1, base=0)
    o.ok("checkpoint.save", session=sid, name="two-rows")
    cg = o.ok("checkpoint.get", session=sid, name="two-rows", limit=1)
    check(cg == {"more": True, "rows": [{"key": "aa", "version": 1}]}, "checkpoint.get pages by key", cg)
    cg = o.ok("checkpoint.get", session=sid, name="two-rows", after="aa")
    check(cg == {"more": False, "rows": [{"key": "plan", "version": 1}]}, "checkpoint.get after", cg)
    o.ok("state.put", session=sid, key="plan", value={"owner": "carol"}, base=1)
    o.ok("state.put", session=sid, key="later", value=1, base=0)
    o.ok("session.join", session=sid)
    o.drain()
    r = o.ok("checkpoint.restore", session=sid, name="before")
    shape(r, ({"checkpoint", "eseq"}, set()), "checkpoint.restore result")
    evs = [o.durable()]
    while evs[-1]["eseq"] < r["eseq"]:
        evs.append(o.durable())
    check(evs[0]["event"] == "session" and evs[0]["change"] == "restored" and evs[0].get("detail") == "before",
          "session event: restored, detail = name", evs[0])
    states = {e["key"]: e["value"] for e in evs[1:] if e["event"] == "state"}
    check(states == {"plan": {"owner": "bob"}, "later": None, "aa": None}, "restore: a state per changed row, new ones null", evs)
    check(evs[-1]["eseq"] == r["eseq"], "restore's eseq is the last of its events", (r, evs))
    h = o.ok("history", session=sid, last=10, include_undone=True)
    check([x.get("state") for x in h["turns"]] == [None, "rewound"], "a restored-away turn is rewound", h)
    o.err("checkpoint.restore", "not_found", "restoring an unknown checkpoint", session=sid, name="nope")
    o.err("checkpoint.restore", "stale_checkpoint", "restoring a checkpoint whose turn was rewound", session=sid, name="second")
    # branches
    o.ok("turn.post", session=sid, content="t3")
    br = o.ok("branch.create", session=sid, at=1, title="Try plan B", branch=sid + "-b")
    shape(br["session"], SESSION, "branch.create's session")
    check(br["session"].get("parent") == {"seq": 1, "session": sid} and br["session"]["head_seq"] == 1
          and br["session"]["head_eseq"] > 0, "branch: parent, head_seq, head_eseq above 0", br)
    bid = br["session"]["id"]
    o.err("branch.create", "already_exists", "a taken branch id", session=sid, branch=bid)
    lst = o.ok("session.list", parent=sid)
    check([x["id"] for x in lst["sessions"]] == [bid], "session.list parent lists branches", lst)
    o.ok("turn.post", session=bid, content="on branch")
    o.ok("state.put", session=bid, key="plan", value={"owner": "erin"}, base=1)
    m = o.ok("branch.merge", session=bid)
    shape(m, ({"merged", "rows", "rows_total", "conflicts"}, {"first_seq", "last_seq", "conflicts_more"}), "branch.merge result")
    check(m["merged"] is True and m["first_seq"] == 4 and m["last_seq"] == 4 and m["rows"] == ["plan"] and m["rows_total"] == 1,
          "branch merged", m)
    o.err("branch.merge", "conflict", "merging a merged branch", session=bid)
    o.err("branch.merge", "conflict", "merging a session that is no branch", session=sid)
    b2 = o.ok("branch.create", session=sid)["session"]["id"]
    version = o.ok("state.get", session=sid, key="plan")["rows"][0]["version"]
    check(o.ok("state.put", session=b2, key="plan", value={"owner": "x1"}, base=version)["outcome"] == "applied", "a write on the branch")
    check(o.ok("state.put", session=sid, key="plan", value={"owner": "x2"}, base=version)["outcome"] == "applied", "a write on the parent")
    m = o.ok("branch.merge", session=b2)
    check(m["merged"] is False and m["rows"] == [] and m["rows_total"] == 0 and "first_seq" not in m and m["conflicts"]
          and set(m["conflicts"][0]) == {"key", "conflicts"}, "a conflicted merge writes nothing", m)
    check("conflicts_more" not in m, "conflicts_more is absent when every conflict is listed", m)
    # a branch of the discarded branch loses its parent with a `session` event `unparented`
    b3 = o.ok("branch.create", session=b2)["session"]["id"]
    f = Conn(a.url, a.token)
    head = f.ok("session.join", session=b3)["head_eseq"]
    f.drain()
    d = o.ok("branch.discard", session=b2)
    check(d == {}, "branch.discard -> {}", d)
    ev = f.durable()
    shape(ev, (EVENT_BASE | {"change", "info", "by", "detail"}, set()), "unparented event")
    check(ev["change"] == "unparented" and ev["detail"] == b2 and ev["eseq"] == head + 1 and "parent" not in ev["info"]
          and ev["info"]["head_eseq"] == head + 1, "the branch of a discarded branch: session event unparented", ev)
    f.close()
    o.err("branch.discard", "not_found", "discarding a discarded branch", session=b2)
    # templates
    name = "retro-" + uuid.uuid4().hex[:6]
    tp = o.ok("template.save", session=sid, name=name)
    shape(tp["template"], TEMPLATE, "template")
    o.err("template.save", "already_exists", "a taken template name", session=sid, name=name)
    tl = o.ok("template.list", limit=1)
    shape(tl, ({"templates", "more"}, set()), "template.list result")
    ts = o.ok("template.create_session", template=name, title="From template", session=new_id("tpl"))
    check(ts["session"]["metadata"] == {"team": "core"} and ts["session"]["role"] == "owner", "template.create_session", ts)
    o.err("template.create_session", "not_found", "an unknown template", template="nope-" + uuid.uuid4().hex[:6])
    # export / import
    doc = o.ok("session.export", session=sid)["document"]
    check(doc.get("format") == "tandem.session", "export document format", list(doc)[:20])
    newest = o.ok("session.list", limit=1)["sessions"][0]["updated"]
    imp = o.ok("session.import", document=doc, session=new_id("imp"))
    shape(imp["session"], SESSION, "session.import's session")
    check(imp["session"]["owner"] == "owner" and "parent" not in imp["session"], "import: caller owns it, no branch", imp)
    check(imp["session"]["created"] == doc["session"]["created_at"] and imp["session"]["updated"] >= newest,
          "import: created is the document's, updated the import's time", imp)
    polled = o.ok("session.list", updated_since=newest, limit=1000)
    check(imp["session"]["id"] in [x["id"] for x in polled["sessions"]], "a poller's updated_since finds an import", polled)
    o.err("session.import", "already_exists", "importing under a taken id", session=sid, document=doc)
    o.err("session.import", "invalid_argument", "a document that is not one", document={"format": "x"})
    o.close()


def misc(a):
    o = Conn(a.url, a.token)
    sid = new_id("mi")
    made = o.ok("session.create", session=sid)["session"]
    t = o.ok("turn.post", session=sid, content="x", metadata={}, tokens={"input": 0, "output": 0})["turn"]
    check("metadata" not in t and "tokens" not in t, "empty metadata and zero tokens are left off a turn", t)
    t = o.ok("turn.post", session=sid, content="y", tokens={"input": 1, "output": 0})["turn"]
    check(t.get("tokens") == {"input": 1, "output": 0}, "tokens present when one is non-zero", t)
    o.ok("member.add", session=sid, user="carol", role="read")
    lst = o.ok("session.list", member="carol", limit=1000)
    check(sid in [x["id"] for x in lst["sessions"]], "session.list member filter", lst)
    since = o.ok("session.list", updated_since=made["updated"] + 10 ** 9)
    check(since["sessions"] == [], "session.list updated_since in the future: none", since)
    o.ok("session.pause", session=sid)
    lst = o.ok("session.list", status="paused", limit=1000)
    check(sid in [x["id"] for x in lst["sessions"]] and all(x["status"] == "paused" for x in lst["sessions"]), "session.list status filter", lst)
    o.err("session.list", "invalid_argument", "an unknown status", field="status", status="sleeping")
    o.ok("session.resume", session=sid)
    h = o.ok("history", session=sid, **{"from": 1, "to": 2}, limit=1)
    check([x["seq"] for x in h["turns"]] == [1] and h["more"] is True, "history from/to cut by limit: more", h)
    j = o.ok("session.join", session=sid, created=made["created"] + 1)
    check(j["head_seq"] == 2, "join with created but without since is not checked", j)
    o.ok("comment.add", session=sid, seq=1, text="a")
    o.ok("comment.add", session=sid, seq=2, text="b")
    cl = o.ok("comment.list", session=sid)
    check([x["seq"] for x in cl["comments"]] == [1, 2], "comment.list without seq lists all", cl)
    # import renames authors
    b = Conn(a.url, a.bob)
    o.ok("member.add", session=sid, user="bob", role="write")
    b.ok("turn.post", session=sid, content="bob wrote")
    doc = o.ok("session.export", session=sid)["document"]
    imp = b.ok("session.import", document=doc, session=new_id("imp"))["session"]
    check(imp["owner"] == "bob", "an import is owned by the caller", imp)
    turns = b.ok("history", session=imp["id"])["turns"]
    check([x["author"] for x in turns] == ["owner@import", "owner@import", "bob"], "imported authors other than the caller are USER@import", turns)
    mem = b.ok("member.list", session=imp["id"])["members"]
    check([x["user"] for x in mem] == ["bob"], "the importer is the import's only member", mem)
    o.err("session.import", "already_exists", "an import without session under the document's own id", document=doc)
    b.close()
    o.close()
