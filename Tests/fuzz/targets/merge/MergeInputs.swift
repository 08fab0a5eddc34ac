import FuzzSupport
import TandemJSON

/// Turns fuzz bytes into three related JSON values (base, current, proposed).
///
/// Two forms: three JSON texts separated by NUL bytes (readable seeds: real merge cases), or any
/// other bytes driving a generator that builds a base and derives both sides from it by edits, so
/// most inputs share structure and reach the recursive and line-wise paths, not only conflicts.
enum MergeInputs {
    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func decode(_ data: UnsafeRawBufferPointer) -> (base: JSONValue, current: JSONValue, proposed: JSONValue) {
        if let triple = jsonTriple(data) { return triple }
        var g = Generator(input: FuzzInput(data))
        let base = g.value(depth: 0)
        let current = g.mutate(base, depth: 0)
        let proposed = g.mutate(base, depth: 0)
        return (base, current, proposed)
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func jsonTriple(_ data: UnsafeRawBufferPointer) -> (JSONValue, JSONValue, JSONValue)? {
        let parts = data.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3,
              let b = try? JSONValue(parsing: parts[0]), let c = try? JSONValue(parsing: parts[1]),
              let p = try? JSONValue(parsing: parts[2]) else { return nil }
        return (b, c, p)
    }

    struct Generator {
        var input: FuzzInput
        /// Few keys, so both sides often touch the same ones; two spell one name two ways
        /// (canonically equivalent), which Swift's String treats as equal.
        static let keys = ["a", "b", "c", "d", "\u{E9}", "e\u{301}"]
        /// Lines with and without terminators, CRLF, and canonically equivalent spellings.
        static let lines = ["a\n", "b\n", "c\n", "x\n", "\n", "a", "b\r\n", "\u{E9}\n", "e\u{301}\n", "y"]
        static let numbers: [JSONValue] = [.integer(0), .integer(1), .integer(-7), .number(1.0), .number(1.5), .number(-0.0)]

        mutating func value(depth: Int) -> JSONValue {
            let kind = Int(input.byte()) % (depth >= 3 ? 5 : 8)
            switch kind {
            case 0: return .null
            case 1: return .bool(input.byte() & 1 == 0)
            case 2: return input.pick(Self.numbers)
            case 3, 4: return .string(text())
            case 5: return .array((0..<input.pick(0...3)).map { _ in value(depth: depth + 1) })
            default:
                var object: [String: JSONValue] = [:]
                for _ in 0..<input.pick(0...4) { object[input.pick(Self.keys)] = value(depth: depth + 1) }
                return .object(object)
            }
        }

        mutating func text() -> String {
            (0..<input.pick(0...6)).map { _ in input.pick(Self.lines) }.joined()
        }

        /// A derived value: mostly the same, with edits chosen by the input.
        mutating func mutate(_ v: JSONValue, depth: Int) -> JSONValue {
            let op = input.byte() % 8
            if op < 3 { return v }
            if op == 3 { return value(depth: depth) }
            switch v {
            case .object(var object):
                for key in Self.keys {
                    switch input.byte() % 6 {
                    case 0: object[key] = nil
                    case 1: object[key] = value(depth: depth + 1)
                    case 2: if let child = object[key] { object[key] = mutate(child, depth: depth + 1) }
                    default: break
                    }
                }
                return .object(object)
            case .string(let s):
                var lines = split(s)
                for _ in 0..<input.pick(1...3) {
                    let at = lines.isEmpty ? 0 : input.pick(0...lines.count)
                    switch input.byte() % 3 {
                    case 0: lines.insert(input.pick(Self.lines), at: at)
                    case 1: if at < lines.count { lines.remove(at: at) }
                    default: if at < lines.count { lines[at] = input.pick(Self.lines) }
                    }
                }
                return .string(lines.joined())
            case .array(var items):
                if !items.isEmpty {
                    let i = input.pick(0...(items.count - 1))
                    items[i] = mutate(items[i], depth: depth + 1)
                } else {
                    items.append(value(depth: depth + 1))
                }
                return .array(items)
            default:
                return value(depth: depth)
            }
        }

        /// Lines keeping their "\n" terminators (the last may have none).
        func split(_ s: String) -> [String] {
            var lines: [String] = []
            var current: [UInt8] = []
            for b in s.utf8 {
                current.append(b)
                if b == 0x0A {
                    lines.append(String(decoding: current, as: UTF8.self))
                    current = []
                }
            }
            if !current.isEmpty { lines.append(String(decoding: current, as: UTF8.self)) }
            return lines
        }
    }
}
