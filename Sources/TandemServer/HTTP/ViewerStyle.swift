/// The viewer's CSS, shared by the live page and the notice pages (link expired, revoked, unknown).
/// Colours are variables so `prefers-color-scheme: dark` swaps them in one place; every text colour
/// meets WCAG AA contrast (4.5:1) on its background in both schemes (Tests/browser checks it with
/// axe-core). Nothing animates, so there is nothing for `prefers-reduced-motion` to turn off. On a
/// small screen the header scrolls away: kept on top it would take a quarter of a phone's screen
/// (a long title wraps) and could hide the focused turn.
enum ViewerStyle {
    static let css = """
        :root{color-scheme:light dark;--bg:#f4f4f1;--fg:#1f2328;--card:#fff;--muted:#56606a;--head:#20303c;--code:#f0f0ec;
        --note-bg:#fff3cd;--note-line:#c9a93a;--btn-line:#8c96a0;--focus:#0b5cad;--pill:#20303c;--sys:#f7f7f5}
        @media (prefers-color-scheme:dark){:root{--bg:#121619;--fg:#e4e7ea;--card:#1d2329;--muted:#a4aeb8;--head:#0c1a24;
        --code:#121619;--note-bg:#3a3116;--note-line:#8a7430;--btn-line:#6d7884;--focus:#8cbcff;--pill:#2e4d6b;--sys:#191e23}}
        *{box-sizing:border-box}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:var(--bg);color:var(--fg)}
        header{position:sticky;top:0;z-index:1;background:var(--head);color:#fff;padding:10px 20px;box-shadow:0 1px 3px #0003}
        .bar{max-width:860px;margin:0 auto;display:flex;align-items:baseline;gap:6px 12px;flex-wrap:wrap}
        h1{font-size:18px;margin:0;flex:1 1 auto;min-width:0;overflow-wrap:anywhere}
        .tag{font-size:12px;border:1px solid #fff9;border-radius:10px;padding:1px 8px;white-space:nowrap}
        .sr-only{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip-path:inset(50%);white-space:nowrap;border:0}
        #status::before{content:"";display:inline-block;width:.6em;height:.6em;border-radius:50%;margin-right:.4em;background:#f0c05a}
        #status[data-state=live]::before{background:#5fd38d}
        #status[data-state=stopped]::before{background:#ef7b7b}
        #session-state:empty{display:none}
        main{max-width:860px;margin:0 auto;padding:12px 20px 56px}
        .turn{background:var(--card);border-radius:6px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 2px #0002;scroll-margin:64px 0}
        .turn.role-assistant{border-left:3px solid #5b8def}.turn.role-tool{border-left:3px solid #9a7bd6}
        .turn.role-system{border-left:3px solid #999;background:var(--sys)}
        .meta{font-size:12px;font-weight:normal;margin:0;color:var(--muted);display:flex;gap:8px;flex-wrap:wrap}
        .author{font-weight:600;color:var(--fg);overflow-wrap:anywhere}
        .content{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:4px}
        .content pre{margin:4px 0;padding:8px 10px;background:var(--code);border-radius:4px;overflow-x:auto;white-space:pre;font:13px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
        .notice{background:var(--note-bg);border:1px solid var(--note-line);padding:12px 16px;border-radius:6px;margin:8px 0}
        .notice:empty{display:none}
        #empty,#older{color:var(--muted);font-style:italic;text-align:center;margin:32px 0}#older{margin:8px 0;font-size:13px}
        footer{font-size:12px;color:var(--muted);text-align:center;padding:8px}
        button{font:inherit;cursor:pointer;min-height:32px}
        #older button{font-style:normal;margin-left:6px;padding:4px 12px;border:1px solid var(--btn-line);border-radius:16px;background:var(--card);color:var(--fg)}
        #older button[aria-disabled=true]{cursor:progress}
        #newer{position:fixed;bottom:18px;left:50%;transform:translateX(-50%);z-index:2;font-size:14px;padding:6px 16px;border:1px solid #fff6;border-radius:16px;background:var(--pill);color:#fff;box-shadow:0 2px 6px #0004}
        #newer[hidden]{display:none}
        :focus-visible{outline:3px solid var(--focus);outline-offset:2px}
        #newer:focus-visible{outline-color:var(--fg)}
        .turn:focus{outline:3px solid var(--focus);outline-offset:2px}
        @media (max-width:480px){body{font-size:16px}header{padding:8px 12px}main{padding:8px 10px 64px}.turn{padding:10px}
        .meta,.tag,footer{font-size:13px}}
        @media (max-width:480px),(max-height:480px){header{position:static}}
        """
}
