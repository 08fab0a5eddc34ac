import Foundation

/// The viewer's HTML. No build step, no CDN: one page with inline CSS (ViewerStyle) and JS
/// (ViewerScript). Turn content is only ever inserted as text (`textContent`), never as HTML;
/// what the server itself puts into the page is escaped here.
enum ViewerPage {
    static func escape(_ s: String) -> String {
        s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }

    private static func head(title: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <meta name="robots" content="noindex"><link rel="icon" href="data:,">
        <title>\(escape(title))</title><style>\(ViewerStyle.css)</style></head>
        """
    }

    /// A page that only says something: the link expired, was revoked, or is not available.
    static func notice(title: String, text: String) -> String {
        head(title: title + " · Tandem") + """
        <body><header><div class="bar"><h1>\(escape(title))</h1><span class="tag">Tandem</span></div></header>
        <main><p class="notice" id="notice">\(escape(text))</p></main></body></html>
        """
    }

    /// The live, read-only view of one session; `nonce` matches the response's CSP.
    /// For screen readers: landmarks (header, main, footer), the title as h1, a "Turns" h2 and an h3
    /// per turn; the connection state is a polite `status` region, and new turns are told through a
    /// separate polite region (`announce`, rate-limited by the script) so the log itself is never re-read.
    /// The script keeps at most `maxTurns` turns on the page (`max-viewer-turns`).
    static func viewer(session: String, nonce: String, maxTurns: Int) -> String {
        head(title: "Tandem") + """
        <body><header><div class="bar"><h1 id="title" dir="auto">\(escape(session))</h1>
        <span class="tag" id="session-state"></span><span class="tag">read-only</span>
        <span role="status" aria-atomic="true"><span class="sr-only">Connection: </span><span id="status" data-state="waiting">connecting…</span></span></div></header>
        <main><p class="notice" id="notice" role="status"></p>
        <h2 class="sr-only" id="turns-heading">Turns</h2>
        <p id="older" hidden>Earlier turns are not shown. <button id="older-load" type="button">Show earlier turns</button></p>
        <section id="turns" aria-labelledby="turns-heading"></section><button id="newer" type="button" hidden></button>
        <p id="empty" hidden>No turns yet. New turns appear here as members post them.</p>
        <div id="announce" class="sr-only" aria-live="polite" aria-atomic="true"></div></main>
        <footer>Shared with a Tandem link: you see the session as it happens, read-only.</footer>
        <script nonce="\(escape(nonce))">
        \(ViewerScript.source(sessionLiteral: jsString(session), maxTurns: maxTurns))
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
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
