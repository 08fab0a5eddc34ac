#!/usr/bin/env python3
"""Server memory per idle WebSocket connection.

Starts SERVER_CMD ({PORT} is replaced by the port), opens N connections that complete the
WebSocket upgrade on /room/r<i % 100> and then stay silent, and reports
(VmRSS with N idle connections - VmRSS before) / N. The baseline is taken after a warm-up of
200 connections opened and closed, so one-time allocations (loop buffers, first-use tables)
are not charged to the idle connections.

usage: idle-memory.py [-n N] [-p PORT] [--pin CPU] 'SERVER_CMD --port {PORT}'
"""
import argparse, base64, json, os, resource, shlex, socket, subprocess, sys, time

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def upgrade(port, i):
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /room/r{i % 100} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("server closed during handshake")
        data += chunk
    if not data.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(data[:80])
    return s

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-p", "--port", type=int, default=19500)
    ap.add_argument("--pin", default=None, help="taskset CPU list for the server")
    ap.add_argument("cmd")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.n + 1000), hard))
    cmd = shlex.split(a.cmd.replace("{PORT}", str(a.port)))
    if a.pin:
        cmd = ["taskset", "-c", a.pin] + cmd
    env = dict(os.environ, PORT=str(a.port))
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", a.port)).close()
                break
            except OSError:
                time.sleep(0.05)
        warm = [upgrade(a.port, i) for i in range(200)]
        for s in warm:
            s.close()
        time.sleep(1.0)
        before = rss_kb(server.pid)
        conns = []
        t0 = time.time()
        for i in range(a.n):
            conns.append(upgrade(a.port, i))
        opened_s = time.time() - t0
        time.sleep(1.0)
        after = rss_kb(server.pid)
        per = (after - before) * 1024 / a.n
        print(json.dumps({"cmd": a.cmd, "connections": a.n, "rss_before_kb": before, "rss_after_kb": after,
                          "bytes_per_idle_connection": round(per), "open_s": round(opened_s, 2)}))
        for s in conns:
            s.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()

if __name__ == "__main__":
    main()
