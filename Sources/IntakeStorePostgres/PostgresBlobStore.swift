import BlobStorage
import ContentAddressing
import Dispatch
import Foundation
import PostgresNIO
import Synchronization

/// Blobs in the store's own PostgreSQL (`blobs.url = postgres`), in 1 MiB chunks, so that a deployment with no
/// shared file system needs nothing but the database.
///
/// Durable before acknowledged, as with files: the bytes are first spooled to the local temporary space while
/// they are hashed and counted, then the blob row and its chunks are inserted in one transaction, and `write`
/// returns only once that has committed. A write that fails or is abandoned leaves nothing in the database (the
/// transaction rolls back) and nothing on disk (the spool goes with its folder). The same content written twice
/// at once is stored once: the second insert waits for the first to commit, then adds nothing.
///
/// Reading gives the inspector what it needs, a local file: a copy in the temporary space, checked against its
/// SHA-256 and size as it is written, removed as soon as `body` ends.
public struct PostgresBlobStore: BlobStore {
    let store: PostgresStore
    /// Where spools, local copies and scratch folders live: a folder of the data folder.
    let temporaryRoot: String
    static let chunkSize = 1 << 20

    public init(store: PostgresStore, temporaryFolder: String) throws(BlobError) {
        self.store = store
        temporaryRoot = temporaryFolder
        do {
            try FileManager.default.createDirectory(atPath: temporaryFolder, withIntermediateDirectories: true)
        } catch {
            throw BlobError(code: .storage, message: "temporary folder \(temporaryFolder): cannot create it")
        }
    }

    public func write<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, maximumBytes: Int64?) async throws(BlobError)
        -> StoredBlob where Chunks.Element == [UInt8]
    {
        do {
            return try await withScratchFolder { folder in
                let spool = folder + "/spool"
                let (digest, total) = try await Self.spool(chunks, to: spool, maximumBytes: maximumBytes)
                let isNew = try await insert(sha256: digest, bytes: total, from: spool)
                return StoredBlob(sha256: digest, bytes: total, isNew: isNew)
            }
        } catch let error as BlobError {
            throw error
        } catch {
            throw BlobError(code: .storage, message: "store blob: \(error)")
        }
    }

    /// Copies the chunks to a local file, hashing and counting them; nothing reaches the database yet.
    private static func spool<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks, to path: String, maximumBytes: Int64?
    ) async throws -> (sha256: String, bytes: Int64) where Chunks.Element == [UInt8] {
        let file = try LocalFile(creating: path)
        var meter = ChunkMeter(chunks, maximumBytes: maximumBytes)
        while let chunk = try await meter.next() { try await file.append(chunk) }
        try file.close()
        let total = meter.bytes
        return (meter.finalize(), total)
    }

    /// The blob row and its chunks in one transaction; false when the blob was already stored.
    private func insert(sha256: String, bytes: Int64, from spool: String) async throws -> Bool {
        try await store.write { tx in
            guard
                let row = try await tx.row(
                    """
                    INSERT INTO blobs (sha256, bytes, created_at) VALUES (\(sha256), \(bytes), \(tx.now))
                    ON CONFLICT DO NOTHING RETURNING id
                    """)
            else { return false }
            let id: Int64 = try row.value("id")
            let file = try LocalFile(reading: spool)
            var ordinal = 0
            while let chunk = try await file.read(upTo: Self.chunkSize) {
                try await tx.execute(
                    """
                    INSERT INTO blob_chunks (blob_id, ordinal, data)
                    VALUES (\(id), \(ordinal), \(ByteBuffer(bytes: chunk)))
                    """)
                ordinal += 1
            }
            return true
        }
    }

    public func withLocalFile<Result: Sendable>(
        sha256: String, _ body: (String) async throws -> Result
    ) async throws -> Result {
        try await withScratchFolder { folder in
            let path = folder + "/" + sha256
            try await copy(sha256: sha256, to: path)
            return try await body(path)
        }
    }

    /// Writes the blob's chunks to `path` in order, and checks that they hash to `sha256` with the size stored.
    private func copy(sha256: String, to path: String) async throws {
        guard let blob = try await store.rows("SELECT id, bytes FROM blobs WHERE sha256 = \(sha256)").first else {
            throw BlobError(code: .notFound, message: "no blob \(sha256)")
        }
        let id: Int64 = try blob.value("id")
        let expected: Int64 = try blob.value("bytes")
        let file = try LocalFile(creating: path)
        var hasher = StreamingSHA256()
        var total: Int64 = 0
        try await store.forEachRow("SELECT data FROM blob_chunks WHERE blob_id = \(id) ORDER BY ordinal") { row in
            let data = try row.value("data", ByteBuffer.self)
            let bytes = Array(data.readableBytesView)
            bytes.withUnsafeBytes { hasher.update($0) }
            total += Int64(bytes.count)
            try await file.append(bytes)
        }
        try file.close()
        let digest = hasher.finalize()
        guard digest == sha256, total == expected else {
            throw BlobError(
                code: .storage, message: "blob \(sha256) failed its check: \(total) bytes hashing to \(digest)")
        }
    }

    public func withScratchFolder<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
        let folder = "\(temporaryRoot)/scratch.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        guard mkdir(folder, 0o700) == 0 else {
            throw BlobError(code: .storage, message: "create scratch folder: \(String(cString: strerror(errno)))")
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try await body(folder)
    }
}

/// A local file written or read in chunks, each on a Dispatch thread rather than the cooperative pool, where a
/// slow disk would stall every other task.
private final class LocalFile: Sendable {
    let descriptor: Int32
    private let isClosed = Atomic(false)

    init(creating path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("create \(path)") }
    }

    init(reading path: String) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("open \(path)") }
    }

    func append(_ bytes: [UInt8]) async throws {
        try await Self.offload { [descriptor] in
            try bytes.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count {
                    let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw Self.failure("write")
                    }
                    written += result
                }
            }
        }
    }

    /// The next chunk of at most `count` bytes, or nil at the end.
    func read(upTo count: Int) async throws -> [UInt8]? {
        try await Self.offload { [descriptor] in
            var chunk = [UInt8](repeating: 0, count: count)
            var filled = 0
            while filled < count {
                let result = chunk.withUnsafeMutableBytes {
                    Glibc.read(descriptor, $0.baseAddress! + filled, count - filled)
                }
                if result < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure("read")
                }
                if result == 0 { break }
                filled += result
            }
            return filled == 0 ? nil : Array(chunk.prefix(filled))
        }
    }

    /// Closes the file, reporting what only `close` can report (a deferred write error on a network file system).
    func close() throws {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        guard Glibc.close(descriptor) == 0 else { throw Self.failure("close") }
    }

    /// A file left open by a failure is closed when the last reference goes.
    deinit {
        if !isClosed.load(ordering: .relaxed) { Glibc.close(descriptor) }
    }

    private static func failure(_ what: String) -> BlobError {
        BlobError(code: .storage, message: "\(what): \(String(cString: strerror(errno)))")
    }

    private static func offload<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
