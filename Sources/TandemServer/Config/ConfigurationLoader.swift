import Foundation

/// Builds a `ServerConfiguration` from, in increasing precedence: defaults, a config file,
/// `TANDEM_*` environment variables, and command-line values.
public enum ConfigurationLoader {
    /// Parses a config file: `key = value` lines (LF or CRLF), `#` comments (outside double
    /// quotes), blank lines ignored. Keys are the flag names without dashes in front (`port = 8765`).
    public static func apply(configFileText text: String, source: String, to config: inout ServerConfiguration) throws(ConfigurationError) {
        // "\r\n" is one Character in Swift: splitting on "\n" alone would leave a CRLF file one line.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = withoutComment(rawLine).trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let lineSource = "\(source):\(index + 1)"
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError(source: lineSource, setting: trimmed, message: "expected 'key = value'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            try set(key, value, source: lineSource, on: &config)
        }
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
