#!/usr/bin/env python3
"""A small AI agent for Tandem, written from docs/protocol.md alone (needs only `websockets`).

It joins a session, reads the last turns, posts `assistant` turns with metadata and token counts
(with a nonce, so a retry after a dropped connection never posts twice), rejoins with `since` after a
drop, edits a shared state row on the version it read (handling `merged` and `conflict`), waits out
`rate_limited` with its `retry_after_ms` and a paused session, notices its own role changing (that
closes nothing), and stops or reconnects as the close code advises (docs/protocol.md, "Close codes").

    python3 docs/examples/agent.py --url ws://127.0.0.1:8765/ws --token TOKEN --session review

With --demo it also drops its own connection once mid-run, to show the retry and the rejoin.
"""
import argparse
import asyncio
import itertools
import json
import random
import secrets

import websockets

# Close codes after which reconnecting is right (docs/protocol.md, "Close codes"); all others: stop.
# 1006 is no code the server sends: websockets reports it when the connection dropped without a close frame.
RECONNECT = {1001, 1006, 1011, 1013, 4000, 4408, 4429}


class Refused(Exception):
    """The server answered a request with an error: `code`, `message`, maybe `field`."""

    def __init__(self, error):
        super().__init__(f"{error['code']}: {error.get('message', '')}")
        self.code = error["code"]
        self.error = error


class Agent:
    def __init__(self, url, token, session):
        self.url, self.token, self.session = url, token, session
        self.ids = itertools.count(1)
        self.pending = {}          # request id -> future of its response
        self.last_eseq = None      # highest eseq applied (docs: Recovery)
        self.created = None        # the session's `created`, guards a rejoin with `since`
        self.status = "active"
        self.role = None
        self.user = None           # who the token acts as (from `ping`)
        self.status_changed = asyncio.Event()
        self.ws = None
        self.reader = None

    # -- connection -------------------------------------------------------------------------------
    async def connect(self):
        self.ws = await websockets.connect(
            self.url, subprotocols=["tandem.v1"],
            additional_headers={"Authorization": f"Bearer {self.token}"})
        self.reader = asyncio.create_task(self._read())
        self.user = (await self.request("ping"))["user"]
        await self.join()

    async def _read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if "event" in msg:
                    self.on_event(msg)
                elif (fut := self.pending.pop(msg.get("id"), None)) and not fut.done():
                    fut.set_result(msg)
        except websockets.ConnectionClosed:
            pass
        for fut in self.pending.values():  # requests in flight: their answers are lost with the connection
            if not fut.done():
                fut.set_exception(ConnectionError("connection lost"))
        self.pending.clear()

    def close_code(self):
        """The close code the connection ended with (1006: dropped without a close frame)."""
        return self.ws.close_code if self.ws else None

    async def request(self, op, **params):
        """One request; waits out `rate_limited` (its `retry_after_ms`), raises Refused for other errors."""
        while True:
            rid = next(self.ids)
            fut = asyncio.get_running_loop().create_future()
            self.pending[rid] = fut
            await self.ws.send(json.dumps({"id": rid, "op": op, **params}))
            answer = await fut
            if answer["ok"]:
                return answer["result"]
            error = answer["error"]
            if error["code"] == "rate_limited":
                await asyncio.sleep(error["retry_after_ms"] / 1000)
                continue
            raise Refused(error)

    # -- session ----------------------------------------------------------------------------------
    async def join(self):
        if self.last_eseq is None:  # first join: the last turns and the rows come with the answer
            result = await self.request("session.join", session=self.session, last=5, state=True)
        else:                       # rejoin: replay exactly what was missed
            try:
                result = await self.request("session.join", session=self.session,
                                            since=self.last_eseq, created=self.created)
            except Refused as e:
                if e.code != "resync_required":
                    raise
                self.last_eseq = None
                return await self.join()
        self.created = result["session"]["created"]
        self.status = result["session"]["status"]
        self.role = result["role"]
        if self.last_eseq is None:
            self.last_eseq = result["head_eseq"]
            for turn in result.get("turns", []):
                print(f"  #{turn['seq']} {turn['author']}: {turn['content'][:60]}")
        else:
            print(f"  rejoined: {result['backlog']} missed events follow")
        return result

    def on_event(self, event):
        if "eseq" not in event:  # presence, share.expired: not numbered, never replayed
            return
        if event["eseq"] <= self.last_eseq:
            return  # already applied
        self.last_eseq = event["eseq"]
        kind = event["event"]
        if kind == "turn":
            print(f"  #{event['seq']} {event['author']} ({event['role']}): {event['content'][:60]}")
        elif kind == "session" and event["change"] in ("status", "deleted"):
            self.status = "deleted" if event["change"] == "deleted" else event["info"]["status"]
            self.status_changed.set()
            print(f"  session is now {self.status}")
        elif kind == "member" and event["user"] == self.user:
            # Losing access closes nothing (docs: Close codes): the event naming us is the news.
            self.role = "removed" if event.get("removed") else event["role"]
            print(f"  my role is now {self.role}")

    # -- work -------------------------------------------------------------------------------------
    async def post(self, content, metadata, tokens_in, tokens_out, drop_first=False):
        """Posts one turn; a lost answer is retried with the same nonce, so it lands once."""
        nonce = secrets.token_urlsafe(16)
        params = dict(session=self.session, role="assistant", content=content, metadata=metadata,
                      tokens={"input": tokens_in, "output": tokens_out}, nonce=nonce)
        delay, reconnect = 1.0, False
        while True:
            try:
                if reconnect:
                    reconnect = False
                    await self.reconnect()
                if drop_first:  # demo: the request goes out, the connection dies before its answer
                    drop_first = False
                    await self.ws.send(json.dumps({"id": next(self.ids), "op": "turn.post", **params}))
                    self.ws.transport.abort()
                    raise ConnectionError("dropped (demo)")
                result = await self.request("turn.post", **params)
                note = " (already posted)" if result["duplicate"] else ""
                print(f"  posted #{result['turn']['seq']}{note}")
                return result
            except Refused as e:
                if e.code != "session_paused":
                    raise  # forbidden, session_archived, conflict ...: retrying would not help
                # Nothing was written; wait for the `session` event saying it resumed (or try again
                # in 30 s: that event may have come before this answer), then post with the same nonce.
                print("  session paused; waiting for it to resume")
                self.status_changed.clear()
                try:  # still "active" here: the pause event is on its way, or the resume came already
                    await asyncio.wait_for(self.status_changed.wait(), 30 if self.status != "active" else 1)
                except asyncio.TimeoutError:
                    pass
                if self.status in ("archived", "deleted"):
                    raise
            except (OSError, websockets.ConnectionClosed, websockets.InvalidStatus) as e:
                code = self.close_code()
                if code is not None and code not in RECONNECT:
                    raise  # 4401 token revoked, 1008 policy ...: the close code says stop
                if isinstance(e, websockets.InvalidStatus) and e.response.status_code not in (429, 503):
                    raise  # 401: the token is no good any more
                if code == 4429:
                    delay = max(delay, 5.0)  # closed for sending after rate_limited: at least 5 s
                if isinstance(e, websockets.InvalidStatus):  # 429 / 503 say when to come back
                    retry_after = e.response.headers.get("Retry-After", "")
                    delay = max(delay, float(retry_after)) if retry_after.isdigit() else delay
                print(f"  {e}; reconnecting in {delay:.1f} s")
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, 60)
                reconnect = True

    async def reconnect(self):
        if self.reader:
            self.reader.cancel()
        await self.connect()

    async def edit_row(self, key, change):
        """Reads a row, applies change(value) and writes it on the version read."""
        rows = (await self.request("state.get", session=self.session, key=key))["rows"]
        base, value = (rows[0]["version"], rows[0]["value"]) if rows else (0, None)
        while True:
            result = await self.request("state.put", session=self.session, key=key,
                                        value=change(value), base=base)
            if result["outcome"] in ("applied", "merged"):
                print(f"  {key} v{result['row']['version']} ({result['outcome']})")
                return result["row"]
            # conflict: nothing written; start again from the current row
            print(f"  {key}: conflict at {[c['path'] for c in result['conflicts']]}, redoing")
            current = result.get("current")
            base, value = (current["version"], current["value"]) if current else (0, None)


