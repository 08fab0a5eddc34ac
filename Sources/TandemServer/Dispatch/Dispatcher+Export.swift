import TandemJSON
import TandemProtocol
import TandemStore
import TandemTransport

extension Dispatcher {
    /// Sends its answer itself: the store writes the document's text straight into the frame that
    /// goes out (counted first, so the frame is allocated once at its exact size). An export then
    /// costs one copy of the document in memory, not a tree of values several times its size.
    ///
    /// At most `export-concurrency` run at once: an export holds a work thread and a reader for as
    /// long as it reads, and a crowd of them would leave none for everyone else's requests.
    func exportSession(_ p: SessionRef, id: RequestID, connection: WebSocketConnection, client: ClientConnection) throws {
        let user = try memberUser(client)
        // The place is given back before the answer goes out: a client that sends its next export on
        // reading this one's answer must not find the place still taken.
        let frame = try withExportPlace { try exportFrame(p, id: id, user: user) }
        connection.send(frame)
    }

    /// Runs `body` holding one of the `export-concurrency` places, or refuses at once when none is free.
    private func withExportPlace<T>(_ body: () throws -> T) throws -> T {
        let limit = configuration.exportConcurrency
        guard exportsRunning.add(1, ordering: .relaxed).newValue <= limit else {
            exportsRunning.subtract(1, ordering: .relaxed)
            throw DispatchFailure(code: .unavailable, message: "\(limit) session exports are being served (export-concurrency); retry shortly",
                                  retryAfterMs: 1000)
        }
        defer { exportsRunning.subtract(1, ordering: .relaxed) }
        return try body()
    }

    /// The answer's frame: the document written by the store straight into the payload.
    private func exportFrame(_ p: SessionRef, id: RequestID, user: String) throws -> SharedFrame {
        let (prefix, suffix) = ExportResult.envelope(id: id)
        let frame: SharedFrame?
        do {
            frame = try store.exportSession(id: p.session, actor: user, maxBytes: configuration.maxExportBytes) { count, write in
                var complete = false
                // Safe: the slices below lie inside the payload SharedFrame allocated for exactly these bytes, and are used only here.
                let frame = SharedFrame(opcode: .text, payloadCount: prefix.count + count + suffix.count) { payload in
                    payload.copyBytes(from: prefix)
                    complete = write(UnsafeMutableRawBufferPointer(rebasing: payload[prefix.count ..< prefix.count + count]))
                    UnsafeMutableRawBufferPointer(rebasing: payload[(prefix.count + count)...]).copyBytes(from: suffix)
                }
                return complete ? frame : nil
            }
        } catch {
            guard error.kind == StoreError.Code.tooLarge else { throw error }
            let advice = "(max-export); tandem-admin sessions export writes a session of any size to a file"
            throw DispatchFailure(code: ErrorCode.tooLarge, message: error.message + " " + advice)
        }
        guard let frame else { throw DispatchFailure(code: .internal, message: "the export came out shorter than counted") }
        return frame
    }

    func importSession(_ p: ImportParams, client: ClientConnection) throws -> SessionResult {
        let user = try memberUser(client)
        guard p.document.serializedByteCount <= limits.maxImportBytes else {
            throw DispatchFailure(code: .tooLarge, message: "import documents are limited to \(limits.maxImportBytes) bytes", field: "document")
        }
        let session = try store.importSession(p.document, asID: p.session, claimedBy: user)
        return try made(session, for: user)
    }
}
