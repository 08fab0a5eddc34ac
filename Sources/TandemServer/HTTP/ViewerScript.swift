/// The viewer's JavaScript: joins the session over tandem.v1 on the page's own URL, renders turns
/// (only ever through `textContent`, so turn content can never become markup), follows live
/// events, and reconnects with `since` (docs/protocol.md, Recovery), also when the connection died
/// without a close (a ping unanswered for 10 s after 15 s of quiet). It keeps at most `KEEP` turns
/// (a tab open all day on a busy session stays small). It stops for good when the link expires or
/// is revoked and says so.
enum ViewerScript {
    /// The script body; `session` is the id the page was served for, as a JS string literal, and
    /// `maxTurns` the most turns the page keeps (`KEEP`; the server's `max-viewer-turns`).
    static func source(sessionLiteral: String, maxTurns: Int) -> String {
        "\"use strict\";\nconst session = \(sessionLiteral);\nconst KEEP = \(maxTurns);\n" + body
    }

    private static let body = """
        const $ = (id) => document.getElementById(id);
        const turnsEl = $("turns"), statusEl = $("status"), noticeEl = $("notice"), titleEl = $("title");
        const emptyEl = $("empty"), stateEl = $("session-state"), olderEl = $("older"), olderButton = $("older-load");
        const newerEl = $("newer"), announceEl = $("announce");
        let ws = null, lastEseq = 0, joined = false, queued = [], stopped = false, nextId = 1;
        // The lowest seq the view has read from (hidden turns count): earlier turns are asked for below it.
        // `unseen`: the seqs of turns that arrived while the reader was scrolled up (an undo takes one back).
        let oldestSeq = 0, loadingOlder = false;
        const unseen = new Set();
        // The page keeps at most KEEP turns (max-viewer-turns, set above): a tab open all day on a busy
        // session would otherwise grow without bound (20,000 turns: ~300,000 nodes). Turns far from the screen leave it: above, "Show
        // earlier turns" pages them back with `history`; below (the reader looks back), the page stops
        // following: `shownTo` is then the last seq it shows, `newerCount` the turns after it that history
        // shows (each turn event +1, its undo -1), and the new-turn button loads the latest ones.
        let shownTo = 0, newerCount = 0, trimQueued = false;
        let backoff = 1000, healthy = null;
        const pending = new Map();
        const expiredText = "This share link has expired. Ask whoever sent it for a new one.";

        function setStatus(text, state) { statusEl.textContent = text; statusEl.dataset.state = state; }
        function notice(text) { noticeEl.textContent = text; }
        function stop(text, label) {
          stopped = true;
          notice(text);
          setStatus(label || "not connected", "stopped");
          if (ws && ws.readyState <= 1) ws.close(1000);
        }
        function showSession(info) {
          if (!info) return;
          titleEl.textContent = info.title || info.id || session;
          document.title = titleEl.textContent + " · Tandem";
          stateEl.textContent = info.status && info.status !== "active" ? info.status : "";
        }
        function updateEmpty() { emptyEl.hidden = turnsEl.childElementCount > 0; }
        function clearTurns() { turnsEl.textContent = ""; shownTo = 0; newerCount = 0; updateEmpty(); seenAll(); }
        function atEnd() { return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80; }
        // Whether the reader is at the end, for placing turns: read once a frame, and the scroll to
        // the end done once a frame. Asked per turn, each turn forced a layout of the page, which grows
        // with the page: a burst (a merge, a replay after a sleep, a fast session) froze the tab for
        // minutes (3,000 turns: 2 min). A hidden page draws no frames: a timer ends the frame there.
        let endThisFrame = null, scrollQueued = false;
        function nextFrame(f) {
          let done = false;
          const once = () => { if (!done) { done = true; f(); } };
          requestAnimationFrame(once); setTimeout(once, 100);
        }
        function nearBottom() {
          if (endThisFrame === null) { endThisFrame = atEnd(); nextFrame(() => { endThisFrame = null; }); }
          return endThisFrame;
        }
        function scrollToEnd() {
          if (scrollQueued) return;
          scrollQueued = true;
          nextFrame(() => { scrollQueued = false; window.scrollTo(0, document.body.scrollHeight); });
        }

        // Whether earlier turns than `first` exist (`more`): the button at the top then loads them.
        function setOlder(first, more) {
          oldestSeq = first;
          olderEl.hidden = !more || first <= 1;
        }

        // Turns that arrived while the reader was scrolled up: counted on a button, not scrolled to
        // (the page must not jump under someone reading earlier turns).
        // While the page does not follow (`shownTo`), the button stays: it is the way to the latest turns.
        function seenAll() { unseen.clear(); if (shownTo) showUnseen(); else newerEl.hidden = true; }
        function showUnseen() {
          if (shownTo && newerCount <= 0) { shownTo = 0; newerCount = 0; } // nothing newer left out: following again
          const n = unseen.size + newerCount, arrow = document.createElement("span");
          arrow.textContent = "↓ "; arrow.setAttribute("aria-hidden", "true");
          newerEl.replaceChildren(arrow, n + (shownTo ? " newer turn" : " new turn") + (n === 1 ? "" : "s"));
          newerEl.hidden = n === 0;
        }
        function arrivedUnseen(seq) { unseen.add(seq); showUnseen(); }
        // Keyboard and screen reader users land on the turn (tabindex -1: focusable by script only)
        // instead of on the body when the button they pressed goes away.
        // preventScroll: the page stays where the reader is; the caller scrolls if it should.
        function focusTurn(el) {
          if (!el) return;
          el.tabIndex = -1;
          el.focus({preventScroll: true});
        }
        // The button takes the reader to the first turn they have not seen, and focus with it.
        function jumpToNew() {
          if (shownTo) { if (joined) reload(true); return; }
          const first = [...unseen].sort((a, b) => a - b).map((seq) => $("turn-" + seq)).find((el) => el);
          if (first) { focusTurn(first); first.scrollIntoView({block: "start"}); }
          else window.scrollTo(0, document.body.scrollHeight);
          seenAll();
        }

        // New turns are told to screen readers through a polite region of their own (the log is not
        // live, so it is never re-read). The next message waits until the last one has been spoken
        // (60 ms a character, about 180 words a minute; 2 s at least), and the turns that came
        // meanwhile are one message ("5 new turns. Latest, alice: ..."): a fast session never builds
        // a queue of speech the reader cannot catch up with.
        let told = [], tellTimer = null, nextTell = 0;
        function announce(t) {
          told.push(t);
          if (tellTimer === null) tellTimer = setTimeout(tell, Math.max(250, nextTell - performance.now()));
        }
        function tell() {
          tellTimer = null;
          // An undone turn is not told (drop takes it out of `told` when the page does not show it).
          const turns = told.filter((t) => $("turn-" + t.seq) || (shownTo && t.seq > shownTo));
          told = [];
          if (!turns.length) return;
          const t = turns[turns.length - 1], text = String(t.content).replace(/\\s+/g, " ").trim();
          const latest = t.author + (t.role === "user" ? "" : " (" + t.role + ")") + ": "
            + (text.length > 140 ? text.slice(0, 140) + "…" : text);
          const said = turns.length === 1 ? latest : turns.length + " new turns. Latest, " + latest;
          announceEl.textContent = said;
          nextTell = performance.now() + Math.max(2000, said.length * 60);
        }

        // A turn's text, with its ``` fenced blocks as code (monospace, kept unwrapped, scrolling
        // sideways inside the block). Every part is set with textContent: no markup comes from a turn.
        function fillContent(el, text) {
          const lines = text.split("\\n");
          let prose = [], code = null;
          const flush = () => {
            if (code !== null) {
              const pre = document.createElement("pre"), inner = document.createElement("code");
              inner.textContent = code.join("\\n"); pre.append(inner); pre.dir = "ltr";
              pre.tabIndex = 0; // a wide block scrolls sideways: the keyboard must reach it to scroll it
              el.append(pre);
            } else if (prose.length) {
              const span = document.createElement("span"); span.textContent = prose.join("\\n"); el.append(span);
            }
            prose = []; code = null;
          };
          for (const line of lines) {
            if (/^\\s*```/.test(line)) {
              if (code === null) { flush(); code = []; } else flush();
            } else if (code !== null) code.push(line);
            else prose.push(line);
          }
          flush();
        }

        // An undone turn leaves the page, as it leaves `history` (a share link cannot ask for undone
        // turns): a page that saw the undo shows what a page loaded after it shows.
        function drop(seq) {
          if (shownTo && seq > shownTo) {
            told = told.filter((t) => t.seq !== seq);
            newerCount--; showUnseen(); return;
          }
          const el = $("turn-" + seq);
          if (el) el.remove();
          if (unseen.delete(seq)) showUnseen();
          updateEmpty();
        }

        // Inserts or replaces a live turn, keeping the list in seq order; `stick`: keep the page at its end.
        function render(t, stick = nearBottom()) {
          let el = $("turn-" + t.seq);
          if (!el) {
            el = document.createElement("article");
            el.id = "turn-" + t.seq;
            el.dataset.seq = t.seq;
            let after = turnsEl.lastElementChild;
            while (after && Number(after.dataset.seq) > t.seq) after = after.previousElementSibling;
            turnsEl.insertBefore(el, after ? after.nextSibling : turnsEl.firstChild);
          }
          el.className = "turn role-" + String(t.role).replace(/[^a-z]/g, "");
          el.textContent = "";
          // The meta line is the turn's heading: screen readers move turn by turn with heading keys.
          const meta = document.createElement("h3"); meta.className = "meta";
          // dir=auto: Arabic or Hebrew text reads right to left, its punctuation on the right side.
          const author = document.createElement("span"); author.className = "author"; author.dir = "auto"; author.textContent = t.author;
          const role = document.createElement("span"); role.textContent = t.role;
          const time = document.createElement("time");
          const created = new Date(t.created);
          time.dateTime = created.toISOString(); time.textContent = created.toLocaleString();
          const seq = document.createElement("span"); seq.className = "seq"; seq.textContent = "#" + t.seq;
          meta.append(author, role, time, seq);
          const content = document.createElement("div"); content.className = "content"; content.dir = "auto";
          fillContent(content, String(t.content));
          el.append(meta, content);
          updateEmpty();
          if (stick) scrollToEnd();
        }

        // Keeps the page to KEEP turns, once a frame. Following the session, the oldest go; a reader looking
        // back loses the turns farthest from the screen, at either end, never one within a screen of it
        // (the turns above that go are made up for by scrolling, so nothing moves under the reader).
        function trimSoon() { if (!trimQueued) { trimQueued = true; nextFrame(trim); } }
        function trim() {
          trimQueued = false;
          const excess = turnsEl.childElementCount - KEEP;
          if (excess <= 0 || loadingOlder) return; // loadOlder trims when its turns are in
          if (!shownTo && (scrollQueued || atEnd())) { removeTop(excess); scrollToEnd(); return; }
          const kids = turnsEl.children, h = window.innerHeight;
          let top = 0, bottom = 0;
          while (top + bottom < excess) {
            const above = -kids[top].getBoundingClientRect().bottom;
            const below = kids[kids.length - 1 - bottom].getBoundingClientRect().top - h;
            if (Math.max(above, below) < h) break;
            if (above >= below) top++; else bottom++;
          }
          if (bottom) removeBottom(bottom);
          if (top) {
            const anchor = kids[top], before = anchor.getBoundingClientRect().top;
            removeTop(top);
            window.scrollBy(0, anchor.getBoundingClientRect().top - before);
          }
        }
        function removeTop(n) {
          for (let i = 0; i < n; i++) { const el = turnsEl.firstElementChild; unseen.delete(Number(el.dataset.seq)); el.remove(); }
          setOlder(Number(turnsEl.firstElementChild.dataset.seq), true);
        }
        function removeBottom(n) {
          for (let i = 0; i < n; i++) { const el = turnsEl.lastElementChild; unseen.delete(Number(el.dataset.seq)); el.remove(); }
          shownTo = Number(turnsEl.lastElementChild.dataset.seq);
          newerCount += n;
          showUnseen();
        }

        function request(op, params, handler) {
          const id = nextId++;
          pending.set(id, handler);
          ws.send(JSON.stringify(Object.assign({id, op, session}, params)));
        }

        function join() {
          const fresh = lastEseq === 0;
          joined = false; queued = [];
          request("session.join", fresh ? {last: 200} : {since: lastEseq}, (msg) => {
            if (!msg.ok) {
              if (msg.error.code === "resync_required") { lastEseq = 0; join(); return; }
              return stop("The session cannot be shown: " + msg.error.message);
            }
            const r = msg.result;
            showSession(r.session);
            // The join's turns include hidden ones (undone, cleared, rolled back) marked `undone`;
            // show what `history` shows, as a live clear or restore does.
            if (fresh) {
              clearTurns();
              (r.turns || []).filter((t) => !t.undone).forEach((t) => render(t));
              // 200 turns from the first one are the whole session: nothing earlier to point to.
              const turns = r.turns || [];
              setOlder(turns.length ? turns[0].seq : 0, turns.length >= 200);
              lastEseq = r.head_eseq;
            }
            // A request for earlier turns on the last connection has no answer coming.
            loadingOlder = false; olderButton.removeAttribute("aria-disabled");
            joined = true;
            setStatus("live", "live");
            const early = queued; queued = [];
            early.forEach(apply);
          });
        }

        // Reloads the visible turns after the session's history was replaced (a restore), or to show the
        // latest ones when the page does not follow (`toEnd`: then at the end, focus on the latest).
        function reload(toEnd) {
          clearTurns();
          request("history", {last: 200}, (msg) => {
            if (!msg.ok) return;
            msg.result.turns.forEach((t) => (toEnd ? render(t, true) : render(t)));
            setOlder(msg.result.turns.length ? msg.result.turns[0].seq : 0, msg.result.more);
            if (toEnd) focusTurn(turnsEl.lastElementChild);
          });
        }

        // The turns from..to, in pages (`more`: a page filled max_page_bytes before `to`).
        function fetchRange(from, to, done) {
          request("history", {from, to, limit: 200}, (msg) => {
            if (!msg.ok) return done(msg.error);
            const turns = msg.result.turns;
            turns.forEach((t) => render(t, false));
            const last = turns.length ? turns[turns.length - 1].seq : to;
            if (msg.result.more && last < to) return fetchRange(last + 1, to, done);
            done(null);
          });
        }

        // Up to 200 turns before the earliest shown, keeping the turn the reader was looking at in place.
        // aria-disabled, not disabled, while loading: a disabled button would drop keyboard focus.
        function loadOlder() {
          if (loadingOlder || !joined || oldestSeq <= 1) return;
          loadingOlder = true; olderButton.setAttribute("aria-disabled", "true");
          const anchor = turnsEl.firstElementChild, top = anchor ? anchor.getBoundingClientRect().top : 0;
          const from = Math.max(1, oldestSeq - 200);
          fetchRange(from, oldestSeq - 1, (error) => {
            loadingOlder = false; olderButton.removeAttribute("aria-disabled");
            if (error) return notice("Earlier turns could not be loaded: " + error.message);
            if (anchor && anchor.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
            const focused = document.activeElement === olderButton;
            setOlder(from, true);
            // The button is gone with the last earlier turn: focus goes to the latest loaded one.
            if (focused && olderEl.hidden && anchor && anchor.previousElementSibling) focusTurn(anchor.previousElementSibling);
            trimSoon();
          });
        }
        olderButton.addEventListener("click", loadOlder);
        newerEl.addEventListener("click", jumpToNew);
        window.addEventListener("scroll", () => { endThisFrame = null; if (atEnd() && !shownTo) seenAll(); }, {passive: true});

        function apply(msg) {
          if (typeof msg.eseq === "number") {
            if (msg.eseq <= lastEseq) return;
            lastEseq = msg.eseq;
          }
          switch (msg.event) {
          case "turn": {
            // Past what a page that does not follow shows: counted (an undone one too, as its
            // `turn.undone` follows and takes it off).
            if (shownTo && msg.seq > shownTo) { newerCount++; showUnseen(); if (!msg.undone) announce(msg); break; }
            // A replayed turn (`since`) undone while the page was away: its `turn.undone` follows.
            if (msg.undone) { drop(msg.seq); break; }
            const stick = nearBottom(), known = $("turn-" + msg.seq) !== null;
            render(msg, stick);
            if (!known) announce(msg);
            if (!stick && !known) arrivedUnseen(msg.seq);
            trimSoon();
            break;
          }
          case "turn.undone": drop(msg.seq); break;
          case "session":
            showSession(msg.info);
            if (msg.change === "cleared") { clearTurns(); setOlder(0, false); }
            else if (msg.change === "restored") reload();
            else if (msg.change === "deleted") stop("This session was deleted.", "session deleted");
            break;
          case "share.expired": stop(expiredText, "link expired"); break;
          }
        }

        function onMessage(m) {
          let msg;
          try { msg = JSON.parse(m.data); } catch (e) { return; }
          if (msg.id !== undefined && msg.ok !== undefined) {
            const handler = pending.get(msg.id);
            pending.delete(msg.id);
            if (handler) handler(msg);
            return;
          }
          if (!msg.event) return;
          if (msg.event === "share.expired" || joined) apply(msg); else queued.push(msg);
        }

        // A handshake the server refused says nothing to the page; the link's own URL tells why.
        async function checkLink() {
          try {
            // A server that hangs would hold the answer for ever: the page gives up on it and retries.
            const res = await fetch(location.href, {cache: "no-store", signal: AbortSignal.timeout(ANSWER_MS)});
            if (res.status === 404 || res.status === 410) {
              const page = new DOMParser().parseFromString(await res.text(), "text/html");
              const text = page.getElementById("notice"), heading = page.querySelector("h1");
              stop(text ? text.textContent : "This share link no longer works.",
                   heading ? heading.textContent.toLowerCase() : "link no longer valid");
              return true;
            }
          } catch (e) { /* offline: keep retrying */ }
          return false;
        }

        function retry(delay) {
          const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
          setStatus("reconnecting in " + Math.ceil(wait / 1000) + " s…", "waiting");
          setTimeout(connect, wait);
        }

        // Liveness. A connection can die without a word to the browser (a laptop that slept, a network
        // that changed, a server that hangs): the page would say "live" and show nothing new for ever,
        // as it sends nothing after its join. So after QUIET_MS without a message it sends `ping`, and
        // with no message ANSWER_MS after that (or no handshake answer in as long) it drops the
        // connection and reconnects with `since`. It asks at once when the page is shown again or the
        // network comes back; the check runs every second (a timer late after a sleep only checks late).
        // Times are performance.now(), which clock steps do not move: on Date.now() a clock stepped back
        // an hour (NTP) kept a dead connection "live" for that hour.
        const QUIET_MS = 15000, ANSWER_MS = 10000;
        let heardAt = 0, probedAt = 0;
        function heard() { heardAt = performance.now(); probedAt = 0; }
        function checkAlive(soon) {
          if (stopped || !ws) return;
          const now = performance.now();
          if (ws.readyState === 0) { if (now - heardAt >= QUIET_MS + ANSWER_MS) abandon(); return; }
          if (ws.readyState !== 1) return;
          if (probedAt) { if (now - probedAt >= ANSWER_MS) abandon(); return; }
          if (soon || now - heardAt >= QUIET_MS) {
            probedAt = now;
            ws.send(JSON.stringify({id: nextId++, op: "ping"})); // its answer only counts as a message heard
          }
        }
        // Gives up on a connection that no longer answers: its close could wait for the dead peer, so
        // the page stops listening to it and goes on as for a connection lost.
        function abandon() {
          const dead = ws;
          ws = null;
          dead.onopen = dead.onmessage = dead.onclose = null;
          try { dead.close(); } catch (e) { /* already closing */ }
          lost({code: 1006, reason: ""}, dead.opened);
        }
        setInterval(() => checkAlive(false), 1000);
        document.addEventListener("visibilitychange", () => { if (!document.hidden) checkAlive(true); });
        window.addEventListener("online", () => checkAlive(true));

        async function lost(e, opened) {
          clearTimeout(healthy);
          joined = false;
          if (stopped) return;
          switch (e.code) {
          case 4410: return stop(expiredText, "link expired");
          case 4403:
            if (e.reason === "session deleted") return stop("This session was deleted.", "session deleted");
            return stop("This share link was revoked. Ask whoever sent it for a new one.", "link revoked");
          case 4401: return stop("Access to this session was withdrawn.", "access withdrawn");
          case 1000: case 1002: case 1003: case 1007: case 1008: case 1009:
            return stop("Disconnected by the server" + (e.reason ? ": " + e.reason : "."));
          case 4000: case 4408: return retry(250);
          }
          if (!opened && await checkLink()) return;
          const delay = e.code === 4429 ? Math.max(backoff, 5000) : backoff;
          backoff = Math.min(backoff * 2, 60000);
          retry(delay);
        }

        function connect() {
          if (stopped) return;
          setStatus("connecting…", "waiting");
          pending.clear();
          heard();
          const socket = new WebSocket(location.href.replace(/^http/, "ws").replace(/#.*$/, ""), "tandem.v1");
          ws = socket;
          socket.opened = false;
          socket.onopen = () => {
            socket.opened = true;
            heard();
            healthy = setTimeout(() => { backoff = 1000; }, 10000); // ReconnectBackoff.healthySeconds
            join();
          };
          socket.onmessage = (m) => { heard(); onMessage(m); };
          socket.onclose = (e) => { if (ws === socket) ws = null; lost(e, socket.opened); };
        }

        updateEmpty();
        connect();
        """
}
