"""What a link's page may reach: the CSP lets it connect to its own origin only (`other_host`).
Called by driver.py."""


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

