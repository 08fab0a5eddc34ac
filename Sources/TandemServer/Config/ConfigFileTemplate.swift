/// A complete, commented config file with every setting at its default: what
/// `tandemd --print-config` prints and `deploy/tandem.conf` holds.
public enum ConfigFileTemplate {
    public static func render(_ config: ServerConfiguration = ServerConfiguration()) -> String {
        var out = """
            # tandemd configuration: `tandemd --config /etc/tandem/tandem.conf`.
            # Lines of `key = value`; `#` starts a comment. Every key is also a flag (--key) and an
            # environment variable (TANDEM_KEY); flags beat the environment, which beats this file.
            # Sizes take k/m/g suffixes (powers of 1024); times are in seconds.

            """
        for setting in ServerSetting.all {
            out += "\n# \(setting.help)\n# env: \(setting.environmentVariable)\n"
            if let value = currentValue(setting.key, config) {
                out += "\(setting.key) = \(written(value))\n"
            } else {
                out += "# \(setting.key) =\n"
            }
        }
        return out
    }

    /// `value` as a config file line must hold it to read it back: as it is, or in double quotes when
    /// it has a `#`, spaces at an end or quotes around it (a path `/srv/t#1.db` printed bare read
    /// back as `/srv/t`). A value no line can hold (a line break, from a flag) is written as it is.
    static func written(_ value: String) -> String {
        let quoted = "\"" + value + "\""
        for text in [value, quoted] where Array(ConfigurationLoader.valueAsRead(text).utf8) == Array(value.utf8) {
            return text
        }
        return value
    }

    /// The value of a setting as config-file text; nil when it is unset (optional settings).
    static func currentValue(_ key: String, _ c: ServerConfiguration) -> String? {
        switch key {
        case "host": c.host
        case "port": String(c.port)
        case "db": c.databasePath
        case "tls-cert": c.tlsCertificatePath
        case "tls-key": c.tlsKeyPath
        case "log-level": c.logLevel.rawValue
        case "log-format": c.logFormat.rawValue
        case "loops": String(c.loops)
        case "durability": c.durability.rawValue
        case "public-url": c.publicURL
        case "allowed-origins": c.allowedOrigins.isEmpty ? nil : c.allowedOrigins.joined(separator: ",")
        case "trusted-proxies": c.trustedProxies.isEmpty ? nil : c.trustedProxies.joined(separator: ",")
        case "metrics-from": c.metricsFrom.joined(separator: ",")
        case "max-connections": String(c.maxConnections)
        case "max-connections-per-user": String(c.maxConnectionsPerUser)
        case "max-connections-per-address": String(c.maxConnectionsPerAddress)
        case "max-viewers-per-address": String(c.maxViewersPerAddress)
        case "max-message": String(c.maxMessageBytes)
        case "max-turn": String(c.maxTurnContentBytes)
        case "max-sessions-per-connection": String(c.maxSessionsPerConnection)
        case "outbound-queue": String(c.outboundQueueBytes)
        case "max-replay": String(c.maxReplayBytes)
        case "max-page-bytes": String(c.maxPageBytes)
        case "max-export": String(c.maxExportBytes)
        case "max-import": String(c.maxImportBytes)
        case "max-sessions-per-user": String(c.maxSessionsPerUser)
        case "max-share-links-per-session": String(c.maxShareLinksPerSession)
        case "max-checkpoints-per-session": String(c.maxCheckpointsPerSession)
        case "max-templates-per-user": String(c.maxTemplatesPerUser)
        case "max-rows-per-session": String(c.maxRowsPerSession)
        case "max-comments-per-session": String(c.maxCommentsPerSession)
        case "max-members-per-session": String(c.maxMembersPerSession)
        case "max-merge-diff-steps": String(c.maxMergeDiffSteps)
        case "max-conflict-lines": String(c.maxConflictLines)
        case "max-merge-listed": String(c.maxMergeListed)
        case "max-viewer-turns": String(c.maxViewerTurns)
        case "max-search-scan": String(c.maxSearchScan)
        case "write-step-records": String(c.writeStepRecords)
        case "max-merge-waits": String(c.maxMergeWaits)
        case "reclaim-free-mib": String(c.reclaimFreeMiB)
        case "search-prefix-index": c.searchPrefixIndex.isEmpty ? "none" : c.searchPrefixIndex.joined(separator: ",")
        case "export-concurrency": String(c.exportConcurrency)
        case "search-concurrency": String(c.searchConcurrency)
        case "max-post-bytes-per-user": String(c.maxPostBytesPerUser)
        case "rate": String(c.requestsPerSecond)
        case "burst": String(c.requestBurst)
        case "handshake-timeout": String(c.handshakeTimeoutSeconds)
        case "stale-handshake": String(c.staleHandshakeSeconds)
        case "http-read-wait": String(c.httpReadWaitSeconds)
        case "idle-timeout": String(c.idleTimeoutSeconds)
        case "ping-interval": String(c.pingIntervalSeconds)
        case "close-timeout": String(c.closeTimeoutSeconds)
        case "write-coalescing-ms": String(c.writeCoalescingMilliseconds)
        case "auth-failures-per-minute": String(c.authFailuresPerMinute)
        case "cache-size": String(c.cacheBytes)
        case "busy-timeout": String(c.busyTimeoutSeconds)
        case "clock-hold": String(c.clockHoldSeconds)
        default: nil
        }
    }
}
