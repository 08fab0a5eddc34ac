"""One side of Benchmarks/export-stall/run: `export` asks tandemd for the session `bench` as one
document and touches DONE when the answer is in; `post` posts turns to the same session one at a
time until DONE exists and prints their latencies. Separate processes, so neither side's pauses
(receiving a 240 MB message) show up in the other's figures. Needs `websockets` (PyPI)."""
import asyncio, json, sys, time, os, websockets
port, token, role, done_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
URL = f"ws://127.0.0.1:{port}/ws?token={token}"
async def exporter():
    async with websockets.connect(URL, subprotocols=["tandem.v1"], max_size=None, compression=None) as ws:
        t = time.perf_counter()
        await ws.send(json.dumps({"id": 1, "op": "session.export", "session": "bench"}))
        msg = await ws.recv()
        print(f"export answer {len(msg)} bytes after {time.perf_counter()-t:.1f} s")
        open(done_path, 'w').close()
async def poster():
    lat = []
    async with websockets.connect(URL, subprotocols=["tandem.v1"], compression=None) as ws:
        i = 0
        while not os.path.exists(done_path):
            i += 1
            t = time.perf_counter()
            await ws.send(json.dumps({"id": i, "op": "turn.post", "session": "bench", "content": f"probe {i}"}))
            while True:
                m = json.loads(await ws.recv())
                if m.get("id") == i: break
            lat.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.01)
    lat.sort()
    print(f"posts during the export: {len(lat)}, p50 {lat[len(lat)//2]:.1f} ms, p99 {lat[int(len(lat)*0.99)]:.1f} ms, max {lat[-1]:.1f} ms")
asyncio.run(exporter() if role == "export" else poster())
