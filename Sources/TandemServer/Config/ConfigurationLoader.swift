import Foundation

/// Builds a `ServerConfiguration` from, in increasing precedence: defaults, a config file,
/// `TANDEM_*` environment variables, and command-line values.
public enum ConfigurationLoader {
    /// Parses a config file: `key = value` lines (LF or CRLF), `#` comments (outside double
    /// quotes), blank lines ignored. Keys are the flag names without dashes in front (`port = 8765`).
    /// A value in double quotes keeps the spaces at its ends and a `#`.
    public static func apply(configFileText text: String, source: String, to config: inout ServerConfiguration) throws(ConfigurationError) {
        var seen: [String: String] = [:]
        // Lines end at LF only, as editors count them, so an error's line number is the one to open:
        // splitting at every Unicode line break (a form feed, U+2028 in a path) counted lines the
        // editor does not. The bytes are split ("\r\n" is one Character in a String).
        for (index, bytes) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var rawLine = Substring(bytes)
            if rawLine.utf8.last == UInt8(ascii: "\r") { rawLine = rawLine.dropLast() }
            let trimmed = withoutComment(rawLine).trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let lineSource = "\(source):\(index + 1)"
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError(source: lineSource, setting: trimmed, message: "expected 'key = value'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = unquoted(trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces))
            // A key given twice is a mistake in one of the two places; which one was meant cannot be told.
            if let earlier = seen[key] {
                throw ConfigurationError(source: lineSource, setting: key, message: "given twice (also at \(earlier))")
            }
            seen[key] = lineSource
            try set(key, value, source: lineSource, on: &config)
        }
    }

    /// The value a config file line reads for `written`, the text after `key =` up to the line's
    /// LF: a CR at the end dropped, up to a comment, spaces at the ends dropped, then one pair of
    /// double quotes around it.
    static func valueAsRead(_ written: String) -> String {
        var text = Substring(written)
        if text.utf8.last == UInt8(ascii: "\r") { text = text.dropLast() }
        return unquoted(withoutComment(text).trimmingCharacters(in: .whitespaces))
    }

    private static func unquoted(_ value: String) -> String {
        value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") ? String(value.dropFirst().dropLast()) : value
    }

    /// `line` up to its first `#` outside double quotes.
    private static func withoutComment(_ line: Substring) -> Substring {
        var quoted = false
        for index in line.indices {
            switch line[index] {
            case "\"": quoted.toggle()
            case "#" where !quoted: return line[..<index]
            default: break
            }
        }
        return line
    }

    /// Applies every `TANDEM_*` variable that names a setting. Unknown `TANDEM_*` names are
    /// ignored, since other tools (the clients' `TANDEM_URL`, `TANDEM_TOKEN`) share the prefix.
    public static func apply(environment: [String: String], to config: inout ServerConfiguration) throws(ConfigurationError) {
        for setting in ServerSetting.all {
            if let value = environment[setting.environmentVariable] {
                try set(setting.key, value, source: "environment \(setting.environmentVariable)", on: &config)
            }
        }
    }

    /// The `TANDEM_*` variables in `environment` that name no setting, each with the setting's variable
    /// it most likely misspells (nil when none is close): a typo in a systemd environment file would
    /// otherwise leave the default in force without a word. The clients' `TANDEM_URL` and
    /// `TANDEM_TOKEN` are not counted.
    public static func unknownEnvironmentNames(_ environment: [String: String]) -> [(name: String, meant: String?)] {
        let known = Set(ServerSetting.all.map(\.environmentVariable)).union(["TANDEM_URL", "TANDEM_TOKEN"])
        return environment.keys.filter { $0.hasPrefix("TANDEM_") && !known.contains($0) }.sorted().map { name in
            let closest = ServerSetting.all.map(\.environmentVariable)
                .map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
            return (name, closest.flatMap { $0.1 <= 2 ? $0.0 : nil })
        }
    }

    /// Levenshtein distance over bytes (the names are ASCII).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Applies one value to the setting named `key`.
    public static func set(_ key: String, _ value: String, source: String, on config: inout ServerConfiguration) throws(ConfigurationError) {
        guard let setting = ServerSetting.named(key) else {
            throw ConfigurationError(source: source, setting: key, message: "unknown setting (see tandemd --help)")
        }
        do {
            try setting.apply(&config, value)
        } catch {
            throw ConfigurationError(source: source, setting: key, message: error.message)
        }
    }

    /// Checks settings that only make sense together.
    public static func validate(_ config: ServerConfiguration) throws(ConfigurationError) {
        if (config.tlsCertificatePath == nil) != (config.tlsKeyPath == nil) {
            throw ConfigurationError(source: "configuration", setting: "tls-cert/tls-key", message: "give both or neither")
        }
        if config.maxTurnContentBytes > config.maxMessageBytes {
            throw ConfigurationError(source: "configuration", setting: "max-turn", message: "must not exceed max-message (\(config.maxMessageBytes))")
        }
        if config.requestBurst < 1 {
            throw ConfigurationError(source: "configuration", setting: "burst", message: "must be at least 1")
        }
        if config.pingIntervalSeconds > 0, config.idleTimeoutSeconds > 0, config.pingIntervalSeconds >= config.idleTimeoutSeconds {
            throw ConfigurationError(source: "configuration", setting: "ping-interval",
                                     message: "must be shorter than idle-timeout (\(config.idleTimeoutSeconds) s), or idle clients are cut off between pings")
        }
    }
}
