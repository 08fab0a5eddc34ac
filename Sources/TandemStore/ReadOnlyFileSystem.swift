#if canImport(Glibc)
import Glibc
#endif

/// A database on a read-only file system (a read-only mount, a snapshot, a backup volume), and the
/// way to read it there: SQLite's WAL mode needs the `-shm` file beside the database writable even
/// to read, so an ordinary read-only open fails with "unable to open database file".
public enum ReadOnlyFileSystem {
    /// Whether `path` (or, when it does not exist, its directory) is on a file system mounted
    /// read-only (`statvfs`'s `ST_RDONLY`). A file that is merely not writable (its mode or owner)
    /// is not: others may be writing it.
    public static func holds(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return info.f_flag & UInt(ST_RDONLY) != 0
    }

    /// The `file:` URI that opens `path` with `immutable=1`: no locks, no `-shm`, no WAL recovery.
    /// Only right for a file nothing can be writing (see `StoreConfiguration.immutable`).
    static func immutableURI(_ path: String) -> String {
        // RFC 3986 percent-encoding of what a URI would read as syntax ("?", "#", "%").
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                encoded += "%" + String(byte, radix: 16, uppercase: true)
            default:
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return "file:" + encoded + "?immutable=1"
    }
}
