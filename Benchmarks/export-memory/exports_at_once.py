"""One side of Benchmarks/export-memory/run: N connections ask tandemd for the export of session
`bench` at once; prints the answer sizes and the wall time. Needs `websockets` (PyPI)."""
import asyncio, json, sys, time, websockets
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
async def one(i):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws?token={token}", subprotocols=["tandem.v1"], max_size=None, compression=None) as ws:
        await ws.send(json.dumps({"id": i, "op": "session.export", "session": "bench"}))
        m = await ws.recv()
        ok = json.loads(m).get("ok")
        return len(m), ok
async def main():
    t = time.perf_counter()
    res = await asyncio.gather(*(one(i) for i in range(n)))
    print(f"{n} exports: {res[0]} ... in {time.perf_counter()-t:.1f} s")
asyncio.run(main())
