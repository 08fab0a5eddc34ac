"""A page left open on a busy session stays bounded (`burst`): a branch of 3,000 turns merged into a
session whose page is open at the end arrives at once; the page keeps up, keeps the newest KEEP turns
(the server's max-viewer-turns, which the harness sets to 800, not the default 1,000) and says earlier ones exist; a reader looking back is not moved, the turns that
arrive meanwhile are counted, earlier ones page back in, and the button brings the newest. Called by
driver.py."""
import asyncio
import json
import time

from harness import BASE, VIEWER_TURNS, Tandem

KEEP = VIEWER_TURNS
COUNT = "document.querySelectorAll('#turns .turn').length"
# By seq: the branch's turns were posted three at a time, so their numbers are not in seq order.
FIRST = "document.querySelector('#turns .turn').dataset.seq"
LAST = "document.querySelector('#turns .turn:last-child').dataset.seq"
LAST_TEXT = "document.querySelector('#turns .turn:last-child .content').textContent"
PILL = "document.getElementById('newer').hidden ? '' : document.getElementById('newer').textContent"
AT_END = "window.innerHeight + window.scrollY >= document.body.scrollHeight - 2"
OLDER = "!document.getElementById('older').hidden"


async def burst(c, browser, alice):
    # Posted by three members, each under the rate limit (200/s, burst 400).
    trunk = (await alice.call("session.create", title="A merge"))["session"]["id"]
    branch = (await alice.call("branch.create", session=trunk))["session"]["id"]
    posters = [alice] + [await Tandem.open() for _ in range(2)]
    for start in range(0, 3000, 300):
        await asyncio.gather(*(posters[n % 3].call("turn.post", session=branch, content=f"merged {n}\nsecond line " + "word " * 20)
                               for n in range(start, start + 300)))
        await asyncio.sleep(0.45)
    for poster in posters[1:]:
        await poster.ws.close()
    link = await alice.call("share.create", session=trunk, expires_in=3600)
    fast = await browser.page(BASE + link["url"])
    await browser.wait_for(fast, "document.getElementById('status').dataset.state === 'live'")
    await browser.cdp("Page.bringToFront", session=fast)

    # At the end, the merge's 3,000 turns come at once. Asking per turn whether the reader was at the end
    # forced a layout of the whole page each time: the tab froze (over 15 s without answering DevTools).
    start = time.monotonic()
    await alice.call("branch.merge", session=branch)
    head = (await alice.call("history", session=trunk, last=1))["head_seq"]
    try:
        took = await browser.wait_for(fast, f"{LAST} === '{head}' && {COUNT} === {KEEP} && {AT_END}", timeout=30)
        took = took is not None and time.monotonic() - start
    except asyncio.TimeoutError:
        took = "no answer from the page for 15 s"
    count, first, older = await browser.eval(fast, f"[{COUNT}, {FIRST}, {OLDER}]")
    c.check(f"a merge of 3,000 turns into an open page: within 12 s the newest {KEEP} shown (no more), the page at the end, "
            "'Show earlier turns' offered", took is not False and not isinstance(took, str) and took < 12
            and count == KEEP and first == str(head - KEEP + 1) and older,
            f"after {took} s: {count} turns from #{first} (head #{head}), older {older}")
    if took and not isinstance(took, str):
        print(f"        (newest shown {took:.2f} s after the merge was asked for)")

    # Looking back (at the top): live turns neither move the page nor grow it; the button counts them.
    await browser.eval(fast, "window.scrollTo(0, 0)")
    anchor = "document.getElementById('turns').firstElementChild"
    before = await browser.eval(fast, f"[{anchor}.id, {anchor}.getBoundingClientRect().top]")
    for n in range(5):
        await alice.call("turn.post", session=trunk, content=f"live {n}")
    counted = await browser.wait_for(fast, f"({PILL}) === '↓ 5 newer turns'")
    stayed = await browser.eval(fast, f"[{COUNT}, document.getElementById({json.dumps(before[0])}).getBoundingClientRect().top]")
    c.check("looking back, 5 live turns: the page stays put and bounded, the button counts them ('5 newer turns')",
            counted is not None and stayed[0] == KEEP and abs(stayed[1] - before[1]) <= 2,
            f"button {await browser.eval(fast, PILL)!r}, {stayed[0]} turns, {before[0]} moved {before[1]} -> {stayed[1]}")

    # Earlier turns page back in, the reader's turn stays in place; the page sheds the newest instead.
    await browser.eval(fast, "document.getElementById('older-load').click()")
    loaded = await browser.wait_for(fast, f"{FIRST} === '{head - KEEP - 199}' && {COUNT} === {KEEP}", timeout=10)
    after = await browser.eval(fast, f"document.getElementById({json.dumps(before[0])}).getBoundingClientRect().top")
    pill = await browser.eval(fast, PILL)
    c.check(f"'Show earlier turns' brings back the 200 before, keeps the reader's place, and the page at {KEEP} turns "
            "(the newest counted on the button)", loaded is not None and abs(after - before[1]) <= 2 and pill == "↓ 205 newer turns",
            f"first #{await browser.eval(fast, FIRST)}, {await browser.eval(fast, COUNT)} turns, {before[0]} moved "
            f"{before[1]} -> {after}, button {pill!r}")

    # The button loads the newest and the page follows the session again.
    await browser.eval(fast, "document.getElementById('newer').click()")
    back = await browser.wait_for(fast, f"{LAST_TEXT} === 'live 4' && {COUNT} === 200 && {AT_END} && !({PILL})", timeout=10)
    await alice.call("turn.post", session=trunk, content="live after the jump")
    follows = await browser.wait_for(fast, f"{LAST_TEXT} === 'live after the jump' && {AT_END}")
    focused = await browser.eval(fast, "document.activeElement.id")
    c.check("the newer-turns button loads the newest turns, at the end, focus on the latest; live turns follow again",
            back is not None and follows is not None and await browser.eval(fast, OLDER) and focused.startswith("turn-"),
            f"last {await browser.eval(fast, LAST_TEXT)!r}, {await browser.eval(fast, COUNT)} turns, button "
            f"{await browser.eval(fast, PILL)!r}, focused {focused!r}")
    target = (await browser.cdp("Target.getTargetInfo", session=fast))["targetInfo"]["targetId"]
    await browser.cdp("Target.closeTarget", {"targetId": target})
