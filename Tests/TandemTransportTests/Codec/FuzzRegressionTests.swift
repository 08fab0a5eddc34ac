import Testing
@testable import TandemTransport

/// Inputs the libFuzzer targets (Tests/fuzz) found, kept as they were found (configuration bytes
/// dropped), so each bug stays fixed in the ordinary test run.
@Suite("Fuzz regressions: codec")
struct CodecFuzzRegressionTests {
    /// Feeds `bytes` whole, then one byte at a time, and returns both outcomes.
    private func bothWays(
        _ bytes: [UInt8], role: WebSocketRole, inflater: () -> Inflater? = { nil }
    ) -> [(events: [WebSocketEvent], error: WebSocketError?)] {
        var whole = MessageReader(role: role, inflater: inflater())
        var wholeEvents: [WebSocketEvent] = []
        var wholeError: WebSocketError?
        whole.append(bytes)
        do { while let e = try whole.next() { wholeEvents.append(e) } } catch { wholeError = error }

        var pieces = MessageReader(role: role, inflater: inflater())
        var pieceEvents: [WebSocketEvent] = []
        var pieceError: WebSocketError?
        do {
            for b in bytes {
                pieces.append([b])
                while let e = try pieces.next() { pieceEvents.append(e) }
            }
        } catch {
            pieceError = error
        }
        return [(wholeEvents, wholeError), (pieceEvents, pieceError)]
    }

    /// An invalid first fragment followed by a control frame in the same read used to give the
    /// control event (here a pong) before failing; byte by byte it failed at once. Now both fail
    /// with 1007 before any event.
    @Test func invalidFragmentBeforeControlFrameFailsWhateverTheCut() {
        let input: [UInt8] = [
            0x01, 0x01, 0x13, 0x00, 0x13, 0x00, 0xFF, 0x04, 0xFF, 0xD2, 0xFF, 0x01, 0x00, 0x00,
            0x0A, 0x2E, 0x00, 0x0A, 0x2E, 0x8A, 0x8A, 0x81, 0x86, 0xDF, 0x8A, 0x01, 0x53, 0x27, 0x01,
            0x00, 0xEE, 0x0A, 0x0A,
        ]
        for outcome in bothWays(input, role: .client) {
            #expect(outcome.events.isEmpty)
            #expect(outcome.error == .invalidUTF8)
        }
    }

    /// Same bug with a close frame behind the invalid fragment: the close was delivered (and
    /// would have been echoed as a clean close) instead of failing with 1007.
    @Test func invalidFragmentBeforeCloseFrameFailsWhateverTheCut() {
        let input: [UInt8] = [0x01, 0x03, 0xF9, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0x0C, 0x10, 0x00, 0x00, 0x00]
        for outcome in bothWays(input, role: .client) {
            #expect(outcome.events.isEmpty)
            #expect(outcome.error == .invalidUTF8)
        }
    }

    /// A compressed message (13-bit window negotiated) whose back-references reach past 8 KiB:
    /// zlib with a 13-bit window accepted them when the frame came in one read and refused them
    /// when it came in pieces, so the verdict depended on the network. The inflater now always
    /// uses a 32 KiB window, and the reader answers the same whatever the cut.
    @Test func compressedBackReferencesPastTheNegotiatedWindowDecodeWhateverTheCut() {
        let input: [UInt8] = [
            0xC2, 0xF2, 0x37, 0x12, 0xA5, 0xC0, 0xDB, 0xD3, 0x94, 0xC1, 0x37, 0x12, 0xA5, 0x02, 0x97, 0xE7,
            0xEA, 0xAD, 0x3A, 0x1D, 0x05, 0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x37, 0x12,
            0xA5, 0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x37, 0x52, 0xA5, 0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x12, 0xA5,
            0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x00, 0x2B, 0x88, 0xEE, 0x52, 0xFF, 0xFF,
            0x37, 0x12, 0xA5, 0xC0, 0x37, 0x12, 0xA5, 0xC0, 0x37, 0x37, 0x12, 0xA5, 0xC0, 0x37, 0x12, 0xA5,
            0xC0, 0x37, 0x12, 0x5D, 0x3F, 0xC8, 0xED, 0xA5, 0xC0, 0x39, 0x12, 0xA5, 0xC0, 0x37, 0x12, 0xA5,
            0xC0, 0x37, 0xFF, 0xFF, 0x12, 0xA5, 0xC0, 0x37, 0x12, 0xA5, 0xFF, 0xFF,
        ]
        let outcomes = bothWays(input, role: .server) { Inflater(windowBits: 13, noContextTakeover: false) }
        // The frame is still incomplete (102 of its 114 payload bytes): no event, and no refusal
        // either way; with a 13-bit zlib window, a byte at a time refused it as corrupt.
        for outcome in outcomes {
            #expect(outcome.events.isEmpty)
            #expect(outcome.error == nil)
        }
    }
}
