import Foundation
import Testing
import TandemJSON
import TandemStore

/// Titles, metadata, display names and token labels are written by users over the wire or come
/// from imported documents: printed raw, an escape sequence in them would act on the operator's
/// terminal (clear it, retitle the window, fake lines). Tables and `sessions show` escape them.
@Suite struct UntrustedTextTests {
    /// ESC ] 0 ; … BEL retitles the window; ESC [ 2 J clears the screen; U+009B is a CSI to many terminals.
    static let hostile = "ok\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{202E}"

    @Test func tablesAndShowPrintControlCharactersAsVisibleEscapes() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seed { store in
            _ = try store.createUser(id: "alice", displayName: "Alice" + Self.hostile)
            _ = try store.createToken(userID: "alice", label: "laptop" + Self.hostile)
            _ = try store.createSession(id: "s1", title: "Plan" + Self.hostile, owner: "alice",
                                        metadata: ["note": .string(Self.hostile)])
        }
        let outputs = [
            try f.run(["sessions", "list"]), try f.run(["sessions", "show", "s1"]), try f.run(["users", "list"]),
            try f.run(["tokens", "list"]), try f.run(["audit"]),
        ]
        for result in outputs {
            expectStatus(result, 0)
            let scalars = result.stdout.unicodeScalars
            #expect(!scalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x202E },
                    "raw control characters reach the terminal: \(result.stdout.debugDescription)")
        }
        // Visible instead: the operator sees that something odd is in the title.
        #expect(outputs[0].stdout.contains(#"Planok^[]0;owned^G^[[2J\u{9B}31m\u{202E}"#),
                "\(outputs[0].stdout.debugDescription)")
        #expect(outputs[2].stdout.contains("Aliceok^[]0;owned"))
        #expect(outputs[3].stdout.contains("laptopok^[]0;owned"))

        // --json stays exact: the serializer escapes C0, and a script wants the real value.
        let json = try f.run(["sessions", "show", "s1", "--json"]).json()
        #expect(json["title"]?.stringValue == "Plan" + Self.hostile)
    }
}
