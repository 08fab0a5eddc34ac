"""Presence, checked against docs/protocol.md: connections of three users (one user twice) join a session
in a seeded order and leave in another (by `session.leave` or by closing); each join result's `online`
must be the users with a joined connection, each connection must receive exactly the `presence` changes
after its join result (its own `joined` included, nothing after its leave), each with the right
`online_count`; `member.list`'s `online` flags agree; a share-link viewer is in no `online` list and
causes no `presence` event, but receives those after its join like any joined connection."""
import time

from matching import Mismatch, match
from live_wire import ephemeral, open_client, wait_for


def presence_case(server, rng, tag):
    """One seeded run of joins and leaves on a fresh session `pres-<tag>`; raises Mismatch."""
    sid = f"pres-{tag}"
    a, b = f"pa{tag}", f"pb{tag}"
    tokens = {"owner": server.owner_token, a: server.add_user(a), b: server.add_user(b)}
    admin = open_client(server, server.owner_token, "owner")
    conns = {}
    try:
        def ok(c, op, **params):
            r = c.request(op, **params)
            if not r.get("ok"):
                raise Mismatch(f"presence: {c.user} {op} {params}: {r}")
            return r["result"]
        ok(admin, "session.create", session=sid)
        ok(admin, "member.add", session=sid, user=a, role="write")
        ok(admin, "member.add", session=sid, user=b, role="read")
        names = ["owner", a, a + "#2", b]
        conns = {n: open_client(server, tokens[n.split("#")[0]], n) for n in names}
        user_of = {n: n.split("#")[0] for n in names}
        live = {}  # user -> connections of theirs joined
        changes = []  # the presence events every joined connection must see, in order
        span = {}  # connection -> [first change it must see, end (None while joined)]

        def online():
            return sorted(u for u, n in live.items() if n)

        def check_member_flags(patience=0.0):
            """A close is seen by the server after the client's side of it: allow `patience` seconds."""
            want = {u: u in online() for u in ("owner", a, b)}
            deadline = time.monotonic() + patience
            while True:
                got = {m["user"]: m["online"] for m in ok(admin, "member.list", session=sid)["members"]}
                if got == want or time.monotonic() > deadline:
                    return match(got, want, "member.list online flags")
                time.sleep(0.02)

        for n in rng.sample(names, len(names)):
            u = user_of[n]
            r = ok(conns[n], "session.join", session=sid)
            first = not live.get(u)
            live[u] = live.get(u, 0) + 1
            if first:
                changes.append({"event": "presence", "session": sid, "user": u, "action": "joined",
                                "online_count": len(online())})
            span[n] = [len(changes) - (1 if first else 0), None]
            if len(r["online"]) != len(set(r["online"])) or sorted(r["online"]) != online():
                raise Mismatch(f"presence: {n}'s join answered online {r['online']}, want {online()}")
        check_member_flags()
        viewer = open_client(server, None, "viewer", share=ok(admin, "share.create", session=sid,
                                                               expires_in=600)["secret"])
        try:
            r = ok(viewer, "session.join", session=sid)
            viewer_from = len(changes)  # a viewer receives the changes after its join, as members do
            if sorted(r["online"]) != online():
                raise Mismatch(f"presence: a viewer's join answered online {r['online']}, want {online()}")
            check_member_flags()
            for n in rng.sample(names, len(names)):
                u = user_of[n]
                if rng.random() < 0.5:
                    ok(conns[n], "session.leave", session=sid)
                else:
                    conns.pop(n).close()
                live[u] -= 1
                span[n][1] = len(changes)
                if not live[u]:
                    changes.append({"event": "presence", "session": sid, "user": u, "action": "left",
                                    "online_count": len(online())})
                check_member_flags(patience=2.0)
            for n, c in conns.items():
                start, end = span[n]
                want = changes[start:end]
                wait_for(c, lambda: len(ephemeral(c, sid, "presence")) >= len(want), 3.0)
                c.settle(0.05)
                match(ephemeral(c, sid, "presence"), want, f"presence events of {n}")
            want = changes[viewer_from:]
            wait_for(viewer, lambda: len(ephemeral(viewer, sid, "presence")) >= len(want), 3.0)
            viewer.settle(0.05)
            match(ephemeral(viewer, sid, "presence"), want, "presence events of a viewer")
        finally:
            viewer.close()
    finally:
        for c in conns.values():
            c.close()
        admin.close()
