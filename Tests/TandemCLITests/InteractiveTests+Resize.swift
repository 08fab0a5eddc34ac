import Foundation
import Testing

/// Resizing the terminal redraws the prompt line for the new width at once (SIGWINCH), without
/// waiting for a key: the draft's visible part fits and ends at the cursor.
extension TandemCLIInteractiveTests {
    @Test(.enabled(if: Tmux.available, "needs tmux (apt-get install tmux)"))
    func aResizeRedrawsThePromptForTheNewWidth() throws {
        let f = try CLIFixture()
        let t = Tmux()
        defer {
            t.killServer()
            f.shutdown()
        }
        try openView(t, f, "alice", as: "owner")
        let draft = (1...10).map { "word\($0)" }.joined(separator: " ") + " 設計レビューの下書き end"
        try t.tmux(["send-keys", "-t", "alice", "-l", draft])
        try t.waitFor("alice") { $0.split(separator: "\n").last?.hasSuffix("end") == true }
        // Within 39 columns (the CJK characters are two each): the terminal never wraps it.
        let columns = { (line: Substring) in line.reduce(0) { $0 + ($1.unicodeScalars.first!.value >= 0x3000 ? 2 : 1) } }
        try t.tmux(["resize-window", "-t", "alice", "-x", "40", "-y", "30"])
        // The redraw, not the screen from before the resize (which a capture right after the
        // resize can still show): a prompt line that ends at the cursor and fits the new width.
        let screen = try t.waitFor("alice") { s in
            guard let last = s.split(separator: "\n").last else { return false }
            return last.hasPrefix("s1> ") && last.hasSuffix("end") && columns(last) <= 39
        }
        let last = screen.split(separator: "\n").last ?? ""
        #expect(last.hasPrefix("s1> ") && last.hasSuffix("end"), "\(screen)")
        #expect(columns(last) <= 39, "\(last) is \(columns(last)) columns")
        // The draft is whole underneath: Enter posts all of it.
        try t.tmux(["send-keys", "-t", "alice", "Enter"])
        try t.waitFor("alice", contains: "#1")
        #expect(try f.run(["history", "s1", "--json"]).stdout.contains(draft))
    }
}
