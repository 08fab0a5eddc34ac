"""One side of Benchmarks/http-stall/run. Roles (separate processes, so one side's pauses, such as
receiving a 60 MB export, never show in another's figures):

  export N  - N connections, each exporting the session `bench` again and again until DONE exists
              (with export-concurrency N, every database reader is held most of the time);
  members M - M connections joined to the session `live`, each posting a turn every 50 ms and
              timing post -> its own turn event; prints the latencies (count, p50, p99, max);
  http      - every 0.5 s: GET /healthz, /metrics and the viewer page /s/SECRET, each timed.

Needs `websockets` (PyPI)."""
import asyncio, json, os, sys, time, urllib.request, websockets

port, token, role, done_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
URL = f"ws://127.0.0.1:{port}/ws?token={token}"

def summary(name, samples):
    samples = sorted(samples)
    if not samples:
        return f"{name}: none"
    pick = lambda q: samples[min(len(samples) - 1, int(len(samples) * q))]
    return f"{name}: {len(samples)}, p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {samples[-1]:.1f} ms"

async def exporter(n):
    async def one(k):
        async with websockets.connect(URL, subprotocols=["tandem.v1"], max_size=None, compression=None) as ws:
            i = 0
            while not os.path.exists(done_path):
                i += 1
                await ws.send(json.dumps({"id": i, "op": "session.export", "session": "bench"}))
                while True:
                    m = await ws.recv()
                    if m.startswith('{"id":%d,' % i) or f'"id":{i},' in m[:64]:
                        break
    await asyncio.gather(*(one(k) for k in range(n)))

async def members(m):
    lat = []
    async def one(k):
        async with websockets.connect(URL, subprotocols=["tandem.v1"], compression=None) as ws:
            await ws.send(json.dumps({"id": 0, "op": "session.join", "session": "live"}))
            while json.loads(await ws.recv()).get("id") != 0:
                pass
            i = 0
            while not os.path.exists(done_path):
                i += 1
                tag = f"m{k}-{i}"
                t = time.perf_counter()
                await ws.send(json.dumps({"id": i, "op": "turn.post", "session": "live", "content": tag}))
                while True:
                    msg = json.loads(await ws.recv())
                    if msg.get("event") == "turn" and msg.get("content") == tag:
                        break
                lat.append((time.perf_counter() - t) * 1000)
                await asyncio.sleep(0.05)
    async with websockets.connect(URL, subprotocols=["tandem.v1"], compression=None) as ws:
        await ws.send(json.dumps({"id": 0, "op": "session.create", "session": "live", "title": "live"}))
        await ws.recv()  # ok, or already_exists from an earlier run
    await asyncio.gather(*(one(k) for k in range(m)))
    print(summary(f"member post->delivery ({m} members)", lat), flush=True)

def http(secret):
    times = {"/healthz": [], "/metrics": [], "/s/SECRET": []}
    statuses = {}
    while not os.path.exists(done_path):
        for path in times:
            real = f"/s/{secret}" if path == "/s/SECRET" else path
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{real}", timeout=60) as r:
                    status = r.status
                    r.read()
            except urllib.error.HTTPError as e:
                status = e.code
            times[path].append((time.perf_counter() - t) * 1000)
            statuses.setdefault(path, {}).setdefault(status, 0)
            statuses[path][status] += 1
        time.sleep(0.5)
    for path, samples in times.items():
        print(summary(f"GET {path} answered", samples), "statuses", statuses.get(path), flush=True)

if role == "export":
    asyncio.run(exporter(int(sys.argv[5])))
elif role == "members":
    asyncio.run(members(int(sys.argv[5])))
else:
    http(sys.argv[5])
