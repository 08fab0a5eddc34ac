import Foundation
import TandemProtocol
import Testing
@testable import TandemServer

@Suite struct ConfigurationTests {
    @Test func defaultsAreTheEmbeddedSetup() {
        let c = ServerConfiguration()
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 8765)
        #expect(c.databasePath == "./tandem.db")
        #expect(c.effectivePublicURL == "http://127.0.0.1:8765")
    }

    /// docs/protocol.md documents `ProtocolLimits.default`; what tandemd enforces by default must be it.
    @Test func defaultSettingsEnforceTheDocumentedLimits() {
        #expect(ServerConfiguration().protocolLimits == ProtocolLimits.default)
        var changed = ServerConfiguration()
        changed.maxConnectionsPerUser = 5
        changed.outboundQueueBytes = 1 << 20
        #expect(changed.protocolLimits.connectionsPerUser == 5 && changed.protocolLimits.outboundQueueBytes == 1 << 20)
    }

    @Test func fileThenEnvironmentThenExplicitValues() throws {
        var c = ServerConfiguration()
        try ConfigurationLoader.apply(configFileText: """
            # a comment
            port = 9000
            db = "/var/lib/tandem/tandem.db"   # trailing comment
            max-message = 2m

            outbound-queue = 64k
            """, source: "tandem.conf", to: &c)
        #expect(c.port == 9000)
        #expect(c.databasePath == "/var/lib/tandem/tandem.db")
        #expect(c.maxMessageBytes == 2 << 20)
        #expect(c.outboundQueueBytes == 64 << 10)
        try ConfigurationLoader.apply(environment: ["TANDEM_PORT": "9100", "TANDEM_URL": "ws://x", "TANDEM_LOG_LEVEL": "DEBUG"], to: &c)
        #expect(c.port == 9100)
        #expect(c.logLevel == .debug)
        try ConfigurationLoader.set("port", "9200", source: "--port", on: &c)
        #expect(c.port == 9200)
    }

    @Test func crlfLinesAndQuotedHashesReadAsWritten() throws {
        var c = ServerConfiguration()
        try ConfigurationLoader.apply(configFileText: "# written on Windows\r\nport = 9210\r\ndb = \"/srv/t#1.db\" # the file\r\n",
                                      source: "crlf.conf", to: &c)
        #expect(c.port == 9210)
        #expect(c.databasePath == "/srv/t#1.db")
        #expect(throws: ConfigurationError(source: "f:3", setting: "max-connections", message: "expected a whole number, got 'bogus'")) {
            try ConfigurationLoader.apply(configFileText: "# c\r\nport = 1\r\nmax-connections = bogus\r\n", source: "f", to: &c)
        }
    }

    /// Lines are counted as an editor counts them, at LF only: a form feed, a vertical tab or
    /// U+2028 inside a line split it, so the error named a line the editor does not have, and a
    /// path holding U+2028 was cut there (found by the `config` fuzz target).
    @Test func onlyLineFeedsEndLines() throws {
        var c = ServerConfiguration()
        #expect(throws: ConfigurationError(source: "f:2", setting: "port", message: "70000 is outside 0...65535")) {
            try ConfigurationLoader.apply(configFileText: "db = /srv/a\u{2028}b.db # \u{0C} note\nport = 70000\r\n", source: "f", to: &c)
        }
        try ConfigurationLoader.apply(configFileText: "db = /srv/a\u{2028}b\u{0B}.db\r\nport = 1\n", source: "f", to: &c)
        #expect(c.databasePath == "/srv/a\u{2028}b\u{0B}.db" && c.port == 1)
    }

    @Test func badValuesNameTheirSourceAndSetting() {
        var c = ServerConfiguration()
        #expect(throws: ConfigurationError(source: "f:2", setting: "port", message: "70000 is outside 0...65535")) {
            try ConfigurationLoader.apply(configFileText: "host = ::1\nport = 70000", source: "f", to: &c)
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.apply(configFileText: "nonsense", source: "f", to: &c) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("colour", "blue", source: "--colour", on: &c) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("durability", "sometimes", source: "x", on: &c) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("max-message", "12q", source: "x", on: &c) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.apply(environment: ["TANDEM_RATE": "fast"], to: &c) }
    }

    /// A key set twice in the file, or a misspelt `TANDEM_*` variable, left one value in force without a
    /// word (the environment's typo kept the default; ops audit).
    @Test func repeatedKeysAndUnknownVariablesAreSaid() {
        var config = ServerConfiguration()
        #expect(throws: ConfigurationError(source: "f:3", setting: "port", message: "given twice (also at f:1)")) {
            try ConfigurationLoader.apply(configFileText: "port = 1\nhost = ::1\nport = 2\n", source: "f", to: &config)
        }
        let unknown = ConfigurationLoader.unknownEnvironmentNames([
            "TANDEM_MAX_CONECTIONS": "3", "TANDEM_PORT": "9", "TANDEM_TOKEN": "t", "TANDEM_URL": "u",
            "TANDEM_SOMETHING_ELSE": "x", "HOME": "/root",
        ])
        #expect(unknown.map(\.name) == ["TANDEM_MAX_CONECTIONS", "TANDEM_SOMETHING_ELSE"])
        #expect(unknown.map(\.meant) == ["TANDEM_MAX_CONNECTIONS", nil])
        #expect(ConfigurationLoader.editDistance("", "ab") == 2 && ConfigurationLoader.editDistance("ab", "") == 2)
        #expect(ConfigurationLoader.editDistance("kitten", "sitting") == 3)
    }

    @Test func crossSettingValidation() throws {
        var c = ServerConfiguration()
        c.tlsCertificatePath = "/tmp/cert.pem"
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.validate(c) }
        c.tlsKeyPath = "/tmp/key.pem"
        try ConfigurationLoader.validate(c)
        #expect(c.effectivePublicURL == "https://127.0.0.1:8765")
        c.maxTurnContentBytes = c.maxMessageBytes + 1
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.validate(c) }
        c.maxTurnContentBytes = c.maxMessageBytes
        c.pingIntervalSeconds = 600
        c.idleTimeoutSeconds = 5
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.validate(c) }
    }

    /// Lists and URLs are checked where they are read, so the error names the flag, variable or
    /// file line that gave the bad entry.
    @Test func originsURLsAndAddressListsAreCheckedAsTheyAreRead() throws {
        var c = ServerConfiguration()
        for bad in ["tandem.example.com", "https://", "ftp://x", "https://x.example/a?b=1", "https://x.example/#frag", "https://x .example"] {
            #expect(throws: ConfigurationError(source: "--public-url", setting: "public-url",
                                               message: "'\(bad)' is not a base URL: give http(s)://HOST[:PORT][/PATH] without a query or fragment, e.g. https://tandem.example.com")) {
                try ConfigurationLoader.set("public-url", bad, source: "--public-url", on: &c)
            }
        }
        try ConfigurationLoader.set("public-url", "https://Tandem.example.com:443/tandem", source: "x", on: &c)
        #expect(c.publicOrigin?.description == "https://tandem.example.com")
        try ConfigurationLoader.apply(environment: ["TANDEM_PUBLIC_URL": "https://tandem.example.com"], to: &c)
        #expect(c.publicURL == "https://tandem.example.com")

        // allowed-origins: origins (a trailing slash forgiven), plus public-url's.
        #expect(c.upgradeOrigins == nil)
        try ConfigurationLoader.apply(configFileText: "allowed-origins = https://app.example.com/ , http://localhost:3000", source: "f", to: &c)
        #expect(c.upgradeOrigins?.map(\.description) == ["https://app.example.com", "http://localhost:3000", "https://tandem.example.com"])
        for bad in ["app.example.com", "https://app.example.com/path", "https://user@app.example.com", "https://app.example.com:0", "*"] {
            #expect(throws: ConfigurationError(source: "f:2", setting: "allowed-origins",
                                               message: "'\(bad)' is not an origin: give http(s)://HOST[:PORT], e.g. https://app.example.com")) {
                try ConfigurationLoader.apply(configFileText: "port = 1\nallowed-origins = http://ok.example, \(bad)", source: "f", to: &c)
            }
        }
        #expect(c.allowedOrigins == ["https://app.example.com/", "http://localhost:3000"], "a refused list changes nothing")
        try ConfigurationLoader.set("allowed-origins", "", source: "x", on: &c)
        #expect(c.upgradeOrigins == nil)

        try ConfigurationLoader.set("trusted-proxies", "10.0.0.0/8, ::1", source: "x", on: &c)
        #expect(c.trustedProxies == ["10.0.0.0/8", "::1"])
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("trusted-proxies", "proxy.local", source: "x", on: &c) }
        try ConfigurationLoader.set("metrics-from", "any", source: "x", on: &c)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.set("metrics-from", "all", source: "x", on: &c) }
    }

    @Test func everySettingHasAnEnvironmentNameAndHelp() {
        let keys = ServerSetting.all.map(\.key)
        #expect(Set(keys).count == keys.count)
        for s in ServerSetting.all {
            #expect(!s.help.isEmpty)
            #expect(s.environmentVariable.hasPrefix("TANDEM_"))
            #expect(!s.environmentVariable.contains("-"))
        }
    }
}

