import Glibc

/// Files kept unchanged, forever, under their SHA-256: `ROOT/ab/cd/abcd…`.
///
/// A blob is written to a temporary file in the same file system, flushed with `fsync`, renamed into place and
/// its directory synced, all before `store` returns: once the caller acknowledges an upload, a crash cannot
/// lose it or leave half of it under its final name.
public struct BlobStore: Sendable {
    public let root: String

    public init(root: String) throws(FileAccessError) {
        self.root = root
        try Self.makeDirectory(root)
        try Self.makeDirectory(root + "/tmp")
    }

    /// Where the blob with this digest lives.
    public func path(for sha256: String) -> String {
        let characters = Array(sha256)
        guard characters.count >= 4 else { return root + "/" + sha256 }
        return "\(root)/\(String(characters[0..<2]))/\(String(characters[2..<4]))/\(sha256)"
    }

    /// A stored file: its digest and size.
    public struct Stored: Hashable, Sendable {
        public var sha256: String
        public var bytes: Int64
        /// False when a blob with the same content was already there.
        public var isNew: Bool
    }

    /// Copies the file at `sourcePath` into the store durably and returns its digest.
    ///
    /// The digest is computed over exactly the bytes written, read once: a source that changes during the copy
    /// cannot leave a blob whose name does not match its content.
    public func store(fileAt sourcePath: String) throws(FileAccessError) -> Stored {
        let source = open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw FileAccessError(message: "open \(sourcePath): \(errnoText())") }
        defer { close(source) }
        let temporary = "\(root)/tmp/upload.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard descriptor >= 0 else { throw FileAccessError(message: "create blob: \(errnoText())") }
        var hasher = StreamingSHA256()
        var total: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        do throws(FileAccessError) {
            while true {
                let count = read(source, buffer.baseAddress, buffer.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FileAccessError(message: "read \(sourcePath): \(errnoText())")
                }
                if count == 0 { break }
                let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                hasher.update(piece)
                try Self.writeAll(descriptor, piece)
                total += Int64(count)
            }
            guard fsync(descriptor) == 0 else { throw FileAccessError(message: "fsync blob: \(errnoText())") }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        let digest = hasher.finalize()
        let destination = path(for: digest)
        if access(destination, F_OK) == 0 {
            unlink(temporary)
            return Stored(sha256: digest, bytes: total, isNew: false)
        }
        let directory = String(destination[..<destination.lastIndex(of: "/")!])
        let parent = String(directory[..<directory.lastIndex(of: "/")!])
        do throws(FileAccessError) {
            // A folder made now is durable only once its own parent is synced.
            if try Self.makeDirectory(parent) { try Self.syncDirectory(root) }
            if try Self.makeDirectory(directory) { try Self.syncDirectory(parent) }
            guard rename(temporary, destination) == 0 else {
                throw FileAccessError(message: "rename blob: \(errnoText())")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        try Self.syncDirectory(directory)
        return Stored(sha256: digest, bytes: total, isNew: true)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(FileAccessError) {
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw FileAccessError(message: "write blob: \(errnoText())")
            }
            written += result
        }
    }

    /// Creates the folder if missing; true when it was created now.
    @discardableResult
    static func makeDirectory(_ path: String) throws(FileAccessError) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        guard errno == EEXIST else { throw FileAccessError(message: "mkdir \(path): \(errnoText())") }
        return false
    }

    static func syncDirectory(_ path: String) throws(FileAccessError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileAccessError(message: "open dir: \(errnoText())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileAccessError(message: "fsync dir: \(errnoText())") }
    }
}
