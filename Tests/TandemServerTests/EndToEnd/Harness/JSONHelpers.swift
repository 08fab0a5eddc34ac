import TandemJSON

extension JSONValue {
    /// `.integer` from any integer type, for building requests from loop variables.
    static func int<T: BinaryInteger>(_ n: T) -> JSONValue { .integer(Int64(n)) }

    /// The value at `key` as an integer, or a failure naming the key.
    func int(_ key: String) throws -> Int64 {
        guard let n = self[key]?.intValue else { throw TestFailure("no integer '\(key)' in \(self)") }
        return n
    }

    /// The value at `key` as a string, or a failure naming the key.
    func string(_ key: String) throws -> String {
        guard let s = self[key]?.stringValue else { throw TestFailure("no string '\(key)' in \(self)") }
        return s
    }

    /// The value at `key` as an array, or a failure naming the key.
    func array(_ key: String) throws -> [JSONValue] {
        guard let a = self[key]?.arrayValue else { throw TestFailure("no array '\(key)' in \(self)") }
        return a
    }

    /// The value at `key` as an object, or a failure naming the key.
    func object(_ key: String) throws -> JSONValue {
        guard let o = self[key], o.objectValue != nil else { throw TestFailure("no object '\(key)' in \(self)") }
        return o
    }

    /// The event name of a server event.
    var eventName: String? { self["event"]?.stringValue }
}
