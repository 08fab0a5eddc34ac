"""Benchmarks/merge-park/run's client.
`probe.py seed PORT TOKEN TURNS`: makes session s1 (one turn), its branch B, B's branch C with TURNS
new turns; prints "B C".
`probe.py merge PORT TOKEN DB B C ADMIN WAITERS`: sends `branch.merge` of C into B; once the merge
holds B, starts WAITERS `tandem-admin grant uN -- B read` (each parks until the merge ends); 1.5 s
later (the tools have started and parked) notes how many turns are merged, and at the answer prints
"WAITERS SECONDS TURNS_PER_SECOND": the merge's time from its request, and its rate from that mark."""
import asyncio, json, sqlite3, subprocess, sys, time, websockets

def url(port, token): return f"ws://127.0.0.1:{port}/ws?token={token}"

async def rpc(ws, n, op, **params):
    await ws.send(json.dumps({"id": n, "op": op, **params}))
    while True:
        m = json.loads(await ws.recv())
        if m.get("id") == n:
            assert "error" not in m, m
            return m["result"]

async def seed(port, token, turns):
    async with websockets.connect(url(port, token), subprotocols=["tandem.v1"], compression=None, max_size=None) as ws:
        await rpc(ws, 1, "session.create", session="s1", title="parent")
        await rpc(ws, 2, "turn.post", session="s1", content="base")
        b = (await rpc(ws, 3, "branch.create", session="s1", title="b"))["session"]["id"]
        c = (await rpc(ws, 4, "branch.create", session=b, title="c"))["session"]["id"]
        base, posted = 1000, 0
        while posted < turns:
            batch = min(500, turns - posted)
            for k in range(batch):
                await ws.send(json.dumps({"id": base + posted + k, "op": "turn.post", "session": c, "content": f"m{posted + k}"}))
            waiting = set(range(base + posted, base + posted + batch))
            while waiting:
                m = json.loads(await ws.recv())
                assert "error" not in m, m
                waiting.discard(m.get("id"))
            posted += batch
        print(b, c)

def merged_so_far(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        row = con.execute("SELECT turns_merged FROM branch_merges").fetchone()
        return None if row is None else row[0]
    finally:
        con.close()

async def merge(port, token, db, b, c, admin, waiters):
    async with websockets.connect(url(port, token), subprotocols=["tandem.v1"], compression=None, max_size=None) as ws:
        started = time.perf_counter()
        answer = asyncio.ensure_future(rpc(ws, 1, "branch.merge", session=c))
        while merged_so_far(db) is None:
            assert not answer.done(), "the merge ended before it was seen holding B"
            await asyncio.sleep(0.001)
        tools = [subprocess.Popen([admin, "grant", "--db", db, "--", f"u{n}", b, "read"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(1, waiters + 1)]
        await asyncio.sleep(1.5)
        mark, at_mark = time.perf_counter(), merged_so_far(db)
        assert at_mark is not None, "the merge ended within 1.5 s: give it more TURNS"
        result = await answer
        ended = time.perf_counter()
        assert result["merged"], result
        merged = result["last_seq"] - result["first_seq"] + 1
        codes = [t.wait() for t in tools]
        assert codes == [0] * waiters, f"a waiting tandem-admin failed: {codes}"
        print(waiters, f"{ended - started:.3f}", f"{(merged - at_mark) / (ended - mark):.0f}")

mode = sys.argv[1]
if mode == "seed":
    asyncio.run(seed(int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
else:
    port, token, db, b, c, admin, waiters = sys.argv[2:9]
    asyncio.run(merge(int(port), token, db, b, c, admin, int(waiters)))
