import TandemTransport

/// The credential a handshake presents. Exactly one is allowed.
enum Credential: Equatable, Sendable {
    case token(String)
    case shareSecret(String)

    enum Problem: Error, Equatable, Sendable {
        case missing
        case several
        case malformed
    }

    /// Reads the credential from `Authorization: Bearer`, `?token=`, `?share=` or a `/s/SECRET` path.
    static func from(_ request: HTTPRequest) -> Result<Credential, Problem> {
        var found: [Credential] = []
        for value in request.headerValues("authorization") {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .failure(.malformed) }
            found.append(.token(String(parts[1]).trimmingSpaces))
        }
        if let token = request.query["token"] { found.append(.token(token)) }
        if let secret = request.query["share"] { found.append(.shareSecret(secret)) }
        if let secret = sharePathSecret(request.path) { found.append(.shareSecret(secret)) }
        guard let first = found.first else { return .failure(.missing) }
        guard found.count == 1, request.repeatedQueryNames.isDisjoint(with: ["token", "share"]) else { return .failure(.several) }
        switch first {
        case .token(let s), .shareSecret(let s):
            guard !s.isEmpty, s.utf8.count <= 256 else { return .failure(.malformed) }
        }
        return .success(first)
    }

    /// The secret in a `/s/SECRET` path (a trailing slash allowed), else nil.
    static func sharePathSecret(_ path: String) -> String? {
        guard path.hasPrefix("/s/") else { return nil }
        var secret = path.dropFirst(3)
        if secret.hasSuffix("/") { secret = secret.dropLast() }
        guard !secret.isEmpty, !secret.contains("/") else { return nil }
        return String(secret)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
