"""The busy server an admin command races: a writer of its own (user `loader<seed>`, session
`busy<seed>`) keeps turn.posts pipelined on a thread, so that tandemd's writer commits all the time while
tandem-admin writes the same file. Every answer is recorded; at the end of a run `check` asks that nothing
acknowledged was lost (the session's history is exactly the acknowledged turns, in their seqs) and that a
join with `since` replays exactly the events after it."""
import json
import threading
import time

from matching import Mismatch
from wire import Client

WINDOW = 8  # posts in flight at once
PACE_S = 0.06  # at least this long a window: ~130 requests a second, under the default rate (200/s)


class LoadWriter:
    def __init__(self, server, seed, rng):
        self.user, self.sid = f"loader{seed}", f"busy{seed}"
        self.server, self.rng = server, rng
        self.token = server.add_user(self.user)
        self.client = Client(server.url, self.token, self.user)
        r = self.client.request("session.create", session=self.sid)
        if not r.get("ok"):
            raise Mismatch(f"load session: {r}")
        self.acked = {}  # seq -> content
        self.eseqs = set()
        self.refused = {}  # error code -> count (rate_limited, unavailable while the lock is held)
        self.n = 0
        self.stop_flag = threading.Event()
        self.thread = None
        self.error = None

    def start(self):
        """Posts on a thread until `stop`."""
        self.stop_flag.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self):
        """Stops after the answers in flight arrived (if it runs); raises what the thread found wrong."""
        if self.thread is None:
            return
        self.stop_flag.set()
        self.thread.join(30)
        if self.thread.is_alive():
            raise Mismatch("the load writer did not stop within 30 s")
        self.thread = None
        if self.error:
            raise self.error

    def _run(self):
        c = self.client
        try:
            while not self.stop_flag.is_set():
                window_end = time.monotonic() + PACE_S
                sent = {}
                for _ in range(WINDOW):
                    self.n += 1
                    # a few kB a turn: the writer's transactions take a while, as a busy server's do
                    content = f"load {self.n} " + "y" * self.rng.randint(0, 4000)
                    rid = c.next_id
                    c.next_id += 1
                    c.ws.send(json.dumps({"id": rid, "op": "turn.post", "session": self.sid, "content": content}))
                    sent[rid] = content
                wait = 0
                for rid, content in sent.items():
                    while rid not in c.responses:
                        c._read(30)
                    r = c.responses.pop(rid)
                    if r.get("ok"):
                        seq = r["result"]["turn"]["seq"]
                        if seq in self.acked:
                            raise Mismatch(f"load: seq {seq} acknowledged twice")
                        self.acked[seq] = content
                        self.eseqs.add(r["result"]["eseq"])
                    else:
                        code = r["error"]["code"]
                        if code not in ("rate_limited", "unavailable"):
                            raise Mismatch(f"load: turn.post answered {r}")
                        self.refused[code] = self.refused.get(code, 0) + 1
                        wait = max(wait, r["error"].get("retry_after_ms", 20))
                time.sleep(max(wait / 1000, window_end - time.monotonic(), 0))
        except Exception as e:  # raised again by stop()
            self.error = e

    def check(self):
        """Nothing acknowledged lost; a join with `since` replays exactly what follows it."""
        c = self.client
        seqs = sorted(self.acked)
        got = []
        while True:
            r = c.request("history", session=self.sid, since=got[-1]["seq"] if got else 0, limit=500)
            if not r.get("ok"):
                raise Mismatch(f"load history: {r}")
            got += r["result"]["turns"]
            if not r["result"]["more"]:
                break
        if [(t["seq"], t["content"]) for t in got] != [(s, self.acked[s]) for s in seqs]:
            have = {t["seq"] for t in got}
            lost = [s for s in seqs if s not in have][:5]
            raise Mismatch(f"load: {len(seqs)} turns acknowledged, history holds {len(got)}; lost {lost}")
        if seqs != list(range(1, len(seqs) + 1)):
            raise Mismatch(f"load: acknowledged seqs are not 1..{len(seqs)}")
        head = max(self.eseqs) if self.eseqs else 0
        since = self.rng.randint(0, head)
        fresh = Client(self.server.url, self.token, self.user)
        try:
            r = fresh.request("session.join", session=self.sid, since=since)
            if not r.get("ok") or r["result"]["backlog"] != head - since:
                raise Mismatch(f"load: join since {since} (head {head}): {str(r)[:300]}")
            fresh.wait_eseq(self.sid, head)
            replay = fresh.durable(self.sid)
            if [e["eseq"] for e in replay] != list(range(since + 1, head + 1)):
                raise Mismatch(f"load: replay since {since} gave eseqs {[e['eseq'] for e in replay][:10]}...")
            for e in replay:
                if e["event"] == "turn" and self.acked.get(e["seq"]) != e["content"]:
                    raise Mismatch(f"load: replayed turn {e['seq']} differs from its acknowledgement")
        finally:
            fresh.close()
        return len(seqs)

    def close(self):
        self.client.close()
