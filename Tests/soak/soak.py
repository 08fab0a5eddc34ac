#!/usr/bin/env python3
"""Soak: runs a real tandemd under mixed load for a while and fails if it leaks or loses turns.

Load (all real WebSocket clients over loopback, one asyncio process; wss:// with --tls, 30 % of those
TLS 1.2; permessage-deflate offered on every other connection):
- members that come and go: online for 10-40 s (posting turns with nonces, editing shared rows with
  stale bases so merges and conflicts happen), offline for 1-4 s, back with `session.join since`;
- share links created with a 3-8 s lifetime; a viewer on each (half `/s/SECRET`, half `?share=`) must be
  told `share.expired` and closed with 4410 when the link runs out;
- one slow consumer that stops reading while a bulk poster fills its session with 16 KiB turns: it must
  be cut off with 4408, then reconnect and recover with `since` exactly what it missed; repeated;
- the rest of the surface (surface.py, not with --members-only): session lives with comments, undo,
  checkpoints, branches, templates, export → import, clear and delete; search; viewer pages; tandem-admin
  on the live file; connections dropped mid-frame, mid-upgrade and mid-TLS-handshake.

Before the load (not with --members-only), the per-connection probe (surface.py): jemalloc's allocated
bytes over 6,000 short connections. Every 10 s: RSS, jemalloc allocated, open fds, threads, database and
WAL size, /metrics series, the connections and live-sessions gauges, post→delivery latency p50/p99 over
the window, turns acknowledged so far.

Verdict (exit 1 on FAIL; docs/hardening.md has the why of each margin):
- growth: samples of the first max(30 s, 10 % of the run) are ignored; the rest is cut in thirds and the
  median of the last third compared with the middle third's (samples.py: GROWTH_RULES); the WAL never past WAL_BOUND;
- the probe: at most 128 bytes a connection + 512 KiB;
- after the load, every client gone: sockets and other fds back to their count before it, database fds
  within the pool's bound, the connections gauge at 0;
- every acknowledged turn is seen by every member exactly once, in seq order (eseq gap-free);
- each slow-consumer round ends in 4408 and a full recovery; each viewer ends in share.expired + 4410;
  every surface operation answers as expected.
"""
import argparse
import asyncio
import datetime
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drills", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tandem_drill import Admin, Client, DrillFailure, Ledger, Tandemd, make_certificate, percentile  # noqa: E402
from samples import HEADER, format_row, growth_verdict, sample  # noqa: E402
from surface import PROBE_SETTLE, Surface, probe_connections, probe_verdict  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

SESSIONS = ["soak-a", "soak-b", "soak-c"]
BULK = "soak-bulk"
MEMBERS = [f"m{n}" for n in range(8)]
STATE_KEYS = ["plan", "notes", "owner"]
# Posted to the bulk session while the slow consumer reads nothing: over the 256 KiB outbound queue
# the soak configures plus the socket buffers (the client's is 16 KiB). Doubled after a round without a cut.
STALL_BYTES = 1 << 20


