"""The wire side of the doc check: a tandem.v1 connection (requests matched by id, events buffered, every
frame's encoding checked), raw HTTP requests for the upgrade's answers, the shapes of docs/protocol.md's
objects, and the check/failure bookkeeping every section uses."""

import contextlib
import json
import shlex
import socket
import subprocess
import time
import uuid
from urllib.parse import urlparse

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

SUBPROTOCOL = "tandem.v1"
FAILURES = []
PASSED = [0]


def check(condition, what, detail=None):
    if condition:
        PASSED[0] += 1
        print(f"  ok   {what}")
    else:
        FAILURES.append(what)
        print(f"  FAIL {what}" + (f": {detail}" if detail is not None else ""))
    return condition


# Shapes of docs/protocol.md's Objects table: (required fields, optional fields).
SESSION = ({"id", "title", "owner", "status", "metadata", "created", "updated", "head_seq", "head_eseq"}, {"parent", "role"})
TURN = ({"seq", "author", "role", "content", "created"}, {"metadata", "tokens", "nonce", "undone", "state"})
ROW = ({"key", "version", "value", "author", "updated"}, set())
CONFLICT = ({"path"}, {"base", "current", "proposed", "lines", "lines_more"})
MEMBER = ({"user", "name", "role", "added", "online"}, set())
COMMENT = ({"id", "seq", "author", "text", "created"}, set())
CONTRIBUTION = ({"session", "user", "turns", "tokens", "comments", "row_writes", "merges", "conflicts", "undos"}, set())
CHECKPOINT = ({"name", "seq", "row_count", "by", "created"}, set())
TEMPLATE = ({"name", "source", "by", "created"}, set())
SHARE = ({"id", "session", "permission", "expires", "by", "created", "revoked"}, {"last_used"})
EVENT_BASE = {"event", "session", "eseq"}


def shape(obj, spec, what):
    required, optional = spec
    if not isinstance(obj, dict):
        return check(False, f"{what} is an object", obj)
    keys = set(obj)
    missing, extra = required - keys, keys - required - optional
    return check(not missing and not extra, f"{what} has the documented fields",
                 f"missing {sorted(missing)}, undocumented {sorted(extra)}: {obj}")


def canonical(text):
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Conn:
    """One connection: requests matched by id, events buffered, every frame's encoding checked."""

    def __init__(self, url, token=None, query=None, headers=None, max_queue=16, sock=None):
        target = url + (f"?{query}" if query else "")
        extra = dict(headers or {})
        if token:
            extra["Authorization"] = f"Bearer {token}"
        self.stack = contextlib.ExitStack()
        # No client pings (the idle check is the server's to make); no size limit on what arrives.
        self.ws = self.stack.enter_context(connect(target, subprotocols=[SUBPROTOCOL], open_timeout=5, max_size=None,
                                                   additional_headers=extra, ping_interval=None, max_queue=max_queue,
                                                   sock=sock))
        self.next_id = 1
        self.responses = {}
        self.events = []
        self.noncanonical = []

    def _read(self, timeout):
        text = self.ws.recv(timeout=timeout)
        if text != canonical(text):
            self.noncanonical.append(text[:200])
        message = json.loads(text)
        if "event" in message:
            self.events.append(message)
        else:
            self.responses.setdefault(message.get("id"), []).append(message)

    def send_raw(self, data, text=None):
        self.ws.send(data, text=text)

    def wait_response(self, request_id, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not self.responses.get(request_id):
            self._read(max(0.001, deadline - time.monotonic()))
        answer = self.responses[request_id].pop(0)
        return answer

    def request(self, op, timeout=5.0, **params):
        request_id = self.next_id
        self.next_id += 1
        self.ws.send(json.dumps({"id": request_id, "op": op, **params}))
        return self.wait_response(request_id, timeout)

    def ok(self, op, **params):
        answer = self.request(op, **params)
        if answer.get("ok") is not True:
            raise AssertionError(f"{op} {str(params)[:200]} failed: {str(answer)[:300]}")
        check(set(answer) == {"id", "ok", "result"} and isinstance(answer["result"], dict),
              f"{op}: a success is {{id, ok, result}} with an object result", answer)
        return answer["result"]

    def err(self, op, code, what, field=None, **params):
        answer = self.request(op, **params)
        error = answer.get("error") or {}
        good = answer.get("ok") is False and error.get("code") == code
        if field is not None:
            good = good and error.get("field") == field
        check(good, f"{op}: {what} -> {code}" + (f" (field {field})" if field else ""), answer)
        if answer.get("ok") is False:
            allowed = {"code", "message", "field", "retry_after_ms"}
            check(set(error) <= allowed and isinstance(error.get("message"), str),
                  f"{op}: error object has only documented fields", error)
        return answer

    def event(self, timeout=5.0, where=None):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if where is None or where(e):
                    return self.events.pop(i)
            self._read(max(0.001, deadline - time.monotonic()))

    def durable(self, timeout=5.0):
        return self.event(timeout, lambda e: "eseq" in e)

    def drain(self, wait=0.2):
        """Reads what has arrived and drops the buffered events."""
        try:
            while True:
                self._read(wait)
        except TimeoutError:
            pass
        self.events.clear()

    def closed_with(self, timeout=5.0):
        """Reads until the server closes; returns (code, reason) of its close frame."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    self._read(max(0.001, deadline - time.monotonic()))
                except TimeoutError:
                    break
        except ConnectionClosed as closed:
            return (closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else None)
        return (None, "not closed")

    def close(self):
        try:
            self.stack.close()
        except Exception:  # already closed by the server: nothing left to do
            pass


def http(url, method="GET", path="/ws", headers=None, upgrade=True, version="13", protocol=SUBPROTOCOL):
    """A raw HTTP request: (status, headers dict in lower case, body)."""
    parsed = urlparse(url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parsed.netloc}"]
    if upgrade:
        lines += ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                  f"Sec-WebSocket-Version: {version}"]
        if protocol:
            lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    with socket.create_connection((parsed.hostname, parsed.port), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split()[1]) if head_lines and len(head_lines[0].split()) > 1 else 0
    hdrs = {}
    for line in head_lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def admin(cmd, *args):
    out = subprocess.run(shlex.split(cmd) + list(args), capture_output=True, text=True, timeout=30)
    return out.returncode, out.stdout, out.stderr


def new_id(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"



