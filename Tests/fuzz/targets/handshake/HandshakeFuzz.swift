import FuzzSupport
import TandemTransport

/// Fuzzes the opening handshake: `HTTPRequestParser` (whole and in pieces, which must agree),
/// `WebSocketUpgrade.validate` with permessage-deflate negotiation, and the client's side of the
/// same exchange: the 101 we would send must parse and validate as the client would see it. One
/// configuration bit fuzzes the client's `HTTPResponseParser` on hostile responses instead.
///
/// Input: one byte of configuration, one chunk-plan seed, then the bytes of the head.
enum HandshakeFuzz {
    static let configs: [UpgradeConfiguration] = [
        UpgradeConfiguration(subprotocols: ["tandem.v1"], deflate: DeflateConfiguration()),
        UpgradeConfiguration(
            allowedOrigins: [WebOrigin(setting: "https://tandem.example")!], requireOrigin: true, subprotocols: ["tandem.v1", "chat"],
            deflate: DeflateConfiguration(
                serverNoContextTakeover: false, requestClientNoContextTakeover: true,
                serverMaxWindowBits: 10, clientMaxWindowBits: 9)),
        UpgradeConfiguration(allowedOrigins: [WebOrigin(setting: "https://a.example")!], subprotocols: []),
        UpgradeConfiguration(subprotocols: ["tandem.v1"], deflate: DeflateConfiguration(serverMaxWindowBits: 8, clientMaxWindowBits: 8)),
    ]
    static let limits: [HTTPLimits] = [
        HTTPLimits(),
        HTTPLimits(maxRequestLineLength: 64, maxHeaderCount: 4, maxHeaderBytes: 256),
    ]

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let flags = input.byte()
        let seed = input.byte()
        let config = configs[Int(flags & 3)]
        let limit = limits[Int((flags >> 2) & 1)]
        let head = input.rest()
        if flags & 0x80 != 0 {
            responseSide(head, seed: seed, limits: limit)
        } else {
            serverSide(head, seed: seed, limits: limit, config: config)
        }
    }

    /// What a parser made of the bytes: the request (as comparable fields) or the error.
    struct Parsed: Equatable {
        var fields: [String] = []
        var headers: [String] = []
        var leftover: [UInt8] = []
        var error: HTTPError?
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func parseRequest(_ bytes: UnsafeRawBufferPointer, plan: ChunkPlan?, limits: HTTPLimits) -> (Parsed, HTTPRequest?) {
        var parser = HTTPRequestParser(limits: limits)
        var request: HTTPRequest?
        var parsed = Parsed()
        var plan = plan ?? ChunkPlan(seed: 0)
        plan.forEachPiece(of: bytes) { piece in
            guard parsed.error == nil else { return }
            do throws(HTTPError) {
                if let r = try parser.feed(piece) {
                    fuzzCheck(request == nil, "the request was returned twice")
                    request = r
                }
            } catch {
                parsed.error = error
            }
        }
        if let request {
            fuzzCheck(parser.isComplete, "a returned request but the parser is not complete")
            parsed.fields = [request.method, request.target, request.path, request.version]
                + request.query.keys.sorted().flatMap { [$0, request.query[$0]!] }
            parsed.headers = request.headers.flatMap { [$0.name, $0.value] }
            parsed.leftover = parser.leftover
        }
        return (parsed, request)
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func serverSide(_ head: UnsafeRawBufferPointer, seed: UInt8, limits: HTTPLimits, config: UpgradeConfiguration) {
        let (whole, request) = parseRequest(head, plan: nil, limits: limits)
        let (pieces, _) = parseRequest(head, plan: ChunkPlan(seed: seed == 0 ? 1 : seed), limits: limits)
        fuzzCheck(whole == pieces, "whole and in pieces parse differently: \(whole.error?.description ?? "ok") / \(pieces.error?.description ?? "ok")")
        if let error = whole.error {
            fuzzCheck([400, 414, 431].contains(error.status), "parser answered \(error.status)")
            _ = error.response.serialized()
            return
        }
        guard let request else { return }
        fuzzCheck(request.path.hasPrefix("/"), "path '\(request.path)' does not start with /")
        _ = WebSocketUpgrade.isUpgradeRequest(request)
        switch WebSocketUpgrade.validate(request, config: config) {
        case .failure(let error):
            fuzzCheck([400, 403, 405, 426].contains(error.status), "upgrade refused with \(error.status)")
            _ = error.response.serialized()
        case .success(let accepted):
            checkAcceptance(accepted, request: request, config: config)
        }
    }

    /// The 101 we would send must be well-formed and acceptable to our own client.
    static func checkAcceptance(_ accepted: UpgradeAcceptance, request: HTTPRequest, config: UpgradeConfiguration) {
        for (name, value) in accepted.response.headers {
            fuzzCheck(!(name + value).utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }), "line break in response header \(name)")
        }
        if let params = accepted.deflate {
            for bits in [params.serverMaxWindowBits, params.clientMaxWindowBits] {
                fuzzCheck((8...15).contains(bits), "negotiated window bits \(bits)")
            }
            // Builds the real codecs: their preconditions must hold for anything negotiated.
            let codecs = params.makeCodecs(role: .server)
            let message: [UInt8] = Array("negotiated".utf8)
            // Safe: the pointer is lent to compress for the call only
            let compressed = message.withUnsafeBytes { codecs.deflater.compress($0) }
            let back = try? codecs.inflater.decompress(compressed, limit: 1024)
            fuzzCheck(back == message, "negotiated codecs do not round-trip")
        }
        var client = HTTPResponseParser()
        let wire = accepted.response.serialized()
        let response: HTTPResponse?
        do throws(HTTPError) {
            response = try client.feed(wire)
        } catch {
            fuzzCheck(false, "our 101 does not parse: \(error)")
            return
        }
        guard let response else {
            fuzzCheck(false, "our 101 is incomplete")
            return
        }
        let key = request.header("Sec-WebSocket-Key") ?? ""
        let offeredDeflate = !request.headerValues("Sec-WebSocket-Extensions").isEmpty
        switch ClientHandshakeValidation.validate(
            response, key: key, offeredSubprotocols: accepted.offeredSubprotocols, offeredDeflate: offeredDeflate) {
        case .failure(let error):
            fuzzCheck(false, "our client refuses our 101: \(error.message)")
        case .success(let agreed):
            fuzzCheck(agreed.subprotocol == accepted.subprotocol, "client and server disagree on the subprotocol")
            fuzzCheck(agreed.deflate == accepted.deflate, "client and server disagree on deflate: \(String(describing: agreed.deflate)) / \(String(describing: accepted.deflate))")
        }
    }

    // Safe: the input is borrowed for this call only (libFuzzer's or FuzzReplay's buffer); nothing keeps a pointer into it.
    static func responseSide(_ head: UnsafeRawBufferPointer, seed: UInt8, limits: HTTPLimits) {
        func parse(_ plan: ChunkPlan) -> (String, HTTPResponse?) {
            var parser = HTTPResponseParser(limits: limits)
            var plan = plan
            var result: HTTPResponse?
            var failure: HTTPError?
            plan.forEachPiece(of: head) { piece in
                guard failure == nil, result == nil else { return }
                do throws(HTTPError) { result = try parser.feed(piece) } catch { failure = error }
            }
            if let failure {
                fuzzCheck(failure.status == 0, "client-side parse error with status \(failure.status)")
                return ("error \(failure.message)", nil)
            }
            guard let result else { return ("incomplete", nil) }
            return ("\(result.status) \(result.reason) \(result.headers.map { "\($0.0)=\($0.1)" })", result)
        }
        let (whole, response) = parse(ChunkPlan(seed: 0))
        let (pieces, _) = parse(ChunkPlan(seed: seed == 0 ? 1 : seed))
        fuzzCheck(whole == pieces, "response parsed differently whole and in pieces")
        guard let response else { return }
        fuzzCheck((100...999).contains(response.status), "status \(response.status)")
        for offeredDeflate in [false, true] {
            _ = ClientHandshakeValidation.validate(
                response, key: "dGhlIHNhbXBsZSBub25jZQ==", offeredSubprotocols: ["tandem.v1"], offeredDeflate: offeredDeflate)
        }
        for value in response.headerValues("Sec-WebSocket-Extensions") {
            if let params = PerMessageDeflate.parseServerResponse(value) {
                _ = params.makeCodecs(role: .client)
            }
        }
    }
}

#if TANDEM_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Safe: libFuzzer owns `data` (`size` bytes) for this call only; the run keeps no pointer into it.
    HandshakeFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-handshake", HandshakeFuzz.run) }
}
#endif
