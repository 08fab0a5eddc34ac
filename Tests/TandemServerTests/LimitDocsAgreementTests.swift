import Foundation
import TandemProtocol
import Testing
@testable import TandemServer

/// The limits are documented twice, for two readers: deploy/README.md's table of settings (the
/// operator) and docs/protocol.md's Limits table (the client's author). Both must say what the code
/// does: each row's default is the setting's default, and a limit both tables list answers the same
/// error codes, close codes and HTTP statuses in each. A default changed in the code alone, a setting
/// added without its row, or a row naming a setting that is gone fails here.
@Suite struct LimitDocsAgreementTests {
    /// Rows of protocol.md's table named by their wire name rather than the setting's.
    static let wireNames = [
        "`max_message_bytes`": "max-message", "`max_turn_content_bytes`": "max-turn",
        "`connections_per_user`": "max-connections-per-user", "`sessions_per_connection`": "max-sessions-per-connection",
        "`max_page_bytes`": "max-page-bytes", "outbound queue per connection": "outbound-queue", "`idle_timeout`": "idle-timeout",
    ]
    /// Numeric settings that bound nothing a client or operator meets as a limit.
    static let notLimits: Set = ["port"]

    @Test("every row of deploy/README.md's settings table names a setting and gives its default; every numeric setting has a row")
    func readmeTableMatchesTheDefaults() throws {
        let rows = try Self.readmeRows()
        for (key, row) in rows {
            let setting = try #require(ServerSetting.named(key), "deploy/README.md names \(key), which is no setting")
            #expect(Self.sameDefault(row.defaultText, setting), "deploy/README.md: \(key) = \(row.defaultText), the code: \(Self.defaultText(key))")
        }
        for setting in ServerSetting.all where setting.bounds != nil && !Self.notLimits.contains(setting.key) {
            #expect(rows[setting.key] != nil, "\(setting.key) has no row in deploy/README.md's settings table")
        }
    }

    @Test("docs/protocol.md's limits that are settings give their default, and the same codes as deploy/README.md")
    func protocolTableMatchesTheDefaultsAndTheReadme() throws {
        let readme = try Self.readmeRows()
        let doc = try Self.document("docs/protocol.md")
        var checked = 0
        for cells in Self.table(doc, header: "| Limit | Default | Exceeded |") {
            // A setting's name: lower case words joined by dashes (not a header such as `X-Forwarded-For`).
            var keys = Self.backticked(cells[0]).filter { $0.contains("-") && $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } }
            keys += Self.wireNames.filter { cells[0].hasPrefix($0.key) }.map(\.value)
            for key in keys {
                let setting = try #require(ServerSetting.named(key), "docs/protocol.md names \(key), which is no setting")
                let operatorRow = try #require(readme[key], "\(key) is in docs/protocol.md's limits but not in deploy/README.md's table")
                #expect(Self.sameDefault(cells[1], setting), "docs/protocol.md: \(key) = \(cells[1]), the code: \(Self.defaultText(key))")
                #expect(Self.answers(cells[2]) == Self.answers(operatorRow.exceeded),
                        "\(key): docs/protocol.md answers \(Self.answers(cells[2]).sorted()), deploy/README.md \(Self.answers(operatorRow.exceeded).sorted())")
                checked += 1
            }
        }
        #expect(checked >= 20, "only \(checked) limits found in docs/protocol.md's table: has its layout changed?")
    }

    /// What the parser makes of the texts the tables use.
    @Test func defaultTextsAreReadAsTheTablesWriteThem() {
        #expect(Self.number("1 MiB") == 1_048_576 && Self.number("256 KiB") == 262_144 && Self.number("10,000") == 10_000)
        #expect(Self.number("3,600 s") == 3_600 && Self.number("1 ms") == 1 && Self.number("1,000, the first by path") == 1_000)
        #expect(Self.number("one per core") == nil)
        #expect(Self.answers("close 1009 (or `too_large` when already read); HTTP 429, `more`") == ["close 1009", "too_large", "HTTP 429"])
    }

    // MARK: reading the tables

    struct ReadmeRow { var defaultText: String; var exceeded: String }

    /// deploy/README.md's settings table by setting key (`rate` / `burst` share a row: "200/s, 400").
    static func readmeRows() throws -> [String: ReadmeRow] {
        var rows: [String: ReadmeRow] = [:]
        for cells in table(try document("deploy/README.md"), header: "| setting | default | what it bounds | when exceeded |") {
            let keys = backticked(cells[0])
            let defaults = keys.count > 1 ? cells[1].components(separatedBy: ", ") : [cells[1]]
            for (i, key) in keys.enumerated() {
                rows[key] = ReadmeRow(defaultText: i < defaults.count ? defaults[i] : cells[1], exceeded: cells[3])
            }
        }
        return rows
    }

    static func document(_ path: String) throws -> String {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: repo.appendingPathComponent(path), encoding: .utf8)
    }

    /// The cells of each row of the table whose header line is `header`.
    static func table(_ text: String, header: String) -> [[String]] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: header) else { return [] }
        return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { line in
            line.dropFirst(2).dropLast(2).components(separatedBy: " | ").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The error codes (in backticks), close codes ("close 4408") and HTTP statuses ("HTTP 429") a cell names.
    static func answers(_ cell: String) -> Set<String> {
        var found = Set(backticked(cell).filter { ErrorCode(rawValue: $0) != nil })
        for prefix in ["close ", "HTTP "] {
            var rest = Substring(cell)
            while let range = rest.range(of: prefix) {
                let digits = rest[range.upperBound...].prefix { $0.isNumber }
                if digits.count >= 3 { found.insert(prefix + digits) }
                rest = rest[range.upperBound...]
            }
        }
        return found
    }

    /// The number a default cell starts with: "1,000" 1000, "256 KiB" 262144, "120 s" 120 (times in
    /// the setting's own unit); nil when it starts with none.
    static func number(_ text: String) -> Double? {
        var digits = ""
        var rest = Substring(text)
        while let c = rest.first {
            let group = rest.dropFirst().prefix(3)
            if c.isNumber || c == "." {
                digits.append(c)
            } else if !(c == "," && !digits.isEmpty && group.count == 3 && group.allSatisfy(\.isNumber)) {
                break // a comma that separates thousands is skipped; any other ends the number
            }
            rest = rest.dropFirst()
        }
        guard let n = Double(digits) else { return nil }
        let unit = rest.trimmingCharacters(in: .whitespaces)
        let scales: [(String, Double)] = [("KiB", 1_024), ("MiB", 1_048_576), ("GiB", 1_073_741_824)]
        for (suffix, scale) in scales where unit.hasPrefix(suffix) { return n * scale }
        return n
    }

    static func defaultText(_ key: String) -> String { ConfigFileTemplate.currentValue(key, ServerConfiguration()) ?? "(unset)" }

    /// Whether a table's default text says the setting's default.
    static func sameDefault(_ text: String, _ setting: ServerSetting) -> Bool {
        let code = defaultText(setting.key)
        if setting.key == "loops" && text == "one per core" { return code == "0" }
        guard setting.bounds != nil else { return text == code }
        return number(text) != nil && number(text) == Double(code)
    }
}
