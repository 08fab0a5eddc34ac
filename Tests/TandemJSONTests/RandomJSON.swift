import TandemJSON

/// Random JSON values for property tests, from a seeded generator so a failure repeats.
enum RandomJSON {
    /// Knuth's MMIX linear congruential generator.
    struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
    }

    static func value(_ rng: inout Generator, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() & 1 == 0)
        case 2: return .integer(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        case 3: return .number(Double(Int64(bitPattern: rng.next()) >> 20) / 1024)
        case 4: return .string(string(&rng))
        case 5: return .array((0..<rng.next() % 5).map { _ in value(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<rng.next() % 5 { o[string(&rng)] = value(&rng, depth: depth + 1) }
            return .object(o)
        }
    }

    static func string(_ rng: inout Generator) -> String {
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1b}", "é", "☃", "𝄞", "/"]
        return String((0..<rng.next() % 12).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }
}
