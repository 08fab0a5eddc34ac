"""Share links over time, checked against docs/protocol.md: three links (one expiring in 2 s, by `expires_in` or `expires_at`, one made by
an admin, one by the owner), a live viewer on each; the viewers receive the session's events; the admin's
demotion, removal or leaving (seeded) revokes theirs (its viewer closed with 4403 within a second), `share.revoke` closes the third's
with 4403, and the short one's viewer gets `share.expired` (its id and expiry) and then close 4410; a
closed viewer receives nothing after; the session's delete closes a viewer with 4403 "session deleted"
after its `deleted` event; `share.list` shows the working links, or all with
`include_revoked`, newest first, the same paged by one; lifetimes out of range are `invalid_argument`; a revoked or expired secret is refused at the handshake (401)."""

from matching import Mismatch, match, now_ms
from live_wire import code, ephemeral, open_client, refused_status, wait_close

# the close codes and reasons of the Close codes table
REVOKED, EXPIRED = (4403, "share link revoked"), (4410, "share link expired")
SHORT_S = 2  # the short link's lifetime: the case lasts about this long


def share_case(server, rng, tag):
    """One seeded run on a fresh session `share-<tag>`; raises Mismatch."""
    sid = f"share-{tag}"
    adm = f"sa{tag}"
    owner = open_client(server, server.owner_token, "owner")
    admin = open_client(server, server.add_user(adm), adm)
    viewers = {}
    try:
        def ok(c, op, **params):
            r = c.request(op, **params)
            if not r.get("ok"):
                raise Mismatch(f"share: {c.user} {op} {params}: {r}")
            return r["result"]
        ok(owner, "session.create", session=sid)
        ok(owner, "member.add", session=sid, user=adm, role="admin")
        links = {}
        for name, c, life in [("short", owner, SHORT_S), ("admins", admin, 3600), ("owners", owner, 3600)]:
            if name == "short" and rng.random() < 0.5:  # expires_at: kept as given
                at = ok(c, "ping")["time"] + life * 1000
                r = ok(c, "share.create", session=sid, expires_at=at)
            else:
                r = ok(c, "share.create", session=sid, expires_in=life)
                at = r["share"]["created"] + life * 1000
            sh = r["share"]
            match(sh, {"by": c.user, "created": sh["created"], "expires": at,
                       "id": sh["id"], "permission": "read", "revoked": False, "session": sid}, f"share.create {name}")
            match(r["url"], f"/s/{r['secret']}", "share.create url")
            links[name] = r
            v = viewers[name] = open_client(server, None, f"viewer-{name}", share=r["secret"])
            j = ok(v, "session.join", session=sid)
            match((j["role"], j["online"]), ("read", []), f"viewer {name} join: role, online")
        order = sorted(links, key=lambda n: (links[n]["share"]["created"], links[n]["share"]["id"]), reverse=True)

        def listed(include_revoked, want_names, revoked=()):
            got = ok(owner, "share.list", session=sid, include_revoked=include_revoked)
            ids = [s["id"] for s in got["shares"]]
            match(ids, [links[n]["share"]["id"] for n in order if n in want_names], f"share.list ids ({include_revoked})")
            for s in got["shares"]:
                name = next(n for n in links if links[n]["share"]["id"] == s["id"])
                used_in(s, name)
                match(s, dict(links[name]["share"], revoked=name in revoked), f"share.list {name}")

        def used_in(s, name):
            """`last_used` (optional in a ShareLink): each link here has had a viewer since it was made."""
            used = s.pop("last_used", None)
            if used is None or not links[name]["share"]["created"] <= used <= now_ms():
                raise Mismatch(f"share {name}: last_used {used}, want a time since its creation")

        listed(False, set(links))
        head = ok(owner, "turn.post", session=sid, content="for the viewers")["eseq"]
        for name, v in viewers.items():
            if not v.wait_eseq(sid, head):
                raise Mismatch(f"viewer {name} did not receive the turn (eseq {head})")
        # the admin's demotion, removal or leaving takes their links with it; their viewer is closed
        # within a second
        how = rng.choice(["demoted", "removed", "left"])
        if how == "demoted":
            ok(owner, "member.set_role", session=sid, user=adm, role=rng.choice(["write", "comment", "read"]))
        else:
            ok(owner if how == "removed" else admin, "member.remove", session=sid, user=adm)
        got = wait_close(viewers["admins"], 1.5)
        match(got, REVOKED, f"close of the viewer of an admin who {how}")
        r = ok(owner, "share.revoke", share=links["owners"]["share"]["id"])["share"]
        used_in(r, "owners")
        match(r, dict(links["owners"]["share"], revoked=True), "share.revoke")
        got = wait_close(viewers["owners"], 1.5)
        match(got, REVOKED, "close of a revoked link's viewer")
        listed(False, {"short"})
        listed(True, set(links), revoked=("admins", "owners"))
        # the short link: share.expired with its id and expiry, then 4410; nothing after
        short = links["short"]["share"]
        left = (short["expires"] - now_ms()) / 1000
        v = viewers["short"]
        got = wait_close(v, left + 3.0)
        match(got, EXPIRED, "close of an expired link's viewer")
        match(ephemeral(v, sid, "share.expired"),
              [{"event": "share.expired", "session": sid, "share": short["id"], "expired": short["expires"]}],
              "share.expired events")
        last = v.events[sid][-1]
        match(last["event"], "share.expired", "the expired viewer's last message")
        if now_ms() < short["expires"]:
            raise Mismatch(f"viewer cut at {now_ms()} before its link's expiry {short['expires']}")
        listed(False, set())
        listed(True, set(links), revoked=("admins", "owners"))
        # paging: include_revoked one link a page walks the same list; an unknown `after` is not_found
        ids, params = [], {"session": sid, "include_revoked": True, "limit": 1}
        while True:
            page = ok(owner, "share.list", **params)
            ids += [x["id"] for x in page["shares"]]
            if not page["more"]:
                break
            params["after"] = ids[-1]
        match(ids, [links[n]["share"]["id"] for n in order], "share.list paged by one")
        match(code(owner.request("share.list", session=sid, after="no-such-link")), "not_found", "share.list after an unknown link")
        # lifetimes out of range: expires_in 1 s … 365 days, expires_at in the future
        for bad in [{"expires_in": 0}, {"expires_in": 365 * 86400 + 1}, {"expires_at": now_ms() - 1000}]:
            r = owner.request("share.create", session=sid, **bad)
            match((code(r), r.get("error", {}).get("field")), ("invalid_argument", next(iter(bad))), f"share.create {bad}")
        # three refused handshakes: auth failures of this address (20 a minute by default, then 429)
        for name, r in links.items():
            match(refused_status(server.url, share=r["secret"]), (401, None), f"handshake with the {name} link")
        # the session's delete: its viewers get the `deleted` event, then 4403 "session deleted"
        v = viewers["late"] = open_client(server, None, "viewer-late",
                                          share=ok(owner, "share.create", session=sid, expires_in=600)["secret"])
        eseq = ok(v, "session.join", session=sid)["head_eseq"] + 1
        ok(owner, "session.delete", session=sid)
        got = wait_close(v, 2.0)
        match(got, (4403, "session deleted"), "close of a deleted session's viewer")
        last = v.events[sid][-1]
        match((last["event"], last.get("change"), last.get("eseq")), ("session", "deleted", eseq),
              "a deleted session's viewer's last event")
    finally:
        for v in viewers.values():
            v.close()
        owner.close()
        admin.close()
