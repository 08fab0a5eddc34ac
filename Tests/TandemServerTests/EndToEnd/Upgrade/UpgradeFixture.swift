import Foundation
import TandemJSON
import TandemStore

/// A database an older tandemd wrote through the wire (Tests/fixtures/upgrade/NAME.db, its search file
/// and, for the one killed mid-traffic, their WALs) and the facts its driver recorded beside it
/// (NAME.facts.json, see Tests/fixtures/upgrade/README.md). Tests never open the committed files: each
/// takes a copy in a directory of its own.
struct UpgradeFixture: Sendable, CustomStringConvertible {
    let name: String

    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/upgrade")
    }

    /// Every committed fixture (one `.facts.json` each), by name.
    static var all: [UpgradeFixture] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".facts.json") }.sorted()
            .map { UpgradeFixture(name: String($0.dropLast(".facts.json".count))) }
    }

    var description: String { name }

    func facts() throws -> JSONValue {
        let url = Self.directory.appendingPathComponent("\(name).facts.json")
        return try JSONValue(parsing: String(contentsOf: url, encoding: .utf8))
    }

    /// Copies NAME.db and every file beside it named NAME.db-* into `directory` as tandem.db,
    /// tandem.db-*; returns the database's path.
    func copy(into directory: URL) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        let ours = files.filter { $0 == "\(name).db" || $0.hasPrefix("\(name).db-") }
        guard ours.contains("\(name).db") else { throw TestFailure("no fixture \(name).db in \(Self.directory.path)") }
        for file in ours {
            let target = directory.appendingPathComponent("tandem" + file.dropFirst(name.count))
            try FileManager.default.copyItem(at: Self.directory.appendingPathComponent(file), to: target)
        }
        return directory.appendingPathComponent("tandem.db").path
    }
}

/// One row of `schema_migrations`.
struct MigrationRecord: Equatable, Sendable, CustomStringConvertible {
    var version: Int64
    var name: String
    var appliedAt: Int64
    var description: String { "\(version) \(name) @\(appliedAt)" }
}

/// What the database file says about its schema, read on a read-only connection of our own (no
/// server running): the migration records and SQLite's schema cookie, which any DDL moves.
struct SchemaState: Equatable, Sendable {
    var migrations: [MigrationRecord]
    var schemaCookie: Int64

    static func read(_ path: String) throws -> SchemaState {
        let db = try Database(path: path, readOnly: true)
        let migrations = try db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version") {
            MigrationRecord(version: $0.int(0), name: $0.text(1), appliedAt: $0.int(2))
        }
        let cookie = try db.scalar("PRAGMA schema_version") ?? -1
        return SchemaState(migrations: migrations, schemaCookie: cookie)
    }

    /// Branch merges under way (their job rows, which hold both sessions).
    static func mergeJobs(_ path: String) throws -> Int64 {
        try Database(path: path, readOnly: true).scalar("SELECT count(*) FROM branch_merges") ?? -1
    }

    /// `PRAGMA integrity_check`'s answer for the file at `path` (`ok` when sound).
    static func integrity(_ path: String) throws -> [String] {
        try Database(path: path, readOnly: true).query("PRAGMA integrity_check") { $0.text(0) }
    }

    /// Sessions hidden while their rows are removed (status `deleting`) or written (`importing`).
    static func hiddenSessions(_ path: String) throws -> Int64 {
        try Database(path: path, readOnly: true).scalar("SELECT count(*) FROM sessions WHERE status IN ('deleting', 'importing')") ?? -1
    }
}

/// Compares what a fact recorded with what today's server answers. Records (sessions, turns, rows, ...)
/// are compared key by key for the keys the fact has: fields a later protocol added are not a change.
/// A fact's "<absent>" stands for an optional field the old server left out, which must still be absent.
/// Values (`value`, `metadata`, `tokens`, `parent`) must be equal whole.
enum FactDiff {
    static let absent = JSONValue.string("<absent>")
    static let wholeValues: Set<String> = ["value", "metadata", "tokens", "parent"]

    static func differences(_ expected: JSONValue, _ actual: JSONValue?, at path: String) -> [String] {
        let actual = actual ?? absent
        switch (expected, actual) {
        case (.object(let want), .object(let have)):
            return want.keys.sorted().flatMap { key -> [String] in
                let here = "\(path).\(key)"
                if wholeValues.contains(key) {
                    let now = have[key] ?? absent
                    return want[key]! == now ? [] : ["\(here): was \(short(want[key]!)), now \(short(now))"]
                }
                return differences(want[key]!, have[key], at: here)
            }
        case (.array(let want), .array(let have)):
            guard want.count == have.count else {
                return ["\(path): \(want.count) items before the upgrade, \(have.count) after: \(short(actual))"]
            }
            return zip(want, have).enumerated().flatMap { differences($1.0, $1.1, at: "\(path)[\($0)]") }
        default:
            return expected == actual ? [] : ["\(path): was \(short(expected)), now \(short(actual))"]
        }
    }

    private static func short(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

/// Today's `tandem-admin` (`$TANDEM_ADMIN_BINARY`, or the one built beside tandemd), run to its end on
/// a fixture copy.
enum UpgradeAdmin {
    /// (exit status, stdout, stderr) of `tandem-admin arguments`.
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let binary = try ProcessInfo.processInfo.environment["TANDEM_ADMIN_BINARY"]
            ?? URL(fileURLWithPath: TandemdProcess.binary()).deletingLastPathComponent().appendingPathComponent("tandem-admin").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let (output, errors) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Its answers are a few lines: reading one pipe to its end before the other cannot fill either.
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }
}
