"""Wire plumbing for the model check: a tandemd on a temporary database, its users, and tandem.v1 clients
that match answers to requests by id and keep each session's events in arrival order."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from websockets.sync.client import connect

from matching import Mismatch

SUBPROTOCOL = "tandem.v1"


class Server:
    """A tandemd (the binary at `tandemd`, tandem-admin beside it) on a temporary database and a free
    port, with the owner's token; `stop` ends it and removes the files."""

    def __init__(self, tandemd, extra=()):
        self.tandemd = tandemd
        self.admin = os.path.join(os.path.dirname(tandemd), "tandem-admin")
        self.tmp = tempfile.mkdtemp(prefix="model-")
        self.db = os.path.join(self.tmp, "t.db")
        self.starts = 0
        self._start(extra)
        self.owner_token = open(os.path.join(self.tmp, "t.owner-token")).read().strip()
        self.comment_high = 0  # the highest comment id this server has given (ids are server-wide)

    def _start(self, extra):
        """Starts tandemd on the database with `extra` flags and waits for its port (each start logs to a file of its own)."""
        self.starts += 1
        self.log = open(os.path.join(self.tmp, f"t{self.starts}.log"), "w")
        self.proc = subprocess.Popen([self.tandemd, "--db", self.db, "--host", "127.0.0.1",
                                      "--port", "0", "--log-level", "info", *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        tokfile = os.path.join(self.tmp, "t.owner-token")
        self.port = None
        for _ in range(400):
            text = open(self.log.name).read()
            m = re.search(r"address=ws://127\.0\.0\.1:(\d+)", text)
            if m and os.path.exists(tokfile) and os.path.getsize(tokfile) > 0:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                raise RuntimeError("tandemd exited: " + text)
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("tandemd did not start")
        self.url = f"ws://127.0.0.1:{self.port}/ws"

    def restart(self, extra):
        """Stops tandemd and starts it again on the same database with `extra` flags (users and tokens stay)."""
        self._end()
        self._start(extra)

    def _end(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def add_user(self, name):
        out = subprocess.run([self.admin, "--db", self.db, "users", "add", name],
                             capture_output=True, text=True, check=True).stdout
        return out.strip().splitlines()[-1].split()[-1]

    def stop(self):
        self._end()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Client:
    """Requests matched by id; events kept per session in arrival order."""

    def __init__(self, url, token, user, share=None):
        self.user = user
        if share:
            self.ws = connect(f"{url}?share={share}", subprotocols=[SUBPROTOCOL], open_timeout=5, max_size=None)
        else:
            self.ws = connect(url, subprotocols=[SUBPROTOCOL], open_timeout=5, max_size=None,
                              additional_headers={"Authorization": f"Bearer {token}"})
        self.next_id = 1
        self.responses = {}
        self.events = {}  # session -> [event]

    def _read(self, timeout):
        message = json.loads(self.ws.recv(timeout=timeout))
        if "event" in message:
            self.events.setdefault(message["session"], []).append(message)
        else:
            self.responses[message.get("id")] = message

    def request(self, op, timeout=10.0, **params):
        rid = self.next_id
        self.next_id += 1
        self.ws.send(json.dumps({"id": rid, "op": op, **params}))
        deadline = time.monotonic() + timeout
        while rid not in self.responses:
            self._read(max(0.001, deadline - time.monotonic()))
        return self.responses.pop(rid)

    def durable(self, session):
        return [e for e in self.events.get(session, []) if "eseq" in e]

    def wait_eseq(self, session, eseq, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.durable(session)
            if got and got[-1]["eseq"] >= eseq:
                return True
            if eseq <= 0:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self._read(left)
            except TimeoutError:
                return False

    def settle(self, timeout=0.05):
        """Reads whatever arrives within timeout (to catch unexpected extra events)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self._read(left)
            except TimeoutError:
                return

    def close(self):
        self.ws.close()


class ClientsRun:
    """What a run over one `Client` per user shares: `ok` (a request that must succeed, counted in
    `ops`) and `close`. Subclasses set `self.clients` (user -> Client) and `self.ops`."""

    def ok(self, who, op, **params):
        self.ops += 1
        r = self.clients[who].request(op, **params)
        if not r.get("ok"):
            raise Mismatch(f"{op} by {who} {params}: {r}")
        return r["result"]

    def close(self):
        for c in self.clients.values():
            c.close()
