import Glibc
import Logging
import Synchronization
import TandemJSON

/// swift-log's handler for `log-format = json`: one JSON object per line on standard error, for log
/// collectors (journald's JSON output, Loki, Elasticsearch ...). The fields: `time` (UTC, RFC 3339
/// with milliseconds), `level`, `logger` (the label), `message`, then the metadata, each key a
/// field of its own (nested metadata as JSON objects and arrays). A metadata key that would replace
/// one of the four is written as `metadata.KEY`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line = Self.line(time: Self.now(), level: event.level, label: label, message: event.message.description, metadata: merged)
        line.append(UInt8(ascii: "\n"))
        Self.write(line)
    }

    /// One log line without its newline: the pure part, tested on its own.
    static func line(time: (seconds: Int, milliseconds: Int), level: Logger.Level, label: String, message: String,
                     metadata: Logger.Metadata) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + message.utf8.count)
        func field(_ key: String, _ value: JSONValue) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONWriter.write(.string(key), into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.write(value, into: &out)
        }
        field("time", .string(rfc3339(time)))
        field("level", .string(level.rawValue))
        field("logger", .string(label))
        field("message", .string(message))
        for key in metadata.keys.sorted() {
            field(reserved.contains(key) ? "metadata." + key : key, json(metadata[key]!))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let reserved: Set<String> = ["time", "level", "logger", "message"]

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let entries): .object(entries.mapValues(json))
        }
    }

    /// `2026-12-05T06:40:01.234Z`.
    static func rfc3339(_ time: (seconds: Int, milliseconds: Int)) -> String {
        var seconds = time_t(time.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(time.milliseconds), 3))Z"
    }

    private static func now() -> (seconds: Int, milliseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (spec.tv_sec, spec.tv_nsec / 1_000_000)
    }

    /// Lines from several threads must not interleave: one writer at a time, and the whole line in
    /// as few write calls as the kernel allows.
    private static let output = Mutex(())

    private static func write(_ line: [UInt8]) {
        output.withLock { _ in
            line.withUnsafeBytes { raw in
                // Safe: the buffer is `line`'s own storage, alive for this closure; writes advance within it.
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
                }
            }
        }
    }
}
