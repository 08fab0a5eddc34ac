#!/usr/bin/env python3
"""A branch merge racing writers: the owner merges a branch while one member pipelines posts and puts
to the parent and another pipelines posts to the branch. The interleaving differs from run to run, so
this asserts only what must hold for every one of them, never timings: posts to the parent are never
refused (puts may be `unavailable` beyond max-merge-waits), a post the branch answered ok is in the
parent afterwards, the parent's seqs are dense, each user's contributions are exact, and every member
received the same gapless events, equal to a replay. Best with --server-flag "--write-step-records 2"
(every merge stepped, so writers get in between its steps).
Usage: merge_race.py --tandemd PATH [--rounds 10] [--seed 1] [--server-flag ...]"""
import argparse
import json
import os
import random
import sys
import threading
import time

from wire import Client, Server

# How long the merge waits (at most, random) after the writers start: a few ms lets them get going.
SLEEP = float(os.environ.get("MERGE_RACE_SLEEP", "0.004"))


def pipeline(c, reqs):
    """Sends every request at once; returns the responses in request order."""
    ids = []
    for op, params in reqs:
        rid = c.next_id
        c.next_id += 1
        c.ws.send(json.dumps({"id": rid, "op": op, **params}))
        ids.append(rid)
    deadline = time.monotonic() + 60
    while any(i not in c.responses for i in ids):
        c._read(max(0.001, deadline - time.monotonic()))
    return [c.responses.pop(i) for i in ids]


def fail(msg):
    raise AssertionError(msg)


