import Testing
@testable import TandemTransport

@Suite("permessage-deflate negotiation")
struct DeflateNegotiationTests {
    static let plain = DeflateConfiguration(serverNoContextTakeover: false)

    static func negotiate(_ offers: [String], _ config: DeflateConfiguration = plain) -> (DeflateParameters, String)? {
        guard let (p, v) = PerMessageDeflate.negotiate(offers: offers, config: config) else { return nil }
        return (p, v)
    }

    @Test func bareOffer() throws {
        let (p, v) = try #require(Self.negotiate(["permessage-deflate"]))
        #expect(p == DeflateParameters())
        #expect(v == "permessage-deflate")
        let (p2, v2) = try #require(Self.negotiate(["permessage-deflate"], DeflateConfiguration()))
        #expect(p2 == DeflateParameters(serverNoContextTakeover: true))
        #expect(v2 == "permessage-deflate; server_no_context_takeover")
    }

    @Test func contextTakeoverParameters() throws {
        let (p, v) = try #require(Self.negotiate(["permessage-deflate; server_no_context_takeover; client_no_context_takeover"]))
        #expect(p == DeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: true))
        #expect(v == "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        let (p2, v2) = try #require(Self.negotiate(["permessage-deflate"], DeflateConfiguration(serverNoContextTakeover: false, requestClientNoContextTakeover: true)))
        #expect(p2.clientNoContextTakeover)
        #expect(v2 == "permessage-deflate; client_no_context_takeover")
    }

    @Test func serverMaxWindowBits() throws {
        let (p, v) = try #require(Self.negotiate(["permessage-deflate; server_max_window_bits=10"]))
        #expect(p.serverMaxWindowBits == 10)
        #expect(v == "permessage-deflate; server_max_window_bits=10")
        // Our own lower limit wins and is announced even when not asked for.
        let config = DeflateConfiguration(serverNoContextTakeover: false, serverMaxWindowBits: 12)
        #expect(Self.negotiate(["permessage-deflate; server_max_window_bits=14"], config)?.1 == "permessage-deflate; server_max_window_bits=12")
        #expect(Self.negotiate(["permessage-deflate"], config)?.1 == "permessage-deflate; server_max_window_bits=12")
        #expect(Self.negotiate(["permessage-deflate; server_max_window_bits=8"], config)?.0.serverMaxWindowBits == 8)
        #expect(Self.negotiate(["permessage-deflate; server_max_window_bits=\"9\""])?.0.serverMaxWindowBits == 9)
    }

    @Test func clientMaxWindowBits() throws {
        let (p, v) = try #require(Self.negotiate(["permessage-deflate; client_max_window_bits"]))
        #expect(p.clientMaxWindowBits == 15)
        #expect(v == "permessage-deflate")
        let limited = DeflateConfiguration(serverNoContextTakeover: false, clientMaxWindowBits: 10)
        #expect(Self.negotiate(["permessage-deflate; client_max_window_bits"], limited)?.1 == "permessage-deflate; client_max_window_bits=10")
        #expect(Self.negotiate(["permessage-deflate; client_max_window_bits"], limited)?.0.clientMaxWindowBits == 10)
        // The client cannot be limited when it did not offer the parameter.
        #expect(Self.negotiate(["permessage-deflate"], limited)?.1 == "permessage-deflate")
        #expect(Self.negotiate(["permessage-deflate"], limited)?.0.clientMaxWindowBits == 15)
        let (p8, v8) = try #require(Self.negotiate(["permessage-deflate; client_max_window_bits=8"]))
        #expect(p8.clientMaxWindowBits == 8)
        #expect(v8 == "permessage-deflate; client_max_window_bits=8")
    }

    @Test("invalid offers are declined", arguments: [
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=08",
        "permessage-deflate; server_max_window_bits=abc",
        "permessage-deflate; client_max_window_bits=0",
        "permessage-deflate; client_max_window_bits=1a",
        "permessage-deflate; server_no_context_takeover=true",
        "permessage-deflate; client_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
        "permessage-deflate; unknown_param",
        "permessage-deflate; mux=1",
        "x-webkit-deflate-frame",
        "",
    ])
    func invalidOffer(_ offer: String) {
        #expect(Self.negotiate([offer]) == nil, "\(offer)")
        // RFC 7692 §5: the next offer is then considered.
        #expect(Self.negotiate([offer + ", permessage-deflate; client_max_window_bits=9"])?.0.clientMaxWindowBits == 9, "\(offer)")
    }

    @Test func firstAcceptableOfferAcrossHeadersWins() throws {
        let offers = ["x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=99", "PerMessage-Deflate; server_max_window_bits=11, permessage-deflate"]
        let (p, _) = try #require(Self.negotiate(offers))
        #expect(p.serverMaxWindowBits == 11)
    }

    @Test func clientOfferAndServerResponseParsing() throws {
        #expect(PerMessageDeflate.clientOffer() == "permessage-deflate; client_max_window_bits")
        #expect(PerMessageDeflate.clientOffer(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12)
            == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12")
        #expect(PerMessageDeflate.parseServerResponse("permessage-deflate; server_no_context_takeover; client_max_window_bits=9")
            == DeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 9))
        #expect(PerMessageDeflate.parseServerResponse("permessage-deflate") == DeflateParameters())
        #expect(PerMessageDeflate.parseServerResponse("permessage-deflate; client_max_window_bits") == nil)
        #expect(PerMessageDeflate.parseServerResponse("permessage-deflate; foo") == nil)
        #expect(PerMessageDeflate.parseServerResponse("permessage-deflate, permessage-deflate") == nil)
        #expect(PerMessageDeflate.parseServerResponse("other") == nil)
    }

    @Test("every negotiated parameter set round-trips data between both ends", arguments: [
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
        "permessage-deflate; server_max_window_bits=9; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11",
    ])
    func negotiatedCodecsInteroperate(_ offer: String) throws {
        let (params, response) = try #require(Self.negotiate([offer]))
        #expect(PerMessageDeflate.parseServerResponse(response) == params)
        let server = params.makeCodecs(role: .server)
        let client = params.makeCodecs(role: .client)
        var serverReader = MessageReader(role: .server, limits: .init(), inflater: server.inflater)
        var clientReader = MessageReader(role: .client, limits: .init(), inflater: client.inflater)
        for m in DeflateTests.sampleMessages(seed: 77) {
            let up = client.deflater.compressedFrame(opcode: .binary, payload: m, maskKey: 0xCAFE_F00D)
            #expect(try drain(&serverReader, up) == [.binary(m)])
            let down = server.deflater.compressedFrame(opcode: .binary, payload: m)
            #expect(try drain(&clientReader, down) == [.binary(m)])
        }
    }
}
