import Foundation
import Testing
@testable import TandemStore

/// `--cache-size`: the page cache each connection may hold is what the configuration says, for the
/// writer and for every pooled reader (memory use is bounded by (readers + 1) x this).
@Suite struct CacheSizeTests {
    @Test func everyConnectionGetsTheConfiguredPageCache() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        var configuration = StoreConfiguration(path: dir.dbPath)
        configuration.cacheBytes = 3 << 20
        let store = try Store(configuration)
        defer { store.close() }
        let readerCache = try store.read { db throws(StoreError) in try db.scalar("PRAGMA cache_size") }
        #expect(readerCache == -3072)
        let writerCache = try store.write { ctx throws(StoreError) in try ctx.db.scalar("PRAGMA cache_size") }
        #expect(writerCache == -3072)
        #expect(try Database(path: dir.dbPath).scalar("PRAGMA cache_size") == -65536, "the default stays 64 MiB")
    }
}
