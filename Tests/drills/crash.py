#!/usr/bin/env python3
"""Crash drill: load, `kill -9 tandemd` at a random moment, restart on the same database, verify. N times.

Four members post turns (8 in flight each, every post with a nonce) and write their own state row
(base = the version they last had acknowledged) until the server is killed. Every acknowledged turn
(seq, nonce) and row write (key, version, value) is recorded; posts in flight at the kill may or may not
have landed. After the restart, before the next round's load:
- every member reconnects and joins with `since` = the last eseq it saw: the backlog must bring exactly
  the missed events (eseq gap-free from its last, no duplicate), including every acknowledged turn;
- `history` holds seqs 1..head_seq without a gap and every acknowledged turn with its nonce;
- every member's row is at its last acknowledged version with that value (or one version newer when a
  write was in flight at the kill);
- `PRAGMA integrity_check` on the database file (read-only, while tandemd runs) says ok.
Lost writes are counted and must be 0. The same database carries on through every round.
"""
import argparse
import asyncio
import os
import random
import sqlite3
import sys
import time

from websockets.exceptions import ConnectionClosed

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tandem_drill import Admin, Client, DrillFailure, Ledger, Tandemd  # noqa: E402

SESSION = "crash"
MEMBERS = ["owner", "w1", "w2", "w3"]


class Member:
    def __init__(self, name, token):
        self.name = name
        self.token = token
        self.ledger = Ledger(name, SESSION)
        self.acked = {}          # seq → nonce
        self.in_flight = set()   # nonces sent, not answered when the server died
        self.row_version = 0     # last acknowledged version of row-<name>
        self.row_value = None
        self.row_in_flight = False
        self.posted = 0


def integrity(db):
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


async def load(server, member, stop):
    """Posts (8 in flight) and row writes until the connection dies."""
    client = await Client.open(server.url, token=member.token, label=member.name,
                               on_event=lambda event, _c: member.ledger.apply(event))
    window = []
    try:
        # Joined while posting: live events until the kill, the rest recovered with since afterwards.
        await client.ok("session.join", session=SESSION, since=member.ledger.last)
        while not stop.is_set():
            while len(window) < 8:
                nonce = f"{member.name}-{member.posted}"
                member.posted += 1
                member.in_flight.add(nonce)
                window.append((nonce, await client.send("turn.post", session=SESSION, content=f"crash drill {nonce}", nonce=nonce)))
            nonce, waiter = window.pop(0)
            answer = await waiter
            if not answer.get("ok"):
                raise DrillFailure(f"{member.name}: turn.post refused: {answer}")
            member.acked[answer["result"]["turn"]["seq"]] = nonce
            member.in_flight.discard(nonce)
            if member.posted % 5 == 0:
                value = {"by": member.name, "n": member.posted}
                member.row_in_flight = True
                put = await (await client.send("state.put", session=SESSION, key=f"row-{member.name}", value=value,
                                                base=member.row_version))
                if not put.get("ok") or put["result"]["outcome"] != "applied":
                    raise DrillFailure(f"{member.name}: state.put not applied: {put}")
                member.row_version = put["result"]["row"]["version"]
                member.row_value = value
                member.row_in_flight = False
    except (ConnectionError, ConnectionClosed, OSError):
        pass  # the kill
    finally:
        await client.close()


