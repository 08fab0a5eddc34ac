"""The browser check's harness: tandemd started and restarted (Server), tandem.v1 as the owner (Tandem),
headless Chromium over the DevTools protocol (Browser), plain HTTP (http) and the tally (Checks).
Configured by the environment Tests/browser/run sets (PORT, TANDEMD, DB, CHROMIUM, OUT, PIDS); the
checks themselves are in driver.py."""
import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

BASE = "http://127.0.0.1:" + os.environ["PORT"]
TOKEN = ""
CHROMIUM = os.environ.get("CHROMIUM", "chromium")
OUT = os.environ.get("OUT", "out/browser")
HTML_TURN = "<b>bold</b><script>window.pwned = 1</script> & <img src=x onerror=\"window.pwned=2\">"


def remember(pid):
    """Notes a child's pid so Tests/browser/run can end it if this driver is killed (timeout)."""
    if os.environ.get("PIDS"):
        with open(os.environ["PIDS"], "a") as f:
            f.write(f"{pid}\n")


class RPC:
    """A JSON-over-WebSocket peer: requests carry an id, answers are matched back to them, the rest
    are events. Used for both tandem.v1 and the DevTools protocol (which differ in field names)."""

    def __init__(self, ws, answer_key):
        self.ws, self.answer_key = ws, answer_key
        self.ids = itertools.count(1)
        self.waiting = {}
        self.events = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                future = self.waiting.pop(msg.get("id"), None) if self.answer_key in msg else None
                if future and not future.done():
                    future.set_result(msg)
                else:
                    self.events.append(msg)
        except ConnectionClosed:
            pass  # a request still waiting times out with its own message

    async def request(self, msg, timeout=15):
        msg["id"] = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[msg["id"]] = future
        await self.ws.send(json.dumps(msg))
        return await asyncio.wait_for(future, timeout)


class Tandem(RPC):
    """A member's tandem.v1 connection."""

    @classmethod
    async def open(cls):
        url = BASE.replace("http", "ws", 1) + "/ws"
        # No keepalive pings of its own: the connection must outlive a tandemd frozen for 35 s (driver.py 9b).
        ws = await connect(url, subprotocols=["tandem.v1"], additional_headers={"Authorization": "Bearer " + TOKEN},
                           ping_interval=None)
        return cls(ws, "ok")

    async def call(self, op, **params):
        answer = await self.request({"op": op, **params})
        if not answer["ok"]:
            raise RuntimeError(f"{op}: {answer['error']}")
        return answer["result"]


class Browser(RPC):
    """Headless Chromium driven over its DevTools WebSocket (flattened target sessions)."""

    @classmethod
    async def launch(cls):
        profile = tempfile.mkdtemp(prefix="tandem-chromium-")
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0",
            "--user-data-dir=" + profile, "--window-size=1000,700", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        remember(proc.pid)
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = await asyncio.wait_for(proc.stderr.readline(), deadline - time.monotonic())
            if not line:
                break
            found = re.search(rb"DevTools listening on (ws://\S+)", line)
            url = found and found.group(1).decode()
        if url is None:
            proc.kill()
            raise RuntimeError("chromium did not print its DevTools URL")
        asyncio.create_task(cls._drain(proc.stderr))
        browser = cls(await connect(url, max_size=None), "id")
        browser.proc, browser.profile = proc, profile
        return browser

    @staticmethod
    async def _drain(stream):
        while await stream.readline():
            pass

    async def cdp(self, method, params=None, session=None, timeout=15):
        msg = {"method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        answer = await self.request(msg, timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    async def page(self, url):
        target = (await self.cdp("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (await self.cdp("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        await self.cdp("Emulation.setDeviceMetricsOverride",
                       {"width": 1000, "height": 700, "deviceScaleFactor": 1, "mobile": False}, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.cdp(domain + ".enable", session=session)
        await self.cdp("Page.navigate", {"url": url}, session)
        return session

    async def eval(self, session, expression, wait=False, timeout=15):
        """The value of `expression` on the page (`wait`: of the promise it gives)."""
        params = {"expression": expression, "returnByValue": True}
        if wait:
            params["awaitPromise"] = True
        result = await self.cdp("Runtime.evaluate", params, session, timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, session, expression, timeout=5.0):
        """Polls `expression` until it is truthy; returns how long that took, or None."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            try:
                if await self.eval(session, expression):
                    return time.monotonic() - start
            except RuntimeError:
                pass  # the page is still loading
            await asyncio.sleep(0.1)
        return None

    async def key(self, session, key):
        """Presses and releases `key` ("Tab", "Enter" or " ") as a keyboard would: focus moves, buttons act."""
        code, vk, text = {"Tab": ("Tab", 9, None), "Enter": ("Enter", 13, "\r"), " ": ("Space", 32, " ")}[key]
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk}
        if text:
            down["text"] = text
        await self.cdp("Input.dispatchKeyEvent", down, session)
        await self.cdp("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk}, session)

    async def media(self, session, **features):
        """Emulates CSS media features, e.g. media(page, prefers_color_scheme="dark"); none: back to the default."""
        await self.cdp("Emulation.setEmulatedMedia",
                       {"features": [{"name": k.replace("_", "-"), "value": v} for k, v in features.items()]}, session)

    async def screenshot(self, session, name):
        # A tab in the background may draw no frame to capture (the capture then never answers).
        await self.cdp("Page.bringToFront", session=session)
        data = (await self.cdp("Page.captureScreenshot", {"format": "png"}, session))["data"]
        path = os.path.join(OUT, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def websockets_opened(self, session):
        return sum(1 for e in self.events if e.get("sessionId") == session and e.get("method") == "Network.webSocketCreated")

    def console_problems(self, session):
        """Log entries about CSP or script errors on one page."""
        return [e["params"]["entry"]["text"] for e in self.events
                if e.get("sessionId") == session and e.get("method") == "Log.entryAdded"
                and (e["params"]["entry"].get("level") == "error")
                and "favicon" not in e["params"]["entry"]["text"]]

    async def close(self):
        try:
            await self.cdp("Browser.close")
        except Exception:
            pass
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except asyncio.TimeoutError:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def http(method, path):
    request = urllib.request.Request(BASE + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


# Not the default (1,000): the page must keep what the server's max-viewer-turns says (bounded.py).
VIEWER_TURNS = 800


class Server:
    """The tandemd under test; its log goes to DB + '.log'."""

    def __init__(self):
        self.db = os.environ["DB"]
        self.proc = None

    async def start(self):
        global TOKEN
        log = open(self.db + ".log", "ab")
        self.proc = await asyncio.create_subprocess_exec(
            os.environ["TANDEMD"], "--db", self.db, "--host", "127.0.0.1", "--port", os.environ["PORT"],
            "--log-level", "warning", "--max-viewer-turns", str(VIEWER_TURNS), stdout=log, stderr=log)
        remember(self.proc.pid)
        token_file = os.path.splitext(self.db)[0] + ".owner-token"
        for _ in range(150):
            if self.proc.returncode is not None:
                raise RuntimeError("tandemd exited at start; see " + self.db + ".log")
            try:
                if http("GET", "/healthz")[0] == 200 and os.path.getsize(token_file) > 0:
                    TOKEN = open(token_file).read().strip()
                    return
            except (OSError, urllib.error.URLError):
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("tandemd did not come up")

    def pause(self):
        """Freezes tandemd (SIGSTOP): its connections stay open and nothing answers, as after a sleep."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    async def stop(self):
        if self.proc and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok    {name}")
        else:
            self.failed += 1
            print(f"  FAIL  {name}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
