"""The rest of the surface for the soak (Tests/soak/soak.py): each worker drives one part of tandemd at a
steady, moderate rate on sessions of its own, so the members' ledgers in soak.py stay exact.

- lifecycle: a scratch session's whole life: create, join, posts, a comment, undo, rows, checkpoint save and
  restore, a branch merged or discarded, a template saved and a session made from it, export → import,
  clear, delete (checkpoints have no delete op: they go with their session; templates have none either, so
  the names rotate over TEMPLATE_NAMES and a taken name is answered `already_exists`, which is exercised too);
- searcher: `session.search` over the members' sessions;
- page viewers: a share link, the browser viewer page (`GET /s/SECRET`) and a WebSocket viewer on it,
  then `share.revoke`;
- operator: `tandem-admin` against the live database: users add/remove, grant, members, revoke, tokens
  issue/list/revoke;
- droppers: connections cut abruptly (RST) mid-frame (after the upgrade, a frame header and part of its
  payload), mid-HTTP-upgrade, and on wss:// mid-TLS-handshake (part of a ClientHello, or all of it and
  nothing after).
Every failure is a problem in `soak.problems`; counts go to `soak.counts`.
"""
import asyncio
import json
import os
import re
import socket
import ssl
import struct
import time

from tandem_drill import DrillFailure

TEMPLATE_NAMES = [f"tpl-{n}" for n in range(8)]
WORDS = ["lifecycle", "merge", "checkpoint", "branch", "template", "harbor", "orbit", "quartz"]


