"""One side of Benchmarks/export-memory/run: N connections ask tandemd for the export of session
`bench` at once while another connection reads the last 20 turns every 20 ms; prints how many
exports were served or refused, the wall time, and the reads' latency. Needs `websockets` (PyPI)."""
import asyncio, json, sys, time, websockets
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
URL = f"ws://127.0.0.1:{port}/ws?token={token}"

async def export(i):
    async with websockets.connect(URL, subprotocols=["tandem.v1"], max_size=None, compression=None) as ws:
        await ws.send(json.dumps({"id": i, "op": "session.export", "session": "bench"}))
        raw = await ws.recv()
        answer = json.loads(raw)
        return len(raw) if answer.get("ok") else answer["error"]["code"]

async def reader(done, latencies):
    async with websockets.connect(URL, subprotocols=["tandem.v1"], compression=None) as ws:
        i = 1_000_000
        while not done.is_set():
            i += 1
            t = time.perf_counter()
            await ws.send(json.dumps({"id": i, "op": "history", "session": "bench", "last": 20}))
            while json.loads(await ws.recv()).get("id") != i:
                pass
            latencies.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.02)

async def main():
    done, latencies = asyncio.Event(), []
    reading = asyncio.create_task(reader(done, latencies))
    await asyncio.sleep(0.2)
    t = time.perf_counter()
    results = await asyncio.gather(*(export(i) for i in range(n)))
    wall = time.perf_counter() - t
    done.set()
    await reading
    served = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    latencies.sort()
    print(f"{n} exports: {len(served)} served ({served[0] if served else 0}-byte answers), {len(refused)} refused {sorted(set(refused))}, "
          f"{wall:.1f} s; history meanwhile: {len(latencies)} reads, p50 {latencies[len(latencies) // 2]:.1f} ms, max {latencies[-1]:.1f} ms")

asyncio.run(main())
