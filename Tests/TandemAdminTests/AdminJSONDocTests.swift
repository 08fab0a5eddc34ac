import Foundation
import Testing
import TandemJSON
import TandemStore

/// docs/admin.md is the contract for `--json`: each `$ tandem-admin ...` example there runs against
/// the fixture, and its output has exactly the documented keys, at every level (the first element
/// of each array; `metadata` and `detail` are free-form).
@Suite struct AdminJSONDocTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/admin.md").path

    /// The (arguments, documented output) pairs of the doc's examples, in order.
    static func examples() throws -> [(args: [String], output: JSONValue)] {
        let lines = try String(contentsOfFile: doc, encoding: .utf8).split(separator: "\n").map(String.init)
        var examples: [(args: [String], output: JSONValue)] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("$ tandem-admin ") && i + 1 < lines.count {
            let args = line.dropFirst("$ tandem-admin ".count).split(separator: " ").map(String.init)
            examples.append((args, try JSONValue(parsing: lines[i + 1])))
        }
        return examples
    }

    /// Where `actual`'s keys differ from `documented`'s, as paths ("users[0].id: undocumented").
    static func differences(_ documented: JSONValue, _ actual: JSONValue, path: String = "") -> [String] {
        switch (documented, actual) {
        case (.object(let d), .object(let a)):
            var out = Set(a.keys).subtracting(d.keys).map { "\(path).\($0): undocumented" }
            out += Set(d.keys).subtracting(a.keys).map { "\(path).\($0): documented, not printed" }
            for key in Set(d.keys).intersection(a.keys) where key != "metadata" && key != "detail" {
                out += differences(d[key]!, a[key]!, path: path + "." + key)
            }
            return out
        case (.array(let d), .array(let a)):
            guard let first = d.first, let other = a.first else { return [] }
            return differences(first, other, path: path + "[0]")
        default:
            return []
        }
    }

    @Test func everyExampleRunsAndPrintsExactlyTheDocumentedKeys() throws {
        let f = AdminFixture()
        defer { f.cleanup() }
        try f.seedStandard()
        try f.seed { store in _ = try store.appendTurn(session: "s1", actor: "bob", NewTurn(role: .user, content: "hi")) }
        let examples = try Self.examples()
        #expect(examples.count >= 12, "examples found: \(examples.map(\.args))")
        var commands = Set<String>()
        for (args, documented) in examples {
            let result = try f.run(args)
            expectStatus(result, 0)
            let actual = try result.json()
            #expect(Self.differences(documented, actual).isEmpty, "\(args): \(Self.differences(documented, actual))")
            commands.insert(args.prefix { !$0.hasPrefix("-") && $0 != "s1" && $0 != "bob" && $0 != "Dave" }.joined(separator: " "))
        }
        // Every command that takes --json has its example.
        for command in ["users add", "users list", "tokens issue", "tokens list", "members", "share create", "share list",
                        "sessions list", "sessions show", "contributions", "purge", "audit"] {
            #expect(commands.contains(command), "docs/admin.md has no example of \(command) --json")
        }
    }
}
