import Testing
@testable import TandemJSON

@Suite struct JSONByteCountTests {
    @Test(arguments: [
        JSONValue.null, true, false, 0, 9, 10, -1, -10, .integer(.max), .integer(.min), 1.5, -0.25, 1e300,
        .number(.nan), .number(.infinity), "", "plain", "q\"\\\n\r\t\u{0}\u{7}\u{1f}", "é☃𝄞", [], [:],
        [1, [2, [3, nil]], ["k": "v"]], ["b": 1, "a": ["x": "\u{1}"], "é": [true, false]],
    ] as [JSONValue])
    func countsWhatTheWriterWrites(_ value: JSONValue) {
        #expect(value.serializedByteCount == value.serializedBytes().count)
    }

    @Test func agreesWithTheWriterOnRandomDocuments() {
        var rng = Lcg(seed: 0x7a_6e_d0)
        for _ in 0..<500 {
            let value = randomValue(&rng, depth: 0)
            #expect(value.serializedByteCount == value.serializedBytes().count, "\(value.serialized())")
        }
    }

    private func randomValue(_ rng: inout Lcg, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 3 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() & 1 == 0)
        case 2: return .integer(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        case 3: return .number(Double(Int64(bitPattern: rng.next()) >> 20) / 1024)
        case 4: return .string(randomString(&rng))
        case 5: return .array((0..<rng.next() % 5).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<rng.next() % 5 { o[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
            return .object(o)
        }
    }

    private func randomString(_ rng: inout Lcg) -> String {
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1b}", "é", "☃", "𝄞", "/"]
        return String((0..<rng.next() % 12).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }
}

/// Knuth's MMIX linear congruential generator: deterministic, so a failure repeats.
private struct Lcg {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 17
    }
}