async def recover_and_verify(server, members, round_no):
    """Every member rejoins with since and must end with everything acknowledged; returns lost writes."""
    problems = []
    lost = 0
    all_acked = {}
    for member in members:
        all_acked.update({seq: nonce for seq, nonce in member.acked.items()})
    recovered = []
    for member in members:
        since = member.ledger.last
        client = await Client.open(server.url, token=member.token, label=f"{member.name}-rejoin",
                                   on_event=lambda event, _c, m=member: m.ledger.apply(event))
        joined = await client.ok("session.join", session=SESSION, since=since)
        if joined["backlog"] != joined["head_eseq"] - since:
            problems.append(f"{member.name}: backlog {joined['backlog']} for since {since}, head {joined['head_eseq']}")
        deadline = time.monotonic() + 20
        while member.ledger.last < joined["head_eseq"] and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        recovered.append(joined["backlog"])
        problems += member.ledger.problems
        member.ledger.problems = []
        missing = member.ledger.missing(all_acked)
        if missing:
            lost += len(missing)
            problems.append(f"{member.name}: {len(missing)} acknowledged turns not seen after rejoin, e.g. {missing[:5]}")
        # Its row: the last acknowledged version, or one newer if a write was in flight.
        rows = (await client.ok("state.get", session=SESSION, key=f"row-{member.name}"))["rows"]
        version = rows[0]["version"] if rows else 0
        if version == member.row_version:
            if rows and rows[0]["value"] != member.row_value:
                lost += 1
                problems.append(f"{member.name}: row at v{version} holds {rows[0]['value']}, acknowledged {member.row_value}")
        elif member.row_in_flight and version == member.row_version + 1:
            member.row_version, member.row_value = version, rows[0]["value"]
        else:
            lost += 1
            problems.append(f"{member.name}: row at version {version}, last acknowledged {member.row_version}")
        member.row_in_flight = False
        member.in_flight.clear()
        if member is members[0]:
            # The whole history: seqs 1..head_seq, no gap, every acknowledged turn with its nonce.
            seqs, nonces, since_seq = [], {}, 0
            while True:
                page = await client.ok("history", session=SESSION, since=since_seq, limit=1000)
                for turn in page["turns"]:
                    seqs.append(turn["seq"])
                    nonces[turn["seq"]] = turn.get("nonce")
                if not page["more"] or not page["turns"]:
                    head_seq = page["head_seq"]
                    break
                since_seq = page["turns"][-1]["seq"]
            if seqs != list(range(1, head_seq + 1)):
                problems.append(f"history is not 1..{head_seq} without gaps ({len(seqs)} turns)")
            missing = [seq for seq, nonce in all_acked.items() if nonces.get(seq) != nonce]
            if missing:
                lost += len(missing)
                problems.append(f"history lacks {len(missing)} acknowledged turns, e.g. {missing[:5]}")
        await client.close()
    checked = integrity(server.db)
    if checked != ["ok"]:
        problems.append(f"integrity_check: {checked[:5]}")
    return lost, problems, recovered


async def run(args):
    rng = random.Random(args.seed)
    db = os.path.join(args.dir, "crash.db")
    server = Tandemd(args.tandemd, db, os.path.join(args.dir, "tandemd.log"), flags=["--log-level", "info", "--rate", "100000", "--burst", "100000"])
    server.start()
    try:
        admin = Admin(args.admin, db)
        owner = await Client.open(server.url, token=server.owner_token(), label="owner")
        await owner.ok("session.create", session=SESSION, title="Crash drill")
        await owner.close()
        members = [Member("owner", server.owner_token())]
        for name in MEMBERS[1:]:
            members.append(Member(name, admin.add_user(name)))
            admin.grant(name, SESSION, "write")
        await asyncio.sleep(1.2)   # role changes reach live state within a second
        total_lost = 0
        total_turns = 0
        total_rows = 0
        failed = False
        print(f"{'round':>5} {'killed after':>12} {'turns acked':>11} {'rows acked':>10} {'recovered (backlog per member)':>32} {'lost':>5}")
        for round_no in range(1, args.iterations + 1):
            stop = asyncio.Event()
            acked_before = sum(len(m.acked) for m in members)
            rows_before = sum(m.row_version for m in members)
            tasks = [asyncio.create_task(load(server, m, stop)) for m in members]
            delay = rng.uniform(0.3, 2.5)
            await asyncio.sleep(delay)
            server.kill9()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise DrillFailure(f"round {round_no}: load failed before the kill: {result!r}")
            turns = sum(len(m.acked) for m in members) - acked_before
            rows = sum(m.row_version for m in members) - rows_before
            server.start()
            lost, problems, recovered = await recover_and_verify(server, members, round_no)
            total_lost += lost
            total_turns += turns
            total_rows += rows
            print(f"{round_no:5d} {delay * 1000:9.0f} ms {turns:11d} {rows:10d} {str(recovered):>32} {lost:5d}", flush=True)
            for problem in problems:
                print(f"  problem: {problem}")
            failed = failed or bool(problems)
    finally:
        server.stop()   # also when a check raised: never leave a server behind
    verdict = "FAIL" if failed or total_lost else "PASS"
    print(f"crash drill: {verdict}: {args.iterations} kill -9 rounds, {total_turns} turns and {total_rows} row writes "
          f"acknowledged, lost writes = {total_lost}, integrity_check ok = {not failed}")
    return 0 if verdict == "PASS" else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--tandemd", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    print(f"seed {args.seed}")
    try:
        return asyncio.run(run(args))
    except DrillFailure as failure:
        print(f"crash drill: FAIL: {failure}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
