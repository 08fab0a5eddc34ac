/// Resumable WebSocket reader: frame decoding, unmasking, defragmentation (control frames may
/// arrive between the fragments of a data message), incremental UTF-8 validation of text, and
/// permessage-deflate decompression of messages whose first frame has RSV1 set.
///
/// Feed bytes with `append` as they come off the socket, then call `next()` until it returns nil.
/// Limits are checked against each frame header before its payload is buffered, so memory held
/// is bounded by the limits plus whatever unparsed input the caller hands over in one `append`.
/// Text is validated as it arrives, so an invalid byte in the first fragment fails at once.
///
/// Not Sendable when it holds an `Inflater`: one reader per connection, used on one thread.
public struct MessageReader {
    /// Decides which masking rule incoming frames must follow.
    public let role: WebSocketRole
    /// Checked against every frame header before its payload is buffered.
    public let limits: WebSocketLimits
    /// The permessage-deflate decompressor, present only when the extension was negotiated.
    public let inflater: Inflater?

    private var input: [UInt8] = []
    private var inputStart = 0
    private var failure: WebSocketError?
    private var frame: ActiveFrame?
    private var message: PartialMessage?
    private var control: [UInt8] = []

    /// Where we are in the payload of the current frame.
    private struct ActiveFrame {
        var opcode: WebSocketOpcode
        var fin: Bool
        var maskKey: UInt32?
        var phase: Int
        var remaining: Int
    }

    /// A data message whose fragments are still arriving.
    private struct PartialMessage {
        var isText: Bool
        var compressed: Bool
        var fragments: Int
        /// Payload bytes received so far, as on the wire (compressed if compressed).
        var wireBytes: Int
        /// Uncompressed: the message so far. Compressed: bytes received but not yet inflated.
        var payload: [UInt8]
        /// Inflated output (compressed messages only).
        var output: [UInt8]
        /// Bytes of the message (payload or output) already validated as UTF-8.
        var checked: Int
        var utf8: UTF8Validator
    }

    public init(role: WebSocketRole, limits: WebSocketLimits = .init(), inflater: Inflater? = nil) {
        self.role = role
        self.limits = limits
        self.inflater = inflater
    }

    /// Memory currently held for this connection (unparsed input plus partial messages), for
    /// per-connection and global accounting.
    public var bufferedByteCount: Int {
        var n = input.count + control.count
        if let m = message { n += m.payload.count + m.output.count }
        return n
    }

    /// Whether a previous `next()` threw; a failed reader only rethrows that error.
    public var hasFailed: Bool { failure != nil }

    /// Hands over bytes read from the peer. Payload of a data frame in progress is copied straight
    /// into the message (unmasked); anything else is kept until `next()` parses it.
    // Safe: `bytes` is read during the call, in rebased ranges within its count; what is kept is copied into the message or `input`
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        var rest = bytes
        if inputStart == input.count, let f = frame, !f.opcode.isControl, f.remaining > 0 {
            let n = min(f.remaining, rest.count)
            consumePayload(UnsafeRawBufferPointer(rebasing: rest[0..<n]))
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        guard rest.count > 0 else { return }
        if inputStart > 0 && inputStart * 2 >= input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
        input.append(contentsOf: rest)
    }

