import TandemJSON

/// The `error` object of a failed response.
public struct ErrorBody: WireObject {
    public var code: ErrorCode
    /// For humans; not stable.
    public var message: String
    /// Dotted path of the offending request parameter, when one is to blame.
    public var field: String?
    /// With `rate_limited` (and possibly `unavailable`): milliseconds after which a retry may succeed.
    public var retryAfterMs: Int64?

    public init(code: ErrorCode, message: String, field: String? = nil, retryAfterMs: Int64? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterMs = retryAfterMs
    }

    /// Lenient on `code`: a code this client does not know reads as `internal`, keeping the original in
    /// the message, so a client never fails on a server's answer.
    public init(reader r: inout WireReader) throws {
        let rawCode = try r.string("code", maxBytes: .max)
        message = try r.string("message", maxBytes: .max, allowEmpty: true)
        if let known = ErrorCode(rawValue: rawCode) {
            code = known
        } else {
            code = .internal
            message = "[\(rawCode)] \(message)"
        }
        // Empty is a real answer: an unknown parameter named "" is reported as field "" (found by Tests/fuzz).
        field = try r.optionalString("field", maxBytes: .max, allowEmpty: true)
        retryAfterMs = try r.optionalInt("retry_after_ms")
    }

    public func write(into o: inout [String: JSONValue]) {
        o["code"] = .string(code.rawValue)
        o["message"] = .string(message)
        o["field"] = field.map { .string($0) }
        o["retry_after_ms"] = retryAfterMs.map { .integer($0) }
    }
}

/// The one answer to a request.
public struct Response: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// `ok: true`; the `result` object (see the `*Result` types).
        case success(JSONValue)
        /// `ok: false`.
        case failure(ErrorBody)
    }

    /// The request's id; nil (sent as `null`) only when the request's id could not be read.
    public var id: RequestID?
    public var body: Body

    public init(id: RequestID?, body: Body) {
        self.id = id
        self.body = body
    }

    /// A successful response carrying `result`.
    public static func success(id: RequestID, _ result: some WireObject) -> Response {
        Response(id: id, body: .success(result.json))
    }

    /// A failed response.
    public static func failure(
        id: RequestID?, _ code: ErrorCode, _ message: String, field: String? = nil, retryAfterMs: Int64? = nil
    ) -> Response {
        Response(id: id, body: .failure(ErrorBody(code: code, message: message, field: field, retryAfterMs: retryAfterMs)))
    }

    public var isSuccess: Bool { if case .success = body { true } else { false } }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["id": id?.json ?? .null]
        switch body {
        case .success(let result):
            o["ok"] = true
            o["result"] = result
        case .failure(let error):
            o["ok"] = false
            o["error"] = error.json
        }
        return .object(o)
    }

    /// The response as a JSON text frame payload.
    public func encode() -> [UInt8] { json.serializedBytes() }

    /// The typed result (client side). Throws the `ProtocolError` of a failed response, or a `WireError`
    /// when the result does not have the expected shape.
    public func result<R: WireObject>(as type: R.Type) throws -> R {
        switch body {
        case .success(let value): return try R(json: value)
        case .failure(let e): throw ProtocolError(id: id, code: e.code, message: e.message, field: e.field)
        }
    }

    /// Reads a response object (client side), leniently.
    public init(json value: JSONValue) throws {
        var r = try WireReader(value)
        if let rawID = r.value("id") {
            id = try RequestID.read(rawID, maxBytes: .max)
        } else {
            id = nil
        }
        if try r.bool("ok") {
            guard let result = r.value("result"), case .object = result else {
                throw WireError(field: "result", message: "field 'result' must be an object")
            }
            body = .success(result)
        } else {
            body = .failure(try r.nested("error"))
        }
    }
}
