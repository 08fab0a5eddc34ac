#!/usr/bin/env python3
"""tandemd's memory per idle tandem.v1 connection: plain ws://, wss://, and with permessage-deflate.

For each mode, starts tandemd on a fresh database (and, for tls, a throw-away self-signed
certificate), adds a user, opens and closes 50 connections as a warm-up, then opens N connections
that authenticate and upgrade and stay silent, and reports (VmRSS after - VmRSS before) / N. In
the deflate mode each connection offers permessage-deflate, and after the upgrade sends K
compressed 6 KB requests (a ping op) and reads the answers: zlib's inflate state and 32 KiB window
stay with the connection for its life once it has inflated a message.

usage: tandemd-idle-memory.py [-n N] [-k K] [--bin DIR] [--port PORT] [MODE ...]   (MODE: plain tls deflate)
DIR holds tandemd and tandem-admin (default .build/release).
"""
import argparse, base64, json, os, resource, socket, ssl, struct, subprocess, sys, tempfile, time, zlib

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(l for l in f if l.startswith("VmRSS:")).split()[1])

def connect(port, tls, token, deflate):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if tls:
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
    lines = ["GET /ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)).decode(), "Sec-WebSocket-Version: 13",
             "Sec-WebSocket-Protocol: tandem.v1", "Authorization: Bearer " + token]
    if deflate: lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(1)
        if not c: raise RuntimeError("closed during the handshake")
        head += c
    if not head.startswith(b"HTTP/1.1 101"): raise RuntimeError(head[:80])
    return s

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise EOFError
        b += c
    return b

def compressed_request(i):
    payload = json.dumps({"id": str(i), "op": "ping", "x": os.urandom(3000).hex()}).encode()
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = (c.compress(payload) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(body))
    n = len(masked)
    head = bytes([0xC1, 0x80 | 126]) + struct.pack(">H", n) if n >= 126 else bytes([0xC1, 0x80 | n])
    return head + mask + masked

def read_frame(s):
    h = recv_exact(s, 2)
    n = h[1] & 0x7F
    if n == 126: n = struct.unpack(">H", recv_exact(s, 2))[0]
    elif n == 127: n = struct.unpack(">Q", recv_exact(s, 8))[0]
    recv_exact(s, n)

def measure(mode, a, work):
    port = a.port
    db = os.path.join(work, f"{mode}.db")
    cmd = [os.path.join(a.bin, "tandemd"), "--db", db, "--host", "127.0.0.1", "--port", str(port),
           "--max-connections-per-user", str(a.n + 100), "--max-connections-per-address", "0"]
    if mode == "tls":
        cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
        if not os.path.exists(cert):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
        cmd += ["--tls-cert", cert, "--tls-key", key]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try: socket.create_connection(("127.0.0.1", port)).close(); break
            except OSError: time.sleep(0.05)
        added = subprocess.run([os.path.join(a.bin, "tandem-admin"), "--db", db, "users", "add", "u0", "--json"],
                               check=True, capture_output=True, text=True)
        token = json.loads(added.stdout)["token"]["secret"]
        tls, deflate = mode == "tls", mode == "deflate"
        for s in [connect(port, tls, token, deflate) for _ in range(50)]: s.close()
        time.sleep(1.0)
        before = rss_kb(server.pid)
        conns = [connect(port, tls, token, deflate) for _ in range(a.n)]
        time.sleep(1.0)
        upgraded = rss_kb(server.pid)
        result = {"mode": mode, "connections": a.n, "bytes_per_idle_connection": round((upgraded - before) * 1024 / a.n)}
        if deflate:
            for k in range(a.k):
                for s in conns: s.sendall(compressed_request(k)); read_frame(s)
            time.sleep(1.0)
            result["after_requests"] = a.k
            result["bytes_per_idle_connection_after_requests"] = round((rss_kb(server.pid) - before) * 1024 / a.n)
        print(json.dumps(result), flush=True)
        for s in conns: s.close()
    finally:
        server.terminate()
        try: server.wait(timeout=10)
        except subprocess.TimeoutExpired: server.kill()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=600)
    ap.add_argument("-k", type=int, default=20, help="compressed requests per connection in the deflate mode")
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--port", type=int, default=19740)
    ap.add_argument("modes", nargs="*", default=["plain", "tls", "deflate"])
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * a.n + 500)), hard))
    with tempfile.TemporaryDirectory(prefix="tandemd-idle-memory-") as work:
        for mode in a.modes: measure(mode, a, work)

if __name__ == "__main__":
    main()
