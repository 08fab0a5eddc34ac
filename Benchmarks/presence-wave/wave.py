"""Benchmarks/presence-wave/run's client. `wave.py PORT PID ACCOUNTS N`: ACCOUNTS has a line
`USER TOKEN` per user; the first user (the host) creates session `wave-N` and adds the next N users as members; N connections, one per member, then
join it all at once (200 joins in flight, as the scale audit's m_crowd.py did). Counts the event
messages and their bytes every member received until nothing more arrives for a second, the
connections the server cut, and the server's CPU time meanwhile. Each member keeps the online list
as a client does (the join answer's `online`, then each presence event: an `online` list when the
event has one, else `joined` adds and `left` removes) and the run checks that every list ends with
all N members. Then one more member joins and leaves with N online: the bytes that costs."""
import asyncio, json, os, sys, time
import websockets

port, pid, accounts_path, n = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
accounts = [tuple(line.split()) for line in open(accounts_path) if line.strip()]
assert len(accounts) > n, f"need {n + 1} accounts, have {len(accounts)}"
URL = f"ws://127.0.0.1:{port}/ws"


def cpu_seconds():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Member:
    async def open(self, token):
        self.ws = await websockets.connect(URL, subprotocols=["tandem.v1"], max_size=None, compression=None,
                                           additional_headers={"Authorization": f"Bearer {token}"},
                                           open_timeout=120, ping_interval=None, close_timeout=1)
        self.events = self.bytes = self.largest = 0
        self.online, self.answers, self.next_id, self.closed = set(), {}, 0, None
        self.joined = False
        self.early = []
        self.task = asyncio.create_task(self.read())
        return self

    async def read(self):
        try:
            async for text in self.ws:
                message = json.loads(text)
                if "event" in message:
                    self.events += 1
                    self.bytes += len(text)
                    self.largest = max(self.largest, len(text))
                    if message["event"] == "presence":
                        # Events before the join answer wait for it, as in the clients.
                        (self.apply if self.joined else self.early.append)(message)
                else:
                    future = self.answers.pop(message.get("id"), None)
                    if future and not future.done():
                        future.set_result(message)
        except websockets.ConnectionClosed:
            pass
        self.closed = self.ws.close_code

    def apply(self, event):
        if "online" in event:
            self.online = set(event["online"])
        elif event["action"] == "joined":
            self.online.add(event["user"])
        else:
            self.online.discard(event["user"])

    async def call(self, op, **params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.answers[self.next_id] = future
        await self.ws.send(json.dumps({"id": self.next_id, "op": op, **params}))
        answer = await asyncio.wait_for(future, 300)
        assert answer.get("ok"), answer
        return answer["result"]

    async def join(self, session):
        result = await self.call("session.join", session=session)
        self.online = set(result["online"])
        self.joined = True
        for event in self.early:
            self.apply(event)
        self.early = []


async def main():
    session = f"wave-{n}"
    host = await Member().open(accounts[0][1])
    await host.call("session.create", session=session)
    gate = asyncio.Semaphore(200)

    async def limited(coroutine):
        async with gate:
            return await coroutine

    users = [user for user, _ in accounts[1:n + 1]]
    await asyncio.gather(*(limited(host.call("member.add", session=session, user=u, role="write")) for u in users))
    crowd = await asyncio.gather(*(limited(Member().open(t)) for _, t in accounts[1:n + 1]))
    cpu0, started = cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(limited(m.join(session)) for m in crowd))
    joined_in = time.perf_counter() - started
    last = -1
    while True:
        await asyncio.sleep(1.0)
        total = sum(m.bytes for m in crowd)
        if total == last:
            break
        last = total
    cpu = cpu_seconds() - cpu0
    events, size = sum(m.events for m in crowd), sum(m.bytes for m in crowd)
    cut = sorted({m.closed for m in crowd if m.closed is not None})
    everyone = set(users)
    right = sum(1 for m in crowd if m.closed is None and m.online == everyone)
    print(f"N={n}: joined in {joined_in:.2f} s; events delivered {events:,}, bytes {size:,} ({size / 1e6:.1f} MB), "
          f"largest event {max(m.largest for m in crowd):,} B, per member up to {max(m.bytes for m in crowd):,} B; "
          f"server CPU {cpu:.2f} s; connections cut {sum(1 for m in crowd if m.closed is not None)} {cut}; "
          f"online lists right {right}/{n}", flush=True)
    before = sum(m.bytes for m in crowd)
    await host.call("session.join", session=session)
    await host.call("session.leave", session=session)
    await asyncio.sleep(1.0)
    print(f"N={n}: one more member joining and leaving: {sum(m.bytes for m in crowd) - before:,} B delivered", flush=True)
    await asyncio.gather(*(m.ws.close() for m in crowd))


asyncio.run(main())
