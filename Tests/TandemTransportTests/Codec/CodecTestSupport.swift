@testable import TandemTransport

/// Builds a frame byte by byte, including forms the encoder never produces (reserved bits,
/// reserved opcodes, non-minimal lengths), for decoder tests.
func rawFrame(
    fin: Bool = true, rsv: UInt8 = 0, opcode: UInt8, payload: [UInt8] = [],
    maskKey: UInt32? = 0x3712_A5C0, lengthForm: Int? = nil, announcedLength: UInt64? = nil
) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
    let length = announcedLength ?? UInt64(payload.count)
    let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
    let form = lengthForm ?? (length <= 125 ? 7 : (length <= 0xFFFF ? 16 : 64))
    switch form {
    case 7: out.append(maskBit | UInt8(length))
    case 16:
        out.append(maskBit | 126)
        out.append(UInt8(length >> 8 & 0xFF)); out.append(UInt8(length & 0xFF))
    default:
        out.append(maskBit | 127)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(length >> UInt64(shift) & 0xFF)) }
    }
    var body = payload
    if let key = maskKey {
        out.append(contentsOf: [UInt8(key >> 24), UInt8(key >> 16 & 0xFF), UInt8(key >> 8 & 0xFF), UInt8(key & 0xFF)])
        // Safe: the pointer is lent to the call only and not kept.
        body.withUnsafeMutableBytes { _ = WebSocketMasking.apply(key: key, phase: 0, to: $0) }
    }
    out.append(contentsOf: body)
    return out
}

/// Feeds `bytes` and drains every event; rethrows the reader's error.
func drain(_ reader: inout MessageReader, _ bytes: [UInt8]) throws(WebSocketError) -> [WebSocketEvent] {
    reader.append(bytes)
    var events: [WebSocketEvent] = []
    while let e = try reader.next() { events.append(e) }
    return events
}

/// Runs the reader over `bytes` and returns the error it throws (nil if none).
func readerError(_ bytes: [UInt8], role: WebSocketRole = .server, limits: WebSocketLimits = .init(), inflater: Inflater? = nil) -> WebSocketError? {
    var reader = MessageReader(role: role, limits: limits, inflater: inflater)
    do {
        _ = try drain(&reader, bytes)
        return nil
    } catch {
        return error
    }
}

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, using g: inout SeededGenerator) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
}

func text(_ s: String) -> [UInt8] { Array(s.utf8) }
