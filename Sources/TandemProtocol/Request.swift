import TandemJSON

/// A client request: an id the response echoes, and one operation with its parameters.
public struct Request: Sendable, Equatable {
    public var id: RequestID
    public var operation: Operation

    public init(id: RequestID, operation: Operation) {
        self.id = id
        self.operation = operation
    }

    /// The request as a JSON object: `{"id": ..., "op": "...", ...params}`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        operation.params.write(into: &object)
        object["id"] = id.json
        object["op"] = .string(operation.name.rawValue)
        return .object(object)
    }

    /// The request as a JSON text frame payload (client side).
    public func encode() -> [UInt8] { json.serializedBytes() }
}
