"""The viewer for every reader: an axe-core audit (`audit`, called by driver.py on each state of the page
it reaches) and the checks of one session made for it (`scenario`): landmarks and headings as a screen
reader sees them (Chromium's accessibility tree), new turns told politely and not flooding, a phone's
360 px screen, dark mode and reduced motion.

axe.min.js comes from the PyPI package axe-playwright-python (installed without its Playwright
dependency by Tests/browser/run) and is injected over DevTools, so the page under its real CSP is
audited. No rule is left out: any violation, whatever its impact, fails the check."""
import asyncio
import importlib.util
import json
import os
import time

from harness import BASE

AXE_PATH = os.path.join(os.path.dirname(importlib.util.find_spec("axe_playwright_python").origin), "axe.min.js")
with open(AXE_PATH) as f:
    AXE = f.read()

RUN_AXE = """axe.run(document, OPTIONS).then((r) => r.violations.map((v) =>
  v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")))"""


async def violations(browser, page, only=None):
    """axe's violations on the page as text; `only`: run just these rules."""
    if not await browser.eval(page, "typeof axe !== 'undefined'"):
        await browser.cdp("Runtime.evaluate", {"expression": AXE}, page)
    options = {"resultTypes": ["violations"]}
    if only:
        options["runOnly"] = {"type": "rule", "values": only}
    return await browser.eval(page, RUN_AXE.replace("OPTIONS", json.dumps(options)), wait=True, timeout=60)


AUDIT_SECONDS = []  # how long each audit took, printed at the end of the run


async def audit(c, browser, page, state):
    """One check: axe finds nothing on `page` in the light scheme, nor its colour-contrast rule in the
    dark one (the dark scheme changes colours only; running one rule there halves the time)."""
    found, start = [], time.monotonic()
    # In front: a background tab's timers are throttled, and axe runs on them.
    await browser.cdp("Page.bringToFront", session=page)
    for scheme in ("light", "dark"):
        await browser.media(page, prefers_color_scheme=scheme)
        found += [f"{scheme}: {v}" for v in await violations(browser, page, None if scheme == "light" else ["color-contrast"])]
    await browser.media(page)
    AUDIT_SECONDS.append(round(time.monotonic() - start, 1))
    c.check(f"axe-core: no violations, {state} (light; contrast in dark too)", not found, "; ".join(found))


async def outline(browser, page):
    """The focused element's id and whether its focus is drawn (an outline of 2 px or more)."""
    return await browser.eval(page, "(() => { const e = document.activeElement, s = getComputedStyle(e);"
                                    " return [e.id, s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2]; })()")


async def ax_summary(browser, page):
    """Landmark roles, (level, name) of headings and the names of buttons in the page's accessibility tree."""
    await browser.cdp("Accessibility.enable", session=page)
    nodes = (await browser.cdp("Accessibility.getFullAXTree", session=page))["nodes"]

    def prop(n, name):
        return next((p["value"].get("value") for p in n.get("properties", []) if p["name"] == name), None)
    shown = [n for n in nodes if not n.get("ignored")]
    roles = {n.get("role", {}).get("value") for n in shown}
    headings = [(prop(n, "level"), n.get("name", {}).get("value", "")) for n in shown if n.get("role", {}).get("value") == "heading"]
    buttons = [n.get("name", {}).get("value", "") for n in shown if n.get("role", {}).get("value") == "button"]
    return roles, headings, buttons


SAID = """(() => { window.said = []; window.saidAt = []; const el = document.getElementById('announce');
  if (!el) return false;
  new MutationObserver(() => { window.said.push(el.textContent); window.saidAt.push(performance.now()); })
    .observe(el, {childList: true, characterData: true, subtree: true});
  return true; })()"""
TURNS_TEXT = "document.getElementById('turns').textContent"


