import CMagic

/// libmagic, loaded once: tells a file's MIME type from its content.
///
/// `magic_t` has a single owner and is released in `deinit`; it is not thread-safe, so each inspector has its own.
struct TypeSniffer: ~Copyable {
    private let cookie: magic_t

    init() throws(InspectionError) {
        // MAGIC_MIME_TYPE: "application/pdf" without the charset; no decompression of compressed files.
        guard let cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR) else {
            throw InspectionError(message: "magic_open failed")
        }
        guard magic_load(cookie, nil) == 0 else {
            let message = magic_error(cookie).map { String(cString: $0) } ?? "magic_load failed"
            magic_close(cookie)
            throw InspectionError(message: message)
        }
        self.cookie = cookie
    }

    deinit { magic_close(cookie) }

    func mimeType(of bytes: UnsafeRawBufferPointer) -> String {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return "application/x-empty" }
        guard let answer = magic_buffer(cookie, base, bytes.count) else { return "application/octet-stream" }
        return String(cString: answer)
    }
}

/// The type database could not be loaded: the worker cannot inspect anything and must not pretend to.
public struct InspectionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "inspection: \(message)" }
}