async def run(args):
    agent = Agent(args.url, args.token, args.session)
    try:
        await agent.connect()
    except Refused as e:
        if e.code != "not_found" or not args.create:
            raise
        await agent.request("session.create", session=args.session, title="Agent example")
        await agent.join()
    print(f"joined {args.session} as {agent.role}")
    if agent.status != "active":
        print(f"session is {agent.status}: not posting")
        return
    await agent.post("Hello, I am the agent.", {"model": "example-1"}, 120, 8)
    before = (await agent.request("history", session=args.session, last=1))["head_seq"]
    await agent.post("Here is the plan.", {"model": "example-1"}, 812, 95, drop_first=args.demo)
    await agent.edit_row("plan", lambda v: {**(v or {}), "agent": "drafted"})
    if args.demo:  # the post retried after the drop must be in history exactly once
        turns = (await agent.request("history", session=args.session, since=before))["turns"]
        landed = [t for t in turns if t["content"] == "Here is the plan."]
        if len(landed) != 1:
            raise SystemExit(f"FAIL: the retried post is in history {len(landed)} times")
    await agent.request("session.leave", session=args.session)
    await agent.ws.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--demo", action="store_true", help="drop the connection once mid-post, then check")
    parser.add_argument("--create", action="store_true", help="create the session when there is none")
    try:
        asyncio.run(run(parser.parse_args()))
    except Refused as e:
        raise SystemExit(f"refused: {e}")


if __name__ == "__main__":
    main()
