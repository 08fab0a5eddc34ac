"""Sessions (create, list, search, update, lifecycle, delete) and the live stream of turns."""

import time
import uuid


from wire import COMMENT, EVENT_BASE, MEMBER, SESSION, TURN, Conn, check, new_id, shape


def sessions(a):
    c = Conn(a.url, a.token)
    team = uuid.uuid4().hex[:8]
    sid = new_id("s")
    made = c.ok("session.create", session=sid, title="Sprint retro", metadata={"team": team})
    shape(made["session"], SESSION, "session.create's session")
    s = made["session"]
    check(s["role"] == "owner" and s["owner"] == "owner" and s["head_seq"] == 0 and s["head_eseq"] == 0
          and s["status"] == "active" and s["created"] == s["updated"] and "parent" not in s,
          "session.create: owner, heads 0, active, no parent", s)
    c.err("session.create", "already_exists", "a taken id", session=sid)
    others = [c.ok("session.create", session=new_id("s"), metadata={"team": team})["session"]["id"] for _ in range(2)]
    # Most recently updated first; updated in the same millisecond, the session added later first (protocol.md).
    added = [sid, *others]
    listed = c.ok("session.list", metadata={"team": team}, limit=3)["sessions"]
    check([x["id"] for x in listed] == sorted(added, key=lambda i: (-next(x["updated"] for x in listed if x["id"] == i),
                                                                     -added.index(i))),
          "session.list: newest update first, ties the later added first", [(x["id"], x["updated"]) for x in listed])
    time.sleep(0.003)  # the update must land in a later millisecond than the creations to be ordered by it
    c.ok("session.update", session=others[0], title="touched")  # most recently updated first
    page = c.ok("session.list", metadata={"team": team}, limit=2)
    check(set(page) == {"sessions", "next_cursor"} and len(page["sessions"]) == 2, "session.list pages with next_cursor", page)
    check(page["sessions"][0]["id"] == others[0], "session.list: most recently updated first",
          [(x["id"], x["updated"]) for x in page["sessions"]])
    for x in page["sessions"]:
        shape(x, SESSION, "session.list's session")
    rest = c.ok("session.list", metadata={"team": team}, limit=2, cursor=page["next_cursor"])
    check("next_cursor" not in rest and len(rest["sessions"]) == 1, "the last page has no next_cursor", rest)
    ids = [x["id"] for x in page["sessions"] + rest["sessions"]]
    check(sorted(ids) == sorted([sid] + others), "pages hold each session once", ids)
    c.err("session.list", "invalid_argument", "limit 0", field="limit", limit=0)
    c.err("session.list", "invalid_argument", "limit 1001", field="limit", limit=1001)
    c.err("session.list", "invalid_argument", "a malformed cursor", field="cursor", cursor="garbage!")
    got = c.ok("session.get", session=sid)
    shape(got["session"], SESSION, "session.get's session")
    up = c.ok("session.update", session=sid, metadata={"team": team, "x": 1})
    check(up["session"]["metadata"] == {"team": team, "x": 1} and up["session"]["head_eseq"] == 1,
          "session.update replaces metadata and moves head_eseq", up)
    c.err("session.update", "invalid_argument", "neither title nor metadata", session=sid)
    c.ok("session.join", session=sid)
    c.ok("session.update", session=sid, title="T2")
    ev = c.durable()
    check(ev["event"] == "session" and ev["change"] == "updated" and ev["by"] == "owner" and "detail" not in ev,
          "session event: updated", ev)
    shape(ev, ({"event", "session", "eseq", "change", "info", "by"}, {"detail"}), "session event")
    shape(ev["info"], SESSION, "session event's info")
    check(ev["info"]["head_eseq"] == ev["eseq"], "session event info.head_eseq = its eseq", ev)
    paused = c.ok("session.pause", session=sid)["session"]
    check(paused["status"] == "paused", "session.pause", paused)
    ev = c.durable()
    check(ev["change"] == "status" and ev["info"]["status"] == "paused", "session event: status paused", ev)
    c.err("session.pause", "conflict", "pausing a paused session", session=sid)
    c.err("turn.post", "session_paused", "a post to a paused session", session=sid, content="x")
    c.err("state.put", "session_paused", "a state write to a paused session", session=sid, key="k", value=1, base=0)
    c.ok("session.update", session=sid, title="renamed while paused")
    c.ok("checkpoint.save", session=sid, name="while-paused")
    c.ok("session.resume", session=sid)
    c.err("session.resume", "conflict", "resuming an active session", session=sid)
    c.ok("turn.post", session=sid, content="before archive")
    c.ok("session.archive", session=sid)
    c.err("session.archive", "conflict", "archiving twice", session=sid)
    c.err("session.resume", "session_archived", "resuming an archived session", session=sid)
    c.err("turn.post", "session_archived", "a post to an archived session", session=sid, content="x")
    c.err("session.update", "session_archived", "updating an archived session", session=sid, title="x")
    c.err("checkpoint.save", "session_archived", "checkpoint.save on an archived session", session=sid, name="late")
    c.err("session.pause", "session_archived", "pausing an archived session", session=sid)
    c.ok("session.export", session=sid)
    c.drain()
    gone = c.ok("session.delete", session=sid)
    check(gone == {}, "session.delete -> {}", gone)
    ev = c.durable()
    check(ev["event"] == "session" and ev["change"] == "deleted", "session event: deleted", ev)
    c.err("session.get", "not_found", "a deleted session", session=sid)
    again = c.ok("session.create", session=sid)
    check(again["session"]["head_eseq"] == 0, "a deleted session's id may be used again", again)
    # search
    word = "zq" + uuid.uuid4().hex[:8]
    c.ok("session.create", session=new_id("f"), title=f"{word} title")
    c.ok("turn.post", session=sid, content=f"about {word} and more")
    deadline = time.monotonic() + 5
    hits = {}
    while time.monotonic() < deadline:
        hits = c.ok("session.search", query=word)
        if len(hits.get("hits", [])) >= 2:
            break
        time.sleep(0.2)
    check(len(hits.get("hits", [])) == 2, "session.search finds a title and a turn", hits)
    if len(hits.get("hits", [])) == 2:
        check("seq" not in hits["hits"][0] and hits["hits"][1].get("seq") == 1, "title match first, without seq", hits)
        check(f"[{word}]" in hits["hits"][1]["snippet"], "matched terms wrapped in [ ]", hits)
        for h in hits["hits"]:
            shape(h, ({"session", "snippet"}, {"seq"}), "search hit")
            shape(h["session"], SESSION, "search hit's session")
    one = c.ok("session.search", query=word, limit=1)
    check("next_cursor" in one and len(one["hits"]) == 1, "search pages with next_cursor", one)
    two = c.ok("session.search", query=word, limit=1, cursor=one.get("next_cursor", ""))
    check(len(two["hits"]) == 1 and two["hits"][0].get("seq") == 1, "the next search page continues", two)
    c.ok("turn.post", session=sid, content=f"{word} 東京都に行きます")
    cjk = c.ok("session.search", query=f"{word} 東京")
    check([h.get("seq") for h in cjk["hits"]] == [2] and "[東京]都" in cjk["hits"][0]["snippet"],
          "a CJK run is found inside a longer one, its characters marked", cjk)
    check(c.ok("session.search", query=f"{word} 京東")["hits"] == [], "a CJK run matches in order", word)
    c.ok("turn.post", session=sid, content=f"{word} ฉันไปกรุงเทพเมื่อวาน")
    thai = c.ok("session.search", query=f"{word} กรุงเทพ")
    check([h.get("seq") for h in thai["hits"]] == [3] and "[กรุงเทพ]" in thai["hits"][0]["snippet"],
          "a Thai run of clusters is found inside a longer one, marked whole", thai)
    check(c.ok("session.search", query=f"{word} เทพกรุง")["hits"] == [], "a Thai run matches in order", word)
    check(c.ok("session.search", query=f"{word} เมือ")["hits"] == [], "a Thai cluster without its tone mark is another word", word)
    c.err("session.search", "invalid_argument", "an unclosed quote", query='"open')
    c.err("session.search", "invalid_argument", "5 prefix terms", query="a* b* c* d* e*")
    c.err("session.search", "invalid_argument", "a malformed search cursor", field="cursor", query=word, cursor="%%%")
    c.err("session.search", "too_large", "a query over 1 KiB", query="w " * 600)
    c.close()


