"""Presence under concurrent joins and leaves, checked against docs/protocol.md's promise that "a
connection receives exactly the changes after its join result's `online`" and that after every event the
set holds `online_count` users: connections of several users send `session.join` (then some
`session.leave`, some a second join) at once; each connection's set, rebuilt from its join result and the
`presence` events after it, must stay consistent (`joined` only for a user not in it, or its own that the
result already counts; `left` only for one in it; `online_count` its size) and end equal to the users joined. Invariants only, never timings."""
import json
import time

from matching import Mismatch
from live_wire import ephemeral, open_client


def rebuild(result_online, events, who):
    """The set a client keeps: the join result's `online`, then each event; raises on an impossible one."""
    online = set(result_online)
    own = True  # its own `joined`, which the result already counts, comes too (first of its own)
    for e in events:
        if own and e["user"] == who and e["action"] == "joined" and who in online:
            own = False
        elif (e["action"] == "joined") == (e["user"] in online):
            raise Mismatch(f"presence race: {who} got {e} with {sorted(online)} already online")
        (online.add if e["action"] == "joined" else online.discard)(e["user"])
        if e["online_count"] != len(online):
            raise Mismatch(f"presence race: {who} got {e}, its set holds {sorted(online)}")
    return online


def send_all(pairs):
    """Sends each (client, op, params) at once, then reads every answer; returns them in order."""
    ids = []
    for c, op, params in pairs:
        ids.append(c.next_id)
        c.ws.send(json.dumps({"id": c.next_id, "op": op, **params}))
        c.next_id += 1
    out = []
    for (c, op, _), rid in zip(pairs, ids):
        while rid not in c.responses:
            c._read(10)
        r = c.responses.pop(rid)
        if not r.get("ok"):
            raise Mismatch(f"presence race: {c.user} {op}: {r}")
        out.append(r["result"])
    return out


def presence_race_case(server, rng, tag, users=5):
    """One seeded round of concurrent joins and leaves on session `race-<tag>`; raises Mismatch."""
    sid = f"race-{tag}"
    names = [f"r{i}{tag}" for i in range(users)]
    owner = open_client(server, server.owner_token, "owner")
    conns = {}
    try:
        owner.request("session.create", session=sid)
        for n in names:
            tok = server.add_user(n)
            owner.request("member.add", session=sid, user=n, role="read")
            conns[n] = open_client(server, tok, n)
        results = dict(zip(names, [r["online"] for r in
                                   send_all([(conns[n], "session.join", {"session": sid}) for n in names])]))
        gone = rng.sample(names, users // 2)
        send_all([(conns[n], "session.leave", {"session": sid}) for n in gone])
        back = rng.sample(gone, len(gone) // 2)
        for n, r in zip(back, send_all([(conns[n], "session.join", {"session": sid}) for n in back])):
            results[n] = r["online"]
            conns[n].events[sid] = []  # a new join: the set starts again from its result
        truth = set(names) - set(gone) | set(back)
        for n in sorted(truth):
            c = conns[n]
            deadline = time.monotonic() + 3.0
            while True:
                got = rebuild(results[n], ephemeral(c, sid, "presence"), n)
                if got == truth or time.monotonic() > deadline:
                    break
                c.settle(0.02)
            if got != truth:
                raise Mismatch(f"presence race: {n} ends with {sorted(got)}, want {sorted(truth)}")
    finally:
        owner.close()
        for c in conns.values():
            c.close()
