/// Where uploads are kept: unchanged, forever, under their SHA-256.
///
/// The promise every implementation keeps (files on a local disk or a shared mount; later, chunks in PostgreSQL):
/// `write` returns only once the bytes are durable under their digest, so a caller that then acknowledges an upload
/// can never lose it; a write that fails or is abandoned half-way leaves nothing behind; and the digest is taken
/// over exactly the bytes stored.
public protocol BlobStore: Sendable {
    /// Stores the bytes `chunks` yields, hashing and counting each chunk as it arrives, and returns once they are
    /// durable. More than `maximumBytes` throws `BlobError.tooLarge` and stores nothing.
    func write<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, maximumBytes: Int64?) async throws(BlobError)
        -> StoredBlob where Chunks.Element == [UInt8]

    /// Runs `body` with a path on the local file system holding the blob, valid only inside `body`: inspectors
    /// read files, and a backend that does not keep files hands them a temporary copy.
    func withLocalFile<Result: Sendable>(
        sha256: String, _ body: (String) async throws -> Result
    ) async throws -> Result

    /// Runs `body` with a new empty folder in the store's own temporary space (never outside the data folder),
    /// removed with whatever is in it when `body` ends.
    func withScratchFolder<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result
}

extension BlobStore {
    /// Copies a local file into the store durably.
    public func store(fileAt path: String, maximumBytes: Int64? = nil) async throws(BlobError) -> StoredBlob {
        try await write(FileChunks(path: path), maximumBytes: maximumBytes)
    }
}

/// A stored blob: its digest and size.
public struct StoredBlob: Hashable, Sendable {
    public var sha256: String
    public var bytes: Int64
    /// False when a blob with the same content was already there.
    public var isNew: Bool

    public init(sha256: String, bytes: Int64, isNew: Bool) {
        self.sha256 = sha256
        self.bytes = bytes
        self.isNew = isNew
    }
}

/// Why a blob could not be written or read.
public struct BlobError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The bytes to store could not be read (a missing or unreadable source file, a body that broke off).
        public static let sourceUnreadable = Code(name: "source_unreadable")
        /// More bytes came than allowed.
        public static let tooLarge = Code(name: "too_large")
        /// The store itself failed (disk full, permissions, I/O error): worth retrying.
        public static let storage = Code(name: "storage")
        /// No blob has that digest.
        public static let notFound = Code(name: "not_found")
    }
    public var code: Code
    public var message: String
    public var isRetriable: Bool { code == .storage }
    public var description: String { message }

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}
