"""The connection: HTTP answers at the upgrade, framing and close codes, request envelopes, timeouts."""

import json
import os
import signal
import socket
import time
import uuid
from urllib.parse import urlparse


from wire import SUBPROTOCOL, Conn, check, http, new_id


def handshake(a):
    url, token = a.url, a.token
    auth = {"Authorization": f"Bearer {token}"}
    status, hdrs, _ = http(url, headers=auth)
    check(status == 101 and hdrs.get("sec-websocket-protocol") == SUBPROTOCOL, "101 selects tandem.v1", (status, hdrs))
    status, _, _ = http(url, headers=auth, protocol=None)
    check(status == 400, "tandem.v1 not offered -> 400", status)
    status, _, _ = http(url, headers=auth, protocol="other.v9")
    check(status == 400, "only another subprotocol offered -> 400", status)
    status, _, _ = http(url, path=f"/ws?token={token}", headers=auth)
    check(status == 400, "two credentials (header and ?token) -> 400", status)
    status, hdrs, body = http(url, headers={"Authorization": "Bearer nope"})
    check(status == 401 and hdrs.get("www-authenticate") == 'Bearer realm="tandem"', "a bad token -> 401 with WWW-Authenticate", (status, hdrs))
    status, _, _ = http(url)
    check(status == 401, "no credential -> 401", status)
    status, _, _ = http(url, path="/nowhere", headers=auth)
    check(status == 404, "unknown path -> 404", status)
    status, hdrs, _ = http(url, method="POST", headers=auth)
    check(status == 405 and "GET" in hdrs.get("allow", ""), "POST /ws -> 405 with Allow", (status, hdrs))
    status, _, _ = http(url, headers=auth, upgrade=False)
    check(status == 426, "a plain GET /ws -> 426", status)
    status, hdrs, _ = http(url, headers=auth, version="8")
    check(status == 426 and hdrs.get("sec-websocket-version") == "13", "Sec-WebSocket-Version 8 -> 426 naming 13", (status, hdrs))
    status, _, _ = http(url, path="/healthz", upgrade=False)
    check(status == 200, "GET /healthz -> 200", status)
    status, hdrs, _ = http(url, path="/healthz", method="HEAD", upgrade=False)
    check(status == 200, "HEAD /healthz -> 200 (HEAD taken for plain pages)", status)
    status, _, _ = http(url, path="/s/nosuchsecret", upgrade=False)
    check(status in (200, 404), "a share page for an unknown secret answers (200 page or 404)", status)
    status, _, _ = http(url, path="/ws?share=nosuchsecret")
    check(status == 401, "an unknown share secret -> 401", status)
    c = Conn(url, query=f"token={token}")
    check(c.ws.subprotocol == SUBPROTOCOL, "?token= authenticates")
    pong = c.ok("ping")
    check(set(pong) == {"time", "user"} and isinstance(pong["time"], int) and pong["user"] == "owner",
          "ping -> {time, user}", pong)
    check(abs(pong["time"] - time.time() * 1000) < 60000, "ping time is ms since the epoch", pong)
    c.close()


def framing(a):
    c = Conn(a.url, a.token)
    c.send_raw(b"\x01\x02", text=False)
    check(c.closed_with()[0] == 1003, "a binary frame closes with 1003")
    c = Conn(a.url, a.token)
    c.send_raw(b'{"id":1,"op":"ping","x":"\xff"}', text=True)
    check(c.closed_with()[0] == 1007, "invalid UTF-8 in a text frame closes with 1007")
    c = Conn(a.url, a.token)
    c.send_raw(json.dumps({"id": 1, "op": "ping", "pad": "x" * (1024 * 1024 + 10)}))
    code = c.closed_with()
    check(code[0] == 1009, "a message over max_message_bytes closes with 1009", code)
    c = Conn(a.url, a.token)
    c.ok("session.create", title="canonical é / \"q\"", metadata={"b": 1, "a": {"z": [1, 2], "y": None}})
    c.ok("ping")
    check(not c.noncanonical, "server messages have sorted keys and no whitespace", c.noncanonical)
    c.close()


