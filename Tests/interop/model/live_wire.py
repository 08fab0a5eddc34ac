"""Plumbing for the live checks: a client's ephemeral events (presence, share.expired), waiting for a
connection's close and reading its code and reason, a handshake's HTTP refusal, and requests that wait
out `rate_limited` (for setup on servers started with a tiny request rate)."""
import time

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from matching import Mismatch
from wire import SUBPROTOCOL, Client


def code(r):
    """An answer's outcome: "ok" or its error code."""
    return "ok" if r.get("ok") else r["error"]["code"]


def ephemeral(client, session, kind):
    """The `kind` events (`presence`, `share.expired`) of `session` this client holds, in arrival order."""
    return [e for e in client.events.get(session, []) if e["event"] == kind]


def wait_for(client, pred, timeout):
    """Reads until `pred()` holds; False when `timeout` passes or the connection closes first."""
    deadline = time.monotonic() + timeout
    while not pred():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            client._read(left)
        except (TimeoutError, ConnectionClosed):
            return pred()
    return True


def wait_close(client, timeout):
    """Reads (keeping events) until the server closes the connection; its (code, reason), or None
    when it is still open after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            client._read(left)
        except TimeoutError:
            return None
        except ConnectionClosed as e:
            rcvd = e.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, None)


def refused_status(url, token=None, share=None):
    """The HTTP status and Retry-After a handshake is refused with, or None when it is accepted
    (the connection is then closed at once)."""
    try:
        if share:
            ws = connect(f"{url}?share={share}", subprotocols=[SUBPROTOCOL], open_timeout=5)
        else:
            ws = connect(url, subprotocols=[SUBPROTOCOL], open_timeout=5,
                         additional_headers={"Authorization": f"Bearer {token}"})
    except InvalidStatus as e:
        return e.response.status_code, e.response.headers.get("Retry-After")
    ws.close()
    return None


def unlimited(client, op, **params):
    """A request's answer, sent again after each `rate_limited` once its `retry_after_ms` passed."""
    for _ in range(100):
        r = client.request(op, **params)
        if r.get("ok") or r["error"]["code"] != "rate_limited":
            return r
        time.sleep(r["error"]["retry_after_ms"] / 1000 + 0.01)
    raise Mismatch(f"{client.user}: {op} still rate_limited after 100 tries")


def patient(client, op, **params):
    """A request that must succeed (waiting out `rate_limited`): its result."""
    r = unlimited(client, op, **params)
    if not r.get("ok"):
        raise Mismatch(f"{client.user}: {op} {params}: {r}")
    return r["result"]


def open_client(server, token, user, share=None):
    """A member's (token) or a viewer's (share secret) connection to `server`."""
    return Client(server.url, token, user, share=share)
