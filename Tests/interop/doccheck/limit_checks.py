"""Recovery with since, rate and count limits, quotas, page and queue bounds, stated refusals."""

import json
import os
import socket
import time
from urllib.parse import urlparse

from websockets.exceptions import ConnectionClosed, InvalidStatus

from wire import SUBPROTOCOL, Conn, check, http, new_id


def recovery(a):
    o = Conn(a.url, a.token)
    sid = new_id("rc")
    made = o.ok("session.create", session=sid)["session"]
    j = o.ok("session.join", session=sid)
    last = j["head_eseq"]
    o.close()
    w = Conn(a.url, a.token)
    eseqs = [w.ok("turn.post", session=sid, content=f"m{n}", nonce=f"n{n}")["eseq"] for n in range(3)]
    w.ok("turn.undo", session=sid)
    w.close()
    r = Conn(a.url, a.token)
    res = r.ok("session.join", session=sid, since=last, created=made["created"])
    check(res["backlog"] == 4 and res["head_eseq"] == last + 4 and "turns" not in res, "since: backlog = head - since", res)
    evs = [r.durable() for _ in range(4)]
    check([e["eseq"] for e in evs] == list(range(last + 1, last + 5)) and [e["eseq"] for e in evs[:3]] == eseqs,
          "the backlog arrives in eseq order: the posts' eseqs, then the undo's", evs)
    check(evs[2].get("undone") is True and evs[2].get("nonce") == "n2" and evs[3]["event"] == "turn.undone",
          "a replayed undone turn carries undone: true, then its turn.undone", evs)
    r.close()
    r = Conn(a.url, a.token)
    r.err("session.join", "resync_required", "since beyond the head", session=sid, since=last + 99)
    r.err("session.join", "resync_required", "a created that names another session", session=sid, since=1, created=made["created"] - 5)
    r.ok("session.join", session=sid, since=0)
    r.close()


def limits(a):
    # request rate: burst 400, 200/s; over 200 rate_limited in 10 s closes with 4429 after the 201st
    c = Conn(a.url, a.token)
    try:
        for n in range(1, 1201):
            c.ws.send(json.dumps({"id": n, "op": "ping"}))
    except ConnectionClosed:
        pass  # closed (4429) while still sending: the answers that came first are still read below
    limited, oks, first = 0, 0, None
    closed = None
    try:
        while True:
            message = json.loads(c.ws.recv(timeout=5))
            if message.get("ok"):
                oks += 1
            elif message.get("error", {}).get("code") == "rate_limited":
                limited += 1
                first = first or message
    except ConnectionClosed as e:
        closed = e.rcvd.code if e.rcvd else None
    except TimeoutError:
        pass
    check(oks >= 400, f"a burst of 400 passes ({oks} answered ok)")
    check(first is not None and isinstance(first["error"].get("retry_after_ms"), int), "rate_limited carries retry_after_ms", first)
    check(limited == 201 and closed == 4429, "the 201st rate_limited is answered, then close 4429", (limited, closed))
    # sessions per connection: 64
    c = Conn(a.url, a.token)
    ids = [c.ok("session.create")["session"]["id"] for _ in range(65)]
    for sid in ids[:64]:
        c.ok("session.join", session=sid)
    c.err("session.join", "limit_exceeded", "the 65th join on one connection", session=ids[64])
    c.close()
    # content limits
    c = Conn(a.url, a.token)
    sid = c.ok("session.create")["session"]["id"]
    c.err("turn.post", "too_large", "content over 256 KiB", session=sid, content="x" * (256 * 1024 + 1))
    c.ok("turn.post", session=sid, content="x" * (256 * 1024))
    c.err("turn.post", "too_large", "metadata over 16 KiB", session=sid, content="", metadata={"m": "x" * (16 * 1024)})
    c.err("comment.add", "too_large", "a comment over 16 KiB", session=sid, seq=1, text="x" * (16 * 1024 + 1))
    c.err("session.update", "too_large", "a title over 512 bytes", session=sid, title="x" * 513)
    c.err("state.put", "too_large", "a value over 256 KiB", session=sid, key="v", value="x" * (256 * 1024), base=0)
    c.err("session.get", "too_large", "an identifier over 128 bytes", session="x" * 129)
    c.close()
    # connections per user: 32 -> HTTP 429 with Retry-After
    conns = []
    try:
        for _ in range(32):
            conns.append(Conn(a.url, a.carol))
        try:
            conns.append(Conn(a.url, a.carol))
            check(False, "the 33rd connection of a user is refused")
        except InvalidStatus as refused:
            check(refused.response.status_code == 429 and refused.response.headers.get("Retry-After"),
                  "the 33rd connection -> 429 with Retry-After", refused.response.status_code)
    finally:
        for x in conns:
            x.close()