async def scenario(c, browser, alice):
    title = "Accessibility " + "an-unbroken-session-name-" * 4
    session = (await alice.call("session.create", title=title))["session"]["id"]
    link = await alice.call("share.create", session=session, expires_in=3600)
    page = await browser.page(BASE + link["url"])
    await browser.wait_for(page, "document.getElementById('status').dataset.state === 'live' && !document.getElementById('empty').hidden")
    await audit(c, browser, page, "a session with no turns yet")

    # New turns are told through their own polite region, one at a time when they come slowly ...
    await browser.eval(page, SAID)
    me = (await alice.call("turn.post", session=session, content="Hello, screen reader."))["turn"]["author"]
    await browser.wait_for(page, "window.said.length > 0")
    said = await browser.eval(page, "window.said")
    live = await browser.eval(page, "[document.getElementById('announce')?.getAttribute('aria-live'),"
                                    " document.getElementById('turns').closest('[aria-live],[role=log]') === null]")
    c.check("a new turn is told politely, by itself (the log is not a live region, it is never re-read)",
            said == [me + ": Hello, screen reader."] and live == ["polite", True], f"told {said}, live region/log not live {live}")

    # ... and a fast stretch (a turn every 0.2 s for 3 s) as a message or two with the count and the
    # latest, each waiting until the one before had time to be spoken (60 ms a character, 2 s at least).
    long_url = "https://example.com/" + "a-very-long-path-segment/" * 10 + "?q=" + "x" * 80
    burst = [("assistant", "Here is the code:\n```\n" + "let total = values.reduce(0, +) // " * 8 + "\n```"),
             ("tool", "tool output: 42 rows"), ("system", "System: the session was renamed."),
             ("user", "Read this: " + long_url), ("user", "שלום, זה טקסט בעברית."), ("assistant", "مرحبا بالعالم")]
    burst += [("user", f"quick message {n}") for n in range(1, 10)]
    start = time.monotonic()
    for role, content in burst:
        await alice.call("turn.post", session=session, role=role, content=content)
        await asyncio.sleep(0.2)
    took = time.monotonic() - start  # 3 s and a little; longer on a loaded machine, and so more messages
    await alice.call("turn.post", session=session, content="This turn is undone at once.")
    await alice.call("turn.undo", session=session)
    await browser.wait_for(page, f"{TURNS_TEXT}.includes('quick message 9') && !{TURNS_TEXT}.includes('undone at once')")
    told = await browser.wait_for(page, "window.said.length > 1 && window.said[window.said.length - 1].includes('quick message 9')", timeout=10)
    said, at = await browser.eval(page, "[window.said, window.saidAt]") or [[], []]
    gaps = [(round(at[i + 1] - at[i]), max(2000, 60 * len(said[i]))) for i in range(len(at) - 1)]
    print(f"        (told: {said}; ms between messages: {[g for g, _ in gaps]})")
    c.check(f"{len(burst) + 1} turns in 3 s (one undone) are told in two short messages or so after the first, "
            "each after the one before was spoken, the last with the latest",
            told is not None and 0 < len(said) - 1 <= 1 + int(took / 2) and said[-1].endswith(f"new turns. Latest, {me}: quick message 9")
            and all(len(s) < 250 for s in said) and not any("undone at once" in s for s in said)
            and all(gap >= least - 20 for gap, least in gaps), f"told {said}, gaps (ms, least) {gaps}")

    # What a screen reader finds: landmarks, the title and a heading per turn, the connection state.
    roles, headings, _ = await ax_summary(browser, page)
    turns = await browser.eval(page, "document.querySelectorAll('#turns .turn').length")
    status = await browser.eval(page, "document.getElementById('status').closest('[role=status]')?.textContent")
    c.check("landmarks, headings (title h1, 'Turns' h2, an h3 per turn) and the connection state as a status",
            {"banner", "main", "contentinfo"} <= roles and (1, title) in headings and (2, "Turns") in headings
            and sum(1 for level, _ in headings if level == 3) == turns and status == "Connection: live",
            f"roles {sorted(r for r in roles if r)}, {len(headings)} headings {headings[:3]}, {turns} turns, status {status!r}")
    await audit(c, browser, page, "live: turns of every role, a ``` block, RTL text, a long URL, an undone turn")
    await browser.screenshot(page, "a11y.png")

    # Dark mode: a dark page (axe's colour contrast passed in both schemes above).
    await browser.media(page, prefers_color_scheme="dark")
    colors = await browser.eval(page, "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color,"
                                      " getComputedStyle(document.querySelector('#turns .turn')).backgroundColor]")
    await browser.screenshot(page, "dark.png")
    await browser.media(page)

    def luminance(css):
        r, g, b = (int(x) / 255 for x in css[css.index("(") + 1:css.index(")")].split(",")[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    c.check("prefers-color-scheme: dark gives a dark page with light text",
            luminance(colors[0]) < 0.15 and luminance(colors[2]) < 0.2 and luminance(colors[1]) > 0.7, f"{colors}")

    # A phone: 360 x 740, nothing scrolls sideways (the long title, URL and code line wrap or scroll in
    # their block), text is readable without zooming.
    await browser.cdp("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}, page)
    await asyncio.sleep(0.2)
    phone = await browser.eval(page, """(() => {
      const sizes = [...document.querySelectorAll('body *')].filter((e) => e.offsetParent !== null && !e.closest('.sr-only')
        && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())).map((e) => parseFloat(getComputedStyle(e).fontSize));
      const pre = document.querySelector('#turns pre');
      return {scroll: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
              smallest: Math.min(...sizes), content: parseFloat(getComputedStyle(document.querySelector('#turns .content')).fontSize),
              pre: pre.scrollWidth > pre.clientWidth, viewport: document.querySelector('meta[name=viewport]')?.content,
              header: getComputedStyle(document.querySelector('header')).position}; })()""")
    c.check("a 360 px phone: no sideways scrolling, turn text 16 px, no text under 12 px, the viewport tag, "
            "the (tall) header scrolls away", phone["scroll"][0] <= phone["scroll"][1] and phone["content"] >= 16
            and phone["smallest"] >= 12 and phone["pre"] and "width=device-width" in (phone["viewport"] or "")
            and phone["header"] == "static", json.dumps(phone))
    await audit(c, browser, page, "on a 360 px phone")
    await browser.screenshot(page, "phone-360.png")
    await browser.media(page, prefers_color_scheme="dark")
    await browser.screenshot(page, "phone-dark.png")

    # Reduced motion: the page animates nothing (scrolls jump, nothing transitions), so nothing to turn off.
    await browser.media(page, prefers_reduced_motion="reduce")
    moving = await browser.eval(page, "[document.getAnimations().length, getComputedStyle(document.documentElement).scrollBehavior,"
                                      " [...document.querySelectorAll('*')].filter((e) => { const s = getComputedStyle(e);"
                                      " return s.animationName !== 'none' || parseFloat(s.transitionDuration) > 0; }).length]")
    c.check("prefers-reduced-motion: no animation, transition or smooth scrolling", moving == [0, "auto", 0], f"{moving}")
