"""Live permission changes, checked against docs/protocol.md: a member joined on a live connection is
demoted, promoted and removed by the owner; every joined connection (the changed member's included)
receives the `member` event; the new role takes effect on that same connection within one second (probed
with reads, which a wrong answer cannot change: `share.list` for admin, `session.get` for membership), and
`session.get` and `member.list` show it,
after which writes get exactly the table's answer (docs/permissions.md); a removed member's connection
(one or two joined) receives its `removed` event and nothing of the session after it, and the session then answers
it `forbidden` (a former member is told so, not `not_found`);
the removal ends the member's presence (`left`) as the others see it."""
import time

from matching import Mismatch, match
from live_wire import code, ephemeral, open_client, wait_for
from reference_model import rank

ROLES = ["admin", "write", "comment", "read"]


def eventually(probe, want, what, within=1.0):
    """`probe()` must answer `want` within `within` seconds (the documented delay of a role change)."""
    deadline = time.monotonic() + within
    while True:
        got = probe()
        if got == want:
            return
        if time.monotonic() > deadline:
            raise Mismatch(f"{what}: {got} after {within} s, want {want}")
        time.sleep(0.02)


def role_case(server, rng, tag):
    """A seeded walk of role changes for member `ra<tag>` on session `roles-<tag>`; raises Mismatch."""
    sid = f"roles-{tag}"
    m = f"ra{tag}"
    owner = open_client(server, server.owner_token, "owner")
    token = server.add_user(m)
    mc = open_client(server, token, m)
    other = open_client(server, token, m) if rng.random() < 0.5 else None  # a second connection, joined late
    try:
        def ok(c, op, **params):
            r = c.request(op, **params)
            if not r.get("ok"):
                raise Mismatch(f"roles: {c.user} {op} {params}: {r}")
            return r["result"]
        ok(owner, "session.create", session=sid)
        role = rng.choice(ROLES)
        ok(owner, "member.add", session=sid, user=m, role=role)
        ok(owner, "session.join", session=sid)
        ok(mc, "session.join", session=sid)
        seq = ok(owner, "turn.post", session=sid, content="first")["turn"]["seq"]
        events = 0  # member events each connection has received since its join
        for step in range(4):
            new = rng.choice([r for r in ROLES if r != role])
            eseq = ok(owner, "member.set_role", session=sid, user=m, role=new)["eseq"]
            want = {"event": "member", "session": sid, "eseq": eseq, "user": m, "role": new, "by": "owner"}
            for c in (owner, mc):
                if not c.wait_eseq(sid, eseq):
                    raise Mismatch(f"roles: {c.user} did not receive the member event {eseq}")
                match(c.durable(sid)[-1], want, f"member event at {c.user}")
            role = new
            eventually(lambda: code(mc.request("share.list", session=sid)),
                       "ok" if role == "admin" else "forbidden", f"share.list by a member made {role}")
            match(ok(mc, "session.get", session=sid)["session"]["role"], role, "session.get's role after the change")
            listed = ok(mc, "member.list", session=sid)["members"]
            match([(x["user"], x["role"], x["online"]) for x in listed], [("owner", "owner", True), (m, role, True)],
                  "member.list after the change")
            match(code(mc.request("turn.post", session=sid, content=f"by {role}")),
                  "ok" if rank(role) >= rank("write") else "forbidden", f"turn.post as {role}")
            match(code(mc.request("comment.add", session=sid, seq=seq, text="c")),
                  "ok" if rank(role) >= rank("comment") else "forbidden", f"comment.add as {role}")
            match(code(mc.request("session.pause", session=sid)),
                  "ok" if role == "admin" else "forbidden", f"session.pause as {role}")
            if role == "admin":
                ok(mc, "session.resume", session=sid)
        if other:
            ok(other, "session.join", session=sid)
        eseq = ok(owner, "member.remove", session=sid, user=m)["eseq"]
        for c in [mc] + ([other] if other else []):
            if not c.wait_eseq(sid, eseq):
                raise Mismatch("roles: a connection of the removed member did not receive their removal")
            match(c.durable(sid)[-1], {"event": "member", "session": sid, "eseq": eseq, "user": m,
                                       "removed": True, "by": "owner"}, "removal event at the removed member")
        held = len(mc.events[sid])
        eventually(lambda: code(mc.request("session.get", session=sid)), "forbidden", "session.get after removal")
        match(code(mc.request("turn.post", session=sid, content="gone")), "forbidden", "turn.post after removal")
        after = ok(owner, "turn.post", session=sid, content="after the removal")["eseq"]
        owner.wait_eseq(sid, after)
        mc.settle(0.1)
        # the removal unsubscribed the member's only connection: their presence ends with it
        want = [("owner", "joined", 1), (m, "joined", 2), (m, "left", 1)]
        wait_for(owner, lambda: len(ephemeral(owner, sid, "presence")) >= len(want), 2.0)
        match([(e["user"], e["action"], e["online_count"]) for e in ephemeral(owner, sid, "presence")], want,
              "the owner's presence events")
        if mc.events[sid][held:]:
            raise Mismatch(f"roles: the removed member still got {mc.events[sid][held:][:3]}")
    finally:
        owner.close()
        mc.close()
        if other:
            other.close()