def one_round(srv, users, tokens, n, rng):
    o, bob, carol = (Client(srv.url, tokens[u], u) for u in users)
    try:
        p, b = f"c{n}", f"c{n}-b"
        o.request("session.create", session=p)
        o.request("member.add", session=p, user=users[1], role="write")
        o.request("member.add", session=p, user=users[2], role="write")
        for i in range(5):
            o.request("turn.post", session=p, content=f"p{i}", tokens={"input": 1, "output": 1})
        o.request("state.put", session=p, key="shared", value={"a": 1}, base=0)
        assert o.request("branch.create", session=p, branch=b)["ok"]
        for c in (o, bob, carol):
            for s in (p, b):
                assert c.request("session.join", session=s)["ok"]
        for i in range(rng.randint(3, 15)):
            carol.request("turn.post", session=b, content=f"b{i}", tokens={"input": 2, "output": 3})
        for i in range(rng.randint(0, 6)):
            carol.request("state.put", session=b, key=f"bk{i}", value={"i": i}, base=0)
        carol.request("comment.add", session=b, seq=6, text="on a branch turn")
        # the race
        breqs = [("turn.post", {"session": p, "content": f"bob{i}", "tokens": {"input": 5, "output": 0}})
                 for i in range(rng.randint(5, 25))]
        breqs += [("state.put", {"session": p, "key": f"pk{i}", "value": i, "base": 0}) for i in range(rng.randint(0, 5))]
        rng.shuffle(breqs)
        creqs = [("turn.post", {"session": b, "content": f"late{i}", "tokens": {"input": 7, "output": 0}})
                 for i in range(rng.randint(1, 10))]
        out = {}
        t1 = threading.Thread(target=lambda: out.__setitem__("bob", pipeline(bob, breqs)))
        t2 = threading.Thread(target=lambda: out.__setitem__("carol", pipeline(carol, creqs)))
        t1.start(); t2.start()
        time.sleep(rng.uniform(0, SLEEP))
        o.ws.send(json.dumps({"id": 9999, "op": "branch.merge", "session": b}))
        t1.join(); t2.join()
        deadline = time.monotonic() + 60
        while 9999 not in o.responses:
            o._read(max(0.001, deadline - time.monotonic()))
        merge = o.responses.pop(9999)
        if not merge.get("ok") or not merge["result"]["merged"]:
            fail(f"merge: {merge}")
        bob_posts = [r for (op, _), r in zip(breqs, out["bob"]) if op == "turn.post"]
        bob_puts = [r for (op, _), r in zip(breqs, out["bob"]) if op == "state.put" and r.get("ok")]
        for (op, _), r in zip(breqs, out["bob"]):
            if not r.get("ok") and not (op == "state.put" and r["error"]["code"] == "unavailable"):
                fail(f"bob's {op} to the parent refused: {r}")
        carol_ok = [r for r in out["carol"] if r.get("ok")]
        carol_refused = [r for r in out["carol"] if not r.get("ok")]
        for r in carol_refused:
            if r["error"]["code"] not in ("session_archived", "conflict"):
                fail(f"carol's late post answered {r}")
        # derived answers of the parent
        hist = []
        since = 0
        while True:
            h = o.request("history", session=p, since=since, limit=1000, include_undone=True)["result"]
            hist += h["turns"]
            if not h["more"]:
                break
            since = hist[-1]["seq"]
        seqs = [t["seq"] for t in hist]
        if seqs != list(range(1, len(seqs) + 1)):
            fail(f"parent seqs not dense: {seqs}")
        by = {}
        for t in hist:
            by.setdefault(t["author"], []).append(t)
        merged_turns = merge["result"]["last_seq"] - merge["result"]["first_seq"] + 1
        n_carol_branch = len([t for t in hist if t["author"] == users[2]])
        want_carol = merged_turns  # every merged turn is carol's
        if n_carol_branch != want_carol:
            fail(f"carol has {n_carol_branch} turns in the parent, merge says {want_carol}")
        if len(by.get(users[1], [])) != len(bob_posts):
            fail(f"bob: {len(by.get(users[1], []))} turns in history, {len(bob_posts)} posts answered")
        contrib = {c["user"]: c for c in o.request("contributions", session=p)["result"]["contributions"]}
        bc = contrib.get(users[1])
        if bc["turns"] != len(bob_posts) or bc["tokens"]["input"] != 5 * len(bob_posts) or bc["row_writes"] != len(bob_puts):
            fail(f"bob's contributions {bc}, {len(bob_posts)} posts, {len(bob_puts)} puts")
        cc = contrib.get(users[2])
        in_tokens = sum(t.get("tokens", {}).get("input", 0) for t in by.get(users[2], []))
        if cc["turns"] != n_carol_branch or cc["tokens"]["input"] != in_tokens or cc["comments"] != 1:
            fail(f"carol's contributions in the parent {cc}; {n_carol_branch} turns, tokens {in_tokens}")
        bcontrib = {c["user"]: c for c in o.request("contributions", session=b)["result"]["contributions"]}
        cb = bcontrib.get(users[2])
        if cb and (cb["turns"] != 0 or cb["tokens"]["input"] != 0 or cb["comments"] != 0):
            fail(f"carol's contributions left in the branch {cb}")
        # late posts that were answered ok must be in the parent (merged) - none can be lost
        for r in carol_ok:
            content = r["result"]["turn"]["content"]
            if not any(t["content"] == content and t["author"] == users[2] for t in hist):
                fail(f"carol's post {content} answered ok in the branch but not merged")
        # events: every member got the same gapless sequence, equal to a replay
        head = o.request("session.get", session=p)["result"]["session"]["head_eseq"]
        seen = []
        for c in (o, bob, carol):
            c.wait_eseq(p, head, timeout=10)
            ev = c.durable(p)
            es = [e["eseq"] for e in ev]
            if es != list(range(es[0], es[0] + len(es))) or es[-1] != head:
                fail(f"{c.user}: eseqs {es[:5]}..{es[-5:]} head {head}")
            seen.append(ev)
        if not (seen[0] == seen[1] == seen[2]):
            fail("members saw different events")
        r = Client(srv.url, tokens[users[0]], users[0])
        r.request("session.join", session=p, since=0)
        r.wait_eseq(p, head, timeout=10)
        replay = r.durable(p)
        r.close()
        first = seen[0][0]["eseq"]
        if replay[first - 1:] != seen[0]:
            for a, bb in zip(replay[first - 1:], seen[0]):
                if a != bb:
                    fail(f"replay differs: {a} vs live {bb}")
            fail("replay length differs")
        return len(bob_posts), len(carol_ok), len(carol_refused), merged_turns
    finally:
        for c in (o, bob, carol):
            c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tandemd", required=True, help="the tandemd binary (tandem-admin beside it)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--server-flag", action="append", default=[])
    args = ap.parse_args()
    srv = Server(args.tandemd, [f for x in args.server_flag for f in x.split()])
    rng = random.Random(args.seed)
    failures = 0
    try:
        users = ["owner", "cbob", "ccarol"]
        tokens = {"owner": srv.owner_token, "cbob": srv.add_user("cbob"), "ccarol": srv.add_user("ccarol")}
        for n in range(args.rounds):
            try:
                print(f"round {n}: ok (bob posts, carol ok, carol refused, merged) = {one_round(srv, users, tokens, n, rng)}")
            except AssertionError as e:
                failures += 1
                print(f"round {n} (seed {args.seed}): FAIL {str(e)[:3000]}")
    finally:
        srv.stop()
    print(f"{args.rounds} rounds, {failures} failing")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
