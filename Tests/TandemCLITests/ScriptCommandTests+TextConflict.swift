import Foundation
import Testing
import TandemJSON

/// `tandem set` refused by a text conflict shows the lines that conflicted between git-style markers,
/// with a little of the text around them, not the three whole texts.
extension TandemCLIScriptTests {
    @Test func aTextConflictShowsOnlyTheConflictingLines() throws {
        let f = try CLIFixture()
        defer { f.shutdown() }
        let doc = (1...20).map { "line \($0)\n" }.joined()
        func json(_ text: String) -> String { JSONValue.string(text).serialized() }
        #expect(try f.run(["set", "s1", "doc", json(doc)]).stdout == "applied doc v1\n")
        // Bob changes the first line (merges) and line 10 into two lines; alice, on v1, line 10 her way
        // and line 20 (merges).
        let theirs = doc.replacing("line 1\n", with: "Line one\n").replacing("line 10\n", with: "line ten\nline 10b\n")
        #expect(try f.run(["set", "s1", "doc", json(theirs), "--base", "1"], as: "bob").stdout == "applied doc v2\n")
        let yours = doc.replacing("line 10\n", with: "LINE 10\n").replacing("line 20\n", with: "line twenty\n")
        let clash = try f.run(["set", "s1", "doc", json(yours), "--base", "1"])
        #expect(clash.status == 3 && clash.stdout.isEmpty)
        #expect(clash.stderr.hasPrefix("""
            tandem: conflict: doc changed since v1 (now v2 by bob); nothing written
              path (whole value), 1 region in conflict:
                @@ base line 10, theirs lines 10-11, yours line 10 @@
                line 8
                line 9
                <<<<<<< theirs (current)
                line ten
                line 10b
                ||||||| base
                line 10
                =======
                LINE 10
                >>>>>>> yours
                line 11
                line 12
            tandem: 
            """), "\(clash.stderr)")
        // Nothing of the text away from the conflict in the report (the value to write, after it, is whole).
        let report = clash.stderr.components(separatedBy: "tandem: yours at the conflicting paths")[0]
        #expect(!report.contains("line 5") && !report.contains("line 20") && !report.contains("theirs: "), "\(report)")
        // The value offered: the text merged line by line, alice's lines where they conflict, and
        // bob's first line kept (her whole text would have undone it).
        let ours = theirs.replacing("line ten\nline 10b\n", with: "LINE 10\n").replacing("line 20\n", with: "line twenty\n")
        #expect(clash.stderr.hasSuffix("tandem: yours at the conflicting paths, merged with the rest of theirs: \(json(ours))\n"
                                       + "tandem: to write that, pass it as the value with --base 2\n"), "\(clash.stderr)")
    }
}