def messages(a):
    c = Conn(a.url, a.token)

    def raw(text):
        c.send_raw(text)
        deadline = time.monotonic() + 5
        while True:
            for k in list(c.responses):
                if c.responses[k]:
                    return c.responses[k].pop(0)
            c._read(max(0.001, deadline - time.monotonic()))

    def expect(text, code, rid, what):
        answer = raw(text)
        check(answer.get("ok") is False and answer.get("error", {}).get("code") == code and "id" in answer
              and answer["id"] == rid, f"{what} -> {code}, id {json.dumps(rid)}", answer)
        return answer

    expect('{"id":1,"op":"ping"', "invalid_json", None, "truncated JSON")
    expect('[1,2]', "bad_request", None, "not an object")
    expect('"ping"', "bad_request", None, "a string")
    expect('{"op":"ping"}', "bad_request", None, "id missing")
    expect('{"id":1.5,"op":"ping"}', "bad_request", None, "a fractional id")
    expect('{"id":"","op":"ping"}', "bad_request", None, "an empty string id")
    expect('{"id":"%s","op":"ping"}' % ("x" * 129), "bad_request", None, "a 129-byte id")
    expect('{"id":9007199254740992,"op":"ping"}', "bad_request", None, "an id past 2^53-1")
    expect('{"id":true,"op":"ping"}', "bad_request", None, "a boolean id")
    expect('{"id":null,"op":"ping"}', "bad_request", None, "a null id")
    answer = raw('{"id":"%s","op":"ping"}' % ("x" * 128))
    check(answer.get("ok") is True and answer["id"] == "x" * 128, "a 128-byte id is taken", answer)
    answer = raw('{"id":-9007199254740991,"op":"ping"}')
    check(answer.get("ok") is True and answer["id"] == -9007199254740991, "id -(2^53-1) is taken", answer)
    expect('{"id":7}', "bad_request", 7, "op missing")
    expect('{"id":8,"op":5}', "bad_request", 8, "op not a string")
    expect('{"id":9,"op":"turn.teleport"}', "unknown_op", 9, "an unknown op")
    expect('{"id":10,"op":"ping","x":99999999999999999999}', "invalid_json", 10, "an integer beyond 64 bits")
    expect('{"id":11,"op":"ping","x":1e309}', "invalid_json", 11, "a double beyond range")
    expect('{"id":12,"op":"ping","x":{"\\u00e9":1,"e\\u0301":2}}', "invalid_json", None,
           "two keys differing only in normalization")
    deep = '{"id":13,"op":"session.create","metadata":' + '{"a":' * 70 + '1' + '}' * 70 + '}'
    expect(deep, "invalid_json", None, "nesting deeper than max_json_depth")
    answer = raw('{"id":14,"op":"ping","id":15}')
    check(answer.get("id") == 15, "a duplicate key: the last one wins", answer)
    answer = raw('{"id":16,"op":"ping","bogus":1}')
    check(answer.get("error", {}).get("code") == "invalid_argument" and answer["error"].get("field") == "bogus",
          "an unknown request field -> invalid_argument naming it", answer)
    sid = new_id("m")
    c.ok("session.create", session=sid)
    c.err("turn.post", "invalid_argument", "negative tokens.input", field="tokens.input",
          session=sid, content="x", tokens={"input": -3, "output": 0})
    made = c.ok("session.create", title=None, metadata=None)
    check(made["session"]["title"] == "" and made["session"]["metadata"] == {}, "null in a request = absent", made)
    check(len(made["session"]["id"]) > 0, "a generated session id")
    c.err("session.create", "invalid_argument", "a session id with a space", field="session", session="a b")
    c.err("session.create", "invalid_argument", "a 65-byte session id", field="session", session="a" * 65)
    c.err("turn.post", "invalid_argument", "content of the wrong type", field="content", session=sid, content=5)
    c.err("turn.post", "invalid_argument", "a missing content", field="content", session=sid)
    c.err("turn.post", "invalid_argument", "an unknown role", field="role", session=sid, content="x", role="robot")
    c.err("turn.post", "invalid_argument", "a bad nonce", field="nonce", session=sid, content="x", nonce="a b")
    c.err("session.get", "not_found", "a session that does not exist", session="nope-" + uuid.uuid4().hex)
    c.close()


