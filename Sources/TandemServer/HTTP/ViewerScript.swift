/// The viewer's JavaScript: joins the session over tandem.v1 on the page's own URL, renders turns
/// (only ever through `textContent`, so turn content can never become markup), follows live
/// events, and reconnects with `since` (docs/protocol.md, Recovery). It stops for good when the
/// link expires or is revoked and says so.
enum ViewerScript {
    /// The script body; `session` is the id the page was served for, as a JS string literal.
    static func source(sessionLiteral: String) -> String {
        "\"use strict\";\nconst session = \(sessionLiteral);\n" + body
    }

    private static let body = """
        const $ = (id) => document.getElementById(id);
        const turnsEl = $("turns"), statusEl = $("status"), noticeEl = $("notice"), titleEl = $("title");
        const emptyEl = $("empty"), stateEl = $("session-state");
        let ws = null, lastEseq = 0, joined = false, queued = [], stopped = false, nextId = 1;
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
        function clearTurns() { turnsEl.textContent = ""; updateEmpty(); }
        function nearBottom() { return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80; }

        // Inserts or replaces a turn, keeping the list in seq order.
        function render(t) {
          const stick = nearBottom();
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
          const meta = document.createElement("div"); meta.className = "meta";
          const author = document.createElement("span"); author.className = "author"; author.textContent = t.author;
          const role = document.createElement("span"); role.textContent = t.role;
          const time = document.createElement("time");
          const created = new Date(t.created);
          time.dateTime = created.toISOString(); time.textContent = created.toLocaleString();
          const seq = document.createElement("span"); seq.className = "seq"; seq.textContent = "#" + t.seq;
          meta.append(author, role, time, seq);
          const content = document.createElement("div"); content.className = "content"; content.textContent = t.content;
          el.append(meta, content);
          if (t.undone) el.classList.add("undone");
          updateEmpty();
          if (stick) window.scrollTo(0, document.body.scrollHeight);
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
              (r.turns || []).filter((t) => !t.undone).forEach(render);
              // 200 turns from the first one are the whole session: nothing earlier to point to.
              const turns = r.turns || [];
              $("older").hidden = turns.length < 200 || turns[0].seq === 1;
              lastEseq = r.head_eseq;
            }
            joined = true;
            setStatus("live", "live");
            const early = queued; queued = [];
            early.forEach(apply);
          });
        }

        // Reloads the visible turns after the session's history was replaced (a restore).
        function reload() {
          clearTurns();
          request("history", {last: 200}, (msg) => {
            if (!msg.ok) return;
            msg.result.turns.forEach(render);
            $("older").hidden = !msg.result.more;
          });
        }

        function apply(msg) {
          if (typeof msg.eseq === "number") {
            if (msg.eseq <= lastEseq) return;
            lastEseq = msg.eseq;
          }
          switch (msg.event) {
          case "turn": render(msg); break;
          case "turn.undone": { const el = $("turn-" + msg.seq); if (el) el.classList.add("undone"); break; }
          case "session":
            showSession(msg.info);
            if (msg.change === "cleared") { clearTurns(); $("older").hidden = true; }
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
            const res = await fetch(location.href, {cache: "no-store"});
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

        function connect() {
          if (stopped) return;
          setStatus("connecting…", "waiting");
          let opened = false;
          pending.clear();
          ws = new WebSocket(location.href.replace(/^http/, "ws").replace(/#.*$/, ""), "tandem.v1");
          ws.onopen = () => {
            opened = true;
            healthy = setTimeout(() => { backoff = 1000; }, 10000); // ReconnectBackoff.healthySeconds
            join();
          };
          ws.onmessage = onMessage;
          ws.onclose = async (e) => {
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
          };
        }

        updateEmpty();
        connect();
        """
}