def live_and_turns(a):
    o = Conn(a.url, a.token)
    b = Conn(a.url, a.bob)
    sid = new_id("t")
    o.ok("session.create", session=sid, title="turns")
    b.err("session.join", "not_found", "joining a session one is not a member of", session=sid)
    m = o.ok("member.add", session=sid, user="bob", role="write")
    shape(m, ({"member", "eseq"}, set()), "member.add result")
    shape(m["member"], MEMBER, "member.add's member")
    joined = o.ok("session.join", session=sid, last=5, state=True)
    shape(joined, ({"session", "role", "online", "head_seq", "head_eseq", "backlog"}, {"turns", "state", "state_more"}), "join result")
    check(joined["online"] == ["owner"] and joined["backlog"] == 0 and joined["role"] == "owner",
          "join: online lists this connection's user", joined)
    check(joined.get("turns") == [] and joined.get("state") == [] and joined.get("state_more") is False,
          "join with last and state: empty lists", joined)
    ev = o.event(where=lambda e: e["event"] == "presence")
    check(ev == {"action": "joined", "event": "presence", "online_count": 1, "session": sid, "user": "owner"},
          "own presence joined event", ev)
    o.err("session.join", "conflict", "joining twice on one connection", session=sid)
    o.err("session.join", "invalid_argument", "last with since", session=sid, last=1, since=0)
    o.err("session.join", "invalid_argument", "last 1001", field="last", session=sid + "x", last=1001)
    bj = b.ok("session.join", session=sid)
    check(sorted(bj["online"]) == ["bob", "owner"] and bj["role"] == "write", "second user's join lists both", bj)
    ev = o.event(where=lambda e: e["event"] == "presence")
    check(ev.get("user") == "bob" and ev.get("action") == "joined" and ev.get("online_count") == 2 and "eseq" not in ev,
          "presence joined for bob, no eseq", ev)
    posted = o.ok("turn.post", session=sid, role="assistant", content="Here is the plan.", metadata={"model": "m-1"},
                  tokens={"input": 812, "output": 95}, nonce="7f3a9c2e-1")
    shape(posted, ({"turn", "eseq", "duplicate"}, set()), "turn.post result")
    shape(posted["turn"], TURN, "turn.post's turn")
    t = posted["turn"]
    check(t["seq"] == 1 and t["author"] == "owner" and t["tokens"] == {"input": 812, "output": 95}
          and t["nonce"] == "7f3a9c2e-1" and posted["duplicate"] is False, "turn.post result values", posted)
    ev = b.durable()
    shape(ev, (EVENT_BASE | TURN[0], TURN[1]), "turn event")
    check(ev["eseq"] == posted["eseq"] and ev["content"] == "Here is the plan.", "turn event matches the post", ev)
    ev = o.durable()
    check(ev["eseq"] == posted["eseq"], "the poster gets its own turn event", ev)
    plain = b.ok("turn.post", session=sid, content="")
    check("metadata" not in plain["turn"] and "tokens" not in plain["turn"] and "nonce" not in plain["turn"]
          and plain["turn"]["role"] == "user" and plain["turn"]["content"] == "",
          "an empty turn leaves metadata, tokens and nonce off", plain)
    dup = o.ok("turn.post", session=sid, role="assistant", content="Here is the plan.", metadata={"model": "m-1"},
               tokens={"input": 812, "output": 95}, nonce="7f3a9c2e-1")
    check(dup["duplicate"] is True and dup["turn"]["seq"] == 1 and dup["eseq"] == posted["eseq"], "a nonce retry is a duplicate", dup)
    o.err("turn.post", "conflict", "the same nonce, other content", session=sid, content="other", nonce="7f3a9c2e-1")
    o.err("turn.post", "conflict", "the same nonce, normalized content", session=sid, role="assistant",
          content="Here is the plan.\u0301", metadata={"model": "m-1"}, tokens={"input": 812, "output": 95}, nonce="7f3a9c2e-1")
    bn = b.ok("turn.post", session=sid, content="bob's", nonce="7f3a9c2e-1")
    check(bn["duplicate"] is False, "a nonce is per author", bn)
    o.drain()
    b.drain()
    for n in range(5):
        b.ok("turn.post", session=sid, content=f"b{n}")
    h = o.ok("history", session=sid, since=0, limit=3)
    shape(h, ({"turns", "head_seq", "more"}, set()), "history result")
    check([x["seq"] for x in h["turns"]] == [1, 2, 3] and h["more"] is True and h["head_seq"] == 8, "history since+limit pages", h)
    h = o.ok("history", session=sid, since=3, limit=100)
    check([x["seq"] for x in h["turns"]] == [4, 5, 6, 7, 8] and h["more"] is False, "history since continues, more false", h)
    h = o.ok("history", session=sid, last=2)
    check([x["seq"] for x in h["turns"]] == [7, 8] and h["more"] is True, "history last: more when older turns left", h)
    h = o.ok("history", session=sid, limit=2)
    check([x["seq"] for x in h["turns"]] == [7, 8], "history with only limit = last: limit", h)
    h = o.ok("history", session=sid, **{"from": 2, "to": 4})
    check([x["seq"] for x in h["turns"]] == [2, 3, 4], "history from/to inclusive", h)
    h = o.ok("history", session=sid, author="owner")
    check([x["seq"] for x in h["turns"]] == [1], "history author filter", h)
    o.err("history", "invalid_argument", "last and since together", session=sid, last=1, since=1)
    o.err("history", "invalid_argument", "last 0", field="last", session=sid, last=0)
    o.err("history", "invalid_argument", "from without to", session=sid, **{"from": 1})
    # undo
    o.drain()
    b.drain()
    o.err("turn.undo", "conflict", "an undo guard naming another turn", session=sid, seq=3)
    u = b.ok("turn.undo", session=sid, seq=8)
    check(u == {"seq": 8, "eseq": u.get("eseq")} and isinstance(u.get("eseq"), int), "turn.undo -> {seq, eseq}", u)
    ev = o.durable()
    check(ev == {"by": "bob", "eseq": u["eseq"], "event": "turn.undone", "seq": 8, "session": sid}, "turn.undone event", ev)
    o.ok("turn.post", session=sid, content="owner last")
    b.err("turn.undo", "forbidden", "write undoing someone else's last turn", session=sid)
    h = o.ok("history", session=sid, last=3, include_undone=True)
    undone = [x for x in h["turns"] if x["seq"] == 8]
    check(undone and undone[0].get("undone") is True and undone[0].get("state") == "undone", "undone turn with include_undone", h)
    h = o.ok("history", session=sid, last=2)
    check([x["seq"] for x in h["turns"]] == [7, 9], "history skips undone turns before the limit", h)
    # comments
    o.drain()
    b.drain()
    added = b.ok("comment.add", session=sid, seq=7, text="Which model was this?")
    shape(added, ({"comment", "eseq"}, set()), "comment.add result")
    shape(added["comment"], COMMENT, "comment.add's comment")
    ev = o.durable()
    shape(ev, (EVENT_BASE | {"comment"}, set()), "comment event")
    for n in range(3):
        o.ok("comment.add", session=sid, seq=7, text=f"c{n}")
    b.err("comment.add", "conflict", "a comment on an undone turn", session=sid, seq=8, text="x")
    b.err("comment.add", "not_found", "a comment on a turn that does not exist", session=sid, seq=99, text="x")
    page = b.ok("comment.list", session=sid, seq=7, limit=2)
    shape(page, ({"comments", "more"}, set()), "comment.list result")
    check(len(page["comments"]) == 2 and page["more"] is True, "comment.list pages", page)
    rest = b.ok("comment.list", session=sid, seq=7, after=page["comments"][-1]["id"])
    check(len(rest["comments"]) == 2 and rest["more"] is False, "comment.list after continues", rest)
    # clear
    o.drain()
    b.err("session.clear", "forbidden", "write clearing a session", session=sid)
    cl = o.ok("session.clear", session=sid)
    check(set(cl) == {"cleared_through", "eseq"} and cl["cleared_through"] == 9, "session.clear result", cl)
    ev = o.durable()
    check(ev["event"] == "session" and ev["change"] == "cleared", "session event: cleared", ev)
    cl2 = o.ok("session.clear", session=sid)
    check(cl2 == {"cleared_through": 0, "eseq": cl["eseq"]}, "clearing nothing: cleared_through 0, current eseq", cl2)
    h = o.ok("history", session=sid, last=100, include_undone=True)
    states = {x["seq"]: x.get("state") for x in h["turns"]}
    check(states.get(1) == "cleared" and states.get(8) == "undone", "cleared turns carry state cleared", states)
    o.err("turn.undo", "conflict", "nothing live to undo", session=sid)
    left = b.ok("session.leave", session=sid)
    check(left == {}, "session.leave -> {}", left)
    ev = o.event(where=lambda e: e["event"] == "presence")
    check(ev.get("action") == "left" and ev.get("user") == "bob" and ev.get("online_count") == 1, "presence left", ev)
    b.err("session.leave", "not_found", "leaving a session not joined", session=sid)
    o.close()
    b.close()
