import Testing
@testable import TandemServer

/// The quota settings (deploy/README.md, "Quotas") are read like every other setting.
@Suite struct QuotaSettingTests {
    @Test func quotasAreSettingsFromFileEnvironmentAndFlags() throws {
        var c = ServerConfiguration()
        #expect(c.maxSessionsPerUser == 10_000 && c.maxShareLinksPerSession == 1_000)
        #expect(c.maxCheckpointsPerSession == 1_000 && c.maxTemplatesPerUser == 1_000)
        try ConfigurationLoader.apply(configFileText: "max-sessions-per-user = 50_000\nmax-templates-per-user = 7\n", source: "tandem.conf", to: &c)
        try ConfigurationLoader.apply(environment: ["TANDEM_MAX_SHARE_LINKS_PER_SESSION": "20"], to: &c)
        try ConfigurationLoader.set("max-checkpoints-per-session", "30", source: "--max-checkpoints-per-session", on: &c)
        #expect(c.maxSessionsPerUser == 50_000 && c.maxTemplatesPerUser == 7)
        #expect(c.maxShareLinksPerSession == 20 && c.maxCheckpointsPerSession == 30)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.apply(environment: ["TANDEM_MAX_SESSIONS_PER_USER": "0"], to: &c) }
        #expect(ConfigFileTemplate.render(c).contains("\nmax-share-links-per-session = 20\n"))
    }

    @Test func perSessionCapsAreSettingsWithTheirDefaultsAndRanges() throws {
        var c = ServerConfiguration()
        #expect(c.maxRowsPerSession == 1_000_000 && c.maxCommentsPerSession == 1_000_000 && c.maxMembersPerSession == 10_000)
        try ConfigurationLoader.apply(configFileText: "max-rows-per-session = 2_000_000\n", source: "tandem.conf", to: &c)
        try ConfigurationLoader.apply(environment: ["TANDEM_MAX_COMMENTS_PER_SESSION": "500"], to: &c)
        try ConfigurationLoader.set("max-members-per-session", "40", source: "--max-members-per-session", on: &c)
        #expect(c.maxRowsPerSession == 2_000_000 && c.maxCommentsPerSession == 500 && c.maxMembersPerSession == 40)
        for key in ["max-rows-per-session", "max-comments-per-session", "max-members-per-session"] {
            #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set(key, "0", source: "--\(key)", on: &c) }
        }
        #expect(ConfigFileTemplate.render(c).contains("\nmax-members-per-session = 40\n"))
    }
}

/// The settings the store enforces reach it (`ServerConfiguration.storeConfiguration`).
@Suite struct StoreSettingTests {
    @Test func writeStepRecordsIsASettingThatReachesTheStore() throws {
        var c = ServerConfiguration()
        #expect(c.writeStepRecords == 500 && c.storeConfiguration.importStepRows == 500)
        try ConfigurationLoader.apply(environment: ["TANDEM_WRITE_STEP_RECORDS": "7"], to: &c)
        #expect(c.storeConfiguration.importStepRows == 7)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("write-step-records", "0", source: "--write-step-records", on: &c) }
        #expect(ConfigFileTemplate.render(c).contains("\nwrite-step-records = 7\n"))
    }

    @Test func searchPrefixIndexIsASettingThatReachesTheStore() throws {
        var c = ServerConfiguration()
        #expect(c.storeConfiguration.searchPrefixIndex == [1, 2, 3])
        try ConfigurationLoader.apply(configFileText: "search-prefix-index = 2, 4\n", source: "tandem.conf", to: &c)
        #expect(c.storeConfiguration.searchPrefixIndex == [2, 4])
        try ConfigurationLoader.set("search-prefix-index", "none", source: "--search-prefix-index", on: &c)
        #expect(c.storeConfiguration.searchPrefixIndex == [] && c.searchPrefixIndex == [])
        #expect(ConfigFileTemplate.render(c).contains("\nsearch-prefix-index = none\n"))
        // An empty value is none too, and either reads back from the printed file as the same configuration.
        var empty = ServerConfiguration()
        try ConfigurationLoader.apply(configFileText: "search-prefix-index = \"\"\n", source: "tandem.conf", to: &empty)
        var printed = ServerConfiguration()
        try ConfigurationLoader.apply(configFileText: ConfigFileTemplate.render(empty), source: "printed", to: &printed)
        #expect(empty == c && printed == empty)
        for bad in ["0", "9", "x"] {
            #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("search-prefix-index", bad, source: "--search-prefix-index", on: &c) }
        }
    }

    @Test func clockHoldIsASettingThatReachesTheStore() throws {
        var c = ServerConfiguration()
        #expect(c.clockHoldSeconds == 3_600 && c.storeConfiguration.maxClockHoldMilliseconds == 3_600_000)
        try ConfigurationLoader.apply(environment: ["TANDEM_CLOCK_HOLD": "7200.5"], to: &c)
        #expect(c.storeConfiguration.maxClockHoldMilliseconds == 7_200_500)
        try ConfigurationLoader.set("clock-hold", "0", source: "--clock-hold", on: &c)
        #expect(c.storeConfiguration.maxClockHoldMilliseconds == 0)
        #expect(ConfigFileTemplate.render(c).contains("\nclock-hold = 0.0\n"))
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("clock-hold", "-1", source: "--clock-hold", on: &c) }
    }

    @Test func capsQuotasAndBudgetsReachTheStore() throws {
        var c = ServerConfiguration()
        c.maxRowsPerSession = 11; c.maxCommentsPerSession = 12; c.maxMembersPerSession = 13
        c.maxSessionsPerUser = 14; c.maxMergeDiffSteps = 15_000; c.maxSearchScan = 160
        let s = c.storeConfiguration
        #expect(s.maxRowsPerSession == 11 && s.maxCommentsPerSession == 12 && s.maxMembersPerSession == 13)
        #expect(s.maxSessionsPerUser == 14 && s.maxMergeDiffSteps == 15_000 && s.maxSearchScan == 160)
        #expect(s.requiresWritable && s.path == c.databasePath)
    }
}