def quotas(a):
    """On the second server, started with tiny quotas (Tests/interop/run gives its flags)."""
    if not a.small_url:
        return
    o = Conn(a.small_url, a.small_token)
    sid = o.ok("session.create")["session"]["id"]
    o.ok("session.create")
    o.ok("session.create")
    e = o.err("session.create", "limit_exceeded", "a 4th session with max-sessions-per-user 3")
    check("max-sessions-per-user" in e.get("error", {}).get("message", ""), "the message names the setting", e)
    o.ok("share.create", session=sid, expires_in=60)
    o.ok("share.create", session=sid, expires_in=60)
    e = o.err("share.create", "limit_exceeded", "a 3rd link with max-share-links-per-session 2", session=sid, expires_in=60)
    check("max-share-links-per-session" in e.get("error", {}).get("message", ""), "the message names the setting", e)
    o.ok("checkpoint.save", session=sid, name="one")
    o.err("checkpoint.save", "limit_exceeded", "a 2nd checkpoint with max 1", session=sid, name="two")
    o.ok("template.save", session=sid, name="one")
    o.err("template.save", "limit_exceeded", "a 2nd template with max 1", session=sid, name="two")
    o.ok("state.put", session=sid, key="a", value=1, base=0)
    o.ok("state.put", session=sid, key="b", value=1, base=0)
    o.err("state.put", "limit_exceeded", "a 3rd key with max-rows-per-session 2", session=sid, key="c", value=1, base=0)
    o.ok("state.put", session=sid, key="a", value=2, base=1)
    o.ok("turn.post", session=sid, content="t")
    o.ok("comment.add", session=sid, seq=1, text="c")
    o.err("comment.add", "limit_exceeded", "a 2nd comment with max 1", session=sid, seq=1, text="c")
    o.ok("member.add", session=sid, user="dave", role="read")
    o.err("member.add", "not_found", "a missing user", session=sid, user="nobody", role="read")
    o.ok("member.set_role", session=sid, user="dave", role="write")
    o.close()