    /// Hands over bytes read from the peer.
    public mutating func append(_ bytes: [UInt8]) {
        // Safe: the pointer is lent to the call only and not kept
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete event, or nil when more bytes are needed. Throws `WebSocketError` when
    /// the peer broke the protocol or a limit; send a close with `error.closeCode` and drop the
    /// connection. After a throw the reader is dead: every later call throws the same error.
    public mutating func next() throws(WebSocketError) -> WebSocketEvent? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            input = []
            inputStart = 0
            message = nil
            control = []
            frame = nil
            throw error
        }
    }

    private mutating func step() throws(WebSocketError) -> WebSocketEvent? {
        while true {
            if frame == nil {
                switch try readHeader() {
                case .needMoreBytes:
                    try processMessage()
                    compactInput()
                    return nil
                case .complete(let event):
                    return event
                case .frameStarted:
                    break
                }
            }
            if let f = frame, f.remaining > 0 {
                let n = min(input.count - inputStart, f.remaining)
                if n > 0 {
                    let buffered = input
                    // Safe: `buffered` keeps input's storage alive for the closure; the range ends at inputStart + n <= input.count
                    buffered.withUnsafeBytes { consumePayload(UnsafeRawBufferPointer(rebasing: $0[inputStart..<inputStart + n])) }
                    inputStart += n
                }
            }
            guard let f = frame, f.remaining == 0 else {
                try processMessage()
                compactInput()
                return nil
            }
            frame = nil
            if f.opcode.isControl {
                let payload = control
                control = []
                return try controlEvent(f.opcode, payload)
            }
            if f.fin { return try finishMessage() }
            // Check each finished fragment before the next header: otherwise an invalid fragment
            // followed by a control frame in the same read gave the control event first, and the
            // outcome depended on how the bytes were cut (found by Tests/fuzz, target frame).
            try processMessage()
        }
    }

    private mutating func compactInput() {
        if inputStart == input.count {
            // Keep a modest buffer for the next read; give large ones back.
            if input.capacity <= 64 * 1024 { input.removeAll(keepingCapacity: true) } else { input = [] }
            inputStart = 0
        } else if inputStart > 0 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    private enum HeaderOutcome {
        case needMoreBytes
        /// The header was read and `frame` set up for its payload.
        case frameStarted
        /// A whole unfragmented frame was already buffered and decoded in one go.
        case complete(WebSocketEvent)
    }

    /// Parses and checks the next frame header.
    private mutating func readHeader() throws(WebSocketError) -> HeaderOutcome {
        let available = input.count - inputStart
        guard available >= 2 else { return .needMoreBytes }
        let b0 = input[inputStart]
        let b1 = input[inputStart + 1]
        // Everything decidable from the first two bytes is decided before waiting for more.
        let opcodeBits = b0 & 0x0F
        guard let opcode = WebSocketOpcode(rawValue: opcodeBits) else { throw .reservedOpcode(opcodeBits) }
        if b0 & 0x30 != 0 { throw .reservedBitsSet }
        let rsv1 = b0 & 0x40 != 0
        let fin = b0 & 0x80 != 0
        if rsv1 && (inflater == nil || !(opcode == .text || opcode == .binary)) { throw .reservedBitsSet }
        if opcode.isControl {
            if !fin { throw .fragmentedControlFrame }
            if b1 & 0x7F > 125 { throw .controlFrameTooLong }
        } else if opcode == .continuation {
            if message == nil { throw .unexpectedContinuation }
        } else if message != nil {
            throw .expectedContinuation
        }
        let masked = b1 & 0x80 != 0
        switch role {
        case .server where !masked: throw .unmaskedClientFrame
        case .client where masked: throw .maskedServerFrame
        default: break
        }
        // Safe: slices of input's storage from inputStart <= input.count, read only inside the closure
        let parsed = input.withUnsafeBytes { raw -> Result<FrameHeader?, WebSocketError> in
            let slice = UnsafeRawBufferPointer(rebasing: raw[inputStart...])
            do throws(WebSocketError) {
                return .success(try FrameHeader.parse(slice, maxPayload: limits.maxFramePayload))
            } catch {
                return .failure(error)
            }
        }
        guard let header = try parsed.get() else { return .needMoreBytes }
        let length = header.payloadLength
        // Fast path for the common case: a whole single-frame uncompressed message, or a whole
        // control frame, already buffered. Copied and unmasked once, straight into its event.
        if fin && !rsv1 && opcode != .continuation && available >= header.headerLength + length {
            if !opcode.isControl && length > limits.maxMessageSize { throw .messageTooBig(length) }
            let start = inputStart + header.headerLength
            // Empty: `[]`, not the initializer below, which for 0 writes a count into the standard
            // library's one shared empty array (a data race between loops, ThreadSanitizer says).
            // Safe: all `length` bytes are written by the copy below before `initialized` is set
            let payload = length == 0 ? [] : [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
                let dest = UnsafeMutableRawBufferPointer(out)
                // Safe: `dest` has `length` bytes and the source range was checked to be buffered (available >= header + length).
                input.withUnsafeBytes { dest.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
                if let key = header.maskKey { WebSocketMasking.apply(key: key, phase: 0, to: dest) }
                initialized = length
            }
            inputStart = start + length
            switch opcode {
            case .text:
                guard UTF8Validator.isValid(payload) else { throw .invalidUTF8 }
                return .complete(.text(payload))
            case .binary:
                return .complete(.binary(payload))
            default:
                return .complete(try controlEvent(opcode, payload))
            }
        }
        if !opcode.isControl {
            if opcode == .continuation {
                message!.fragments += 1
                if message!.fragments > limits.maxFragments { throw .tooManyFragments }
                let total = message!.wireBytes + length
                if total > limits.maxMessageSize { throw .messageTooBig(total) }
                message!.wireBytes = total
            } else {
                if length > limits.maxMessageSize { throw .messageTooBig(length) }
                var payload: [UInt8] = []
                // Reserve for what is announced, but not more than a read's worth: a peer that
                // announces a large frame and then trickles bytes should not pin that memory.
                payload.reserveCapacity(min(length, 64 * 1024))
                message = PartialMessage(
                    isText: opcode == .text, compressed: rsv1, fragments: 1, wireBytes: length,
                    payload: payload, output: [], checked: 0, utf8: UTF8Validator())
            }
        }
        inputStart += header.headerLength
        frame = ActiveFrame(opcode: opcode, fin: fin, maskKey: header.maskKey, phase: 0, remaining: length)
        return .frameStarted
    }

    /// Moves up to the rest of the current frame's payload from `bytes`, unmasking it.
    // Safe: `bytes` is read during the call (the first n <= count bytes); the masks apply to ranges from `start` within the arrays just appended to
    private mutating func consumePayload(_ bytes: UnsafeRawBufferPointer) {
        guard var f = frame else { return }
        let n = min(bytes.count, f.remaining)
        guard n > 0 else { return }
        let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
        if f.opcode.isControl {
            let start = control.count
            control.append(contentsOf: chunk)
            if let key = f.maskKey {
                f.phase = control.withUnsafeMutableBytes {
                    WebSocketMasking.apply(key: key, phase: f.phase, to: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
                }
            }
        } else {
            let start = message!.payload.count
            message!.payload.append(contentsOf: chunk)
            if let key = f.maskKey {
                f.phase = message!.payload.withUnsafeMutableBytes {
                    WebSocketMasking.apply(key: key, phase: f.phase, to: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
                }
            }
        }
        f.remaining -= n
        frame = f
    }

    /// Validates (and for compressed messages inflates) what has arrived of the current message.
    private mutating func processMessage(final: Bool = false) throws(WebSocketError) {
        guard var m = message else { return }
        message = nil
        defer { message = m }
        if m.compressed {
            guard let inflater else { throw .reservedBitsSet }
            let limit = limits.maxDecompressedMessageSize
            if !m.payload.isEmpty {
                try inflater.decompress(m.payload, into: &m.output, limit: limit)
                m.payload.removeAll(keepingCapacity: true)
            }
            if final { try inflater.finishMessage(into: &m.output, limit: limit) }
            if m.isText && m.checked < m.output.count {
                // Safe: a slice of the array's own storage from m.checked <= count, read inside the closure
                let ok = m.output.withUnsafeBytes { m.utf8.feed(UnsafeRawBufferPointer(rebasing: $0[m.checked...])) }
                if !ok { throw .invalidUTF8 }
                m.checked = m.output.count
            }
        } else if m.isText && m.checked < m.payload.count {
            // Safe: as above
            let ok = m.payload.withUnsafeBytes { m.utf8.feed(UnsafeRawBufferPointer(rebasing: $0[m.checked...])) }
            if !ok { throw .invalidUTF8 }
            m.checked = m.payload.count
        }
    }

    private mutating func finishMessage() throws(WebSocketError) -> WebSocketEvent {
        try processMessage(final: true)
        guard var m = message else { preconditionFailure("finishing without a message") }
        message = nil
        if m.isText && !m.utf8.finish() { throw .invalidUTF8 }
        let bytes = m.compressed ? m.output : m.payload
        return m.isText ? .text(bytes) : .binary(bytes)
    }

    private func controlEvent(_ opcode: WebSocketOpcode, _ payload: [UInt8]) throws(WebSocketError) -> WebSocketEvent {
        switch opcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        default:
            if payload.isEmpty { return .close(code: nil, reason: "") }
            if payload.count == 1 { throw .invalidClosePayload }
            let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            if !CloseCode.isValidReceived(code) { throw .invalidCloseCode(code) }
            let reason = payload[2...]
            if !UTF8Validator.isValid(Array(reason)) { throw .invalidUTF8 }
            return .close(code: code, reason: String(decoding: reason, as: UTF8.self))
        }
    }
}
