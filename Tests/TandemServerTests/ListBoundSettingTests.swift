import TandemProtocol
import Testing
@testable import TandemServer

/// The bounds that were fixed constants until session 35 (`max-conflict-lines`, `max-viewer-turns`,
/// `max-import`) or 36 (`max-merge-listed`)
/// are read like every other setting, reach what enforces them, and refuse a value out of range
/// with the setting and the range named (tandemd prints that error and does not start).
@Suite struct ListBoundSettingTests {
    @Test func maxConflictLinesIsASettingThatReachesTheStore() throws {
        var c = ServerConfiguration()
        #expect(c.maxConflictLines == 1_000 && c.storeConfiguration.maxConflictLines == 1_000)
        try ConfigurationLoader.apply(configFileText: "max-conflict-lines = 25\n", source: "tandem.conf", to: &c)
        #expect(c.storeConfiguration.maxConflictLines == 25)
        try ConfigurationLoader.apply(environment: ["TANDEM_MAX_CONFLICT_LINES": "0"], to: &c)
        #expect(c.storeConfiguration.maxConflictLines == 0)
        #expect(throws: ConfigurationError(source: "tandem.conf:2", setting: "max-conflict-lines", message: "100001 is outside 0...100000")) {
            try ConfigurationLoader.apply(configFileText: "port = 1\nmax-conflict-lines = 100001\n", source: "tandem.conf", to: &c)
        }
        #expect(throws: ConfigurationError(source: "--max-conflict-lines", setting: "max-conflict-lines", message: "expected a whole number, got 'many'")) {
            try ConfigurationLoader.set("max-conflict-lines", "many", source: "--max-conflict-lines", on: &c)
        }
        #expect(ConfigFileTemplate.render(c).contains("\nmax-conflict-lines = 0\n"))
    }

    /// One setting bounds both lists of a `branch.merge` answer (it lists one or the other).
    @Test func maxMergeListedIsOneSettingForBothListsOfAMergeAnswer() throws {
        var c = ServerConfiguration()
        #expect(c.maxMergeListed == 1_000)
        #expect(c.storeConfiguration.maxMergeRowsReported == 1_000 && c.storeConfiguration.maxMergeConflictsReported == 1_000)
        try ConfigurationLoader.apply(configFileText: "max-merge-listed = 40\n", source: "tandem.conf", to: &c)
        #expect(c.storeConfiguration.maxMergeRowsReported == 40 && c.storeConfiguration.maxMergeConflictsReported == 40)
        try ConfigurationLoader.apply(environment: ["TANDEM_MAX_MERGE_LISTED": "7"], to: &c)
        #expect(c.storeConfiguration.maxMergeRowsReported == 7 && c.storeConfiguration.maxMergeConflictsReported == 7)
        try ConfigurationLoader.set("max-merge-listed", "10000", source: "--max-merge-listed", on: &c)
        #expect(c.storeConfiguration.maxMergeRowsReported == 10_000 && c.storeConfiguration.maxMergeConflictsReported == 10_000)
        // A refused merge must name at least one row to resolve.
        #expect(throws: ConfigurationError(source: "--max-merge-listed", setting: "max-merge-listed", message: "0 is outside 1...10000")) {
            try ConfigurationLoader.set("max-merge-listed", "0", source: "--max-merge-listed", on: &c)
        }
        #expect(throws: ConfigurationError(source: "tandem.conf:2", setting: "max-merge-listed", message: "10001 is outside 1...10000")) {
            try ConfigurationLoader.apply(configFileText: "port = 1\nmax-merge-listed = 10001\n", source: "tandem.conf", to: &c)
        }
        #expect(throws: ConfigurationError(source: "environment TANDEM_MAX_MERGE_LISTED", setting: "max-merge-listed", message: "expected a whole number, got 'all'")) {
            try ConfigurationLoader.apply(environment: ["TANDEM_MAX_MERGE_LISTED": "all"], to: &c)
        }
        #expect(ConfigFileTemplate.render(c).contains("\nmax-merge-listed = 10000\n"))
    }

    @Test func maxViewerTurnsIsASettingTheServedPageCarries() throws {
        var c = ServerConfiguration()
        #expect(c.maxViewerTurns == 1_000)
        try ConfigurationLoader.set("max-viewer-turns", "250", source: "--max-viewer-turns", on: &c)
        #expect(c.maxViewerTurns == 250)
        let page = ViewerPage.viewer(session: "s-1", nonce: "n", maxTurns: c.maxViewerTurns)
        #expect(page.contains("const session = \"s-1\";\nconst KEEP = 250;\n"))
        #expect(!page.contains("const KEEP = 1000"))
        // The page loads 200 turns at a time (a join's `last`, "Show earlier turns"): it keeps at least that many.
        #expect(throws: ConfigurationError(source: "environment TANDEM_MAX_VIEWER_TURNS", setting: "max-viewer-turns", message: "199 is outside 200...100000")) {
            try ConfigurationLoader.apply(environment: ["TANDEM_MAX_VIEWER_TURNS": "199"], to: &c)
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("max-viewer-turns", "100001", source: "x", on: &c) }
        #expect(ConfigFileTemplate.render(c).contains("\nmax-viewer-turns = 250\n"))
    }

    private static func refusal(_ decoded: Result<Request, ProtocolError>) -> ErrorCode? {
        if case .failure(let error) = decoded { error.code } else { nil }
    }

    /// A `session.import` of `bytes` bytes of document (decoded with `limits`, as the dispatcher does).
    private static func importRequest(documentBytes bytes: Int) -> [UInt8] {
        Array(#"{"id":1,"op":"session.import","document":{"pad":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: bytes - 10)
            + Array(#""}}"#.utf8)
    }

    @Test func maxImportIsASettingTheDecoderEnforces() throws {
        var c = ServerConfiguration()
        #expect(c.maxImportBytes == 1 << 20 && c.protocolLimits.maxImportBytes == 1 << 20)
        let request = Self.importRequest(documentBytes: 2 << 20)
        try ConfigurationLoader.set("max-message", "4m", source: "--max-message", on: &c)
        // The message fits; the document is past the default max-import.
        #expect(Self.refusal(Request.decode(request, limits: c.protocolLimits)) == .tooLarge)
        try ConfigurationLoader.apply(configFileText: "max-import = 3m\n", source: "tandem.conf", to: &c)
        try ConfigurationLoader.validate(c)
        #expect(c.protocolLimits.maxImportBytes == 3 << 20)
        #expect(Self.refusal(Request.decode(request, limits: c.protocolLimits)) == nil)
        // The request carrying the document is one message: past max-message it is too large whatever max-import says
        // (a server configured with a small max-message before max-import existed starts as it did).
        try ConfigurationLoader.set("max-message", "1m", source: "--max-message", on: &c)
        try ConfigurationLoader.validate(c)
        #expect(Self.refusal(Request.decode(request, limits: c.protocolLimits)) == .tooLarge)
        #expect(throws: ConfigurationError(source: "x", setting: "max-import", message: "68157440 bytes is outside 65536...67108864")) {
            try ConfigurationLoader.set("max-import", "65m", source: "x", on: &c)
        }
    }
}
