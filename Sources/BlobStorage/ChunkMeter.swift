import ContentAddressing

/// How every blob store takes bytes in: one chunk at a time, counted and hashed as it arrives, refused the moment
/// it passes `maximumBytes`, with the source's faults reported as `BlobError.sourceUnreadable`. Each store only
/// decides where the chunks go.
public struct ChunkMeter<Chunks: AsyncSequence>: ~Copyable where Chunks.Element == [UInt8] {
    private var iterator: Chunks.AsyncIterator
    private let maximumBytes: Int64?
    private var hasher = StreamingSHA256()
    /// The bytes taken so far.
    public private(set) var bytes: Int64 = 0

    public init(_ chunks: Chunks, maximumBytes: Int64?) {
        iterator = chunks.makeAsyncIterator()
        self.maximumBytes = maximumBytes
    }

    /// The next chunk, already counted and hashed; nil at the end.
    public mutating func next() async throws(BlobError) -> [UInt8]? {
        let chunk: [UInt8]?
        do {
            chunk = try await iterator.next()
        } catch let error as BlobError {
            throw error
        } catch {
            throw BlobError(code: .sourceUnreadable, message: "the bytes broke off: \(error)")
        }
        guard let chunk else { return nil }
        bytes += Int64(chunk.count)
        if let maximumBytes, bytes > maximumBytes {
            throw BlobError(code: .tooLarge, message: "more than \(maximumBytes) bytes")
        }
        chunk.withUnsafeBytes { hasher.update($0) }
        return chunk
    }

    /// The SHA-256 of everything taken, in lowercase hex.
    public consuming func finalize() -> String { hasher.finalize() }
}