@Suite struct TokenBucketTests {
    @Test func refusesBeyondBurstThenRefillsAtRate() {
        var b = TokenBucket(capacity: 3, ratePerSecond: 2, now: 100)
        let firstThree = (0..<3).map { _ in b.take(now: 100) }
        #expect(firstThree == [true, true, true])
        let fourth = b.take(now: 100)
        #expect(!fourth)
        let wait = b.secondsUntilAvailable(now: 100)
        #expect(wait == 0.5)
        let early = b.take(now: 100.4)
        #expect(!early)
        let onTime = b.take(now: 100.5)
        #expect(onTime)
        let later = (0..<4).map { _ in b.take(now: 200) }
        #expect(later == [true, true, true, false], "refill is capped at capacity")
    }

    @Test func backwardsClockMintsNothing() {
        var b = TokenBucket(capacity: 1, ratePerSecond: 1, now: 10)
        let results = [b.take(now: 10), b.take(now: 5), b.take(now: 10.5), b.take(now: 11)]
        #expect(results == [true, false, false, true])
    }
}

@Suite struct MetricsTests {
    @Test func rendersPrometheusText() {
        let c = Counter("tandem_turns_total", help: "Turns committed.")
        c.add(); c.add(4)
        let g = Gauge("tandem_connections", help: "Open connections.")
        g.add(3); g.add(-1)
        let h = Histogram("tandem_delivery_seconds", help: "Post to delivery.", bounds: [0.001, 0.01])
        h.observe(0.0005); h.observe(0.005); h.observe(1)
        let text = PrometheusText.render(counters: [c], gauges: [g], histograms: [h])
        #expect(text.contains("# TYPE tandem_turns_total counter\ntandem_turns_total 5\n"))
        #expect(text.contains("tandem_connections 2\n"))
        #expect(text.contains("tandem_delivery_seconds_bucket{le=\"0.001\"} 1\n"))
        #expect(text.contains("tandem_delivery_seconds_bucket{le=\"0.01\"} 2\n"))
        #expect(text.contains("tandem_delivery_seconds_bucket{le=\"+Inf\"} 3\n"))
        #expect(text.contains("tandem_delivery_seconds_count 3\n"))
        #expect(h.quantileUpperBound(0.5) == 0.01)
        #expect(h.quantileUpperBound(0.99) == .infinity)
    }

