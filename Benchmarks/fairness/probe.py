"""probe.py PORT TOKEN SECONDS [LABEL]: the small team. Two connections of one user; session `small`
(created if missing). Connection A posts a turn every 200 ms (5/s) and, every 10th post, a state.put
with a fresh base; connection B is joined and records when each turn event arrives. Prints one JSON
line: post->ack and post->delivery p50/p99/max in ms, and the state.put ack figures."""
import asyncio, json, sys, time, websockets
port, token, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
label = sys.argv[4] if len(sys.argv) > 4 else ""
URL = f"ws://127.0.0.1:{port}/ws"
HDR = {"Authorization": f"Bearer {token}"}

async def connect():
    return await websockets.connect(URL, subprotocols=["tandem.v1"], additional_headers=HDR,
                                    compression=None, max_size=None, open_timeout=60, ping_interval=None)

def q(xs, p):
    if not xs: return None
    xs = sorted(xs); return round(xs[min(len(xs) - 1, int(len(xs) * p))], 2)

async def main():
    a, b = await connect(), await connect()
    pending, acks, dels, puts, errors = {}, [], [], [], {}
    sent_at = {}
    async def call(ws, msg):
        fut = asyncio.get_running_loop().create_future(); pending[msg["id"]] = fut
        await ws.send(json.dumps(msg)); return await fut
    async def reader(ws, name):
        async for raw in ws:
            m = json.loads(raw); now = time.perf_counter()
            if "id" in m and m["id"] in pending:
                pending.pop(m["id"]).set_result((now, m))
            elif m.get("event") == "turn" and name == "b" and m.get("session") == "small":
                c = m.get("content", "")
                if c.startswith("probe "):
                    k = int(c.split()[1]);
                    if k in sent_at: dels.append((now - sent_at[k]) * 1000)
    ta, tb = asyncio.create_task(reader(a, "a")), asyncio.create_task(reader(b, "b"))
    _, r = await call(a, {"id": "c", "op": "session.create", "session": "small", "title": "small team"})
    _, r = await call(a, {"id": "j1", "op": "session.join", "session": "small"})
    _, r = await call(b, {"id": "j2", "op": "session.join", "session": "small"})
    assert r.get("ok"), r
    _, g = await call(a, {"id": "g", "op": "state.get", "session": "small", "key": "notes"})
    base = g["result"]["rows"][0]["version"] if g.get("ok") and g["result"]["rows"] else 0
    start = time.perf_counter(); i = 0
    async def post(k):
        t = time.perf_counter(); sent_at[k] = t
        now, m = await call(a, {"id": f"p{k}", "op": "turn.post", "session": "small", "content": f"probe {k} from the small team"})
        if m.get("ok"): acks.append((now - t) * 1000)
        else: errors[m["error"]["code"]] = errors.get(m["error"]["code"], 0) + 1
    async def put(k):
        nonlocal base
        t = time.perf_counter()
        now, m = await call(a, {"id": f"s{k}", "op": "state.put", "session": "small", "key": "notes",
                                "value": {"edit": k, "text": "row edited now and then"}, "base": base})
        if m.get("ok") and "row" in m["result"]:
            puts.append((now - t) * 1000); base = m["result"]["row"]["version"]
        elif m.get("ok"):
            puts.append((now - t) * 1000); errors["put:" + m["result"].get("outcome", "?")] = errors.get("put:" + m["result"].get("outcome", "?"), 0) + 1
            base = (m["result"].get("current") or {}).get("version", base)
        else: errors["put:" + m["error"]["code"]] = errors.get("put:" + m["error"]["code"], 0) + 1
    tasks = []
    while time.perf_counter() - start < secs:
        i += 1
        tasks.append(asyncio.create_task(post(i)))
        if i % 10 == 0: tasks.append(asyncio.create_task(put(i)))
        await asyncio.sleep(max(0, start + i * 0.2 - time.perf_counter()))
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    except asyncio.TimeoutError:
        errors["timeout"] = sum(1 for t in tasks if not t.done())
    await asyncio.sleep(0.5)
    print(json.dumps({"label": label, "posts": i, "acked": len(acks), "delivered": len(dels),
        "ack_p50": q(acks, .5), "ack_p99": q(acks, .99), "ack_max": q(acks, 1),
        "del_p50": q(dels, .5), "del_p99": q(dels, .99), "del_max": q(dels, 1),
        "put_p50": q(puts, .5), "put_max": q(puts, 1), "errors": errors}), flush=True)
    ta.cancel(); tb.cancel()
    await a.close(); await b.close()

asyncio.run(main())
