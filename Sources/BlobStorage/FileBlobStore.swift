import ContentAddressing
import Dispatch
import Glibc

/// Blobs as files on a local disk or a shared mount: `ROOT/ab/cd/abcd…`.
///
/// A blob is written to a temporary file in the same file system, flushed with `fsync`, renamed into place and
/// its directory synced, all before `write` returns: once the caller acknowledges an upload, a crash cannot lose
/// it or leave half of it under its final name. The blocking calls (writes, `fsync`, `rename`) run on Dispatch's
/// threads, never on the cooperative pool, where a slow disk would stall every other task.
public struct FileBlobStore: BlobStore {
    public let root: String
    private var temporaryRoot: String { root + "/tmp" }

    public init(root: String) throws(BlobError) {
        self.root = root
        do throws(FileAccessError) {
            try Self.makeDirectory(root)
            try Self.makeDirectory(root + "/tmp")
        } catch {
            throw BlobError(code: .storage, message: "blob folder \(root): \(error.message)")
        }
    }

    /// Where the blob with this digest lives.
    public func path(for sha256: String) -> String {
        let characters = Array(sha256)
        guard characters.count >= 4 else { return root + "/" + sha256 }
        return "\(root)/\(String(characters[0..<2]))/\(String(characters[2..<4]))/\(sha256)"
    }

    public func write<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, maximumBytes: Int64?) async throws(BlobError)
        -> StoredBlob where Chunks.Element == [UInt8]
    {
        let temporary = "\(temporaryRoot)/upload.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard descriptor >= 0 else { throw BlobError(code: .storage, message: "create blob: \(errnoText())") }
        var meter = ChunkMeter(chunks, maximumBytes: maximumBytes)
        do throws(BlobError) {
            while let chunk = try await meter.next() {
                try await Self.offload { () throws(FileAccessError) in try Self.writeAll(descriptor, chunk) }
            }
            try await Self.offload { () throws(FileAccessError) in
                guard fsync(descriptor) == 0 else { throw FileAccessError(message: "fsync blob: \(errnoText())") }
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        let total = meter.bytes
        let digest = meter.finalize()
        let destination = path(for: digest)
        do {
            let isNew = try await Self.offload { () throws(FileAccessError) in
                try Self.install(temporary, at: destination, root: root)
            }
            return StoredBlob(sha256: digest, bytes: total, isNew: isNew)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Renames the synced temporary file to its final name, creating and syncing its folders; false when the
    /// blob was already there (the temporary copy is dropped).
    private static func install(_ temporary: String, at destination: String, root: String) throws(FileAccessError)
        -> Bool
    {
        if access(destination, F_OK) == 0 {
            unlink(temporary)
            return false
        }
        let directory = String(destination[..<destination.lastIndex(of: "/")!])
        let parent = String(directory[..<directory.lastIndex(of: "/")!])
        // A folder made now is durable only once its own parent is synced.
        if try makeDirectory(parent) { try syncDirectory(root) }
        if try makeDirectory(directory) { try syncDirectory(parent) }
        guard rename(temporary, destination) == 0 else {
            throw FileAccessError(message: "rename blob: \(errnoText())")
        }
        try syncDirectory(directory)
        return true
    }

    public func withLocalFile<Result: Sendable>(
        sha256: String, _ body: (String) async throws -> Result
    ) async throws -> Result {
        try await body(path(for: sha256))
    }

    public func withScratchFolder<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
        let folder = "\(temporaryRoot)/scratch.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        guard mkdir(folder, 0o700) == 0 else {
            throw BlobError(code: .storage, message: "create scratch folder: \(errnoText())")
        }
        defer { Self.removeFolder(folder) }
        return try await body(folder)
    }

    /// Removes a scratch folder and the plain files in it (it never holds subfolders).
    private static func removeFolder(_ folder: String) {
        if let directory = opendir(folder) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { unlink(folder + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(folder)
    }

    /// Runs blocking file work on a Dispatch thread.
    private static func offload<Value: Sendable>(_ work: @escaping @Sendable () throws(FileAccessError) -> Value)
        async throws(BlobError) -> Value
    {
        let result: Result<Value, FileAccessError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do throws(FileAccessError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw BlobError(code: .storage, message: error.message)
        }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(FileAccessError) {
        // The errno of a failed write, or 0: `withUnsafeBytes` only rethrows untyped errors.
        let failure: Int32 = bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return 0
        }
        guard failure == 0 else { throw FileAccessError(message: "write blob: \(String(cString: strerror(failure)))") }
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
