#if canImport(Glibc)
import Glibc
#endif

/// The fuzz targets' `main` when they are built without `-DTANDEM_FUZZ`: runs the one-input
/// function over files and directories named on the command line (a corpus, a crash file), so
/// corpora can be replayed without libFuzzer, and the normal build has an ordinary executable.
public enum FuzzReplay {
    // Safe: `body` gets each file's bytes for its call only (the Data lives through withUnsafeBytes)
    public static func main(name: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        let paths = Array(CommandLine.arguments.dropFirst())
        if paths.isEmpty || paths.contains("-h") || paths.contains("--help") {
            print("usage: \(name) FILE|DIR...   runs each input once (built without the fuzzer: replay only)")
            exit(paths.isEmpty ? 2 : 0)
        }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = read(file) else {
                    print("\(name): cannot read \(file)")
                    exit(1)
                }
                data.withUnsafeBytes { body($0) }
                count += 1
            }
        }
        print("\(name): \(count) inputs ran without a failure")
    }

    static func files(at path: String) -> [String] {
        guard let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            // Safe: d_name is a fixed-size C array inside the entry readdir returned; read up to its NUL.
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            names.append(path + "/" + name)
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            // Safe: fread writes at most `count` bytes into the buffer it is given.
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return ferror(f) != 0 ? nil : data
    }
}
