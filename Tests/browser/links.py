"""What a link's page may reach and what it says when its session goes: the CSP lets it connect to its
own origin only (`other_host`); a live page told its session was deleted says so, and the link reloaded
afterwards (it went with the session) says it is no longer available or never existed (`deleted`).
Called by driver.py."""
from harness import BASE, http

NOTICE = "document.getElementById('notice').textContent"


async def other_host(c, browser, page, port):
    """The page may open a WebSocket to its own origin only: one to another host (localhost is not
    127.0.0.1 to the browser) is refused by the CSP before it is opened."""
    outcome = await browser.eval(page, """new Promise((resolve) => {
          document.addEventListener("securitypolicyviolation",
            (e) => resolve("blocked " + e.effectiveDirective + " " + e.blockedURI), {once: true});
          try {
            const w = new WebSocket("ws://localhost:%d/s/elsewhere", "tandem.v1");
            w.onopen = () => { w.close(); resolve("opened"); };
            w.onerror = () => setTimeout(() => resolve("error without a CSP violation"), 1000);
          } catch (e) { setTimeout(() => resolve("threw " + e.name + " without a CSP violation"), 1000); }
        })""" % port, wait=True)
    c.check("the page's CSP refuses a WebSocket to another host", str(outcome).startswith("blocked connect-src"), f"{outcome}")


async def deleted(c, browser, alice):
    session = (await alice.call("session.create", title="Deleted later"))["session"]["id"]
    await alice.call("turn.post", session=session, content="soon gone")
    link = await alice.call("share.create", session=session, expires_in=3600)
    page = await browser.page(BASE + link["url"])
    live = await browser.wait_for(page, "document.getElementById('status').dataset.state === 'live'")
    await alice.call("session.delete", session=session)
    told = await browser.wait_for(page, f"{NOTICE}.includes('session was deleted')")
    c.check("a live page whose session is deleted says so", live is not None and told is not None,
            await browser.eval(page, NOTICE))
    status, _, body = http("GET", link["url"])
    await browser.cdp("Page.reload", session=page)
    again = await browser.wait_for(page, f"{NOTICE}.includes('never existed') && {NOTICE}.includes('session may have been deleted')")
    c.check("the link reloaded after its session was deleted: 404 saying it is no longer available or never existed, "
            "its session perhaps deleted", status == 404 and "session may have been deleted" in body and again is not None,
            f"status {status}, page {await browser.eval(page, NOTICE)!r}")
    target = (await browser.cdp("Target.getTargetInfo", session=page))["targetInfo"]["targetId"]
    await browser.cdp("Target.closeTarget", {"targetId": target})
