/// Why a request could not be accepted, ready to be answered: the id (when one could be read),
/// a stable code, a message naming the offending field, and the field itself.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request's id if it could be read; nil makes the response carry `"id": null`.
    public var id: RequestID?
    public var code: ErrorCode
    public var message: String
    /// Dotted path of the offending parameter (`tokens.input`), when one is to blame.
    public var field: String?

    public init(id: RequestID?, code: ErrorCode, message: String, field: String? = nil) {
        self.id = id
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The error response to send for this error.
    public var response: Response {
        Response(id: id, body: .failure(ErrorBody(code: code, message: message, field: field)))
    }
}

/// Why a wire value could not be read as the expected type: the field path and what was wrong.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the field (`tokens.input`, `conflicts[2].path`); empty for the value itself.
    public var field: String
    public var message: String
    /// `invalid_argument`, or `too_large` for a value over its size limit.
    public var code: ErrorCode

    public init(field: String, message: String, code: ErrorCode = .invalidArgument) {
        self.field = field
        self.message = message
        self.code = code
    }

    public var description: String { message }
}
