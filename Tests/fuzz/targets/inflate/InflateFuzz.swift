import FuzzSupport
import TandemTransport

/// Fuzzes the permessage-deflate `Inflater` and its size limit.
///
/// Input: one byte of configuration (window bits, context takeover, limit), one chunk-plan
/// seed, then messages, each as pieces `[n][n bytes]` where the high bit of n ends the message
/// (n & 0x7F bytes follow). Every message is inflated twice: in pieces against the limit, and
/// whole by a reference inflater allowed one byte more, which tells whether the message fits. The
/// limited one must return exactly the reference output when it fits, refuse with
/// `decompressedTooBig` when it does not, and never hold more than the limit plus one inflate step.
enum InflateFuzz {
    static let limits = [0, 1, 16, 100, 1000, 4096, 65536, 200_000]
    /// Output zlib produces per call inside `Inflater`: the most a refused message may have held.
    static let step = 16 * 1024

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let flags = input.byte()
        let seed = input.byte()
        let windowBits = 8 + Int(flags & 7)
        let noContextTakeover = flags & 8 != 0
        let limit = limits[Int(flags >> 4) & 7]
        let limited = Inflater(windowBits: windowBits, noContextTakeover: noContextTakeover)
        let reference = Inflater(windowBits: windowBits, noContextTakeover: noContextTakeover)
        var plan = ChunkPlan(seed: seed)

        while !input.isAtEnd {
            var message: [UInt8] = []
            while !input.isAtEnd {
                let n = input.byte()
                message.append(contentsOf: input.take(Int(n & 0x7F)))
                if n & 0x80 != 0 { break }
            }
            // The reference sees the message whole.
            let expected: Result<[UInt8], WebSocketError>
            do throws(WebSocketError) {
                expected = .success(try reference.decompress(message, limit: limit + 1))
            } catch {
                expected = .failure(error)
            }
            // The limited inflater sees it in pieces, as frames of a fragmented message arrive.
            var output: [UInt8] = []
            var failure: WebSocketError?
            // Safe: the pieces are slices of the array's storage, used inside this closure only
            message.withUnsafeBytes { raw in
                plan.forEachPiece(of: raw) { piece in
                    guard failure == nil else { return }
                    do throws(WebSocketError) {
                        try limited.decompress(piece, into: &output, limit: limit)
                    } catch {
                        failure = error
                    }
                }
            }
            if failure == nil {
                do throws(WebSocketError) { try limited.finishMessage(into: &output, limit: limit) } catch { failure = error }
            }
            fuzzCheck(output.count <= limit + step, "inflated \(output.count) bytes against a limit of \(limit)")
            switch (expected, failure) {
            case (.success(let bytes), nil):
                fuzzCheck(output.count <= limit, "accepted \(output.count) bytes over the limit \(limit)")
                fuzzCheck(output == bytes, "inflated \(output.count) bytes, reference \(bytes.count)")
            case (.success(let bytes), let error?):
                fuzzCheck(bytes.count > limit && error == .decompressedTooBig,
                          "refused with \(error) a message of \(bytes.count) bytes (limit \(limit))")
            case (.failure(.decompressedTooBig), let error):
                fuzzCheck(error == .decompressedTooBig, "a message over \(limit + 1) bytes gave \(String(describing: error))")
            case (.failure(let refError), let error):
                fuzzCheck(refError == .inflateFailed, "reference failed with \(refError)")
                // Corrupt data is refused; if enough output came before the corruption, the limit may speak first.
                fuzzCheck(error == .inflateFailed || error == .decompressedTooBig,
                          "corrupt data gave \(String(describing: error))")
            }
            // After any refusal the connection is closed: the streams are no longer comparable.
            if failure != nil || !isSuccess(expected) { return }
        }
    }

    static func isSuccess(_ r: Result<[UInt8], WebSocketError>) -> Bool {
        if case .success = r { return true }
        return false
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    InflateFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-inflate", InflateFuzz.run) }
}
#endif