def small_buffers(a):
    """On the second server: max-replay, max-page-bytes and outbound-queue of 64 KiB."""
    if not a.small_url:
        return
    o = Conn(a.small_url, a.small_token)
    sid = o.ok("session.list")["sessions"][1]["id"]
    made = o.ok("session.get", session=sid)["session"]
    for n in range(6):
        o.ok("turn.post", session=sid, content=f"{n}" * 20000)
    h = o.ok("history", session=sid, since=0, limit=100)
    check(0 < len(h["turns"]) < 6 and h["more"] is True, f"a page ends at max-page-bytes with more ({len(h['turns'])} turns)", len(h["turns"]))
    o.err("session.join", "resync_required", "a replay over max-replay", session=sid, since=0, created=made["created"])
    j = o.ok("session.join", session=sid, last=6)
    seqs = [t["seq"] for t in j.get("turns", [])]
    check(0 < len(seqs) < 6 and seqs[-1] == 6 and "more" not in j, f"join's last turns end at max-page-bytes without a flag ({seqs})", sorted(j))
    # a consumer that stops reading is cut with 4408. Its receive buffer is held small: left to grow
    # (tcp_rmem's maximum here is 32 MiB) the kernel took in every post, the queue never overflowed and
    # the idle timeout (3 s) closed it instead. While it does not read it sends a ping per post, so the idle
    # timeout stays off however long the posts take on a busy machine (seen: 100 posts in 44 s, closed as
    # idle first). It reads again once more has been posted than the server's socket, its outbound queue
    # and this receive buffer can hold: the 4408 waits behind what was sent, and reading it within the close
    # timeout (60 s on this server) is what the document asks of a slow consumer. (It used to wait for tandem_slow_consumer_closes_total, which then counted
    # the socket's close: after the close timeout, the frame already lost, when the posts outlasted it.)
    parsed = urlparse(a.small_url)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    raw.connect((parsed.hostname, parsed.port))
    slow = Conn(a.small_url, a.small_token, max_queue=1, sock=raw)
    slow.ok("session.join", session=sid)
    turn = 200000  # incompressible (hex of random bytes)
    posts = 60  # 12 MB: the socket, the 64 KiB queue and the receive buffer held 37 of them (7.4 MB) here
    for n in range(posts):  # one at a time: the poster reads its answers; the slow one reads nothing
        slow.ws.ping()
        o.ok("turn.post", session=sid, content=os.urandom(turn // 2).hex())
    code = slow.closed_with(timeout=15)
    check(code[0] == 4408, "a consumer that stops reading is closed with 4408", code)
    o.close()


def probes(a):
    """Refusals and rules the document states in a clause: credentials, identifiers, selectors, leaving, ids reused."""
    o = Conn(a.url, a.token)
    b = Conn(a.url, a.bob)

    url = a.url
    for path, hdrs, what in [(f"/ws?token={a.token}&share=x", {}, "?token and ?share"),
                             ("/ws?share=x", {"Authorization": f"Bearer {a.token}"}, "Bearer and ?share")]:
        status, _, _ = http(url, path=path, headers=hdrs)
        check(status == 400, f"two credentials ({what}) -> 400", status)
    sid = new_id("pr")
    made = o.ok("session.create", session=sid)["session"]
    o.ok("turn.post", session=sid, content="one")
    o.ok("member.add", session=sid, user="bob", role="write")
    answer = o.request("session.get", session="a\u0001b")
    check(answer.get("error", {}).get("code") in ("invalid_argument", "not_found"), "an identifier with a control character is refused", answer)
    answer = o.request("session.get", session="")
    check(answer.get("error", {}).get("code") == "invalid_argument", "an empty identifier -> invalid_argument", answer)
    o.ws.send(json.dumps({"id": "\u00e9" * 65, "op": "ping"}))
    answer = o.wait_response(None)
    check(answer.get("error", {}).get("code") == "bad_request", "a 130-byte (65 two-byte chars) id -> bad_request", answer)
    o.err("session.search", "invalid_argument", "17 words", query=" ".join(f"w{n}" for n in range(17)))
    o.err("session.search", "invalid_argument", "65 CJK characters", query="東京" * 32 + " 都")
    o.err("session.search", "invalid_argument", "65 Thai clusters", query="กิ" * 65)
    o.err("share.create", "invalid_argument", "expires_in and expires_at together", session=sid, expires_in=60,
          expires_at=int(time.time() * 1000) + 60000)
    o.err("session.update", "invalid_argument", "metadata not an object", field="metadata", session=sid, metadata=[1])
    o.err("history", "invalid_argument", "limit with last", field="limit", session=sid, last=5, limit=2)
    o.err("history", "invalid_argument", "to below from", field="to", session=sid, **{"from": 5, "to": 2})
    o.err("branch.create", "invalid_argument", "at beyond the head", field="at", session=sid, at=99)
    o.ok("turn.undo", session=sid, seq=1)
    o.err("turn.undo", "conflict", "undoing an undone turn", session=sid, seq=1)
    b.err("member.remove", "forbidden", "a write member removing someone else", session=sid, user="owner")
    left = b.ok("member.remove", session=sid, user="bob")
    check(set(left) == {"eseq"}, "a member may remove themself (leave)", left)
    # a session deleted and made again under its id has another created
    o.ok("session.delete", session=sid)
    again = o.ok("session.create", session=sid)["session"]
    check(again["created"] != made["created"], "a session made again under an id has another created", (made, again))
    o.err("session.join", "resync_required", "since with the deleted session's created", session=sid, since=0, created=made["created"])
    # 1002: an unmasked client frame
    parsed = urlparse(url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=5) as sock:
        sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {parsed.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\nAuthorization: Bearer {a.token}\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        data = data.partition(b"\r\n\r\n")[2]
        sock.sendall(b"\x81\x02hi")  # text frame, not masked
        while len(data) < 4:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        code = int.from_bytes(data[2:4], "big") if len(data) >= 4 and data[0] & 0x0F == 8 else None
    check(code == 1002, "an unmasked client frame closes with 1002", data[:20])
    o.close()
    b.close()
