/// The viewer's CSS, shared by the live page and the notice pages (link expired, revoked, unknown).
enum ViewerStyle {
    static let css = """
        *{box-sizing:border-box}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f4f1;color:#1f2328}
        header{position:sticky;top:0;z-index:1;background:#20303c;color:#fff;padding:10px 20px;box-shadow:0 1px 3px #0003}
        .bar{max-width:860px;margin:0 auto;display:flex;align-items:baseline;gap:12px;flex-wrap:wrap}
        h1{font-size:18px;margin:0;flex:1 1 auto;overflow-wrap:anywhere}
        .tag{font-size:12px;border:1px solid #fff6;border-radius:10px;padding:1px 8px;white-space:nowrap}
        #status[data-state=live]::before{content:"● ";color:#5fd38d}
        #status[data-state=waiting]::before{content:"● ";color:#f0c05a}
        #status[data-state=stopped]::before{content:"● ";color:#ef7b7b}
        #session-state:empty{display:none}
        main{max-width:860px;margin:0 auto;padding:12px 20px 40px}
        .turn{background:#fff;border-radius:6px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 2px #0002}
        .turn.role-assistant{border-left:3px solid #5b8def}.turn.role-tool{border-left:3px solid #9a7bd6}
        .turn.role-system{border-left:3px solid #999;background:#fafafa}
        .meta{font-size:12px;color:#5c6670;display:flex;gap:8px;flex-wrap:wrap}
        .author{font-weight:600;color:#1f2328}.seq{color:#8a949e}
        .content{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:4px}
        .content pre{margin:4px 0;padding:8px 10px;background:#f4f4f1;border-radius:4px;overflow-x:auto;white-space:pre;font:13px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
        .notice{background:#fff3cd;border:1px solid #f0d98c;padding:12px 16px;border-radius:6px;margin:8px 0}
        .notice:empty{display:none}
        #empty,#older{color:#5c6670;font-style:italic;text-align:center;margin:32px 0}#older{margin:8px 0;font-size:13px}
        footer{font-size:12px;color:#8a949e;text-align:center;padding:8px}
        #older button{font:inherit;font-style:normal;margin-left:6px;padding:4px 12px;border:1px solid #b8c0c8;border-radius:14px;background:#fff;color:#20303c;cursor:pointer}
        #older button:disabled{opacity:.6;cursor:progress}
        #newer{position:fixed;bottom:18px;left:50%;transform:translateX(-50%);z-index:2;font:13px system-ui,sans-serif;padding:6px 14px;border:0;border-radius:16px;background:#20303c;color:#fff;box-shadow:0 2px 6px #0004;cursor:pointer}
        #newer[hidden]{display:none}
        """
}
