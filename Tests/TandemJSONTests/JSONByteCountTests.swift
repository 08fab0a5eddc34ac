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
        var rng = RandomJSON.Generator(seed: 0x7a_6e_d0)
        for _ in 0..<500 {
            let value = RandomJSON.value(&rng, depth: 0)
            #expect(value.serializedByteCount == value.serializedBytes().count, "\(value.serialized())")
        }
    }
}