class Soak:
    def __init__(self, server, admin, owner_token, tokens, seconds, rng):
        self.server = server
        self.admin = admin
        self.owner_token = owner_token
        self.tokens = tokens
        self.seconds = seconds
        self.rng = rng
        self.stop_at = time.monotonic() + seconds
        self.acked = {s: {} for s in SESSIONS + [BULK]}     # session → seq → nonce
        self.sent_at = {}                                   # nonce → monotonic send time
        self.latencies = []                                 # this window's post→delivery, ms
        self.ledgers = {}                                   # (member, session) → Ledger
        self.problems = []
        self.counts = {"turns": 0, "applied": 0, "merged": 0, "conflict": 0, "reconnects": 0, "viewers": 0,
                       "viewers_expired": 0, "viewers_too_late": 0, "viewers_read_late": 0, "slow_rounds": 0, "slow_cut_4408": 0, "slow_not_cut": 0,
                       "slow_late": 0, "slow_recover_rejoins": 0, "post_errors": 0, "share_create_late": 0}
        self.bulk_wanted = asyncio.Event()
        self.bulk_bytes = 0

    async def open(self, deflate=False, **kwargs):
        """A connection to the soak's server: wss:// when it serves TLS; permessage-deflate offered when
        `deflate` (the slow consumer never: its stall is counted in uncompressed bytes)."""
        context = self.server.client_ssl
        if context is not None and self.rng.random() < 0.3:
            context = self.server.client_ssl12
            self.counts["tls12"] = self.counts.get("tls12", 0) + 1
        client = await Client.open(self.server.url, ssl=context, deflate=deflate, **kwargs)
        if deflate:
            self.counts["deflate_offered"] = self.counts.get("deflate_offered", 0) + 1
            self.counts["deflate_on"] = self.counts.get("deflate_on", 0) + int(client.deflated)
        return client

    def running(self):
        return time.monotonic() < self.stop_at and not self.problems_fatal()

    def server_cut_in_time(self, link_id, expires):
        """Whether tandemd logged closing the viewer of `link_id` within 2 s of `expires` (the text log's
        time has whole seconds, so the line's second may end up to 1 s after the cut)."""
        marker, tag = "closing viewer of expired share link", f"share={link_id}"
        try:
            with open(self.server.log_path, errors="replace") as log:
                for line in log:
                    if marker in line and tag in line:
                        logged = datetime.datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S%z").timestamp()
                        return logged - expires < 2.0
        except (OSError, ValueError):
            pass
        return False

    async def pause(self, seconds):
        """Sleeps, but not past the end of the run."""
        await asyncio.sleep(max(0, min(seconds, self.stop_at - time.monotonic())))

    def problems_fatal(self):
        return len(self.problems) > 50

    # -- events: ledger + latency
    def make_handler(self, who, joins):
        """joins: session → eseq of the join's head; events up to it are replay (no latency figure)."""
        def handle(event, client):
            session = event.get("session")
            ledger = self.ledgers.get((who, session))
            if ledger is None or "eseq" not in event:
                return
            ledger.apply(event)
            if event.get("event") == "turn" and event["eseq"] > joins.get(session, 1 << 62):
                sent = self.sent_at.get(event.get("nonce"))
                if sent is not None:
                    self.latencies.append((time.monotonic() - sent) * 1000)
        return handle

    async def join(self, client, who, session, joins):
        ledger = self.ledgers.setdefault((who, session), Ledger(who, session))
        since = ledger.last
        result = await client.ok("session.join", session=session, since=since)
        joins[session] = result["head_eseq"]
        if result["backlog"] != result["head_eseq"] - since:
            self.problems.append(f"{who}/{session}: backlog {result['backlog']} != head {result['head_eseq']} - since {since}")

    async def post(self, client, who, session, content):
        nonce = f"{who}-{session}-{self.counts['turns'] + self.counts['post_errors']}-{self.rng.random():.9f}"
        self.sent_at[nonce] = time.monotonic()
        answer = await client.request("turn.post", session=session, content=content, nonce=nonce)
        if answer.get("ok"):
            self.acked[session][answer["result"]["turn"]["seq"]] = nonce
            self.counts["turns"] += 1
        else:
            self.counts["post_errors"] += 1
            self.problems.append(f"{who}: turn.post refused: {answer.get('error')}")

    async def edit_row(self, client, who, session):
        key = self.rng.choice(STATE_KEYS)
        rows = (await client.ok("state.get", session=session, key=key))["rows"]
        base = rows[0]["version"] if rows else 0
        value = dict(rows[0]["value"]) if rows and isinstance(rows[0]["value"], dict) else {}
        await asyncio.sleep(self.rng.uniform(0, 0.5))   # others edit meanwhile: stale bases
        counts = dict(value.get("counts", {}))
        counts[who] = counts.get(who, 0) + 1
        value["counts"] = counts
        if self.rng.random() < 0.4:
            value["owner"] = who                         # same field from several members: conflicts
        result = await client.ok("state.put", session=session, key=key, value=value, base=base)
        self.counts[result["outcome"]] += 1

    # -- the workers
    async def member(self, who):
        sessions = [s for s in SESSIONS if self.rng.random() < 0.8] or [SESSIONS[0]]
        while self.running():
            joins = {}
            client = await self.open(deflate=self.rng.random() < 0.5, token=self.tokens[who], label=who,
                                       on_event=self.make_handler(who, joins))
            try:
                for session in sessions:
                    await self.join(client, who, session, joins)
                online_until = min(self.stop_at, time.monotonic() + self.rng.uniform(10, 40))
                while time.monotonic() < online_until and self.running():
                    session = self.rng.choice(sessions)
                    if self.rng.random() < 0.8:
                        await self.post(client, who, session, f"turn from {who} " + "x" * self.rng.randint(10, 400))
                    else:
                        await self.edit_row(client, who, session)
                    await asyncio.sleep(self.rng.uniform(0.2, 0.6))
            except (ConnectionError, asyncio.TimeoutError) as error:
                self.problems.append(f"{who}: connection failed under load: {error!r}")
            finally:
                await client.close()
            self.counts["reconnects"] += 1
            await self.pause(self.rng.uniform(1, 4))

    async def share_viewers(self, owner):
        while self.running():
            session = self.rng.choice(SESSIONS)
            lifetime = self.rng.randint(3, 8)
            answer = await owner.request("share.create", session=session, expires_in=lifetime)
            if not answer.get("ok"):
                # The server turns expires_in into an instant when it reads the request; a write queue
                # slower than the lifetime (a starved machine) finds it past at commit. Counted, reported.
                if answer["error"]["code"] == "invalid_argument" and "past" in answer["error"]["message"]:
                    self.counts["share_create_late"] += 1
                    continue
                raise DrillFailure(f"share.create failed: {answer}")
            created = answer["result"]
            expires = created["share"]["expires"] / 1000
            secret = created["secret"]
            self.counts["viewers"] += 1
            via_path = self.counts["viewers"] % 2 == 0
            try:
                viewer = await self.open(deflate=self.counts['viewers'] % 4 < 2, share_path=secret if via_path else None,
                                           share=None if via_path else secret, label="viewer")
            except InvalidStatus as refused:
                # Refused is right only if the link had expired by then (a starved machine can be that slow).
                if refused.response.status_code == 401 and time.time() >= expires:
                    self.counts["viewers_too_late"] += 1
                else:
                    self.problems.append(f"viewer of a live link refused with {refused.response.status_code}")
                continue
            ledger = None
            try:
                joined = await viewer.ok("session.join", session=session)
                ledger = Ledger("viewer", session, last=joined["head_eseq"])
                close = await asyncio.wait_for(asyncio.shield(viewer.done), timeout=lifetime + 5)
                late = time.time() - expires
                for event in viewer.events:
                    ledger.apply(event)
                got_expired = any(e.get("event") == "share.expired" for e in viewer.events)
                if close == 4410 and got_expired and late < 2.5:
                    self.counts["viewers_expired"] += 1
                elif close == 4410 and got_expired and late < 15 and self.server_cut_in_time(created["share"]["id"], expires):
                    # The server's log says it cut the viewer in time; this driver's busy loop (TLS,
                    # the surface load) read the close late. Counted and reported, not a server fault.
                    self.counts["viewers_expired"] += 1
                    self.counts["viewers_read_late"] += 1
                else:
                    self.problems.append(f"viewer of {session}: close {close}, share.expired {got_expired}, {late:.1f} s after expiry")
                self.problems += ledger.problems
            except asyncio.TimeoutError:
                self.problems.append(f"viewer of {session}: still connected {lifetime + 5} s after a {lifetime} s link")
            finally:
                await viewer.close()
            await self.pause(self.rng.uniform(5, 15))

    async def bulk_poster(self, token):
        client = await self.open(token=token, label="bulk")
        body = "bulk " * ((16 << 10) // 5)
        try:
            while self.running():
                try:
                    await asyncio.wait_for(self.bulk_wanted.wait(), 1)
                except asyncio.TimeoutError:
                    continue
                futures = [await client.send("turn.post", session=BULK, content=body, nonce=f"bulk-{time.monotonic_ns()}-{n}")
                           for n in range(8)]
                for future in futures:
                    answer = await asyncio.wait_for(future, 15)
                    if answer.get("ok"):
                        self.acked[BULK][answer["result"]["turn"]["seq"]] = answer["result"]["turn"]["nonce"]
                        self.counts["turns"] += 1
                        self.bulk_bytes += len(body)
                    else:
                        self.problems.append(f"bulk: turn.post refused: {answer.get('error')}")
                await asyncio.sleep(0.05)   # at most 80 posts/s: under the default 200/s request rate
        finally:
            await client.close()

    async def slow_consumer(self, token):
        ledger = self.ledgers.setdefault(("slow", BULK), Ledger("slow", BULK))
        # Over TLS the client's SSL layer buffers more of what the server sent: start with a longer stall.
        stall_bytes = STALL_BYTES * (4 if self.server.client_ssl else 1)
        while self.running():
            self.counts["slow_rounds"] += 1
            # Stall: joined, then reading nothing while the bulk poster fills the session.
            stalled = await self.open(token=token, label="slow", reading=False,
                                        rcvbuf=16 << 10, keepalive=False, max_queue=1)
            await stalled.ws.send('{"id":"j","op":"session.join","session":"%s","since":%d}' % (BULK, ledger.last))
            stalled_at = time.monotonic()
            self.bulk_wanted.set()
            # Slow, not dead: the server drops a connection whose close frame cannot be delivered within
            # 5 s (closeTimeout), so read again soon after the session outgrew queue + socket buffers.
            stall_from = self.bulk_bytes
            deadline = time.monotonic() + 60
            while self.bulk_bytes - stall_from < stall_bytes and time.monotonic() < deadline and self.running():
                await asyncio.sleep(0.05)
            self.bulk_wanted.clear()
            stalled_for = time.monotonic() - stalled_at
            # Now read what was buffered: the join answer, a gap-free prefix of events, then the close.
            stalled.on_event = lambda event, _c: ledger.apply(event)
            stalled.start_reading()
            try:
                code = await asyncio.wait_for(asyncio.shield(stalled.done), 10)
            except asyncio.TimeoutError:
                code = None   # still open: it caught up without being cut
            await stalled.close()
            if code == 4408:
                self.counts["slow_cut_4408"] += 1
            elif code is None:
                # Not cut: the stall was shorter than queue + socket buffers. Stall longer next time.
                self.counts["slow_not_cut"] += 1
                stall_bytes *= 2
            elif stalled_for >= 4.0:
                # Cut, but this client read again more than closeTimeout after the cut could have
                # happened (a starved machine): the server rightly dropped it. Not the server's fault.
                self.counts["slow_late"] += 1
            elif self.running():
                self.problems.append(f"slow consumer round {self.counts['slow_rounds']}: read again {stalled_for:.1f} s "
                                     f"after stalling and got close {code}, not 4408")
            # Recover with since, reading normally, until caught up with the session's head. A backlog
            # bigger than the outbound queue may be cut again (4408): rejoin with since, as documented.
            head = None
            for attempt in range(40):
                client = await self.open(token=token, label="slow-recover",
                                           on_event=lambda event, _c: ledger.apply(event))
                try:
                    joined = await client.ok("session.join", session=BULK, since=ledger.last)
                    head = joined["head_eseq"]
                    deadline = time.monotonic() + 60
                    while ledger.last < head and time.monotonic() < deadline and client.close_code is None:
                        await asyncio.sleep(0.05)
                    if ledger.last >= head:
                        self.counts["slow_recover_rejoins"] += attempt
                        await self.pause(self.rng.uniform(20, 40))   # a healthy reader for a while
                        break
                except ConnectionError:
                    pass   # cut while replaying: rejoin from what arrived
                finally:
                    await client.close()
            if head is None or ledger.last < head:
                self.problems.append(f"slow consumer: recovered only to eseq {ledger.last} of {head} in 40 rejoins")

    async def sampler(self, rows, started):
        while self.running():
            await asyncio.sleep(10)
            window, self.latencies = self.latencies, []
            row = await asyncio.to_thread(sample, self.server)
            row.update({"t": time.monotonic() - started, "p50": percentile(window, 0.5), "p99": percentile(window, 0.99),
                        "deliveries": len(window), "turns": self.counts["turns"]})
            rows.append(row)
            print(format_row(row), flush=True)
            if not self.server.alive():
                self.problems.append("tandemd died")
                return


async def run(args):
    rng = random.Random(args.seed)
    tmp = args.dir
    server = Tandemd(args.tandemd, os.path.join(tmp, "soak.db"), os.path.join(tmp, "tandemd.log"),
                     flags=["--outbound-queue", str(256 << 10), "--cache-size", str(2 << 20), "--log-level", "info"],
                     tls=make_certificate(tmp) if args.tls else None)
    server.start()
    try:
        admin = Admin(args.admin, server.db)
        owner_token = server.owner_token()
        owner = await Client.open(server.url, token=owner_token, label="owner", ssl=server.client_ssl)
        for session in SESSIONS + [BULK]:
            await owner.ok("session.create", session=session, title=f"Soak {session}")
        tokens = {who: admin.add_user(who) for who in MEMBERS + ["slow", "bulk", "dropper"]}
        for who in MEMBERS:
            for session in SESSIONS:
                admin.grant(who, session, "write")
        admin.grant("slow", BULK, "read")
        admin.grant("bulk", BULK, "write")
        # Open every pooled reader connection before counting fds: concurrent reads.
        await asyncio.gather(*[owner.ok("history", session=SESSIONS[n % 3], last=10) for n in range(40)])
        await asyncio.sleep(0.5)
        baseline_fds = server.open_fds() - 1     # the owner's connection
        baseline_kinds = server.fd_kinds()
        baseline_kinds["socket"] -= 1
        probe_text, probe_problem = "", None
        if not args.members_only:
            before, after, took = await asyncio.to_thread(probe_connections, server)
            probe_text, probe_problem = probe_verdict(before, after)
            probe_text += f", {took:.0f} s before the load"
        first = sample(server)
        print(f"tandemd pid {server.pid} at {server.url}; soak for {args.seconds} s; {baseline_fds} fds before load; "
              f"{first['threads']} threads, {first['series']} /metrics series")
        print(HEADER, flush=True)
        # The per-connection probe before the load takes ~27 s of the run's time (CI's soak stays 2 minutes).
        load_seconds = args.seconds if args.members_only else max(30, args.seconds - 2 * int(PROBE_SETTLE) - 5)
        soak = Soak(server, admin, owner_token, tokens, load_seconds, rng)
        if probe_problem:
            soak.problems.append(probe_problem)
        started = time.monotonic()
        rows = []
        workers = [soak.member(who) for who in MEMBERS]
        workers += [soak.share_viewers(owner), soak.bulk_poster(tokens["bulk"]), soak.slow_consumer(tokens["slow"]),
                    soak.sampler(rows, started)]
        if not args.members_only:
            surface = Surface(soak, server, admin, owner_token)
            workers += [surface.lifecycle(), surface.searcher(), surface.page_viewers(owner, SESSIONS),
                        surface.operator(SESSIONS), surface.droppers(tokens["dropper"])]
        results = await asyncio.gather(*workers, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                soak.problems.append(f"worker failed: {result!r}")

        # Catch-up: every member joins once more with since and must reach each session's head.
        for who in MEMBERS + ["slow"]:
            joins = {}
            client = await Client.open(server.url, token=tokens[who], label=f"{who}-final", ssl=server.client_ssl, on_event=soak.make_handler(who, joins))
            heads = {}
            for (member, session), ledger in soak.ledgers.items():
                if member == who:
                    heads[session] = (await client.ok("session.join", session=session, since=ledger.last))["head_eseq"]
            deadline = time.monotonic() + 30
            while any(soak.ledgers[(who, s)].last < h for s, h in heads.items()) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await client.close()
        await owner.close()

        missing = 0
        for (who, session), ledger in sorted(soak.ledgers.items()):
            soak.problems += ledger.problems
            lost = ledger.missing(soak.acked[session])
            if lost:
                missing += len(lost)
                soak.problems.append(f"{who}/{session}: {len(lost)} acknowledged turns never seen, e.g. seq {lost[:5]}")
        # Back to the fds before the load within 10 s: a connection the server is closing may wait for its
        # peer up to closeTimeout (5 s) after the client vanished; past that, a leak.
        quiet_started = time.monotonic()
        await asyncio.sleep(3)
        while time.monotonic() - quiet_started < 10 and (server.fd_kinds()["socket"] > baseline_kinds["socket"]):
            await asyncio.sleep(0.5)
        quiet_after = time.monotonic() - quiet_started
        quiet_fds = server.open_fds()
        quiet_kinds = server.fd_kinds()
        quiet = sample(server)   # after the count: its /metrics request is a connection of its own
        if quiet["connections"] != 0:
            soak.problems.append(f"the connections gauge reads {quiet['connections']} with every client gone")
        # Sockets and the rest must be back where they were; database fds may grow as the reader pool
        # opens its connections lazily, up to 7 connections x (db, wal) + 5 x (search, its wal) + 2 shm
        # + the DB-lock file + DB-writers (held once a fork, import or template session was written) = 28,
        # and a /healthz in flight opens one more read connection (db, wal): 30.
        if (quiet_kinds["socket"] > baseline_kinds["socket"] or quiet_kinds["other"] > baseline_kinds["other"]
                or quiet_kinds["database"] > 30):
            soak.problems.append(f"fds after the load, every client gone: {quiet_kinds} (before the load: {baseline_kinds}); "
                                 f"database files: {server.database_fds()}; sockets: {server.sockets()}")
        growth, summary = growth_verdict(rows, load_seconds)
        soak.problems += growth
        if soak.counts["slow_cut_4408"] == 0:
            soak.problems.append("the slow consumer was never cut off with 4408")
        if not server.alive():
            soak.problems.append("tandemd is not running at the end")

        c = soak.counts
        all_lat = [r["p99"] for r in rows if r["p99"] is not None]
        print(f"\nturns acknowledged {c['turns']} (post errors {c['post_errors']}), row writes applied {c['applied']} "
              f"merged {c['merged']} conflict {c['conflict']}, member reconnects {c['reconnects']}")
        print(f"share viewers {c['viewers']} ({c['viewers_expired']} told share.expired and closed 4410; {c['viewers_read_late']} of them read late by this driver, the server's log in time), "
              f"slow-consumer rounds {c['slow_rounds']} ({c['slow_cut_4408']} cut with 4408; every round recovered with since)")
        print(f"viewers refused because their link expired before they connected: {c['viewers_too_late']}, share.create "
              f"answered 'expiry is in the past' (write slower than the 3-8 s lifetime): {c['share_create_late']}; slow rounds "
              f"not cut (stall doubled) {c['slow_not_cut']}, read too late to see the close {c['slow_late']}, "
              f"extra rejoins to recover a backlog {c['slow_recover_rejoins']}")
        print(f"{summary}; fds before load {baseline_fds} {baseline_kinds}, after {quiet_fds} {quiet_kinds} "
              f"({quiet_after:.1f} s after the last client); worst window p99 "
              f"{max(all_lat) if all_lat else 0:.1f} ms; acknowledged turns missing from a member's view: {missing}")
        if not args.members_only:
            print(f"surface: {c['life_cycles']} session lives ({c['life_merged']} branches merged, {c['life_discarded']} "
                  f"discarded, {c['life_imports']} export→import), {c['searches']} searches ({c['search_hits']} hits), "
                  f"{c['pages']} viewer pages + {c['page_viewers']} share viewers, {c['admin_runs']} tandem-admin runs, "
                  f"drops: {c['drops_mid_frame']} mid-frame, {c['drops_mid_upgrade']} mid-upgrade, {c['drops_mid_tls']} mid-TLS")
        print(f"transport: {'wss://' if args.tls else 'ws://'} ({c.get('tls12', 0)} connections TLS 1.2); permessage-deflate offered {c.get('deflate_offered', 0)} "
              f"times, accepted {c.get('deflate_on', 0)}")
        if c.get("deflate_offered", 0) and c.get("deflate_on", 0) != c["deflate_offered"]:
            soak.problems.append("the server did not accept permessage-deflate on every connection that offered it")
        mid = rows[len(rows) // 2] if rows else first
        print("start / middle / end / quiet: " + " | ".join(
            f"RSS {r['rss'] / 2**20:.1f} MiB, alloc {r['allocated'] / 2**20:.1f} MiB, fds {r['fds']}, threads {r['threads']}, "
            f"WAL {r['wal'] / 2**20:.1f} MiB, db {r['db'] / 2**20:.1f} MiB, series {r['series']}"
            for r in [first, mid, rows[-1] if rows else first, quiet]))
        if probe_text:
            print(probe_text)
        for problem in soak.problems[:40]:
            print(f"  problem: {problem}")
        verdict = "PASS" if not soak.problems else "FAIL"
        print(f"soak: {verdict} after {time.monotonic() - started:.0f} s "
              f"({c['turns']} turns, {len(soak.problems)} problems)")
        return 0 if verdict == "PASS" else 1
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--tandemd", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--dir", required=True, help="a temporary directory for the database and log")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--tls", action="store_true", help="tandemd serves wss:// (a self-signed certificate)")
    parser.add_argument("--members-only", action="store_true",
                        help="only the original load (members, share links, slow consumer): no Surface workers")
    args = parser.parse_args()
    print(f"seed {args.seed}")
    try:
        return asyncio.run(run(args))
    except DrillFailure as failure:
        print(f"soak: FAIL: {failure}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
