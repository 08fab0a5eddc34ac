import TandemJSON

extension Request {
    /// Decodes one request frame (server side). Never throws and never traps: a malformed request gives a
    /// `ProtocolError` whose `response` can be sent as is, with the request's id whenever it could be read.
    ///
    /// Order of checks: size (`too_large`), JSON (`invalid_json`; with the id only when the JSON is
    /// well-formed but holds a number out of range), object and `id` (`bad_request`, no id),
    /// `op` (`bad_request`), op known (`unknown_op`), then parameters (`invalid_argument` / `too_large`,
    /// naming the field). Unknown parameters are refused, so a typo never passes silently.
    /// The buffer is only read during the call; nothing keeps a pointer into it.
    // Safe: the buffer is only read during the call; what decode keeps is copied into Swift values
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: ProtocolLimits = .default) -> Result<Request, ProtocolError> {
        guard bytes.count <= limits.maxMessageBytes else {
            return .failure(ProtocolError(
                id: nil, code: .tooLarge,
                message: "message is \(bytes.count) bytes, more than max_message_bytes (\(limits.maxMessageBytes))"))
        }
        // The common `turn.post` first, read without building the JSON value; nil for anything else,
        // which the general path reads from the start.
        if let post = plainPostTurn(bytes, limits: limits) { return .success(post) }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes, maxDepth: limits.maxJSONDepth)
        } catch let error as JSONParseError {
            let id = error.isNumberOutOfRange ? idBeside(outOfRangeNumbersIn: bytes, limits: limits) : nil
            return .failure(ProtocolError(id: id, code: .invalidJSON, message: error.description))
        } catch {
            return .failure(ProtocolError(id: nil, code: .invalidJSON, message: "invalid JSON"))
        }
        return decode(value, limits: limits)
    }

    /// Decodes one request frame from bytes.
    public static func decode(_ bytes: [UInt8], limits: ProtocolLimits = .default) -> Result<Request, ProtocolError> {
        // Safe: the pointer does not escape: decode copies whatever it keeps into Swift values.
        bytes.withUnsafeBytes { decode($0, limits: limits) }
    }

    /// Decodes one request frame from text.
    public static func decode(_ text: String, limits: ProtocolLimits = .default) -> Result<Request, ProtocolError> {
        decode(Array(text.utf8), limits: limits)
    }

    /// Decodes a request already parsed as JSON.
    public static func decode(_ value: JSONValue, limits: ProtocolLimits = .default) -> Result<Request, ProtocolError> {
        guard case .object(let fields) = value else {
            return .failure(ProtocolError(
                id: nil, code: .badRequest, message: "a request must be a JSON object, got \(value.kindName)"))
        }
        guard let rawID = fields["id"] else {
            return .failure(ProtocolError(id: nil, code: .badRequest, message: "field 'id' is required", field: "id"))
        }
        let id: RequestID
        do {
            id = try RequestID.read(rawID, maxBytes: limits.maxRequestIDBytes)
        } catch {
            return .failure(ProtocolError(id: nil, code: .badRequest, message: describe(error), field: "id"))
        }
        guard let rawOp = fields["op"] else {
            return .failure(ProtocolError(id: id, code: .badRequest, message: "field 'op' is required", field: "op"))
        }
        guard case .string(let opText) = rawOp, !opText.isEmpty else {
            let got = rawOp.stringValue != nil ? "an empty string" : rawOp.kindName
            return .failure(ProtocolError(
                id: id, code: .badRequest, message: "field 'op' must be an operation name, got \(got)", field: "op"))
        }
        guard let name = OpName(rawValue: opText) else {
            let shown = opText.utf8.count > 64 ? String(opText.prefix(64)) + "…" : opText
            return .failure(ProtocolError(
                id: id, code: .unknownOp, message: "unknown op '\(shown)' (tandem.v1)", field: "op"))
        }
        do {
            var reader = try WireReader(value, strict: true, limits: limits)
            reader.skip("id")
            reader.skip("op")
            let operation = try Operation.read(name, from: &reader)
            try reader.finish()
            return .success(Request(id: id, operation: operation))
        } catch let error as WireError {
            return .failure(ProtocolError(
                id: id, code: error.code, message: "\(name.rawValue): \(error.message)", field: error.field))
        } catch {
            return .failure(ProtocolError(id: id, code: .invalidArgument, message: "\(name.rawValue): \(error)"))
        }
    }

    /// The id of a request refused only for a number out of range (well-formed JSON otherwise), so
    /// its answer can name it: the text read again with such numbers as `null`. Only on that error
    /// path, never for a request that parsed. Nil when the id cannot be read (or is itself the number).
    // Safe: the buffer is only read during the call, as in decode
    static func idBeside(outOfRangeNumbersIn bytes: UnsafeRawBufferPointer, limits: ProtocolLimits) -> RequestID? {
        guard let members = try? JSONMember.members(parsingOutOfRangeNumbersAsNull: bytes, maxDepth: limits.maxJSONDepth),
              let raw = members.last(where: { $0.key == "id" })?.value // the last one wins, as in the object
        else { return nil }
        return try? RequestID.read(raw, maxBytes: limits.maxRequestIDBytes)
    }

    static func describe(_ error: any Error) -> String {
        (error as? WireError)?.message ?? "\(error)"
    }
}
