"""Limits, checked against docs/protocol.md on a tandemd of its own started with tiny ones (FLAGS): the
request rate (a full bucket of BURST requests sent at once is answered, the rest `rate_limited`, the k-th
with a `retry_after_ms` no longer than k tokens' refill, each its own; after waiting it out a request is answered; more
than 200 `rate_limited` answers in 10 s: the 201st is answered, then close 4429), turn content size in
bytes (`too_large` one byte past it, multi-byte text counted in bytes), sessions joined per connection
(`limit_exceeded` naming the setting; a leave makes room), working share links per session (likewise; an
expiry or a revoke makes room) and connections per user (HTTP 429 with `Retry-After`)."""
import json
import time

from websockets.exceptions import ConnectionClosed

from matching import Mismatch, match
from live_wire import code, open_client, patient, unlimited, refused_status, wait_close
from wire import Server

RATE, BURST, TURN, SESSIONS, CONNS, LINKS = 10, 4, 1024, 2, 3, 2
FLAGS = ["--rate", str(RATE), "--burst", str(BURST), "--max-turn", str(TURN),
         "--max-sessions-per-connection", str(SESSIONS), "--max-connections-per-user", str(CONNS),
         "--max-share-links-per-session", str(LINKS)]
RATE_ABUSE = 200  # rate_limited answers in 10 s before the close (fixed for tandem.v1)


def pipelined(c, n):
    """Sends n pings at once, then reads their answers (by id, in the order sent) until all came or
    the server closed the connection (then the close's (code, reason) is `c.closed`)."""
    ids = list(range(c.next_id, c.next_id + n))
    c.next_id += n
    for i in ids:
        c.ws.send(json.dumps({"id": i, "op": "ping"}))
    c.closed = None
    while not all(i in c.responses for i in ids):
        try:
            c._read(10)
        except ConnectionClosed as e:
            c.closed = (e.rcvd.code, e.rcvd.reason) if e.rcvd else (None, None)
            break
    return [c.responses.pop(i) for i in ids if i in c.responses]


def over_links(c, sid):
    """One share link past `max-share-links-per-session`: limit_exceeded naming the setting."""
    r = unlimited(c, "share.create", session=sid, expires_in=600)
    match(code(r), "limit_exceeded", f"share link {LINKS + 1} of a session")
    if f"max-share-links-per-session = {LINKS}" not in r["error"]["message"]:
        raise Mismatch(f"limit_exceeded does not name its setting: {r}")


def limits_case(tandemd, rng, tag):
    """The limits on a fresh tandemd; raises Mismatch."""
    server = Server(tandemd, FLAGS)
    conns = []
    try:
        def client():
            conns.append(open_client(server, server.owner_token, "owner"))
            return conns[-1]
        c = client()
        sids = [f"lim{i}" for i in range(SESSIONS + 1)]
        for sid in sids:
            patient(c, "session.create", session=sid)
        # working share links per session: one expiring in 1 s (its place comes free by the end), one revoked later
        links = [patient(c, "share.create", session=sids[0], expires_in=life)["share"] for life in (1, 600)]
        over_links(c, sids[0])
        # turn content: bytes, not characters
        for content, want in [("x" * TURN, "ok"), ("x" * (TURN + 1), "too_large"),
                              ("é" * (TURN // 2), "ok"), ("é" * (TURN // 2) + "x", "too_large")]:
            time.sleep(1 / RATE)
            match(code(c.request("turn.post", session=sids[0], content=content)), want,
                  f"turn.post of {len(content.encode())} bytes")
        # sessions per connection
        for sid in sids[:SESSIONS]:
            patient(c, "session.join", session=sid)
        time.sleep(1 / RATE)
        r = c.request("session.join", session=sids[SESSIONS])
        match(code(r), "limit_exceeded", f"join of session {SESSIONS + 1} on one connection")
        if "max-sessions-per-connection" not in r["error"]["message"]:
            raise Mismatch(f"limit_exceeded does not name its setting: {r}")
        patient(c, "session.leave", session=sids[rng.randrange(SESSIONS)])
        patient(c, "session.join", session=sids[SESSIONS])
        # the request rate: a fresh connection's bucket is full
        d = client()
        got = pipelined(d, BURST + 10)
        match([code(r) for r in got[:BURST]], ["ok"] * BURST, "a full bucket's requests")
        limited = [r for r in got[BURST:] if code(r) != "ok"]
        if not limited:
            raise Mismatch(f"{BURST + 10} requests at once on a bucket of {BURST}: none rate_limited")
        for k, r in enumerate(limited, 1):
            match(code(r), "rate_limited", "past the bucket")
            wait = r["error"].get("retry_after_ms")
            if not isinstance(wait, int) or not 0 < wait <= k * 1000 / RATE + 1:
                raise Mismatch(f"rate_limited retry_after_ms {wait} for refusal {k}, want 1..{k * 1000 / RATE}: {r}")
        waits = [r["error"]["retry_after_ms"] for r in limited]
        if waits != sorted(set(waits)):
            raise Mismatch(f"requests refused together are told the same wait: {waits}")
        time.sleep(limited[-1]["error"]["retry_after_ms"] / 1000)
        match(code(d.request("ping")), "ok", "a request after retry_after_ms")
        # connections per user: c and d are two; the third is taken, the fourth refused
        client()
        status, retry = refused_status(server.url, token=server.owner_token) or (101, None)
        match(status, 429, f"connection {CONNS + 1} of one user")
        if retry is None or not retry.isdigit():
            raise Mismatch(f"429 without a Retry-After in seconds: {retry!r}")
        # working share links: the expired one's place, then the revoked one's
        time.sleep(max(0.0, (links[0]["expires"] - patient(c, "ping")["time"]) / 1000 + 0.05))
        patient(c, "share.create", session=sids[0], expires_in=600)
        over_links(c, sids[0])
        patient(c, "share.revoke", share=links[1]["id"])
        patient(c, "share.create", session=sids[0], expires_in=600)
        over_links(c, sids[0])
        # rate abuse: the 201st rate_limited answer in 10 s is sent, then the close
        e = conns.pop()
        e.close()
        e = client()
        got = pipelined(e, BURST + RATE_ABUSE + 20)
        n = sum(code(r) == "rate_limited" for r in got)
        match(n, RATE_ABUSE + 1, f"rate_limited answers of {BURST + RATE_ABUSE + 20} requests at once before the close")
        if got and code(got[-1]) != "rate_limited":
            raise Mismatch(f"the last answer before the close is {got[-1]}, want the {RATE_ABUSE + 1}st rate_limited")
        closed = e.closed or wait_close(e, 2.0)
        match(closed, (4429, "kept sending after rate_limited"), "close after the 201st rate_limited answer")
    finally:
        for x in conns:
            x.close()
        server.stop()
