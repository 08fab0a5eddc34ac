#!/usr/bin/env python3
"""List answers before and after pages: checkpoint.save/list, comment.list, template.list,
share.create with many dead links, share.list.

Starts TANDEMD on PORT with a fresh database (rate limit lifted for the seeding), seeds a
10^5-row and a 10^4-row session, 10^5 comments, 21 checkpoints, 2 templates and 30,000 share
links made and revoked, then times each listing: wall time, answer bytes, pages, tandemd's RSS
before -> after (and high-water). 'paged' reads every page with after/limit/include_revoked,
which only a server with list pages takes; without it each list is one request.
Needs the websockets package (17).

usage: list-pages.py TANDEMD PORT [paged]
"""
import asyncio, json, os, subprocess, sys, tempfile, time
import websockets

BIN, PORT, PAGED = sys.argv[1], int(sys.argv[2]), len(sys.argv) > 3 and sys.argv[3] == "paged"


class C:
    """A pipelining tandem.v1 client: responses matched by id, events dropped."""
    @classmethod
    async def open(cls, port, token):
        c = cls(); c.n = 0; c.fut = {}
        c.ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws", subprotocols=["tandem.v1"],
                                        additional_headers={"Authorization": f"Bearer {token}"},
                                        max_size=None, compression=None, ping_interval=None)
        c.task = asyncio.create_task(c._reader()); return c

    async def _reader(self):
        async for m in self.ws:
            d = json.loads(m)
            f = self.fut.pop(d.get("id"), None) if "event" not in d else None
            if f and not f.done(): f.set_result((d, len(m)))

    async def reqsz(self, op, **p):
        self.n += 1; i = self.n; f = asyncio.get_running_loop().create_future(); self.fut[i] = f
        await self.ws.send(json.dumps({"id": i, "op": op, **p}))
        return await asyncio.wait_for(f, 600)

    async def req(self, op, **p):
        return (await self.reqsz(op, **p))[0]

    async def close(self):
        await self.ws.close()


def rss(pid):
    d = {l.split(":")[0]: l.split(":")[1].strip() for l in open(f"/proc/{pid}/status")}
    return int(d["VmRSS"].split()[0]) // 1024, int(d["VmHWM"].split()[0]) // 1024


def pct(values, p):
    s = sorted(values); return s[min(len(s) - 1, int(len(s) * p))]


async def pipelined(c, reqs, window=400):
    sem = asyncio.Semaphore(window); bad = []
    async def one(op, p):
        async with sem:
            d = await c.req(op, **p)
            if not d.get("ok"): bad.append(d)
    await asyncio.gather(*(one(op, p) for op, p in reqs))
    if bad: print("failures:", len(bad), bad[0])

async def measure(c, pid, label, op, cursor=None, items=None, **p):
    """One answer (or, paged, every page): time, bytes, pages, RSS before -> after (high-water)."""
    r0 = rss(pid)[0]; t = time.perf_counter(); total = 0; pages = 0; biggest = 0; n = 0; after = None
    while True:
        q = dict(p)
        if after is not None: q["after"] = after
        d, size = await c.reqsz(op, **q)
        assert d.get("ok"), d
        pages += 1; total += size; biggest = max(biggest, size)
        res = d["result"]
        if items: n += len(res[items])
        if not (PAGED and cursor and res.get("more")): break
        after = res[items][-1][cursor]
    dt = time.perf_counter() - t; r1, hwm = rss(pid)
    print(f"{label:44s} {dt*1000:8.1f} ms  {pages:4d} page(s)  largest {biggest/1e6:7.3f} MB  total {total/1e6:7.3f} MB"
          f"  items {n:6d}  rss {r0}->{r1} MB (hwm {hwm})", flush=True)

async def main():
    tmp = tempfile.mkdtemp(prefix="wt-lists-bench-")
    log = open(f"{tmp}/tandemd.log", "w")
    proc = subprocess.Popen([BIN, "--port", str(PORT), "--db", f"{tmp}/t.db", "--rate", "100000", "--burst", "100000"], stdout=log, stderr=subprocess.STDOUT)
    try:
        token_file = f"{tmp}/t.owner-token"
        for _ in range(200):
            if os.path.exists(token_file) and open(token_file).read().strip(): break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        tok = open(token_file).read().strip()
        o = await C.open(PORT, tok)
        for s in ("big", "mid", "cmt", "shr"):
            await o.req("session.create", session=s)
        t = time.perf_counter()
        await pipelined(o, [("state.put", {"session": "big", "key": f"key{i:07d}", "value": i, "base": 0}) for i in range(100_000)])
        await pipelined(o, [("state.put", {"session": "mid", "key": f"key{i:07d}", "value": i, "base": 0}) for i in range(10_000)])
        await o.req("turn.post", session="cmt", content="commented")
        await pipelined(o, [("comment.add", {"session": "cmt", "seq": 1, "text": f"comment number {i} on the first turn"}) for i in range(100_000)])
        print(f"seeded 110,000 rows and 100,000 comments in {time.perf_counter()-t:.1f} s", flush=True)
        pid = proc.pid
        await measure(o, pid, "checkpoint.save on 10^5 rows", "checkpoint.save", session="big", name="c1")
        for i in range(2, 22):
            await o.req("checkpoint.save", session="big", name=f"c{i}")
        await measure(o, pid, "checkpoint.list: 21 checkpoints x 10^5 rows", "checkpoint.list", cursor="name", items="checkpoints", session="big")
        await measure(o, pid, "comment.list: 10^5 comments", "comment.list", cursor="id", items="comments", session="cmt")
        await o.req("template.save", session="big", name="t-big")
        await o.req("template.save", session="mid", name="t-mid")
        await measure(o, pid, "template.list: 2 templates (10^5, 10^4 rows)", "template.list", cursor="name", items="templates")
        # 30,000 links made and revoked (the quota counts working ones only), then creates timed.
        t = time.perf_counter()
        for chunk in range(30):
            ids = []
            async def make():
                d = await o.req("share.create", session="shr", expires_in=3600); ids.append(d["result"]["share"]["id"])
            await asyncio.gather(*(make() for _ in range(1000)))
            await pipelined(o, [("share.revoke", {"share": i}) for i in ids])
        print(f"made and revoked 30,000 share links in {time.perf_counter()-t:.1f} s", flush=True)
        lat = []
        for _ in range(50):
            t = time.perf_counter(); a = await o.req("share.create", session="shr", expires_in=3600); lat.append(time.perf_counter() - t)
            assert a.get("ok"), a
        print(f"{'share.create with 30,000 dead links':44s} p50 {pct(lat,.5)*1000:.2f} ms  p99 {pct(lat,.99)*1000:.2f} ms", flush=True)
        await measure(o, pid, "share.list (default)", "share.list", cursor="id", items="shares", session="shr")
        if PAGED:
            await measure(o, pid, "share.list include_revoked", "share.list", cursor="id", items="shares", session="shr", include_revoked=True)
        await o.close()
    finally:
        proc.terminate(); proc.wait(10)
        subprocess.run(["rm", "-rf", tmp])

asyncio.run(main())
