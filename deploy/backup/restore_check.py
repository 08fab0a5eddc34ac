#!/usr/bin/env python3
"""Load and verification for deploy/backup/test-restore (Python websockets, speaking tandem.v1).

  restore_check.py load   --url URL --token T --session S --acks FILE --stop FILE
      Creates S, then posts turns from 3 connections until FILE --stop exists. Every acknowledged
      turn is appended to --acks as one JSON line {"seq", "content"} as soon as its ack arrives.
  restore_check.py verify --url URL --token T --session S --acks FILE --at-least N
      Reads S's whole history through the server and checks: seqs are 1..head with no gap, head >= N
      (every turn acknowledged before the backup started is there), every turn equals the one
      acknowledged with that seq, and a new post continues at head + 1. Prints the head seq.
"""
import argparse
import contextlib
import json
import os
import sys
import threading
import time

from websockets.sync.client import connect


class Failure(Exception):
    pass


class Conn:
    def __init__(self, url, token):
        # websockets 17 wants connect() entered as a context manager; the stack closes it.
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(url, subprotocols=["tandem.v1"], open_timeout=5, max_size=None,
                                                   additional_headers={"Authorization": f"Bearer {token}"}))
        self.next_id = 1

    def ok(self, op, **params):
        request_id = self.next_id
        self.next_id += 1
        self.ws.send(json.dumps({"id": request_id, "op": op, **params}))
        while True:
            message = json.loads(self.ws.recv(timeout=10))
            if message.get("id") == request_id:
                if message.get("ok") is not True:
                    raise Failure(f"{op} failed: {message}")
                return message["result"]


def load(args):
    Conn(args.url, args.token).ok("session.create", session=args.session, title="backup under load")
    lock = threading.Lock()
    errors = []
    acks = open(args.acks, "a", buffering=1)

    def writer(n):
        try:
            conn = Conn(args.url, args.token)
            i = 0
            while not os.path.exists(args.stop):
                content = f"writer {n} turn {i} " + "x" * (i % 200)
                result = conn.ok("turn.post", session=args.session, content=content, nonce=f"w{n}-{i}")
                with lock:
                    acks.write(json.dumps({"seq": result["turn"]["seq"], "content": content}) + "\n")
                i += 1
        except Exception as error:  # reported by the main thread
            errors.append(f"writer {n}: {error!r}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acks.close()
    if errors:
        raise Failure("; ".join(errors))


def verify(args):
    acked = {}
    with open(args.acks) as f:
        for line in f:
            entry = json.loads(line)
            acked[entry["seq"]] = entry["content"]
    conn = Conn(args.url, args.token)
    turns = []
    since = 0
    while True:
        page = conn.ok("history", session=args.session, since=since, limit=1000)
        turns.extend(page["turns"])
        if not page["more"]:
            break
        since = page["turns"][-1]["seq"]
    head = len(turns)
    seqs = [t["seq"] for t in turns]
    if seqs != list(range(1, head + 1)):
        raise Failure(f"history seqs are not 1..{head} without gaps")
    print(f"  ok   restored history holds turns 1..{head} with no gap")
    if head < args.at_least:
        raise Failure(f"only {head} turns restored; {args.at_least} were acknowledged before the backup started")
    print(f"  ok   every turn acknowledged before the backup started is there ({args.at_least} <= {head})")
    for t in turns:
        if acked.get(t["seq"]) != t["content"]:
            raise Failure(f"turn {t['seq']} differs from the one acknowledged with that seq")
    print(f"  ok   each restored turn equals the acknowledged turn of that seq")
    if head > len(acked):
        raise Failure(f"{head} turns restored but only {len(acked)} were ever acknowledged")
    result = conn.ok("turn.post", session=args.session, content="after restore")
    if result["turn"]["seq"] != head + 1:
        raise Failure(f"a post after restore got seq {result['turn']['seq']}, expected {head + 1}")
    print(f"  ok   a post after the restore continues at seq {head + 1}")
    print(f"head={head}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["load", "verify"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--acks", required=True)
    parser.add_argument("--stop")
    parser.add_argument("--at-least", type=int, default=0)
    args = parser.parse_args()
    try:
        load(args) if args.mode == "load" else verify(args)
    except (Failure, OSError, TimeoutError) as failure:
        print(f"FAIL: {failure}")
        sys.exit(1)


if __name__ == "__main__":
    main()
