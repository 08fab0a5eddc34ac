#!/usr/bin/env python3
"""The access watcher's CPU with N live sessions: starts BIN (a tandemd release binary) on a fresh
database, creates N sessions and joins them all (on ceil(N/5000) connections), waits 3 s, then
reads the tandem-access thread's CPU time (utime+stime, /proc) over SECONDS (default 20) of ticks.
With `churn`, an access change (share.create, audited) is made every 0.25 s meanwhile.
usage: Benchmarks/live-sessions-watcher.py BIN N [SECONDS] [PORT] [churn]   (docs/benchmarks.md)"""
import base64, json, os, socket, struct, subprocess, sys, tempfile, time

def connect(port, token):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    req = ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)).decode() + "\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: tandem.v1\r\nAuthorization: Bearer " + token + "\r\n\r\n")
    s.sendall(req.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s

def frame(obj):
    p = json.dumps(obj).encode(); m = os.urandom(4); n = len(p)
    h = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0x80 | 126]) + struct.pack(">H", n)
    return h + m + bytes(b ^ m[i % 4] for i, b in enumerate(p))

class Reader:
    def __init__(self, s): self.s, self.buf = s, b""
    def need(self, n):
        while len(self.buf) < n:
            c = self.s.recv(1 << 20)
            if not c: raise EOFError
            self.buf += c
    def next(self):
        self.need(2); n = self.buf[1] & 0x7F; off = 2
        if n == 126: self.need(4); n = struct.unpack(">H", self.buf[2:4])[0]; off = 4
        elif n == 127: self.need(10); n = struct.unpack(">Q", self.buf[2:10])[0]; off = 10
        self.need(off + n); p = self.buf[off:off + n]; self.buf = self.buf[off + n:]
        return json.loads(p) if p[:1] == b"{" else None

def call_all(s, msgs):
    r = Reader(s); ids = set()
    for i in range(0, len(msgs), 200):
        s.sendall(b"".join(frame(m) for m in msgs[i:i + 200]))
        ids.update(m["id"] for m in msgs[i:i + 200])
        while len(ids) > 400:
            a = r.next()
            if a and "id" in a and a["id"] in ids:
                assert a.get("ok", True) is not False and "error" not in a, a
                ids.discard(a["id"])
    while ids:
        a = r.next()
        if a and "id" in a and a["id"] in ids:
            assert "error" not in a, a
            ids.discard(a["id"])

def thread_cpu(pid, name):
    for tid in os.listdir(f"/proc/{pid}/task"):
        if open(f"/proc/{pid}/task/{tid}/comm").read().strip() == name:
            f = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    raise RuntimeError("no thread " + name)

bin_, n = sys.argv[1], int(sys.argv[2])
secs = float(sys.argv[3]) if len(sys.argv) > 3 else 20
port = int(sys.argv[4]) if len(sys.argv) > 4 else 19411
churn = len(sys.argv) > 5 and sys.argv[5] == "churn"  # an access change (share.create, audited) every 0.25 s
work = tempfile.mkdtemp(prefix="tandem-live-sessions.")
db = work + "/l.db"
srv = subprocess.Popen([bin_, "--port", str(port), "--db", db, "--log-level", "warning",
                        "--max-sessions-per-connection", "5000", "--max-sessions-per-user", "1000000",
                        "--rate", "100000", "--burst", "100000"], stdout=subprocess.DEVNULL, stderr=open(work + "/log", "w"))
try:
    for _ in range(300):
        if os.path.exists(work + "/l.owner-token") and os.path.getsize(work + "/l.owner-token") > 0: break
        time.sleep(0.1)
    time.sleep(0.5)
    token = open(work + "/l.owner-token").readline().strip()
    t = time.time()
    c = connect(port, token)
    call_all(c, [{"id": f"c{i}", "op": "session.create", "session": f"s{i}", "title": f"S{i}"} for i in range(n)])
    conns = []
    for k in range(0, n, 5000):
        j = connect(port, token); conns.append(j)
        call_all(j, [{"id": f"j{i}", "op": "session.join", "session": f"s{i}"} for i in range(k, min(n, k + 5000))])
    print(f"created and joined {n} sessions in {time.time() - t:.1f} s; rss {open(f'/proc/{srv.pid}/status').read().split('VmRSS:')[1].split()[0]} kB")
    time.sleep(3)
    a = thread_cpu(srv.pid, "tandem-access"); t0 = time.time()
    if churn:
        k = 0
        while time.time() - t0 < secs:
            call_all(c, [{"id": f"sh{k}", "op": "share.create", "session": f"s{k % n}", "expires_in": 3600}]); k += 1
            time.sleep(0.25)
    else:
        time.sleep(secs)
    b = thread_cpu(srv.pid, "tandem-access"); dt = time.time() - t0
    print(f"N={n}{' churn' if churn else ''}: tandem-access thread CPU {1000 * (b - a) / dt:.1f} ms/s over {dt:.0f} s ({100 * (b - a) / dt:.2f}% of a core; {1000 * (b - a) / dt / 4:.2f} ms a tick at 4 ticks/s)")
finally:
    srv.terminate(); srv.wait()
    subprocess.run(["rm", "-rf", work])