def rst_close(sock):
    """Closes with a TCP RST (SO_LINGER 0): the abrupt end of a client that crashed or lost its network."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def client_hello(context):
    """The bytes of a real TLS ClientHello, made with an in-memory SSLObject (no socket)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class Surface:
    def __init__(self, soak, server, admin, owner_token):
        self.soak = soak
        self.server = server
        self.admin = admin
        self.owner_token = owner_token
        self.tls = server.client_ssl is not None
        for name in ["life_cycles", "life_merged", "life_discarded", "life_imports", "life_refusals", "searches",
                     "search_hits", "pages", "page_viewers", "admin_runs", "drops_mid_frame", "drops_mid_upgrade",
                     "drops_mid_tls", "deflate_offered", "deflate_on"]:
            soak.counts.setdefault(name, 0)

    def problem(self, text):
        self.soak.problems.append(text)

    async def connect(self, deflate, **kwargs):
        """A tandem.v1 connection to the soak's server (wss:// when it serves TLS), deflate offered or not."""
        return await self.soak.open(deflate=deflate, **kwargs)

    # -- a scratch session's whole life, over and over
    async def lifecycle(self):
        soak = self.soak
        n = 0
        while soak.running():
            n += 1
            client = await self.connect(deflate=n % 2 == 0, token=self.owner_token, label="life",
                                        on_event=lambda event, _c: None)
            try:
                await self.one_life(client, f"life-{n}", n)
                soak.counts["life_cycles"] += 1
            except (ConnectionError, asyncio.TimeoutError, DrillFailure) as error:
                self.problem(f"lifecycle {n}: {error!r}")
            finally:
                await client.close()
            await soak.pause(soak.rng.uniform(1, 3))

    async def one_life(self, c, sid, n):
        rng = self.soak.rng
        await c.ok("session.create", session=sid, title=f"Life {n} {rng.choice(WORDS)}")
        await c.ok("session.join", session=sid)
        seqs = []
        for k in range(5):
            words = " ".join(rng.choice(WORDS) for _ in range(6))
            seqs.append((await c.ok("turn.post", session=sid, content=f"life {n} turn {k}: {words}"))["turn"]["seq"])
        await c.ok("comment.add", session=sid, seq=seqs[1], text=f"comment on {sid}")
        await c.ok("comment.list", session=sid)
        await c.ok("turn.undo", session=sid, seq=seqs[-1])
        for key in ("plan", "notes", "owner"):
            await c.ok("state.put", session=sid, key=key, value={"n": n, "key": key}, base=0)
        await c.ok("checkpoint.save", session=sid, name="cp")
        await c.ok("turn.post", session=sid, content=f"after the checkpoint {n}")
        await c.ok("state.put", session=sid, key="later", value={"n": n}, base=0)
        await c.ok("checkpoint.list", session=sid)
        await c.ok("checkpoint.restore", session=sid, name="cp")
        branch = f"{sid}-b"
        await c.ok("branch.create", session=sid, branch=branch, title="branch")
        await c.ok("turn.post", session=branch, content=f"on the branch {n}")
        await c.ok("state.put", session=branch, key="branch-row", value={"n": n}, base=0)
        if n % 2:
            merged = await c.ok("branch.merge", session=branch)
            if not merged["merged"]:
                self.problem(f"{branch}: merge without conflicts answered {merged}")
            self.soak.counts["life_merged"] += 1
            await c.ok("session.delete", session=branch)   # merged, archived: the owner may delete it
        else:
            await c.ok("branch.discard", session=branch)
            self.soak.counts["life_discarded"] += 1
        template = TEMPLATE_NAMES[n % len(TEMPLATE_NAMES)]
        saved = await c.request("template.save", session=sid, name=template)
        if not saved.get("ok") and saved["error"]["code"] != "already_exists":
            self.problem(f"template.save {template}: {saved}")
        await c.ok("template.list")
        made = f"{sid}-t"
        await c.ok("template.create_session", template=template, session=made, title="from a template")
        await c.ok("session.delete", session=made)
        document = (await c.ok("session.export", session=sid))["document"]
        copy = f"{sid}-i"
        await c.ok("session.import", document=document, session=copy)
        self.soak.counts["life_imports"] += 1
        await c.ok("session.delete", session=copy)
        await c.ok("session.clear", session=sid)
        refused = await c.request("comment.add", session=sid, seq=seqs[0], text="on a cleared turn")
        if refused.get("ok") or refused["error"]["code"] != "conflict":
            self.problem(f"{sid}: comment on a cleared turn answered {refused}")
        self.soak.counts["life_refusals"] += 1
        await c.ok("session.leave", session=sid)
        await c.ok("session.delete", session=sid)

    # -- search
    async def searcher(self):
        soak = self.soak
        client = await self.connect(deflate=True, token=self.owner_token, label="search")
        try:
            while soak.running():
                query = soak.rng.choice(WORDS + ["turn", "from", "m3", "x*"])
                answer = await client.request("session.search", query=query, limit=20)
                if answer.get("ok"):
                    soak.counts["searches"] += 1
                    soak.counts["search_hits"] += len(answer["result"]["hits"])
                elif answer["error"]["code"] != "unavailable":   # searches at once: a clear, documented answer
                    self.problem(f"session.search {query!r}: {answer['error']}")
                await soak.pause(soak.rng.uniform(0.5, 1.5))
        finally:
            await client.close()

    # -- the browser viewer page and a WebSocket viewer on a share link, then the link revoked
    async def page_viewers(self, owner, sessions):
        soak = self.soak
        n = 0
        while soak.running():
            n += 1
            session = soak.rng.choice(sessions)
            created = await owner.ok("share.create", session=session, expires_in=300)
            secret = created["secret"]
            status, body = await asyncio.to_thread(self.server.http_get, f"/s/{secret}")
            if status != 200 or "<html" not in body.lower():
                self.problem(f"viewer page /s/SECRET answered {status}: {body[:80]!r}")
            soak.counts["pages"] += 1
            try:
                viewer = await self.connect(deflate=n % 2 == 0, share_path=secret, label="page-viewer")
                try:
                    await viewer.ok("session.join", session=session, last=20)
                    await soak.pause(soak.rng.uniform(0.5, 3))
                    soak.counts["page_viewers"] += 1
                finally:
                    await viewer.close()
            except (ConnectionError, OSError, asyncio.TimeoutError, DrillFailure) as error:
                self.problem(f"share viewer of {session}: {error!r}")
            await owner.ok("share.revoke", share=created["share"]["id"])
            status, _ = await asyncio.to_thread(self.server.http_get, f"/s/{secret}")
            if status >= 500:   # a revoked link's page says so (Tests/browser checks the words): never an error
                self.problem(f"viewer page of a revoked link answered {status}")
            await soak.pause(soak.rng.uniform(2, 5))

    # -- the operator's tandem-admin against the live file
    async def operator(self, sessions):
        """One guest account per round: added, granted, revoked, a token issued, listed and revoked, removed
        (a fresh account keeps its token list one page and the users table from growing)."""
        soak = self.soak
        n = 0
        while soak.running():
            n += 1
            guest = f"guest-{n}"
            session = soak.rng.choice(sessions)
            run = lambda *args: asyncio.to_thread(self.admin.run, *args)
            try:
                await run("users", "add", guest)
                await run("grant", guest, session, soak.rng.choice(["read", "comment"]))
                await run("members", session)
                await run("revoke", guest, session)
                issued = await run("tokens", "issue", guest)
                token_id = re.search(r"token (\S+) for", issued).group(1)
                listed = json.loads(await run("tokens", "list", guest, "--json"))
                if token_id not in [t["id"] for t in listed["tokens"]]:
                    self.problem(f"tandem-admin tokens list {guest} lacks the token just issued ({token_id})")
                await run("tokens", "revoke", token_id)
                await run("users", "remove", guest, "--yes")
                soak.counts["admin_runs"] += 8
            except (DrillFailure, AttributeError) as error:
                self.problem(f"tandem-admin: {error!r}")
            await soak.pause(soak.rng.uniform(2, 5))

    # -- connections cut abruptly
    async def droppers(self, token):
        soak = self.soak
        kinds = ["frame", "frame", "upgrade"] + (["tls-part", "tls-whole"] if self.tls else [])
        n = 0
        while soak.running():
            n += 1
            kind = kinds[n % len(kinds)]
            try:
                if kind == "frame":
                    await asyncio.to_thread(self.drop_mid_frame, token, n % 4 == 0)
                    soak.counts["drops_mid_frame"] += 1
                elif kind == "upgrade":
                    await asyncio.to_thread(self.drop_mid_upgrade)
                    soak.counts["drops_mid_upgrade"] += 1
                else:
                    await asyncio.to_thread(self.drop_mid_tls, kind == "tls-whole")
                    soak.counts["drops_mid_tls"] += 1
            except (ConnectionError, OSError, asyncio.TimeoutError) as error:
                self.problem(f"dropper ({kind}): could not even connect: {error!r}")
            await soak.pause(soak.rng.uniform(0.3, 1.0))

    def drop_mid_frame(self, token, deflate):
        """Upgrades (deflate offered or not), sends a request whole, then a frame header announcing 4,000
        bytes and 100 of them (RSV1 set when deflate is on), and resets the connection."""
        sock = self.raw_socket()
        if self.tls:
            sock = self.server.client_ssl.wrap_socket(sock, server_hostname="127.0.0.1")
        offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if deflate else ""
        sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      f"Sec-WebSocket-Protocol: tandem.v1\r\nAuthorization: Bearer {token}\r\n{offer}\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the upgrade")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"upgrade refused: {head[:40]!r}")
        accepted = b"permessage-deflate" in head.lower()
        if deflate and not accepted:
            self.problem("the dropper's permessage-deflate offer was not accepted")
        mask = os.urandom(4)
        whole = b'{"id":1,"op":"session.list"}'
        sock.sendall(bytes([0x81, 0x80 | len(whole)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(whole)))
        first = 0x81 | (0x40 if accepted else 0)
        sock.sendall(bytes([first, 0x80 | 126]) + struct.pack("!H", 4000) + mask + b"x" * 100)
        time.sleep(0.05)
        rst_close(sock)

    def raw_socket(self):
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=5)

    def drop_mid_upgrade(self):
        request = (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n").encode()
        sock = self.raw_socket()
        if self.tls:
            sock = self.server.client_ssl.wrap_socket(sock, server_hostname="127.0.0.1")
        sock.sendall(request[: len(request) // 2])
        time.sleep(0.05)
        rst_close(sock)   # on wss:// no close_notify either: the TLS record stream just stops

    def drop_mid_tls(self, whole):
        hello = client_hello(self.server.client_ssl)
        sock = self.raw_socket()
        sock.sendall(hello if whole else hello[: len(hello) // 2])
        if whole:
            try:
                sock.recv(512)   # the ServerHello begins; the client vanishes before answering it
            except OSError:
                pass
        else:
            time.sleep(0.05)
        rst_close(sock)


# ---------------------------------------------------------------- the per-connection probe

PROBE_CONNECTIONS = 6000
# Allowed growth of jemalloc's allocated bytes over the probe: per connection, and in all. A quiet server
# moves by up to ±0.7 MiB between two readings 11 s apart (thread caches), so the probe makes enough
# connections for a leak to stand out: after the fix, 6,000 connections measured +16 to +56 bytes each
# (three rounds); before it, +770 to +820 (the accept order's hold: 4.7 MB). Anything a connection's TLS
# or zlib state left behind would show the same way.
PROBE_BYTES_PER_CONNECTION = 128
PROBE_SLACK = 512 << 10
# Closed connections stay referenced by their stale timer entries up to the handshake timeout (10 s by
# default) after their accept: each measurement comes that long after the last connection.
PROBE_SETTLE = 11.0


def short_connections(server, count):
    """`count` short connections of every kind that needs no account, each ended with a reset: connect and
    say nothing, a whole /healthz request, half a request; on wss:// the last two inside TLS, and also half
    a ClientHello and a whole one left unanswered."""
    tls = server.client_ssl
    hello = client_hello(tls) if tls else None
    kinds = ["silent", "healthz", "half"] + (["tls-part", "tls-whole"] if tls else [])
    for n in range(count):
        kind = kinds[n % len(kinds)]
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        try:
            if kind in ("healthz", "half"):
                if tls:
                    sock = tls.wrap_socket(sock, server_hostname="127.0.0.1")
                if kind == "healthz":
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    sock.recv(512)
                else:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
            elif kind == "tls-part":
                sock.sendall(hello[: len(hello) // 2])
            elif kind == "tls-whole":
                sock.sendall(hello)
                sock.recv(512)
        except OSError:
            pass
        rst_close(sock)


def probe_connections(server, count=PROBE_CONNECTIONS):
    """Before the load, the server otherwise quiet (after the load, what it leaves behind is still being
    freed: -1.6 MiB in the 10 s after it ended, more than the leak looked for): a warm-up burst (TLS
    library and allocator caches), then `count` short connections measured.
    Returns (allocated bytes before, after, seconds taken)."""
    started = time.monotonic()
    short_connections(server, count // 4)
    time.sleep(PROBE_SETTLE)
    before = server.metrics()["tandem_memory_allocated_bytes"]
    short_connections(server, count)
    time.sleep(PROBE_SETTLE)
    after = server.metrics()["tandem_memory_allocated_bytes"]
    return before, after, time.monotonic() - started


def probe_verdict(before, after, count=PROBE_CONNECTIONS):
    grown = after - before
    allowed = count * PROBE_BYTES_PER_CONNECTION + PROBE_SLACK
    text = (f"per-connection probe: {count} short connections, jemalloc allocated {before / 2**20:.2f} → "
            f"{after / 2**20:.2f} MiB ({grown / count:+.0f} bytes a connection; allowed {allowed / 2**20:.2f} MiB)")
    return text, (None if grown <= allowed else f"memory grows with every connection: {text}")
