import Foundation

/// A bad value for a setting, named by where it came from.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var setting: String
    public var message: String
    public var description: String { "\(source): \(setting): \(message)" }
}

/// One named setting: its key in the config file, its environment variable, its flag and help.
public struct ServerSetting: Sendable {
    /// Config-file key and flag name (`--` + key).
    public let key: String
    public let help: String
    let apply: @Sendable (inout ServerConfiguration, String) throws(SettingValueError) -> Void
    /// The documented range of a number, size or whole-number setting (its help says "Range ..."),
    /// nil for the others: what a value accepted from any source lies within.
    public var bounds: ClosedRange<Double>? = nil

    /// `TANDEM_` + the key in upper case with dashes as underscores.
    public var environmentVariable: String {
        "TANDEM_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    struct SettingValueError: Error { var message: String }

    static func string(_ key: String, _ help: String, _ path: any WritableKeyPath<ServerConfiguration, String> & Sendable) -> ServerSetting {
        ServerSetting(key: key, help: help) { config, value throws(SettingValueError) in
            guard !value.isEmpty else { throw SettingValueError(message: "must not be empty") }
            config[keyPath: path] = value
        }
    }

    static func optionalString(_ key: String, _ help: String, _ path: any WritableKeyPath<ServerConfiguration, String?> & Sendable) -> ServerSetting {
        ServerSetting(key: key, help: help) { config, value in config[keyPath: path] = value.isEmpty ? nil : value }
    }

    /// A comma-separated list (spaces around entries ignored, empty entries dropped); `invalid`
    /// says what is wrong with an entry, or nil when it is fine.
    /// A comma-separated list; with `none`, that word is the empty list (an empty value too), kept as
    /// the empty list whichever was written, so that the printed configuration reads back equal.
    static func list(_ key: String, _ help: String, _ path: any WritableKeyPath<ServerConfiguration, [String]> & Sendable,
                     none: String? = nil, invalid: @escaping @Sendable (String) -> String?) -> ServerSetting {
        ServerSetting(key: key, help: help) { config, value throws(SettingValueError) in
            let entries = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for entry in entries {
                if let reason = invalid(entry) { throw SettingValueError(message: reason) }
            }
            config[keyPath: path] = entries.filter { $0 != none }
        }
    }

    static func integer(_ key: String, _ help: String, _ range: ClosedRange<Int>, _ path: any WritableKeyPath<ServerConfiguration, Int> & Sendable) -> ServerSetting {
        ServerSetting(key: key, help: help + " Range \(range.lowerBound)...\(range.upperBound).") { config, value throws(SettingValueError) in
            guard let n = Int(value.replacingOccurrences(of: "_", with: "")) else { throw SettingValueError(message: "expected a whole number, got '\(value)'") }
            guard range.contains(n) else { throw SettingValueError(message: "\(n) is outside \(range.lowerBound)...\(range.upperBound)") }
            config[keyPath: path] = n
        }.bounded(Double(range.lowerBound)...Double(range.upperBound))
    }

    static func bytes(_ key: String, _ help: String, _ range: ClosedRange<Int>, _ path: any WritableKeyPath<ServerConfiguration, Int> & Sendable) -> ServerSetting {
        ServerSetting(key: key, help: help + " Range \(ByteSize.text(range.lowerBound))...\(ByteSize.text(range.upperBound)).") { config, value throws(SettingValueError) in
            guard let n = ByteSize.parse(value) else { throw SettingValueError(message: "expected a size like 65536, 64k or 4m, got '\(value)'") }
            guard range.contains(n) else { throw SettingValueError(message: "\(n) bytes is outside \(range.lowerBound)...\(range.upperBound)") }
            config[keyPath: path] = n
        }.bounded(Double(range.lowerBound)...Double(range.upperBound))
    }

    static func number(_ key: String, _ help: String, _ range: ClosedRange<Double>, _ path: any WritableKeyPath<ServerConfiguration, Double> & Sendable) -> ServerSetting {
        ServerSetting(key: key, help: help + " Range \(Self.text(range.lowerBound))...\(Self.text(range.upperBound)).") { config, value throws(SettingValueError) in
            guard let n = Double(value), n.isFinite else { throw SettingValueError(message: "expected a number, got '\(value)'") }
            guard range.contains(n) else { throw SettingValueError(message: "\(Self.text(n)) is outside \(Self.text(range.lowerBound))...\(Self.text(range.upperBound))") }
            config[keyPath: path] = n
        }.bounded(range)
    }

    private func bounded(_ range: ClosedRange<Double>) -> ServerSetting {
        var setting = self
        setting.bounds = range
        return setting
    }

    /// 0.1, 600 (not 600.0).
    private static func text(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
    }

    static func choice<T: RawRepresentable & Sendable>(_ key: String, _ help: String, _ choices: [T], _ path: any WritableKeyPath<ServerConfiguration, T> & Sendable) -> ServerSetting where T.RawValue == String {
        ServerSetting(key: key, help: help + " (" + choices.map(\.rawValue).joined(separator: ", ") + ")") { config, value throws(SettingValueError) in
            guard let choice = choices.first(where: { $0.rawValue == value.lowercased() }) else {
                throw SettingValueError(message: "expected one of \(choices.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
            }
            config[keyPath: path] = choice
        }
    }
}

/// Sizes written as plain bytes or with a k/m/g suffix (powers of 1024).
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let multipliers: [(String, Int)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30)]
        for (suffix, multiplier) in multipliers where lower.hasSuffix(suffix) {
            guard let n = Int(lower.dropLast(suffix.count)), n >= 0, n <= Int.max / multiplier else { return nil }
            return n * multiplier
        }
        return Int(lower).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// The shortest way `parse` reads `n`: 64k, 4g, 1000.
    static func text(_ n: Int) -> String {
        for (suffix, multiplier) in [("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)] where n >= multiplier && n % multiplier == 0 {
            return "\(n / multiplier)\(suffix)"
        }
        return String(n)
    }
}
