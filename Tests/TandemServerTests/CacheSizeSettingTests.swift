import Testing
@testable import TandemServer

@Suite struct CacheSizeSettingTests {
    @Test func cacheSizeIsASettingWithBytesUnitsAndBounds() throws {
        var c = ServerConfiguration()
        #expect(c.cacheBytes == 64 << 20)
        try ConfigurationLoader.apply(configFileText: "cache-size = 2m\n", source: "tandem.conf", to: &c)
        #expect(c.cacheBytes == 2 << 20)
        try ConfigurationLoader.apply(environment: ["TANDEM_CACHE_SIZE": "512k"], to: &c)
        #expect(c.cacheBytes == 512 << 10)
        #expect(throws: (any Error).self) { try ConfigurationLoader.apply(configFileText: "cache-size = 1k\n", source: "x", to: &c) }
    }
}
