import Testing
@testable import TandemTransport

@Suite("UTF8Validator")
struct UTF8ValidatorTests {
    /// Swift's own decoder is the oracle.
    static func swiftSaysValid(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    /// Validates `bytes` split at the given offsets.
    static func validate(_ bytes: [UInt8], splits: [Int]) -> Bool {
        var v = UTF8Validator()
        var start = 0
        for cut in splits.sorted() + [bytes.count] where cut >= start {
            // Safe: the pointer is lent to the call only and not kept.
            let ok = bytes[start..<cut].withUnsafeBytes { v.feed($0) }
            if !ok { return false }
            start = cut
        }
        return v.finish()
    }

    static let adversarial: [[UInt8]] = [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], // overlongs
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xED, 0x9F, 0xBF], // surrogates and the last one before
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], // > U+10FFFF and U+10FFFF
        [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC3], // truncated
        [0x80], [0xBF], [0xFE], [0xFF], [0xC3, 0x28], [0xE2, 0x28, 0xA1], [0xE2, 0x82, 0x28],
        [0xEF, 0xBF, 0xBF], [0xEF, 0xBB, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0x00], [0x7F],
        Array("κόσμε".utf8), Array("aaaaaaaaaaaaaaaaaaaaa😀aaaaaaaa".utf8),
    ]

    @Test func adversarialSequencesAgreeWithSwift() {
        for seq in Self.adversarial {
            for prefix in [[], Array("abcdefghijklmnop".utf8)] {
                let bytes = prefix + seq + Array("xyz".utf8)
                #expect(Self.validate(bytes, splits: []) == Self.swiftSaysValid(bytes), "\(bytes)")
                for cut in 0...bytes.count {
                    #expect(Self.validate(bytes, splits: [cut]) == Self.swiftSaysValid(bytes), "\(bytes) cut at \(cut)")
                }
            }
        }
    }

    @Test func randomSequencesAgreeWithSwiftAtRandomSplits() {
        var g = SeededGenerator(seed: 2024)
        // Pieces biased towards UTF-8 structure so that valid and invalid inputs both occur often.
        let pieces: [[UInt8]] = Self.adversarial + [Array("plain ascii text ".utf8), Array("é".utf8), Array("€".utf8), Array("𝄞".utf8)]
        var validCount = 0
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &g) {
                if Bool.random(using: &g) {
                    bytes += pieces.randomElement(using: &g)!
                } else {
                    bytes += randomBytes(Int.random(in: 0...4, using: &g), using: &g)
                }
            }
            let splits = (0..<Int.random(in: 0...4, using: &g)).map { _ in Int.random(in: 0...bytes.count, using: &g) }
            let expected = Self.swiftSaysValid(bytes)
            if expected { validCount += 1 }
            #expect(Self.validate(bytes, splits: splits) == expected, "\(bytes) splits \(splits)")
        }
        #expect(validCount > 100)
    }

    @Test func everyScalarEncodingIsValid() {
        var bytes: [UInt8] = []
        for v in stride(from: 0, through: 0x10FFFF, by: 97) {
            if let s = Unicode.Scalar(UInt32(v)) { bytes += Array(String(Character(s)).utf8) }
        }
        #expect(UTF8Validator.isValid(bytes))
    }

    @Test func failsAtTheFirstBadByteAndStaysFailed() {
        var v = UTF8Validator()
        let first = v.feed(Array("hello".utf8))
        let bad = v.feed([0xC0])
        let later = v.feed(Array("fine again".utf8))
        let finished = v.finish()
        #expect(first)
        #expect(!bad)
        #expect(!later)
        #expect(!finished)
        #expect(!v.isValid)
    }

    @Test func incompleteSequenceOnlyFailsAtFinish() {
        var v = UTF8Validator()
        let fed = v.feed([0xF0, 0x9F])
        #expect(fed)
        #expect(!v.isAtBoundary)
        let finished = v.finish()
        #expect(!finished)
    }

    @Test func longASCIIWithLateError() {
        var bytes = [UInt8](repeating: 0x41, count: 100_003)
        #expect(UTF8Validator.isValid(bytes))
        bytes[99_999] = 0x80
        #expect(!UTF8Validator.isValid(bytes))
    }
}
