import COpenSSL

/// Server TLS settings: PEM certificate chain and private key, read at start and by `WebSocketServer.reloadTLS`.
public struct TLSConfiguration: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String
    /// How long the TLS handshake may take before the connection is dropped (seconds).
    public var handshakeTimeout: Double

    public init(certificatePath: String, keyPath: String, handshakeTimeout: Double = 10) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.handshakeTimeout = handshakeTimeout
    }
}

/// Client TLS settings for wss://.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// Verify the server certificate against `caFilePath` (or the system store) and the host name.
    public var verifyPeer: Bool
    /// A PEM file of trusted certificates (e.g. the test's self-signed certificate).
    public var caFilePath: String?

    public init(verifyPeer: Bool = true, caFilePath: String? = nil) {
        self.verifyPeer = verifyPeer
        self.caFilePath = caFilePath
    }
}

/// An OpenSSL `SSL_CTX`, shared by every connection of a server (or by clients).
// Safe: the SSL_CTX is configured once in init and only read afterwards; OpenSSL allows concurrent SSL_new on one context.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// Server context from a PEM certificate chain and key.
    init(server configuration: TLSConfiguration) throws(TransportError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSContext.failure("SSL_CTX_new") }
        self.context = context
        try configureCommon()
        // TLS 1.2 suites with forward secrecy and AEAD only (Mozilla's "intermediate" list without
        // DHE); TLS 1.3 suites are all of that kind. No renegotiation: nothing needs it, and a client
        // could make the server repeat handshake work at will.
        guard SSL_CTX_set_cipher_list(context, TLSContext.tls12Ciphers) == 1 else {
            throw TLSContext.failure("SSL_CTX_set_cipher_list")
        }
        _ = tandem_SSL_CTX_set_options(context, tandem_SSL_OP_NO_RENEGOTIATION() | tandem_SSL_OP_CIPHER_SERVER_PREFERENCE())
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificatePath) == 1 else {
            throw TLSContext.failure("SSL_CTX_use_certificate_chain_file",
                                     detail: "the certificate file \(configuration.certificatePath) does not load (PEM, the server's certificate first)")
        }
        // OpenSSL checks the key against the certificate here: its "key values mismatch" says what, not which files.
        guard SSL_CTX_use_PrivateKey_file(context, configuration.keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TLSContext.failure("SSL_CTX_use_PrivateKey_file",
                                     detail: "the key \(configuration.keyPath) does not load or does not match the certificate \(configuration.certificatePath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSContext.failure("SSL_CTX_check_private_key")
        }
    }

    /// When the served certificate (the chain's first) stops being valid, in seconds since 1970;
    /// nil for a client context or a date OpenSSL cannot read.
    var certificateNotAfter: Int64? {
        // The X509 and its time belong to the context and live as long as it; read here only.
        guard let certificate = SSL_CTX_get0_certificate(context), let notAfter = X509_get0_notAfter(certificate) else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(notAfter, &parts) == 1 else { return nil }
        return Int64(timegm(&parts))
    }

    /// Client context.
    init(client configuration: TLSClientConfiguration) throws(TransportError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSContext.failure("SSL_CTX_new") }
        self.context = context
        try configureCommon()
        if configuration.verifyPeer {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let ca = configuration.caFilePath {
                guard SSL_CTX_load_verify_locations(context, ca, nil) == 1 else {
                    throw TLSContext.failure("SSL_CTX_load_verify_locations", detail: ca)
                }
            } else {
                SSL_CTX_set_default_verify_paths(context)
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
    }

    private func configureCommon() throws(TransportError) {
        _ = tandem_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        _ = tandem_SSL_CTX_set_options(context, tandem_SSL_OP_IGNORE_UNEXPECTED_EOF() | tandem_SSL_OP_NO_COMPRESSION())
        // Partial writes + moving buffers: the outbound queue hands SSL_write slices of shared frames.
        // Release buffers: an idle TLS connection should not pin OpenSSL's 16 KiB+ record buffers.
        _ = tandem_SSL_CTX_set_mode(context, tandem_SSL_MODE_ENABLE_PARTIAL_WRITE()
            | tandem_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER() | tandem_SSL_MODE_RELEASE_BUFFERS())
    }

    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    deinit { SSL_CTX_free(context) }

    /// OpenSSL's queued error, as a TransportError.
    static func failure(_ operation: String, detail: String = "") -> TransportError {
        let text = lastErrorString()
        return TransportError(operation, code: 0, detail: [detail, text].filter { !$0.isEmpty }.joined(separator: ": "))
    }

    static func lastErrorString() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return cStringToString(buffer)
    }
}

/// Outcome of one non-blocking TLS call.
enum TLSResult {
    case done(Int)
    case wantRead
    case wantWrite
    /// Orderly close_notify or EOF.
    case closed
    case failed(String)
}

/// One TLS connection (`SSL*`) over a socket; used by a single thread at a time.
final class TLSSession {
    // Safe: the SSL object, owned by this session and freed in deinit.
    let ssl: OpaquePointer
    /// Kept alive as long as the session: a reload replaces the server's context while
    /// connections made with the old one are still open.
    let context: TLSContext

    init(context: TLSContext, fd: Int32, serverName: String? = nil) throws(TransportError) {
        guard let ssl = SSL_new(context.context) else { throw TLSContext.failure("SSL_new") }
        self.ssl = ssl
        self.context = context
        SSL_set_fd(ssl, fd)
        if let serverName {
            if serverName.contains(":") || serverName.allSatisfy({ $0.isNumber || $0 == "." }) {
                // An IP address: no SNI, and verify it against the certificate's IP SANs.
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName)
            } else {
                _ = tandem_SSL_set_tlsext_host_name(ssl, serverName)
                SSL_set1_host(ssl, serverName)
            }
        }
    }

    deinit { SSL_free(ssl) }

    func accept() -> TLSResult { classify(SSL_accept(ssl)) }
    func connect() -> TLSResult { classify(SSL_connect(ssl)) }

    // Safe: SSL_read writes at most `count` bytes, the caller's buffer size
    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> TLSResult {
        classify(SSL_read(ssl, buffer, Int32(clamping: count)))
    }

    /// True when OpenSSL holds bytes already taken from the socket (epoll will not report them).
    var hasBufferedBytes: Bool { SSL_has_pending(ssl) == 1 }

    // Safe: SSL_write reads at most `count` bytes from the caller's buffer, during the call
    func write(_ buffer: UnsafeRawPointer, count: Int) -> TLSResult {
        classify(SSL_write(ssl, buffer, Int32(clamping: count)))
    }

    /// Sends close_notify, best effort (non-blocking sockets may not take it).
    func shutdown() { ERR_clear_error(); _ = SSL_shutdown(ssl) }

    private func classify(_ result: Int32) -> TLSResult {
        if result > 0 { return .done(Int(result)) }
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let text = TLSContext.lastErrorString()
            return text.isEmpty ? .closed : .failed(text)
        default:
            let text = TLSContext.lastErrorString()
            return .failed(text.isEmpty ? "TLS error \(error)" : text)
        }
    }
}
