import ContentAddressing
import Glibc

/// A local file's bytes as a stream of chunks, read once from start to end: what the command line hands to
/// `BlobStore.write`, as the HTTP face hands it a request body.
///
/// Reads are plain blocking `read` calls of 1 MiB: a local file answers in microseconds, unlike `fsync`.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public let path: String
    public var chunkSize = 1 << 20

    public init(path: String) { self.path = path }

    public func makeAsyncIterator() -> Iterator { Iterator(path: path, chunkSize: chunkSize) }

    /// Owns the open descriptor, closed when the file ends, on an error, or when the iterator goes away.
    public final class Iterator: AsyncIteratorProtocol {
        private let path: String
        private let chunkSize: Int
        private var descriptor: Int32 = -1
        private var finished = false

        init(path: String, chunkSize: Int) {
            self.path = path
            self.chunkSize = chunkSize
        }

        deinit { if descriptor >= 0 { close(descriptor) } }

        public func next() async throws(BlobError) -> [UInt8]? {
            if finished { return nil }
            if descriptor < 0 {
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw finish("cannot open: \(errnoText())") }
                var info = stat()
                guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                    throw finish("not a regular file")
                }
            }
            var chunk = [UInt8](repeating: 0, count: chunkSize)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw finish("read failed: \(errnoText())")
                }
                if count == 0 {
                    finished = true
                    close(descriptor)
                    descriptor = -1
                    return nil
                }
                chunk.removeLast(chunkSize - count)
                return chunk
            }
        }

        private func finish(_ message: String) -> BlobError {
            finished = true
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
            return BlobError(code: .sourceUnreadable, message: "\(path): \(message)")
        }
    }
}
