"""storm.py PORT TOKEN CONNS RATE SECS KIND: one heavy user's CONNS connections each sending RATE
requests/s of KIND for SECS (answers read, not awaited: pipelined like an agent fleet). KIND:
search (session.search of a common word), join0 (session.join since 0 of session `long`, then leave),
create (session.create of a new id), stale (state.put of a ~200 KB text on base 1 of key `doc`, i.e.
a merge). Prints counts of answers by outcome."""
import asyncio, json, sys, time, websockets, random
random.seed(1)
port, token, conns, rate, secs, kind = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
URL = f"ws://127.0.0.1:{port}/ws"
HDR = {"Authorization": f"Bearer {token}"}
counts = {}
def note(k): counts[k] = counts.get(k, 0) + 1
LINES = [f"line {i} of the long document about the plan {random.random()}" for i in range(3000)]
random.seed()
async def one(c):
    async with websockets.connect(URL, subprotocols=["tandem.v1"], additional_headers=HDR, compression=None,
                                  max_size=None, open_timeout=60, ping_interval=None, max_queue=None) as ws:
        async def reader():
            async for raw in ws:
                m = json.loads(raw)
                if "ok" in m:
                    if m["ok"]: note("ok:" + str(m.get("result", {}).get("outcome", "")))
                    else: note(m["error"]["code"])
        rt = asyncio.create_task(reader())
        start, i = time.perf_counter(), 0
        while time.perf_counter() - start < secs:
            i += 1
            rid = f"{c}-{i}"
            if kind == "search":
                msg = {"id": rid, "op": "session.search", "query": random.choice(["plan", "line", "document", "about"])}
            elif kind == "join0":
                if i % 2: msg = {"id": rid, "op": "session.join", "session": "long0", "since": 0}
                else: msg = {"id": rid, "op": "session.leave", "session": "long0"}
            elif kind == "seed":
                words = ["plan", "line", "document", "about", "merge", "agent", "review", "ship", "test", "build", "team", "turn"]
                msg = {"id": rid, "op": "turn.post", "session": "long0", "content": " ".join(random.choice(words) for _ in range(12))}
            elif kind == "seeddoc":
                msg = {"id": rid, "op": "state.put", "session": "long0", "key": "doc", "value": "\n".join(LINES), "base": 0}
            elif kind == "create":
                msg = {"id": rid, "op": "session.create", "session": f"c{c}-{i}-{random.randrange(1<<30)}", "title": "storm"}
            elif kind == "stale":
                lines = LINES[:]; k = random.randrange(len(lines)); lines[k] = lines[k] + " edited"
                msg = {"id": rid, "op": "state.put", "session": "long0", "key": "doc", "value": "\n".join(lines), "base": 1}
            await ws.send(json.dumps(msg))
            await asyncio.sleep(max(0, start + i / rate - time.perf_counter()))
        await asyncio.sleep(2)
        rt.cancel()
async def main():
    await asyncio.gather(*(one(c) for c in range(conns)))
    print(json.dumps({"kind": kind, "answers": counts}), flush=True)
asyncio.run(main())
