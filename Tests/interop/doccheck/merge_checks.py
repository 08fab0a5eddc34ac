"""branch.merge's bounded answer: `rows` names the first 1,000 merged keys (key byte order) and `rows_total`
counts them all; `conflicts` lists the first 1,000 conflicting keys and `conflicts_more` says more conflict."""

from wire import Conn, check, new_id


def put_many(a, session, keys, value, base):
    """state.put of every key, pipelined over enough connections that none passes its burst (400)."""
    conns = []
    for start in range(0, len(keys), 350):
        c = Conn(a.url, a.token, max_queue=None)
        ids = []
        for key in keys[start:start + 350]:
            ids.append(c.next_id)
            c.next_id += 1
            c.send_raw(f'{{"id":{ids[-1]},"op":"state.put","session":"{session}","key":"{key}",'
                       f'"value":{value},"base":{base}}}')
        conns.append((c, ids))
    failed = 0
    for c, ids in conns:
        for request_id in ids:
            failed += c.wait_response(request_id, timeout=30).get("ok") is not True
        c.close()
    check(failed == 0, f"{len(keys)} state.put in {session}", f"{failed} failed")


def merge_bounds(a):
    o = Conn(a.url, a.token)
    sid = new_id("mb")
    o.ok("session.create", session=sid)
    old = [f"k{n:04d}" for n in range(1001)]
    put_many(a, sid, old, '{"v":0}', 0)
    fresh = o.ok("branch.create", session=sid)["session"]["id"]
    clash = o.ok("branch.create", session=sid)["session"]["id"]
    new = [f"n{n:04d}" for n in range(1001)]
    put_many(a, fresh, list(reversed(new)), '{"v":1}', 0)
    m = o.request("branch.merge", timeout=60, session=fresh)["result"]
    check(m["merged"] is True and m.get("rows_total") == 1001 and m["rows"] == new[:1000] and "conflicts_more" not in m,
          "a merge of 1,001 rows names the first 1,000 keys in key order and counts rows_total 1001",
          {k: (v if k != "rows" else f"{len(v)} keys, {v[:2]}...{v[-1:]}") for k, v in m.items()})
    put_many(a, clash, old, '{"v":2}', 1)
    put_many(a, sid, old, '{"v":1}', 1)
    m = o.request("branch.merge", timeout=60, session=clash)["result"]
    keys = [c["key"] for c in m.get("conflicts", [])]
    check(m["merged"] is False and keys == old[:1000] and m.get("conflicts_more") is True and m.get("rows_total") == 0,
          "1,001 conflicting keys: the first 1,000 listed, conflicts_more true",
          {"merged": m.get("merged"), "conflicts": len(keys), "conflicts_more": m.get("conflicts_more")})
    o.close()


def merge_resolutions(a):
    """A conflicting row merges with `resolutions`, the value it ends up with, written as the merger's."""
    o = Conn(a.url, a.token)
    sid = new_id("mr")
    o.ok("session.create", session=sid)
    o.ok("state.put", session=sid, key="plan", value={"owner": "bob"}, base=0)
    b = o.ok("branch.create", session=sid)["session"]["id"]
    o.ok("state.put", session=b, key="plan", value={"owner": "erin"}, base=1)
    o.ok("state.put", session=sid, key="plan", value={"owner": "carol"}, base=1)
    m = o.request("branch.merge", session=b)["result"]
    check(m["merged"] is False and [c["key"] for c in m["conflicts"]] == ["plan"], "a clashing row refuses the merge", m)
    m = o.request("branch.merge", session=b, resolutions={"plan": {"owner": "dave"}})["result"]
    row = o.ok("state.get", session=sid, key="plan")["rows"][0]
    check(m["merged"] is True and m["rows"] == ["plan"] and row["value"] == {"owner": "dave"} and row["version"] == 3,
          "merged again with resolutions: the row ends up with the resolution", {"merge": m, "row": row})
    o.close()
