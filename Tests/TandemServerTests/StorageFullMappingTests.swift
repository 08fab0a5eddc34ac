import Testing
import TandemProtocol
import TandemStore
@testable import TandemServer

/// The disk-full drill (Tests/drills/disk-full) sees this over the wire; here the mapping itself.
@Suite struct StorageFullMappingTests {
    @Test func sqliteFullIsUnavailableAndSaysStorageIsFull() throws {
        let full = StoreError(.sqlite, "database or disk is full", sqliteCode: 13)
        #expect(ErrorMapping.code(for: full) == .unavailable)
        let response = ErrorMapping.response(id: .int(7), for: full, reference: 1)
        let text = String(decoding: response.encode(), as: UTF8.self)
        #expect(text.contains("\"code\":\"unavailable\"") && text.contains("storage is full"), "\(text)")
        // Any other SQLite failure is a server bug: internal, details only in the log.
        let other = StoreError(.sqlite, "disk I/O error", sqliteCode: 10)
        #expect(ErrorMapping.code(for: other) == .internal)
    }
}
