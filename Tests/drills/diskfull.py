#!/usr/bin/env python3
"""Disk-full drill: tandemd's database on a small tmpfs (mounted by Tests/drills/disk-full), filled up
while members write.

1. Turns are posted and acknowledged normally.
2. A filler file takes every free byte of the file system. Posting goes on (8 KiB turns): writes must
   fail with a clear error to the client (`unavailable`, "storage is full ..."), never crash the
   server, never hang a request.
3. While full: reads keep working (history, state.get, ping), and a new member can connect and join.
4. The filler is deleted: writes must succeed again within 15 s without restarting tandemd.
   /healthz answers 503 while storage refuses writes, 200 again once one commits; /metrics shows the
   file system (nearly) full and counts the refused writes, then shows the space back.
5. Nothing acknowledged is lost: the live member saw every acknowledged turn once, in order; history is
   gap-free and holds every acknowledged turn; after a restart on the same database as well;
   `PRAGMA integrity_check` is ok.
"""
import argparse
import asyncio
import errno
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tandem_drill import Admin, Client, DrillFailure, Ledger, Tandemd  # noqa: E402

SESSION = "full"


def metrics_within(server, seconds, condition):
    """/metrics once `condition` holds of it (the file system is sampled once a second), or the last read."""
    deadline = time.monotonic() + seconds
    while True:
        metrics = server.metrics()
        if condition(metrics) or time.monotonic() > deadline:
            return metrics
        time.sleep(0.1)


def check(condition, what):
    if not condition:
        raise DrillFailure(what)
    print(f"  ok   {what}", flush=True)


def fill(directory):
    """Writes a filler file until the file system says ENOSPC; returns its path and size."""
    path = os.path.join(directory, "filler")
    size = 0
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 64 << 10, 4 << 10, 512):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                    size += chunk
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    return path, size


async def history(client):
    seqs, nonces, since = [], {}, 0
    while True:
        page = await client.ok("history", session=SESSION, since=since, limit=1000)
        for turn in page["turns"]:
            seqs.append(turn["seq"])
            nonces[turn["seq"]] = turn.get("nonce")
        if not page["more"] or not page["turns"]:
            return seqs, nonces, page["head_seq"]
        since = page["turns"][-1]["seq"]


