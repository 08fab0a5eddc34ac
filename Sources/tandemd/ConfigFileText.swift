import ArgumentParser
import Foundation

/// The text of `--config FILE`, or a usage error saying why it cannot be read: a missing file, a
/// directory, one the user tandemd runs as may not read (systemd's `User=tandem` and a file left
/// `root:root 0600`), or bytes that are not UTF-8. It said only "cannot read the config file".
enum ConfigFileText {
    static func read(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let why = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw ValidationError("cannot read the config file \(path): \(why)")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            throw ValidationError("cannot read the config file \(path): it is a directory")
        }
        guard access(path, R_OK) == 0 else {
            let owner = getpwuid(info.st_uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? String(info.st_uid)
            let user = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? String(geteuid())
            throw ValidationError("""
                cannot read the config file \(path): user \(user) may not read it (owner \(owner), \
                mode 0\(String(info.st_mode & 0o7777, radix: 8))); make it readable by the user tandemd runs as
                """)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the config file \(path): \(String(cString: strerror(errno)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read the config file \(path): it is not UTF-8 text")
        }
        return text
    }
}
