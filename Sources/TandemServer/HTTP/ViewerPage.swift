import Foundation

/// The viewer's HTML. No build step, no CDN: one page with inline CSS and JS. Turn content is
/// only ever inserted as text (`textContent`), never as HTML.
enum ViewerPage {
    static func escape(_ s: String) -> String {
        s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222}
        header{background:#20303c;color:#fff;padding:12px 20px}h1{font-size:18px;margin:0}
        #status{font-size:13px;opacity:.8}main{max-width:860px;margin:0 auto;padding:16px}
        .turn{background:#fff;border-radius:6px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 2px #0002}
        .meta{font-size:12px;color:#667}.content{white-space:pre-wrap;margin-top:4px}
        .undone{opacity:.45;text-decoration:line-through}.notice{background:#fff3cd;padding:12px 16px;border-radius:6px}
        """

    static func notice(title: String, text: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Tandem: \(escape(title))</title><style>\(style)</style></head>
        <body><header><h1>\(escape(title))</h1></header><main><p class="notice" id="notice">\(escape(text))</p></main></body></html>
        """
    }

    static func viewer(session: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Tandem</title><style>\(style)</style></head>
        <body><header><h1 id="title">Tandem session</h1><div id="status">connecting…</div></header>
        <main><div id="notice"></div><div id="turns"></div></main>
        <script>
        "use strict";
        const session = \(jsString(session));
        const turnsEl = document.getElementById("turns"), statusEl = document.getElementById("status");
        const noticeEl = document.getElementById("notice"), titleEl = document.getElementById("title");
        let lastEseq = 0, stopped = false, nextId = 1, backoff = 1000;
        function notice(text) { noticeEl.className = "notice"; noticeEl.textContent = text; }
        function render(t) {
          let el = document.getElementById("turn-" + t.seq);
          if (!el) { el = document.createElement("div"); el.id = "turn-" + t.seq; el.className = "turn"; turnsEl.appendChild(el); }
          el.textContent = "";
          const meta = document.createElement("div"); meta.className = "meta";
          meta.textContent = "#" + t.seq + " · " + t.author + " · " + t.role + " · " + new Date(t.created).toLocaleString();
          const content = document.createElement("div"); content.className = "content"; content.textContent = t.content;
          el.appendChild(meta); el.appendChild(content);
          if (t.undone) el.classList.add("undone");
          window.scrollTo(0, document.body.scrollHeight);
        }
        function connect() {
          const ws = new WebSocket(location.href.replace(/^http/, "ws"), "tandem.v1");
          ws.onopen = () => {
            statusEl.textContent = "live";
            backoff = 1000;
            const join = lastEseq > 0 ? {since: lastEseq} : {last: 200};
            ws.send(JSON.stringify(Object.assign({id: nextId++, op: "session.join", session}, join)));
          };
          ws.onmessage = (m) => {
            const msg = JSON.parse(m.data);
            if (msg.ok === true && msg.result && msg.result.session) {
              titleEl.textContent = msg.result.session.title || session;
              document.title = "Tandem: " + titleEl.textContent;
              lastEseq = msg.result.head_eseq;
              (msg.result.turns || []).forEach(render);
              return;
            }
            if (msg.ok === false) { notice(msg.error.message); return; }
            if (msg.eseq) lastEseq = Math.max(lastEseq, msg.eseq);
            if (msg.event === "turn") render(msg);
            else if (msg.event === "turn.undone") { const el = document.getElementById("turn-" + msg.seq); if (el) el.classList.add("undone"); }
            else if (msg.event === "session" && msg.info) {
              titleEl.textContent = msg.info.title || session;
              if (msg.change === "cleared" || msg.change === "restored") { turnsEl.textContent = ""; lastEseq = 0; ws.close(); }
            }
            else if (msg.event === "share.expired") { stopped = true; notice("This share link has expired."); }
          };
          ws.onclose = (e) => {
            if (e.code === 4410) { stopped = true; notice("This share link has expired."); }
            else if (e.code === 4403 || e.code === 4401) { stopped = true; notice("This share link was revoked."); }
            statusEl.textContent = stopped ? "disconnected" : "reconnecting…";
            if (!stopped) { setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 30000); }
          };
        }
        connect();
        </script></body></html>
        """
    }

    /// A JavaScript string literal (JSON encoding, with `<` escaped so `</script>` cannot appear).
    static func jsString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
