"""Shared pieces of the hardening drills (Tests/soak/run, Tests/drills/crash, Tests/drills/disk-full):
a real `tandemd` process on a temporary database, users and roles added with `tandem-admin`, an
asyncio tandem.v1 client on Python's `websockets`, and the per-member event ledger that proves
"no gap, no duplicate, in order".

Nothing here is a fake: the server is the built product, the database a real SQLite file, the
clients real WebSocket connections over loopback.
"""
import asyncio
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SUBPROTOCOL = "tandem.v1"


class DrillFailure(Exception):
    """A check of the drill failed: the message says which and why."""


# ---------------------------------------------------------------- the server process

class Tandemd:
    """One `tandemd` process on `db`, its output in `log_path`. `start()` waits until it listens."""

    def __init__(self, binary, db, log_path, flags=(), tls=None):
        """tls: (cert, key) PEM paths: tandemd then serves wss:// and https:// only (clients trust `cert`)."""
        self.binary = binary
        self.db = db
        self.log_path = log_path
        self.flags = list(flags)
        self.process = None
        self.port = None
        self.client_ssl = None
        if tls:
            self.flags += ["--tls-cert", tls[0], "--tls-key", tls[1]]
            self.client_ssl = ssl.create_default_context(cafile=tls[0])
            # TLS 1.2 too (older clients, proxies): its session handling differs from 1.3's in OpenSSL.
            self.client_ssl12 = ssl.create_default_context(cafile=tls[0])
            self.client_ssl12.maximum_version = ssl.TLSVersion.TLSv1_2

    @property
    def token_file(self):
        return re.sub(r"\.db$", "", self.db) + ".owner-token"

    def owner_token(self):
        with open(self.token_file) as f:
            return f.read().strip()

    def start(self, timeout=20.0):
        log = open(self.log_path, "ab")
        offset = log.tell()
        port_flag = ["--port", str(self.port)] if self.port else ["--port", "0"]
        self.process = subprocess.Popen([self.binary, "--db", self.db, "--host", "127.0.0.1", *port_flag, *self.flags],
                                        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DrillFailure(f"tandemd exited with {self.process.returncode} on start:\n{self.log_tail()}")
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                found = re.search(rb"address=wss?://127\.0\.0\.1:(\d+)/ws", f.read())
            if found and os.path.exists(self.token_file):
                self.port = int(found.group(1))
                return self
            time.sleep(0.05)
        self.kill9()   # never leave a server behind
        raise DrillFailure(f"tandemd did not listen within {timeout} s:\n{self.log_tail()}")

    @property
    def pid(self):
        return self.process.pid

    @property
    def url(self):
        return f"{'wss' if self.client_ssl else 'ws'}://127.0.0.1:{self.port}"

    def http_get(self, path, timeout=5):
        """GET `path` over http:// or https:// (as the server serves): (status, body)."""
        import http.client
        if self.client_ssl:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.client_ssl)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            return answer.status, answer.read().decode()
        finally:
            conn.close()

    def healthz(self):
        """GET /healthz: (status, body)."""
        return self.http_get("/healthz")

    def metrics_text(self):
        status, body = self.http_get("/metrics", timeout=10)
        if status != 200:
            raise DrillFailure(f"/metrics answered {status}")
        return body

    def metrics(self, text=None):
        """/metrics (or a page of it already read): {name: value} of the samples without labels."""
        values = {}
        for line in (text if text is not None else self.metrics_text()).splitlines():
            name, _, value = line.rpartition(" ")
            if line and not line.startswith("#") and "{" not in name:
                values[name] = float(value)
        return values

    def kill9(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout=10.0):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    # /proc figures of the live process
    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def threads(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        return 0

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def database_fds(self):
        """{file name: open fds} of the database's files (db, -wal, -shm, -search..., -lock)."""
        names = {}
        base = os.path.basename(self.db)
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                name = os.path.basename(os.readlink(f"/proc/{self.pid}/fd/{fd}"))
            except OSError:
                continue
            if name.startswith(base):
                names[name] = names.get(name, 0) + 1
        return names

    TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
                  "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}

    def sockets(self):
        """The process's open sockets: 'tcp LOCALPORT→REMOTEPORT STATE' or 'unix'/'other' (for a failure message)."""
        inodes = set()
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{self.pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = {}
        for table in ("tcp", "tcp6"):
            try:
                with open(f"/proc/{self.pid}/net/{table}") as f:
                    for line in f.readlines()[1:]:
                        parts = line.split()
                        if parts[9] in inodes:
                            local, remote = int(parts[1].split(":")[1], 16), int(parts[2].split(":")[1], 16)
                            found[parts[9]] = f"tcp {local}→{remote} {self.TCP_STATES.get(parts[3], parts[3])}"
            except OSError:
                pass
        return sorted(found.get(inode, "not tcp") for inode in inodes)

    def fd_kinds(self):
        """Open fds by kind: sockets, database files (db, -wal, -shm), and the rest (epoll, eventfd, pipes ...)."""
        kinds = {"socket": 0, "database": 0, "other": 0}
        base = os.path.basename(self.db)
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{self.pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:"):
                kinds["socket"] += 1
            elif os.path.basename(target).startswith(base):
                kinds["database"] += 1
            else:
                kinds["other"] += 1
        return kinds


class Admin:
    """`tandem-admin` on the same database, as an operator would use it while tandemd runs."""

    def __init__(self, binary, db):
        self.binary = binary
        self.db = db

    def run(self, *args):
        done = subprocess.run([self.binary, *args, "--db", self.db], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise DrillFailure(f"tandem-admin {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def add_user(self, name):
        """Adds a user; returns its first token."""
        found = re.search(r"token \S+: (\S+)", self.run("users", "add", name))
        if not found:
            raise DrillFailure(f"tandem-admin users add {name}: no token in its output")
        return found.group(1)

    def grant(self, user, session, role):
        self.run("grant", user, session, role)


# ---------------------------------------------------------------- the client

class Client:
    """A tandem.v1 connection. Responses are matched by id; events go to `on_event(event, client)`
    in arrival order (or are buffered in `events` when no callback is set). `closed` resolves to the
    close code once the connection ends. With `reading=False` nothing is read until `start_reading()`:
    that is how the soak's slow consumer stops consuming."""

    def __init__(self, ws, label, on_event=None):
        self.ws = ws
        self.label = label
        self.on_event = on_event
        self.events = []
        self.pending = {}
        self.next_id = 1
        self.close_code = None
        self.reader = None
        self.done = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(cls, base_url, token=None, share=None, share_path=None, label="", on_event=None,
                   reading=True, rcvbuf=None, keepalive=True, max_queue=16, ssl=None, deflate=False):
        headers = {}
        if token is not None:
            url = f"{base_url}/ws"
            headers["Authorization"] = f"Bearer {token}"
        elif share is not None:
            url = f"{base_url}/ws?share={share}"
        else:
            url = f"{base_url}/s/{share_path}"
        kwargs = {}
        if base_url.startswith("wss:"):
            kwargs["ssl"] = ssl
            kwargs["server_hostname"] = "127.0.0.1"
        if rcvbuf is not None:
            # A small receive buffer so a client that stops reading backs up into the server soon.
            host, port = base_url.split("//")[1].split(":")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.connect((host, int(port)))
            sock.setblocking(False)
            kwargs["sock"] = sock
        ws = await connect(url, subprotocols=[SUBPROTOCOL], additional_headers=headers, open_timeout=10,
                           ping_interval=20 if keepalive else None, max_queue=max_queue, max_size=8 << 20,
                           compression="deflate" if deflate else None, **kwargs)
        client = cls(ws, label, on_event)
        client.deflated = "permessage-deflate" in (ws.response.headers.get("Sec-WebSocket-Extensions") or "")
        if reading:
            client.start_reading()
        return client

    def start_reading(self):
        if self.reader is None:
            self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if "event" in message:
                    if self.on_event:
                        self.on_event(message, self)
                    else:
                        self.events.append(message)
                else:
                    waiter = self.pending.pop(message.get("id"), None)
                    if waiter and not waiter.done():
                        waiter.set_result(message)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            for waiter in self.pending.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError(f"{self.label}: closed ({self.close_code})"))
                    waiter.add_done_callback(lambda f: f.exception())   # nobody may await it: not an error
            self.pending.clear()
            if not self.done.done():
                self.done.set_result(self.close_code)

    async def send(self, op, **params):
        """Sends a request; returns a future of its response."""
        request_id = self.next_id
        self.next_id += 1
        waiter = asyncio.get_running_loop().create_future()
        self.pending[request_id] = waiter
        await self.ws.send(json.dumps({"id": request_id, "op": op, **params}))
        return waiter

    async def request(self, op, timeout=15.0, **params):
        waiter = await self.send(op, **params)
        return await asyncio.wait_for(waiter, timeout)

    async def ok(self, op, timeout=15.0, **params):
        response = await self.request(op, timeout=timeout, **params)
        if response.get("ok") is not True:
            raise DrillFailure(f"{self.label}: {op} failed: {response}")
        return response["result"]

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 5)
        except (asyncio.TimeoutError, ConnectionClosed, OSError):
            pass
        if self.reader:
            try:
                await asyncio.wait_for(self.reader, 5)
            except asyncio.TimeoutError:
                self.reader.cancel()


# ---------------------------------------------------------------- the ledger

class Ledger:
    """What one member saw of one session: durable events must arrive with eseq exactly last + 1.
    Turns are kept as seq → nonce, in the order seen, so a duplicate or an out-of-order turn is a problem too."""

    def __init__(self, who, session, last=0):
        self.who = who
        self.session = session
        self.last = last
        self.turns = {}          # seq → nonce
        self.last_seq = 0
        self.problems = []

    def apply(self, event):
        eseq = event.get("eseq")
        if eseq is None:
            return False
        if eseq != self.last + 1:
            kind = "duplicate" if eseq <= self.last else "gap"
            self.problems.append(f"{self.who}/{self.session}: {kind}: eseq {eseq} after {self.last}")
            if eseq <= self.last:
                return False
        self.last = eseq
        if event.get("event") == "turn":
            seq = event["seq"]
            if seq in self.turns:
                self.problems.append(f"{self.who}/{self.session}: turn seq {seq} seen twice")
            elif seq <= self.last_seq:
                self.problems.append(f"{self.who}/{self.session}: turn seq {seq} after {self.last_seq} (out of order)")
            self.turns[seq] = event.get("nonce")
            self.last_seq = max(self.last_seq, seq)
        return True

    def missing(self, acked):
        """Acknowledged turns (seq → nonce) this member never saw (or saw with another nonce)."""
        return [seq for seq, nonce in acked.items() if self.turns.get(seq, "<absent>") != nonce]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def median(values):
    return percentile(values, 0.5)


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (as deploy/nginx/test makes one): (cert, key) paths."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key
