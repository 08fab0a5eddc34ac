"""Drives headless Chromium against a running tandemd to test the share-link viewer.

Started by Tests/browser/run with TANDEMD (the built server), DB (a fresh database path), PORT (free),
CHROMIUM (the browser binary) and OUT (where screenshots go). Runs tandemd itself (it restarts it
once, to test reconnecting), talks tandem.v1 to it as the owner, and the Chrome DevTools protocol to
the browser; prints one line per check and `browser: N passed, N failed` last. Exit status 1 when a
check failed.
"""
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BASE, HTML_TURN, OUT, Browser, Checks, Server, Tandem, http  # noqa: E402
import a11y  # noqa: E402
import bounded  # noqa: E402
import links  # noqa: E402

TURNS_TEXT = "document.getElementById('turns').textContent"
NOTICE_TEXT = "document.getElementById('notice').textContent"
PILL = "document.getElementById('newer').hidden ? '' : document.getElementById('newer').textContent"
TURN_IDS = "Array.from(document.querySelectorAll('#turns .turn')).map((e) => e.id).join(' ')"
STATUS = "document.getElementById('status').dataset.state + ' ' + document.getElementById('status').textContent"


async def main():
    os.makedirs(OUT, exist_ok=True)
    c = Checks()
    server = Server()
    await server.start()
    alice = await Tandem.open()
    session = (await alice.call("session.create", title="Browser demo <i>not italic</i>"))["session"]["id"]
    first = ["Kick-off: the viewer shows history.", "Second turn,\nwith a line break.", HTML_TURN]
    await alice.call("turn.post", session=session, content=first[0])
    await alice.call("turn.post", session=session, role="assistant", content=first[1])
    await alice.call("turn.post", session=session, content=first[2])

    async def share(seconds):
        return (await alice.call("share.create", session=session, expires_in=seconds))

    browser = await Browser.launch()
    try:
        # 1. History: title and the turns posted before the page opened.
        link = await share(3600)
        page = await browser.page(BASE + link["url"])
        took = await browser.wait_for(page, "document.querySelectorAll('#turns .turn').length >= 3")
        text = await browser.eval(page, TURNS_TEXT) or ""
        c.check("initial turns visible", took is not None and all(t in text for t in first), f"turns text: {text!r}")
        title = await browser.eval(page, "document.getElementById('title').textContent")
        c.check("session title shown as text", title == "Browser demo <i>not italic</i>", f"title {title!r}")
        c.check("status says live", (await browser.wait_for(page, "document.getElementById('status').dataset.state === 'live'")) is not None,
                await browser.eval(page, STATUS))
        await browser.screenshot(page, "initial.png")

        # 2. Live: a turn posted now appears without a reload; an undo takes it away, as a page
        # loaded afterwards leaves it out (history shows a share link no undone turn).
        live = f"Live turn posted at {time.strftime('%H:%M:%S')}"
        posted = await alice.call("turn.post", session=session, role="assistant", content=live)
        took = await browser.wait_for(page, f"{TURNS_TEXT}.includes({json.dumps(live)})", timeout=5)
        c.check("turn posted afterwards appears live", took is not None, "not shown within 5 s")
        if took is not None:
            print(f"        (shown {took:.2f} s after the post answered)")
        await alice.call("turn.undo", session=session, seq=posted["turn"]["seq"])
        took = await browser.wait_for(page, f"document.getElementById('turn-{posted['turn']['seq']}') === null")
        await alice.call("turn.post", session=session, content="After the undo, the conversation goes on.")
        await browser.wait_for(page, f"{TURNS_TEXT}.includes('goes on')")
        reloaded = await browser.page(BASE + link["url"])
        await browser.wait_for(reloaded, f"{TURNS_TEXT}.includes('goes on')")
        fresh, followed = await browser.eval(reloaded, TURN_IDS), await browser.eval(page, TURN_IDS)
        c.check("undo removes the turn live: the page shows what a page loaded afterwards shows",
                took is not None and fresh == followed and not await browser.eval(page, f"{TURNS_TEXT}.includes({json.dumps(live)})"),
                f"removed {took is not None}, fresh {fresh!r}, followed {followed!r}")
        await browser.screenshot(page, "live.png")

        # 3. Turn content is text, never markup.
        text = await browser.eval(page, TURNS_TEXT) or ""
        elements = await browser.eval(page, "document.querySelectorAll('#turns b, #turns script, #turns img, #turns i').length")
        pwned = await browser.eval(page, "typeof window.pwned")
        c.check("HTML in a turn is shown literally", HTML_TURN in text, f"turns text: {text!r}")
        c.check("no element created from turn content", elements == 0 and pwned == "undefined",
                f"{elements} elements, window.pwned {pwned}")
        problems = browser.console_problems(page)
        c.check("no console errors (CSP allows the page)", not problems, "; ".join(problems))
        await links.other_host(c, browser, page, int(BASE.rsplit(":", 1)[1]))

        # 4. An expired link: 410 and a page that says so (HEAD too).
        expired = await share(1)
        await asyncio.sleep(1.3)
        status, headers, body = http("GET", expired["url"])
        c.check("expired link answers 410 with the expiry text",
                status == 410 and "This share link has expired" in body, f"status {status}")
        status, headers, body = http("HEAD", expired["url"])
        c.check("HEAD answers the status and headers without a body",
                status == 410 and body == "" and int(headers.get("Content-Length", "0")) > 0, f"status {status}, {len(body)} bytes")
        status, headers, body = http("HEAD", link["url"])
        csp = headers.get("Content-Security-Policy", "")
        c.check("HEAD of a live link is 200; CSP: nonced script, connections to its own origin only",
                status == 200 and "connect-src 'self';" in csp and "ws:" not in csp and "script-src 'nonce-" in csp, csp)
        gone = await browser.page(BASE + expired["url"])
        took = await browser.wait_for(gone, f"{NOTICE_TEXT}.includes('has expired')")
        heading = await browser.eval(gone, "document.querySelector('h1').textContent")
        c.check("browser shows the expiry page", took is not None and heading == "Link expired", f"h1 {heading!r}")
        await browser.screenshot(gone, "expired.png")
        await a11y.audit(c, browser, gone, "the expired-link page")
        revoked = await share(3600)
        await alice.call("share.revoke", share=revoked["share"]["id"])
        status, _, body = http("GET", revoked["url"])
        c.check("revoked link answers 410 saying revoked", status == 410 and "was revoked" in body, f"status {status}")
        status, _, body = http("GET", "/s/no-such-secret")
        c.check("unknown link answers 404 saying so", status == 404 and "never existed" in body, f"status {status}")
        await links.deleted(c, browser, alice)
        unknown = await browser.page(BASE + "/s/no-such-secret")
        await browser.wait_for(unknown, "document.getElementById('notice') !== null")
        await a11y.audit(c, browser, unknown, "the unknown-link (404) page")

        # 5. A live viewer is told when its link expires, and stops reconnecting.
        short = await share(4)
        viewer = await browser.page(BASE + short["url"])
        opened = await browser.wait_for(viewer, "document.getElementById('status').dataset.state === 'live'")
        took = await browser.wait_for(viewer, f"{NOTICE_TEXT}.includes('has expired')", timeout=9)
        c.check("live viewer sees the expiry notice", opened is not None and took is not None,
                await browser.eval(viewer, NOTICE_TEXT + " + ' / ' + " + STATUS))
        await asyncio.sleep(2.5)
        state = await browser.eval(viewer, STATUS)
        still = await browser.eval(viewer, "document.querySelectorAll('#turns .turn').length")
        sockets = browser.websockets_opened(viewer)
        c.check("after expiry it stops reconnecting, history still readable",
                state == "stopped link expired" and still >= 3 and sockets == 1, f"{state!r}, {still} turns, {sockets} WebSockets opened")
        await browser.screenshot(viewer, "live-expired.png")

        # 6. Revoking a link closes its live viewers with a notice.
        long = await share(3600)
        viewer = await browser.page(BASE + long["url"])
        await browser.wait_for(viewer, "document.getElementById('status').dataset.state === 'live'")
        await alice.call("share.revoke", share=long["share"]["id"])
        took = await browser.wait_for(viewer, f"{NOTICE_TEXT}.includes('was revoked')", timeout=5)
        c.check("live viewer sees the revoked notice", took is not None, await browser.eval(viewer, NOTICE_TEXT))
        await browser.screenshot(viewer, "live-revoked.png")
        await a11y.audit(c, browser, viewer, "a live page stopped by the revoke")

        # 7. Clearing the session empties the view; later turns still arrive.
        await alice.call("session.clear", session=session)
        took = await browser.wait_for(page, "document.querySelectorAll('#turns .turn').length === 0 && !document.getElementById('empty').hidden")
        await alice.call("turn.post", session=session, content="Fresh start after the clear.")
        again = await browser.wait_for(page, f"{TURNS_TEXT}.includes('Fresh start')")
        count = await browser.eval(page, "document.querySelectorAll('#turns .turn').length")
        c.check("clear empties the view, new turns follow", took is not None and again is not None and count == 1, f"{count} turns")

        # 8. Restoring a checkpoint reloads the view: turns after the checkpoint disappear.
        await alice.call("checkpoint.save", session=session, name="before-detour")
        await alice.call("turn.post", session=session, content="A detour we will roll back.")
        await browser.wait_for(page, f"{TURNS_TEXT}.includes('detour')")
        await alice.call("checkpoint.restore", session=session, name="before-detour")
        took = await browser.wait_for(page, f"!{TURNS_TEXT}.includes('detour') && {TURNS_TEXT}.includes('Fresh start')")
        await alice.call("turn.post", session=session, content="Back on track after the restore.")
        again = await browser.wait_for(page, f"{TURNS_TEXT}.includes('Back on track')")
        c.check("restore reloads the view, new turns follow", took is not None and again is not None,
                await browser.eval(page, TURNS_TEXT))
        await browser.screenshot(page, "restored.png")

        # 9. The server restarts: the page reconnects, resumes with `since`, shows each turn once.
        # A second viewer's link expires while the server is down: its reconnect is refused, and the
        # page learns why from its own URL (410) instead of retrying for ever.
        lapsing = await share(4)
        lapsing_at = time.monotonic() + 4
        second = await browser.page(BASE + lapsing["url"])
        await browser.wait_for(second, "document.getElementById('status').dataset.state === 'live'")
        fresh, followed = await browser.eval(second, TURN_IDS), await browser.eval(page, TURN_IDS)
        c.check("a page opened after clear and restore shows what a page that followed them shows",
                fresh == followed, f"fresh {fresh!r}, followed {followed!r}")
        before = await browser.eval(page, "document.querySelectorAll('#turns .turn').length")
        await alice.ws.close()
        await server.stop()
        down = await browser.wait_for(page, "document.getElementById('status').dataset.state === 'waiting'")
        await a11y.audit(c, browser, page, "reconnecting while the server is down")
        await asyncio.sleep(max(0, lapsing_at - time.monotonic()) + 0.3)
        await server.start()
        alice = await Tandem.open()
        # Posted and undone before the page is back (it retries after 2 s or so): the resumed join
        # replays it marked `undone`, and the page leaves it out as a reloaded page would.
        await alice.call("turn.post", session=session, content="Undone while the viewer was away.")
        await alice.call("turn.undo", session=session)
        await alice.call("turn.post", session=session, content="Posted while the viewer was away.")
        took = await browser.wait_for(page, f"{TURNS_TEXT}.includes('Posted while the viewer was away')", timeout=10)
        after = await browser.eval(page, "document.querySelectorAll('#turns .turn').length")
        live_again = await browser.wait_for(page, "document.getElementById('status').dataset.state === 'live'")
        c.check("after a server restart the page reconnects and shows the missed turn once",
                down is not None and took is not None and live_again is not None and after == before + 1
                and not await browser.eval(page, f"{TURNS_TEXT}.includes('Undone while')"),
                f"waiting seen {down is not None}, shown {took is not None}, {before} -> {after} turns")
        told = await browser.wait_for(second, f"{NOTICE_TEXT}.includes('has expired')", timeout=10)
        sockets = browser.websockets_opened(second)
        await asyncio.sleep(2.5)
        state = await browser.eval(second, STATUS)
        more = browser.websockets_opened(second) - sockets
        c.check("a link that expired while disconnected: refused reconnect shows the expiry, then stops",
                told is not None and state == "stopped link expired" and more == 0,
                f"{await browser.eval(second, NOTICE_TEXT)!r}, {state!r}, {more} WebSockets opened after the notice")
        await browser.screenshot(second, "expired-while-away.png")

        # 9b. A connection that dies without a word (a laptop that slept, a server that hangs: here
        # tandemd is stopped with SIGSTOP, its sockets open): the page sends a ping after 15 s of quiet,
        # gives up 10 s later (checking each second: 27 s at most, and the poll's own lag) and says it is
        # reconnecting instead of "live"; the server back, it resumes. Meanwhile the page's wall clock is
        # stepped back an hour (NTP correcting the laptop's clock): the check runs on a monotonic clock
        # (on Date.now() the page said "live" for that hour).
        await browser.cdp("Page.bringToFront", session=page)
        await browser.eval(page, "(() => { const real = Date.now; Date.now = () => real.call(Date) - 3600000; return 1; })()")
        server.pause()
        try:
            noticed = await browser.wait_for(page, "document.getElementById('status').dataset.state === 'waiting'", timeout=45)
            state = await browser.eval(page, STATUS)
        finally:
            server.resume()
        await alice.call("turn.post", session=session, content="Posted after the server hung.")
        took = await browser.wait_for(page, f"{TURNS_TEXT}.includes('after the server hung') && "
                                            "document.getElementById('status').dataset.state === 'live'", timeout=15)
        c.check("a server that hangs, the page's clock stepped back an hour: the page stops saying live within 30 s (ping after 15 s quiet, 10 s for the answer), "
                "then resumes and shows the missed turn", noticed is not None and noticed < 30 and took is not None,
                f"noticed after {noticed} s ({state!r}), resumed {took is not None}: {await browser.eval(page, STATUS)!r}")
        if noticed is not None:
            print(f"        (noticed {noticed:.1f} s after the server stopped answering)")

        # 10. A long session: the page starts with the last 200 turns and says earlier ones exist.
        async def shared_page_of(title, turns):
            """A new session of `turns` turns, opened through a share link: the page and how long 200 turns took to show."""
            session = (await alice.call("session.create", title=title))["session"]["id"]
            for n in range(1, turns + 1):
                await alice.call("turn.post", session=session, content=f"turn number {n}")
            link = await alice.call("share.create", session=session, expires_in=3600)
            page = await browser.page(BASE + link["url"])
            return page, await browser.wait_for(page, "document.querySelectorAll('#turns .turn').length === 200", timeout=15)

        big, took = await shared_page_of("A long session", 205)
        first_shown = await browser.eval(big, "document.querySelector('#turns .turn .content').textContent")
        hint = await browser.eval(big, "!document.getElementById('older').hidden")
        c.check("a long session shows the last 200 turns and says earlier ones are not shown",
                took is not None and first_shown == "turn number 6" and hint, f"first {first_shown!r}, hint {hint}")

        # 10b. A page open on a busy session stays bounded (bounded.py): a merge of 3,000 turns at once.
        await bounded.burst(c, browser, alice)

        # 11. Exactly 200 turns: all of them are shown, and nothing is said to be left out (audit).
        whole, took = await shared_page_of("Two hundred", 200)
        hint = await browser.eval(whole, "!document.getElementById('older').hidden")
        c.check("a session of exactly 200 turns is shown whole, with no note of earlier ones",
                took is not None and not hint, f"shown {took is not None}, hint {hint}")

        # 12. Earlier turns load on request (keyboard only: Tab to the button, Enter), the turn the
        # reader was at stays where it was, and focus goes to the latest earlier turn, not to nowhere.
        await browser.eval(big, "window.scrollTo(0, 0)")
        await browser.cdp("Page.bringToFront", session=big)
        anchor = "document.getElementById('turns').firstElementChild"
        before = await browser.eval(big, f"[{anchor}.id, {anchor}.getBoundingClientRect().top]")
        for _ in range(4):
            if await browser.eval(big, "document.activeElement.id") == "older-load":
                break
            await browser.key(big, "Tab")
        focus = await a11y.outline(browser, big)
        await browser.key(big, "Enter")
        took = await browser.wait_for(big, "document.querySelectorAll('#turns .turn').length === 205")
        first_shown = await browser.eval(big, "document.querySelector('#turns .turn .content').textContent")
        hint = await browser.eval(big, "!document.getElementById('older').hidden")
        after = await browser.eval(big, f"document.getElementById({json.dumps(before[0])}).getBoundingClientRect().top")
        focused = await browser.eval(big, "document.activeElement.id")
        c.check("'Show earlier turns' by keyboard (Tab, visible focus, Enter) loads the rest, keeping the reader's place",
                focus == ["older-load", True] and took is not None and first_shown == "turn number 1" and not hint
                and abs(after - before[1]) <= 2, f"focus {focus}, first {first_shown!r}, hint {hint}, {before[0]} moved {before[1]} -> {after}")
        c.check("after the last earlier turns load, focus is on the latest of them (the button went)",
                focused == "turn-5", f"focused {focused!r}")

        # 13. A turn arriving while the reader is scrolled up does not move the page; a button counts it.
        big_id = (await alice.call("session.list", limit=5))["sessions"]
        big_id = next(x["id"] for x in big_id if x["title"] == "A long session")
        scrolled = await browser.eval(big, "window.scrollY")
        await alice.call("turn.post", session=big_id, content="posted while the reader looks back")
        took = await browser.wait_for(big, f"{TURNS_TEXT}.includes('while the reader looks back')")
        await asyncio.sleep(0.3)
        stayed = await browser.eval(big, "window.scrollY")
        pill = await browser.eval(big, PILL)
        await a11y.audit(c, browser, big, "205 turns, earlier ones loaded, the new-turn button shown")
        _, _, buttons = await a11y.ax_summary(browser, big)
        await browser.key(big, "Tab")
        focus = await a11y.outline(browser, big)
        await browser.key(big, " ")
        bottom = await browser.wait_for(big, "window.innerHeight + window.scrollY >= document.body.scrollHeight - 2 && document.getElementById('newer').hidden")
        focused = await browser.eval(big, "[document.activeElement.id, document.activeElement.textContent.includes('looks back')]")
        c.check("a live turn while scrolled up: no jump, '1 new turn' button takes the reader down",
                took is not None and stayed == scrolled and pill == "↓ 1 new turn" and bottom is not None,
                f"scrollY {scrolled} -> {stayed}, button {pill!r}, at bottom {bottom is not None}")
        c.check("the new-turn button: named '1 new turn' (the arrow not read), next by Tab with visible focus, "
                "Space takes focus to the new turn", "1 new turn" in buttons and focus == ["newer", True] and focused[1],
                f"buttons {buttons}, focus {focus}, then focused {focused}")

        # 13b. Undoing turns among the unseen new ones takes them off the count (and off the page);
        # with none left the button goes.
        await browser.eval(big, "window.scrollTo(0, 0)")
        await alice.call("turn.post", session=big_id, content="unseen one")
        await alice.call("turn.post", session=big_id, content="unseen two")
        await browser.wait_for(big, f"{TURNS_TEXT}.includes('unseen two')")
        await alice.call("turn.undo", session=big_id)
        gone = await browser.wait_for(big, f"!{TURNS_TEXT}.includes('unseen two')")
        pill = await browser.eval(big, PILL)
        await alice.call("turn.undo", session=big_id)
        gone_too = await browser.wait_for(big, f"!{TURNS_TEXT}.includes('unseen one')")
        last = await browser.eval(big, PILL)
        c.check("undoing unseen new turns: the count drops with each, the button goes with the last",
                gone is not None and pill == "↓ 1 new turn" and gone_too is not None and last == "",
                f"removed {gone is not None}/{gone_too is not None}, button {pill!r} then {last!r}")
        await browser.eval(big, "window.scrollTo(0, document.body.scrollHeight)")

        # 14. Right-to-left text reads right to left; a phone-width page has no sideways scrolling,
        # even with a long unbroken line and a code block.
        await alice.call("turn.post", session=big_id, content="שלום, זה טקסט בעברית.")
        await alice.call("turn.post", session=big_id, content="مرحبا بالعالم! 🎉")
        await alice.call("turn.post", session=big_id, content="```\nfn main() { println!(\"" + "x" * 300 + "\"); }\n```")
        await browser.wait_for(big, f"{TURNS_TEXT}.includes('fn main')")
        directions = await browser.eval(big, "Array.from(document.querySelectorAll('#turns .content')).slice(-4)"
                                             ".map((e) => getComputedStyle(e).direction).join(' ')")
        c.check("Hebrew and Arabic turns read right to left, others left to right",
                directions == "ltr rtl rtl ltr", f"directions {directions!r}")
        await browser.cdp("Emulation.setDeviceMetricsOverride",
                          {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True}, big)
        await asyncio.sleep(0.3)
        widths = await browser.eval(big, "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        c.check("at phone width (375 px) nothing scrolls sideways", widths[0] <= widths[1], f"scrollWidth {widths}")
        code = await browser.eval(big, "(() => { const pre = document.querySelector('#turns .turn:last-child .content pre');"
                                       " return pre ? [pre.textContent.slice(0, 9), getComputedStyle(pre).fontFamily,"
                                       " pre.scrollWidth > pre.clientWidth, pre.parentElement.textContent.includes('```')] : null; })()")
        c.check("a ``` block is code: monospace, the fences gone, its long line scrolls inside the block",
                code is not None and code[0] == "fn main()" and "monospace" in code[1] and code[2] and not code[3], f"{code}")
        await browser.screenshot(big, "phone.png")
        await a11y.scenario(c, browser, alice)
    finally:
        await browser.close()
        await alice.ws.close()
        await server.stop()
    print(f"axe audits: {len(a11y.AUDIT_SECONDS)}, {sum(a11y.AUDIT_SECONDS):.1f} s in all {a11y.AUDIT_SECONDS}")
    print(f"screenshots in {OUT}: " + ", ".join(sorted(f for f in os.listdir(OUT) if f.endswith(".png"))))
    print(f"browser: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as error:  # a broken setup is a failure with a reason, not a traceback
        print(f"  FAIL  browser test could not run: {error!r}")
        print("browser: 0 passed, 1 failed")
        sys.exit(1)