    @Test func buildInfoComesFirstWithEscapedLabels() {
        let text = PrometheusText.render(info: ("x_build_info", "Build.", [("version", "1.2.3"), ("note", "a \"b\"\\\n")]),
                                         counters: [], gauges: [], histograms: [])
        #expect(text == "# HELP x_build_info Build.\n# TYPE x_build_info gauge\nx_build_info{version=\"1.2.3\",note=\"a \\\"b\\\"\\\\\\n\"} 1\n")
        #expect(ServerMetrics().render().hasPrefix("""
            # HELP tandem_build_info The running release and wire protocol (always 1).
            # TYPE tandem_build_info gauge
            tandem_build_info{version="\(Release.version)",protocol="tandem.v1"} 1

            """))
    }

    @Test func countersAreExactUnderConcurrency() async {
        let c = Counter("x", help: "x")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<10_000 { c.add() } } }
        }
        #expect(c.value == 80_000)
    }
}

@Suite struct ConfigFileTemplateTests {
    /// The template parses back to the defaults, names every setting, and deploy/tandem.conf is
    /// exactly the template (so the shipped file cannot drift from the code).
    @Test func templateRoundTripsAndMatchesTheShippedFile() throws {
        let text = ConfigFileTemplate.render()
        var parsed = ServerConfiguration()
        parsed.port = 1
        try ConfigurationLoader.apply(configFileText: text, source: "template", to: &parsed)
        #expect(parsed == ServerConfiguration())
        for setting in ServerSetting.all { #expect(text.contains(setting.key), "\(setting.key) is documented") }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOf: repo.appendingPathComponent("deploy/tandem.conf"), encoding: .utf8)
        #expect(shipped == text, "regenerate with: .build/debug/tandemd --print-config > deploy/tandem.conf")
    }

    /// What --print-config prints reads back as the same configuration: a value with a `#`, spaces
    /// at its ends or quotes around it is printed in quotes (a database path `/srv/t#1.db` printed
    /// bare read back as `/srv/t`; found by the `config` fuzz target).
    @Test func printedValuesReadBackAsThemselves() throws {
        var c = ServerConfiguration()
        c.databasePath = "/srv/t#1.db"
        c.tlsCertificatePath = " /etc/tandem/cert.pem "
        c.tlsKeyPath = "\"key.pem\""
        c.host = "a\"#\"b"
        let text = ConfigFileTemplate.render(c)
        #expect(text.contains("db = \"/srv/t#1.db\"\n") && text.contains("tls-cert = \" /etc/tandem/cert.pem \"\n"))
        #expect(text.contains("host = a\"#\"b\n"))
        var parsed = ServerConfiguration()
        try ConfigurationLoader.apply(configFileText: text, source: "printed", to: &parsed)
        #expect(parsed == c)
        #expect(ConfigFileTemplate.render(parsed) == text)
        // A CR at a line's end is dropped on reading (CRLF files): a value ending in one is quoted.
        for value in ["key.pem\r", "#", "\"\"", " a", "a\"#b"] {
            #expect(ConfigurationLoader.valueAsRead(ConfigFileTemplate.written(value)) == value, "\(value.debugDescription)")
        }
    }
}
