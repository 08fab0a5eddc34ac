"""Benchmarks/session-stall/run's client. `probe.py PORT TOKEN DB MODE`: creates session `other`,
posts a turn to it every 10 ms and measures each acknowledgement, while the session `bench` is
deleted over the wire (MODE `wire`: this process sends `session.delete`) or by tandem-admin (MODE
`admin`), while tandem-admin imports a copy of it (MODE `import`), or while it is forked over the
wire (MODE `branch`: `branch.create`), or cleared over the wire (MODE `clear`: `session.clear`;
posting goes on for at least 3 s), or while tandem-admin copies the database (MODE `backup`), or
while a branch of MERGE_TURNS new turns (default 100,000, posted by this process first) is merged
into its parent (MODE `merge`: `branch.merge`).
For `admin`, `import` and `backup` the
run script starts tandem-admin after the posts begin and touches DB.admin-done when it exits.
Posting stops when the import is done, or once `bench` and every row of it are gone from DB (read
with sqlite3). Prints when the operation answered, when the rows were gone, and the posts'
latencies meanwhile."""
import asyncio, json, os, sqlite3, sys, time, websockets
port, token, db_path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
URL = f"ws://127.0.0.1:{port}/ws?token={token}"

def rows_left():
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        (sessions,) = con.execute("SELECT count(*) FROM sessions WHERE id = 'bench' OR id LIKE '~deleting~%'").fetchone()
        return sessions
    finally:
        con.close()

async def big_branch(ws, call, turns):
    """A branch of a new session `src` with `turns` turns posted to it (pipelined, 500 at a time)."""
    created = await call("session.create", session="src", title="parent of a big branch")
    assert "error" not in created, created
    branch = await call("branch.create", session="src", title="big branch")
    assert "error" not in branch, branch
    bid, posted, base = branch["result"]["session"]["id"], 0, 10_000_000
    while posted < turns:
        batch = min(500, turns - posted)
        for k in range(batch):
            await ws.send(json.dumps({"id": base + posted + k, "op": "turn.post", "session": bid,
                                      "content": f"branch turn {posted + k} " + "x" * 100}))
        waiting = set(range(base + posted, base + posted + batch))
        while waiting:
            m = json.loads(await ws.recv())
            if m.get("id") in waiting:
                assert "error" not in m, m
                waiting.discard(m["id"])
        posted += batch
    print(f"merge: branch {bid} holds {posted} new turns", file=sys.stderr)
    return bid

async def main():
    async with websockets.connect(URL, subprotocols=["tandem.v1"], compression=None, max_size=None) as ws:
        n = 0
        async def call(op, **params):
            nonlocal n
            n += 1
            await ws.send(json.dumps({"id": n, "op": op, **params}))
            while True:
                m = json.loads(await ws.recv())
                if m.get("id") == n: return m
        created = await call("session.create", session="other", title="posts during the delete")
        assert created.get("ok") is not False and "error" not in created, created
        target = "bench"
        if mode == "merge":
            target = await big_branch(ws, call, int(os.environ.get("MERGE_TURNS", "100000")))
        lat, failed, start, answered, gone = [], {}, time.perf_counter(), None, None
        if mode in ("wire", "branch", "clear", "merge"):
            # The answer arrives on this connection between posts.
            n += 1
            delete_id = n
            op = {"wire": "session.delete", "branch": "branch.create", "clear": "session.clear", "merge": "branch.merge"}[mode]
            await ws.send(json.dumps({"id": delete_id, "op": op, "session": target}))
        else:
            delete_id = None
        i = 0
        while gone is None and time.perf_counter() - start < 600:
            i += 1
            n += 1
            t = time.perf_counter()
            await ws.send(json.dumps({"id": n, "op": "turn.post", "session": "other", "content": f"probe {i}"}))
            while True:
                m = json.loads(await ws.recv())
                if delete_id is not None and m.get("id") == delete_id:
                    assert "error" not in m, m
                    answered = time.perf_counter() - start
                if m.get("id") == n: break
            if "error" in m:  # unavailable, when another process held the write lock past busy-timeout
                failed[m["error"].get("code", "?")] = failed.get(m["error"].get("code", "?"), 0) + 1
            lat.append((time.perf_counter() - t) * 1000)
            if mode in ("admin", "import", "backup") and answered is None and os.path.exists(db_path + ".admin-done"):
                answered = time.perf_counter() - start
            if mode in ("import", "branch", "backup", "merge") and answered is not None:
                gone = answered
            elif mode == "clear" and answered is not None and time.perf_counter() - start >= 3:
                gone = answered
            elif i % 10 == 0 and (answered is not None) and rows_left() == 0:
                gone = time.perf_counter() - start
            await asyncio.sleep(0.01)
    if gone is None:
        print(f"{mode}: not done after 600 s of posts ({len(lat)} posts)")
        return
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    what = {"import": "import done", "branch": "branch answered", "merge": "merge answered", "clear": "clear answered", "backup": "backup done"}.get(mode, f"delete answered after {answered:.2f} s, rows gone")
    print(f"{mode}: {what} after {gone:.2f} s; "
          f"{len(lat)} posts meanwhile: p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {lat[-1]:.1f} ms"
          + "".join(f"; {n} failed with {code}" for code, n in failed.items()))

asyncio.run(main())
