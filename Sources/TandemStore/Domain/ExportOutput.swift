import TandemJSON

/// Where `SessionExport.emit` puts the document: built as a tree (the wire answer), or written
/// as JSON text while the rows are read (a file of any size). One description of the document
/// feeds both, so they cannot drift apart.
protocol ExportOutput: AnyObject {
    /// A top-level field given whole. Fields come in sorted key order.
    func field(_ key: String, _ value: JSONValue) throws(StoreError)
    /// A top-level array field whose elements `produce` hands over one at a time.
    func arrayField(_ key: String, _ produce: (_ element: (JSONValue) throws(StoreError) -> Void) throws(StoreError) -> Void) throws(StoreError)
}

/// Collects the document as one `JSONValue`.
final class ExportTree: ExportOutput {
    private(set) var fields: [String: JSONValue] = [:]

    var document: JSONValue { .object(fields) }

    func field(_ key: String, _ value: JSONValue) { fields[key] = value }

    func arrayField(_ key: String, _ produce: ((JSONValue) throws(StoreError) -> Void) throws(StoreError) -> Void) throws(StoreError) {
        var elements: [JSONValue] = []
        try produce { elements.append($0) }
        fields[key] = .array(elements)
    }
}

/// Writes the document as compact JSON text (byte-identical to `ExportTree`'s `serialized()`),
/// handing it to `sink` in chunks of about `chunkBytes`; memory stays at one chunk plus one
/// record, whatever the size of the session.
final class ExportTextWriter: ExportOutput {
    private var buffer: [UInt8] = []
    private var lastKey: String?
    private let chunkBytes: Int
    private let sink: ([UInt8]) -> Bool

    /// `sink` returns false to stop the export (it then fails with `closed`).
    init(chunkBytes: Int, sink: @escaping ([UInt8]) -> Bool) {
        self.chunkBytes = max(chunkBytes, 1)
        self.sink = sink
        buffer.reserveCapacity(self.chunkBytes + 4096)
        buffer.append(UInt8(ascii: "{"))
    }

    func field(_ key: String, _ value: JSONValue) throws(StoreError) {
        try startField(key)
        JSONWriter.write(value, into: &buffer)
        try flushWhenFull()
    }

    func arrayField(_ key: String, _ produce: ((JSONValue) throws(StoreError) -> Void) throws(StoreError) -> Void) throws(StoreError) {
        try startField(key)
        buffer.append(UInt8(ascii: "["))
        var first = true
        try produce { element throws(StoreError) in
            if !first { self.buffer.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.write(element, into: &self.buffer)
            try self.flushWhenFull()
        }
        buffer.append(UInt8(ascii: "]"))
    }

    /// Closes the document and hands over the rest.
    func finish() throws(StoreError) {
        buffer.append(UInt8(ascii: "}"))
        try flush()
    }

    private func startField(_ key: String) throws(StoreError) {
        // The tree serializes keys sorted; writing them in any other order would change the bytes.
        precondition(lastKey.map { $0 < key } ?? true, "export fields out of order: \(key) after \(lastKey ?? "")")
        if lastKey != nil { buffer.append(UInt8(ascii: ",")) }
        lastKey = key
        JSONWriter.writeString(key, into: &buffer)
        buffer.append(UInt8(ascii: ":"))
    }

    private func flushWhenFull() throws(StoreError) {
        if buffer.count >= chunkBytes { try flush() }
    }

    private func flush() throws(StoreError) {
        guard !buffer.isEmpty else { return }
        guard sink(buffer) else { throw StoreError(.closed, "the export was stopped by its destination") }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Counts the bytes `ExportTextWriter` writes for the same fields, without writing them; throws
/// `overLimit()` as soon as the count passes `limit`.
final class ExportByteCounter: ExportOutput {
    /// Starts at 1: the document's opening brace.
    private(set) var count = 1
    private var fields = 0
    private let limit: Int
    private let overLimit: () -> StoreError

    init(limit: Int, overLimit: @escaping () -> StoreError) {
        self.limit = limit
        self.overLimit = overLimit
    }

    func field(_ key: String, _ value: JSONValue) throws(StoreError) {
        try startField(key)
        try add(value.serializedByteCount)
    }

    func arrayField(_ key: String, _ produce: ((JSONValue) throws(StoreError) -> Void) throws(StoreError) -> Void) throws(StoreError) {
        try startField(key)
        try add(1) // [
        var first = true
        try produce { element throws(StoreError) in
            try self.add((first ? 0 : 1) + element.serializedByteCount)
            first = false
        }
        try add(1) // ]
    }

    /// The closing brace.
    func finish() throws(StoreError) { try add(1) }

    /// A comma before every field but the first, the key and its colon.
    private func startField(_ key: String) throws(StoreError) {
        try add((fields > 0 ? 1 : 0) + JSONValue.string(key).serializedByteCount + 1)
        fields += 1
    }

    private func add(_ bytes: Int) throws(StoreError) {
        count += bytes
        if count > limit { throw overLimit() }
    }
}
