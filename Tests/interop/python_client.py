#!/usr/bin/env python3
"""Interoperability test: drives a running tandemd with a WebSocket client no one here wrote,
Python's `websockets` (pinned by Tests/interop/run), speaking tandem.v1 from docs/protocol.md.

It connects (subprotocol tandem.v1, Bearer token; permessage-deflate as websockets offers it),
creates a session, joins, posts and receives its own turn events, drops the connection, lets
another connection (?token= auth) post meanwhile, reconnects with `since` and checks that exactly
the missed events arrive (no gap, no duplicate), then live ones; retries a post by nonce.

Usage: python_client.py --url ws://127.0.0.1:PORT/ws --token TOKEN
Prints PASS or FAIL lines; exits non-zero on any failure.
"""
import argparse
import contextlib
import json
import sys
import time
import uuid

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

SUBPROTOCOL = "tandem.v1"


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"  ok   {what}")


class Client:
    """A tandem.v1 client: requests matched by id, events buffered in arrival order."""

    def __init__(self, url, token, via_query=False):
        self.stack = contextlib.ExitStack()
        if via_query:
            opening = connect(f"{url}?token={token}", subprotocols=[SUBPROTOCOL], open_timeout=5)
        else:
            opening = connect(url, subprotocols=[SUBPROTOCOL], open_timeout=5,
                              additional_headers={"Authorization": f"Bearer {token}"})
        self.ws = self.stack.enter_context(opening)
        self.next_id = 1
        self.responses = {}
        self.events = []

    def _read(self, timeout):
        message = json.loads(self.ws.recv(timeout=timeout))
        if "event" in message:
            self.events.append(message)
        else:
            self.responses[message.get("id")] = message

    def request(self, op, timeout=5.0, **params):
        request_id = self.next_id
        self.next_id += 1
        self.ws.send(json.dumps({"id": request_id, "op": op, **params}))
        deadline = time.monotonic() + timeout
        while request_id not in self.responses:
            self._read(max(0.001, deadline - time.monotonic()))
        return self.responses.pop(request_id)

    def ok(self, op, **params):
        response = self.request(op, **params)
        if response.get("ok") is not True:
            raise Failure(f"{op} failed: {response}")
        return response["result"]

    def next_event(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not self.events:
            self._read(max(0.001, deadline - time.monotonic()))
        return self.events.pop(0)

    def next_durable_event(self, timeout=5.0):
        """The next event with an eseq (presence and share.expired are ephemeral)."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_event(max(0.001, deadline - time.monotonic()))
            if "eseq" in event:
                return event

    def close(self):
        self.stack.close()


def run(url, token):
    session = "py-" + uuid.uuid4().hex[:12]

    print("handshake")
    try:
        with connect(url, subprotocols=[SUBPROTOCOL], open_timeout=5,
                     additional_headers={"Authorization": "Bearer not-a-token"}):
            pass
        raise Failure("a bad token was accepted")
    except InvalidStatus as refused:
        check(refused.response.status_code == 401, "a bad token is refused with HTTP 401")
    client = Client(url, token)
    check(client.ws.subprotocol == SUBPROTOCOL, "the server selects tandem.v1")
    check(isinstance(client.ok("ping")["time"], int), "ping answers with the server time")

    print("session, join, post, receive")
    created = client.ok("session.create", session=session, title="Python interop")
    check(created["session"]["id"] == session and created["session"]["role"] == "owner", "session.create makes us owner")
    joined = client.ok("session.join", session=session)
    last_eseq = joined["head_eseq"]
    check(joined["online"] == [created["session"]["owner"]], "join result lists us online")
    for n in range(5):
        nonce = f"py-{n}"
        posted = client.ok("turn.post", session=session, content=f"hello {n} from websockets", nonce=nonce)
        check(posted["duplicate"] is False and posted["turn"]["seq"] == n + 1, f"turn {n + 1} acknowledged with its seq")
        event = client.next_durable_event()
        check(event["eseq"] == last_eseq + 1 and event["seq"] == n + 1 and event["nonce"] == nonce,
              f"own turn event {n + 1} received in order")
        last_eseq = event["eseq"]
    put = client.ok("state.put", session=session, key="plan", value={"steps": ["draft"]}, base=0)
    check(put["outcome"] == "applied" and put["row"]["version"] == 1, "state.put applied")
    state_event = client.next_durable_event()
    check(state_event["event"] == "state" and state_event["eseq"] == last_eseq + 1, "state event received")
    last_eseq = state_event["eseq"]

    print("drop, others post meanwhile, reconnect with since")
    client.ws.socket.close()  # vanish without a closing handshake
    other = Client(url, token, via_query=True)
    missed = [other.ok("turn.post", session=session, content=f"missed {n}")["eseq"] for n in range(3)]
    other.close()
    check(missed == [last_eseq + 1, last_eseq + 2, last_eseq + 3], "three turns posted while disconnected")
    client = Client(url, token)
    rejoined = client.ok("session.join", session=session, since=last_eseq)
    check(rejoined["backlog"] == 3 and rejoined["head_eseq"] == last_eseq + 3, "join with since reports a backlog of 3")
    replayed = [client.next_durable_event() for _ in range(3)]
    check([e["eseq"] for e in replayed] == missed, "exactly the missed events, in order")
    check([e["content"] for e in replayed] == [f"missed {n}" for n in range(3)], "with their content")
    last_eseq = replayed[-1]["eseq"]
    live = client.ok("turn.post", session=session, content="live again")
    event = client.next_durable_event()
    check(event["eseq"] == last_eseq + 1 == live["eseq"], "then live events, no gap, no duplicate")

    print("idempotent retry")
    retried = client.ok("turn.post", session=session, content="hello 0 from websockets", nonce="py-0")
    check(retried["duplicate"] is True and retried["turn"]["seq"] == 1, "a retried nonce is a duplicate of seq 1")
    history = client.ok("history", session=session, last=100)
    check([t["seq"] for t in history["turns"]] == list(range(1, 10)), "history holds seqs 1..9 once each")
    bad = client.request("turn.teleport", session=session)
    check(bad["ok"] is False and bad["error"]["code"] == "unknown_op", "an unknown op is answered unknown_op")
    client.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="ws://HOST:PORT/ws")
    parser.add_argument("--token", required=True, help="an API token of a tandemd user")
    args = parser.parse_args()
    try:
        run(args.url, args.token)
    except (Failure, Exception) as failure:  # any exception is a failed interop run
        print(f"FAIL: {type(failure).__name__}: {failure}")
        return 1
    print("PASS: Python websockets interoperates with tandemd (post, receive, recover)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