def idle(a):
    """A client that answers nothing, not even the server's pings (raw socket after the upgrade)."""
    if not a.small_url:
        return
    parsed = urlparse(a.small_url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=15) as s:
        s.sendall((f"GET /ws HTTP/1.1\r\nHost: {parsed.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\nAuthorization: Bearer {a.small_token}\r\n\r\n").encode())
        started = time.monotonic()
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        data = data.partition(b"\r\n\r\n")[2]
        pings, code = 0, None
        while code is None:
            while len(data) < 2:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            if len(data) < 2:
                break
            opcode, length = data[0] & 0x0F, data[1] & 0x7F
            while len(data) < 2 + length:
                data += s.recv(4096)
            payload, data = data[2:2 + length], data[2 + length:]
            if opcode == 0x9:
                pings += 1
            elif opcode == 0x8:
                code = int.from_bytes(payload[:2], "big")
        took = time.monotonic() - started
    check(code == 4000 and pings >= 1, f"a client silent to {pings} pings is closed with 4000 after {took:.1f} s", code)


def more_http(a):
    """Origins, oversized requests, HEAD, the public URL and max-connections on the second server."""
    if not a.small_url:
        return
    url, token = a.small_url, a.small_token
    auth = {"Authorization": f"Bearer {token}"}
    host = urlparse(url).netloc
    status, _, _ = http(url, headers={**auth, "Origin": "https://evil.example"})
    check(status == 403, "an Origin not allowed -> 403", status)
    status, _, _ = http(url, headers={**auth, "Origin": "https://OK.example:443"})
    check(status == 101, "an allowed Origin in other case with its default port -> 101", status)
    status, _, _ = http(url, headers={**auth, "Origin": f"http://{host}"})
    check(status == 101, "the server's own origin (its Host) -> 101", status)
    status, _, _ = http(url, headers={**auth, "Origin": "https://tandem.example.com"})
    check(status == 101, "public-url's origin -> 101", status)
    status, _, _ = http(url, path="/ws?pad=" + "x" * 70000, headers=auth)
    check(status == 414, "a request line over its limit -> 414", status)
    status, _, _ = http(url, headers={**auth, "X-Pad": "x" * 70000})
    check(status == 431, "headers over their limit -> 431", status)
    status, hdrs, _ = http(url, method="HEAD", headers=auth)
    check(status == 405, "HEAD /ws -> 405", (status, hdrs))
    status, _, _ = http(url, path="/metrics", upgrade=False)
    check(status == 200, "GET /metrics from this machine -> 200", status)


def public_url_and_capacity(a):
    if not a.small_url:
        return
    c = Conn(a.small_url, a.small_token)
    sid = c.ok("session.list")["sessions"][-1]["id"]
    made = c.ok("share.create", session=sid, expires_at=int(time.time() * 1000) + 60000)
    check(made["url"] == f"https://tandem.example.com/s/{made['secret']}", "with public-url, share.create's url is the whole link", made)
    status, _, body = http(a.small_url, path=f"/s/{made['secret']}", upgrade=False)
    check(status == 200 and b"<" in body[:200], "GET /s/SECRET serves the viewer page", status)
    held = [c]
    try:
        while len(held) < a.small_max_connections:
            held.append(Conn(a.small_url, a.small_token))
        status, hdrs, _ = http(a.small_url, headers={"Authorization": f"Bearer {a.small_token}"})
        check(status == 503 and hdrs.get("retry-after") == "5", "past max-connections -> 503 with Retry-After: 5", (status, hdrs))
    finally:
        for x in held:
            x.close()
    time.sleep(0.3)


def auth_failures(a):
    """Last: it bars this address from the second server for a minute."""
    if not a.small_url:
        return
    held = Conn(a.small_url, a.small_token)
    statuses = []
    for _ in range(6):
        status, hdrs, _ = http(a.small_url, headers={"Authorization": "Bearer wrong"})
        statuses.append((status, hdrs.get("retry-after")))
    check(statuses[0][0] == 401 and statuses[-1][0] == 429 and statuses[-1][1], "auth failures past the limit -> 429 with Retry-After", statuses)
    status, _, _ = http(a.small_url, headers={"Authorization": f"Bearer {a.small_token}"})
    check(status == 429, "then a valid token from that address too", status)
    if a.small_pid:
        shutdown(a, held)


def shutdown(a, c):
    c.ok("ping")
    os.kill(a.small_pid, signal.SIGTERM)
    code = c.closed_with(timeout=10)
    check(code[0] == 1001, "a server shutting down closes with 1001", code)