async def run(args):
    db = os.path.join(args.mount, "full.db")
    server = Tandemd(args.tandemd, db, os.path.join(args.dir, "tandemd.log"), flags=["--log-level", "info"])
    server.start()
    try:
        admin = Admin(args.admin, db)
        reader_token = admin.add_user("reader")
        token = server.owner_token()
        writer = await Client.open(server.url, token=token, label="writer")
        await writer.ok("session.create", session=SESSION, title="Disk full")
        admin.grant("reader", SESSION, "read")
        live = Ledger("watcher", SESSION)
        watcher = await Client.open(server.url, token=token, label="watcher", on_event=lambda e, _c: live.apply(e))
        await watcher.ok("session.join", session=SESSION, since=0)
        acked = {}
        n = 0

        async def post(size):
            nonlocal n
            n += 1
            nonce = f"t-{n}"
            answer = await writer.request("turn.post", timeout=30, session=SESSION, content=f"{nonce} " + "d" * size, nonce=nonce)
            if answer.get("ok"):
                acked[answer["result"]["turn"]["seq"]] = nonce
            return answer

        print("1. normal writes")
        for _ in range(50):
            answer = await post(100)
            check(answer.get("ok"), "turn acknowledged") if _ == 49 else None
        print(f"2. filling {args.mount} while posting (8 KiB turns, 8 in flight)")
        errors = []
        accepted_after_fill = 0
        filling = asyncio.get_running_loop().run_in_executor(None, fill, args.mount)
        window = []
        started = time.monotonic()
        while len(errors) < 20 and time.monotonic() - started < 60:
            while len(window) < 8:
                n += 1
                nonce = f"t-{n}"
                window.append((nonce, await writer.send("turn.post", session=SESSION, content=f"{nonce} " + "d" * (8 << 10), nonce=nonce)))
            nonce, waiter = window.pop(0)
            answer = await asyncio.wait_for(waiter, 30)
            if answer.get("ok"):
                acked[answer["result"]["turn"]["seq"]] = nonce
                accepted_after_fill += filling.done()
            else:
                errors.append(answer["error"])
        for nonce, waiter in window:
            answer = await asyncio.wait_for(waiter, 30)
            if answer.get("ok"):
                acked[answer["result"]["turn"]["seq"]] = nonce
            else:
                errors.append(answer["error"])
        filler, filled = await filling
        print(f"     filler file {filled / 2**20:.1f} MiB, {os.statvfs(args.mount).f_bavail} blocks left; "
              f"{len(acked)} turns acknowledged so far ({accepted_after_fill} after the filler was done), "
              f"{len(errors)} refused")
        check(errors, "writes fail once the disk is full")
        codes = {e["code"] for e in errors}
        print(f"     first refusal: {errors[0]}")
        check(codes == {"unavailable"}, f"every refusal is the documented code 'unavailable' (got {sorted(codes)})")
        check(all("storage is full" in e["message"] for e in errors), "and says the storage is full")
        # A checkpoint that lands meanwhile lets SQLite reuse its WAL's frames, so a write may fit again for
        # a moment although the disk is still full: an accepted write is kept (and checked below), more
        # turns take the room back, and the state write is tried again.
        written_while_full = []
        for attempt in range(10):
            key = f"full-{attempt}"
            put = await writer.request("state.put", session=SESSION, key=key, value={"big": "p" * 4096}, base=0)
            if not put.get("ok"):
                break
            written_while_full.append(key)
            for _ in range(64):
                if not (await post(8 << 10)).get("ok"):
                    break
        check(put.get("ok") is False and put["error"]["code"] == "unavailable",
              f"a state write fails the same way: {put.get('error')} ({len(written_while_full)} fit in reused room first)")
        check(server.alive(), "tandemd is still running")
        status, body = server.healthz()
        check(status == 503 and "storage" in body, f"/healthz tells monitoring: {status} {body.strip()}")
        # What the disk-space alerts read (deploy/prometheus): the file system's free bytes (sampled once
        # a second) and the refusals, counted though each next commit clears the flag.
        size = os.statvfs(args.mount).f_blocks * os.statvfs(args.mount).f_frsize
        metrics = metrics_within(server, 5, lambda m: m.get("tandem_store_filesystem_avail_bytes", -1) < 64 << 10)
        check(metrics.get("tandem_store_filesystem_size_bytes") == size
              and metrics.get("tandem_store_filesystem_avail_bytes", -1) < 64 << 10,
              f"/metrics: {metrics.get('tandem_store_filesystem_avail_bytes')} of {size} bytes free on the file system")
        check(metrics.get("tandem_store_write_refusals_total", 0) >= 1,
              f"/metrics counts {metrics.get('tandem_store_write_refusals_total')} refused writes")
        # One error line per refused write filled the log (on the full disk, under journald) as fast as
        # clients retried: the first of a kind in 10 s is logged, the rest counted.
        with open(server.log_path, errors="replace") as f:
            full_lines = [line for line in f if "request failed" in line and "full" in line]
        check(1 <= len(full_lines) <= 3, f"the log says so {len(full_lines)} time(s) for {len(errors) + 1} refused writes")

        print("3. reads while full")
        seqs, nonces, head = await history(writer)
        check(seqs == list(range(1, head + 1)) and all(nonces.get(s) == v for s, v in acked.items()),
              f"history: {head} turns, gap-free, every acknowledged one there")
        rows = (await writer.ok("state.get", session=SESSION))["rows"]
        check(sorted(r["key"] for r in rows) == written_while_full, "state.get answers (every acknowledged row there)")
        check("time" in await writer.ok("ping"), "ping answers")
        reader = await Client.open(server.url, token=reader_token, label="reader")
        joined = await reader.ok("session.join", session=SESSION, last=5)
        check(joined["head_seq"] == head and len(joined["turns"]) == 5, "a new member connects and joins (last 5 turns)")
        await reader.close()

        print("4. space returns")
        os.unlink(filler)
        started = time.monotonic()
        while True:
            answer = await post(100)
            if answer.get("ok"):
                break
            if time.monotonic() - started > 15:
                raise DrillFailure(f"writes still fail 15 s after space returned: {answer['error']}")
            await asyncio.sleep(0.2)
        check(True, f"writes succeed again {time.monotonic() - started:.2f} s after the filler was deleted")
        for _ in range(50):
            answer = await post(1000)
            if not answer.get("ok"):
                raise DrillFailure(f"a write failed after recovery: {answer['error']}")
        put = await writer.request("state.put", session=SESSION, key="plan", value={"big": "p" * 4096}, base=0)
        check(put.get("ok") and put["result"]["outcome"] == "applied", "state writes too")
        status, body = server.healthz()
        check(status == 200, f"/healthz is 200 again: {status} {body.strip()}")
        free_again = metrics_within(server, 5, lambda m: m.get("tandem_store_filesystem_avail_bytes", 0) > filled // 2) \
            .get("tandem_store_filesystem_avail_bytes", 0)
        check(free_again > filled // 2, f"/metrics: {free_again} bytes free again")

        print("5. nothing acknowledged lost")
        deadline = time.monotonic() + 10
        head_eseq = (await writer.ok("session.get", session=SESSION))["session"]["head_eseq"]
        while live.last < head_eseq and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        check(not live.problems and live.last == head_eseq, f"the live member saw eseq 1..{head_eseq} once each, in order {live.problems[:3]}")
        check(not live.missing(acked), f"and every one of the {len(acked)} acknowledged turns")
        await watcher.close()
        await writer.close()
        server.stop()
        server.start()
        again = await Client.open(server.url, token=token, label="after-restart")
        seqs, nonces, head = await history(again)
        lost = [s for s, v in acked.items() if nonces.get(s) != v]
        check(seqs == list(range(1, head + 1)) and not lost,
              f"after a restart: history 1..{head} gap-free, lost acknowledged turns = {len(lost)}")
        kept = {r["key"] for r in (await again.ok("state.get", session=SESSION))["rows"]}
        check(kept == set(written_while_full) | {"plan"}, f"and every acknowledged row: {sorted(kept)}")
        await again.close()
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        connection.close()
        check(result == ["ok"], "PRAGMA integrity_check: ok")
        print(f"disk-full drill: PASS: {len(acked)} turns acknowledged, {len(errors)} writes refused with 'unavailable' "
              f"while full, lost writes = 0, writes resumed after space returned")
        return 0
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tandemd", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--dir", required=True, help="for the log (not on the small file system)")
    parser.add_argument("--mount", required=True, help="the small file system for the database")
    args = parser.parse_args()
    try:
        return asyncio.run(run(args))
    except DrillFailure as failure:
        print(f"  FAIL {failure}")
        print("disk-full drill: FAIL")
        return 1


if __name__ == "__main__":
    sys.exit(main())
