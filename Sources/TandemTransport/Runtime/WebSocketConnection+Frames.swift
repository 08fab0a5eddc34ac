/// The open phase: frames in, messages to the application, control frames, the closing
/// handshake, outgoing compression and the outbound-queue limit. All on the loop thread.
extension WebSocketConnection {
    /// Bytes arrived (already decrypted).
    // Safe: `bytes` (the loop's read scratch) is read during the call only; what is kept is copied (MessageReader, parsers)
    func received(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .http:
            feedHTTP(bytes)
        case .open, .closing:
            guard reader != nil else { return }
            reader!.append(bytes)
            processFrames()
        case .tlsHandshake, .draining, .closed:
            break
        }
    }

    func processFrames() {
        while phase == .open || phase == .closing, reader != nil {
            let event: WebSocketEvent?
            do {
                event = try reader!.next()
            } catch {
                return fail(error)
            }
            guard let event else { return }
            switch event {
            case .text(let bytes):
                if phase == .open { server.application.received(.text(bytes), on: self) }
            case .binary(let bytes):
                if phase == .open { server.application.received(.binary(bytes), on: self) }
            case .ping(let payload):
                // Within the queue limit like any frame: a peer that pings and never reads is a slow consumer.
                if phase == .open { enqueueWithinLimit(SharedFrame(opcode: .pong, payload: payload).plain) }
            case .pong:
                break
            case .close(let code, _):
                peerClosed(code: code)
            }
        }
    }

    /// The peer's close frame: answer it (echoing the code) unless we sent ours first, then close.
    private func peerClosed(code: UInt16?) {
        reader = nil
        if sentClose {
            return closeSocket()
        }
        closeCode = code
        sentClose = true
        let payload = code.map { FrameEncoder.closePayload(code: CloseCode(rawValue: $0), reason: "") } ?? []
        enqueueBytes(SharedFrame(opcode: .close, payload: payload).plain)
        phase = .closing
        afterFlush = .closeSocket
        armTimer(at: loop.now + server.closeTimeout)
    }

    /// A protocol error from the codec: close with its code, then half-close and drain.
    private func fail(_ error: WebSocketError) {
        reader = nil
        guard !sentClose else { return closeSocket() }
        closeCode = error.closeCode.rawValue
        sentClose = true
        enqueueBytes(SharedFrame(opcode: .close, payload: FrameEncoder.closePayload(code: error.closeCode, reason: error.reason)).plain)
        phase = .closing
        afterFlush = .halfCloseAndDrain
        armTimer(at: loop.now + server.closeTimeout)
    }

    /// Server-initiated close (application, idle timeout, shutdown).
    func startClose(code: CloseCode, reason: String) {
        loop.assertInLoop()
        switch phase {
        case .tlsHandshake, .http:
            closeSocket()
        case .open:
            closeCode = code.rawValue
            sentClose = true
            enqueueBytes(SharedFrame(opcode: .close, payload: FrameEncoder.closePayload(code: code, reason: reason)).plain)
            phase = .closing
            armTimer(at: loop.now + server.closeTimeout)
        case .closing, .draining, .closed:
            break
        }
    }

    // MARK: Sending

    /// Queues a data frame, applying the queue limit (see `TransportConfiguration.outboundQueueLimit`).
    func enqueue(_ frame: SharedFrame) {
        loop.assertInLoop()
        guard phase == .open else { return }
        enqueueWithinLimit(outgoingBytes(for: frame))
    }

    /// Queues a run of broadcast frames: as one buffer, or frame by frame when this connection
    /// compresses.
    func enqueue(_ run: BroadcastRun) {
        loop.assertInLoop()
        guard phase == .open else { return }
        if deflate != nil {
            for frame in run.frames { enqueue(frame) }
        } else {
            enqueueWithinLimit(run.plainBytes)
        }
    }

    private func enqueueWithinLimit(_ bytes: FrameBytes) {
        let limit = server.configuration.outboundQueueLimit
        if !outbound.isEmpty && outbound.byteCount + bytes.count > limit {
            // The limit is on what the socket did not take. A burst queued in one loop turn (a join's
            // backlog, a commit's events) has not been offered to the socket yet: offer it before
            // calling the peer slow, or an answer queued just before the burst would be dropped with it.
            flush()
            guard phase == .open else { return }
            if !outbound.isEmpty && outbound.byteCount + bytes.count > limit { return overflow() }
        }
        enqueueBytes(bytes)
    }

    /// Slow consumer: drop what is queued (keeping a partly written frame), send 1008 right
    /// behind it, half-close once that is written, and drop the socket after `closeTimeout`.
    private func overflow() {
        outbound.dropUnstarted()
        reader = nil
        let code = CloseCode(rawValue: server.configuration.slowConsumerCloseCode)
        closeCode = code.rawValue
        sentClose = true
        enqueueBytes(SharedFrame(opcode: .close, payload: FrameEncoder.closePayload(code: code, reason: "outbound queue full")).plain)
        phase = .closing
        afterFlush = .halfCloseAndDrain
        armTimer(at: loop.now + server.closeTimeout)
        server.application.outboundOverflowed(self)
    }

    /// The bytes for this connection: plain, shared compressed, or compressed with our own context.
    private func outgoingBytes(for frame: SharedFrame) -> FrameBytes {
        guard let deflate, frame.opcode == .text || frame.opcode == .binary,
              frame.payloadCount >= server.configuration.compressionThreshold else { return frame.plain }
        let bits = deflate.serverMaxWindowBits
        if deflate.serverNoContextTakeover {
            let serverLoop = self.serverLoop
            return frame.compressed(windowBits: bits) { serverLoop.sharedDeflater(windowBits: bits) }
        }
        let compressor: Deflater
        if let deflater {
            compressor = deflater
        } else {
            compressor = Deflater(windowBits: bits, noContextTakeover: false, level: server.configuration.compressionLevel)
            deflater = compressor
        }
        return frame.withPayload { FrameBytes.make(copying: compressor.compressedFrame(opcode: frame.opcode, payload: $0)) }
    }

    // MARK: Timers while open

    func nextOpenDeadline() -> UInt64? {
        var next = idleDeadline()
        if server.pingInterval > 0 {
            let ping = max(lastActivity, lastPing) + server.pingInterval
            next = min(next ?? ping, ping)
        }
        return next
    }

    /// When the connection is closed as idle; nil: never, or not before a ping has gone out.
    ///
    /// With pings, a peer is closed only when it has left one unanswered for the answer window
    /// (`idleTimeout` - `pingInterval`), counted from the first ping since it was last heard from.
    /// That is `lastActivity + idleTimeout`, as long as the loop runs. A loop that did not run for a
    /// while (its process stopped by SIGSTOP or a debugger, a suspended VM, a blocked loop) finds
    /// the ping and the idle deadline both past: it pings first and waits the window, where it used
    /// to close every quiet peer at once, though none had been asked.
    func idleDeadline() -> UInt64? {
        guard server.idleTimeout > 0 else { return nil }
        let quiet = lastActivity + server.idleTimeout
        guard server.pingInterval > 0, server.pingInterval < server.idleTimeout else { return quiet }
        guard firstUnansweredPing > lastActivity else { return nil }
        return max(quiet, firstUnansweredPing + (server.idleTimeout - server.pingInterval))
    }

    func armOpenTimer() {
        if let deadline = nextOpenDeadline() { armTimer(at: deadline) }
    }

    func openTimerFired(now: UInt64) {
        if let idle = idleDeadline(), now >= idle {
            return startClose(code: CloseCode(rawValue: server.configuration.idleCloseCode), reason: "idle timeout")
        }
        if server.pingInterval > 0 && now >= max(lastActivity, lastPing) + server.pingInterval {
            lastPing = now
            if firstUnansweredPing <= lastActivity { firstUnansweredPing = now }
            enqueueBytes(SharedFrame(opcode: .ping, payload: []).plain)
        }
        armOpenTimer()
    }
}
