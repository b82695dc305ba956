import BlobStorage
import Foundation
import IntakeStorePostgres
import IntakeTestSupport
import IntakeTesting
import Testing

/// `blobs.url = postgres`: uploads as chunks in the database, checked by SHA-256 when read back.
@Suite("PostgreSQL blob store")
struct PostgresBlobStoreTests {
    struct Harness {
        let blobs: PostgresBlobStore
        let url: String
        let temporary: URL

        init() async throws {
            let location = try PostgresServer.makeDatabase()
            let store = PostgresStore(location: location, maximumConnections: 4)
            Task { await store.run() }
            try await store.migrate()
            temporary = TestSupport.makeTemporaryDirectory(prefix: "pgblobs")
            blobs = try PostgresBlobStore(store: store, temporaryFolder: temporary.path)
            url = "postgres://postgres@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
        }

        /// One value from the database, read with `psql`.
        func scalar(_ sql: String) -> String {
            TestSupport.run("/usr/bin/psql", ["-X", "-At", url, "-c", sql]).standardOutput
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        var temporaryIsEmpty: Bool {
            (try? FileManager.default.contentsOfDirectory(atPath: temporary.path))?.isEmpty == true
        }
    }

    @Test(
        "A 13 MB scan is stored in 1 MiB chunks under its SHA-256, once; the inspector's local copy has its bytes and is removed after"
    )
    func storeAndRead() async throws {
        let harness = try await Harness()
        let source = TestSupport.corpusFile("scan-13mb-a.pdf")
        let stored = try await harness.blobs.store(fileAt: source)
        let expected = String(TestSupport.run("/usr/bin/sha256sum", [source]).standardOutput.prefix(64))
        #expect(stored.sha256 == expected && stored.isNew)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int)
        #expect(stored.bytes == Int64(size))
        #expect(harness.scalar("SELECT COUNT(*) FROM blob_chunks") == "\((size + (1 << 20) - 1) >> 20)")
        let again = try await harness.blobs.store(fileAt: source)
        #expect(again.sha256 == stored.sha256 && !again.isNew)
        #expect(harness.scalar("SELECT COUNT(*) FROM blobs") == "1")
        let copy = try await harness.blobs.withLocalFile(sha256: stored.sha256) { path in
            #expect(FileManager.default.contentsEqual(atPath: path, andPath: source))
            return path
        }
        #expect(!FileManager.default.fileExists(atPath: copy), "the local copy is gone once the job is done")
        #expect(harness.temporaryIsEmpty)
        await #expect(throws: BlobError.self) {
            try await harness.blobs.withLocalFile(sha256: String(repeating: "0", count: 64)) { _ in }
        }
    }

    @Test("A chunk changed in the database fails the SHA-256 check on reading; the inspector never sees it")
    func tamperedChunk() async throws {
        let harness = try await Harness()
        let stored = try await harness.blobs.store(fileAt: TestSupport.corpusFile("plain.pdf"))
        #expect(
            harness.scalar(
                "WITH changed AS (UPDATE blob_chunks SET data = overlay(data PLACING '\\x00'::bytea FROM 100) RETURNING 1) "
                    + "SELECT COUNT(*) FROM changed") == "1")
        await #expect(throws: BlobError.self) {
            try await harness.blobs.withLocalFile(sha256: stored.sha256) { _ in
                Issue.record("a corrupted blob reached the inspector")
            }
        }
        #expect(harness.temporaryIsEmpty)
    }

    @Test("A body that breaks off, or runs past its limit, leaves nothing: no blob, no chunk, no spool file")
    func abandonedWrites() async throws {
        let harness = try await Harness()
        await #expect(throws: BlobError.self) {
            try await harness.blobs.write(BrokenBody(count: 3), maximumBytes: nil)
        }
        do {
            _ = try await harness.blobs.write(
                FileChunks(path: TestSupport.corpusFile("scan-13mb-a.pdf")), maximumBytes: 1_000_000)
            Issue.record("a body over its limit was stored")
        } catch {
            #expect(error.code == .tooLarge)
        }
        #expect(harness.scalar("SELECT COUNT(*) FROM blobs") == "0")
        #expect(harness.scalar("SELECT COUNT(*) FROM blob_chunks") == "0")
        #expect(harness.temporaryIsEmpty)
    }

    @Test("Four writers of the same content at once store it once, and exactly one of them is told it is new")
    func concurrentSameContent() async throws {
        let harness = try await Harness()
        let source = TestSupport.corpusFile("contract.pdf")
        let results = try await withThrowingTaskGroup(of: StoredBlob.self) { group in
            for _ in 0..<4 { group.addTask { try await harness.blobs.store(fileAt: source) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.sha256)).count == 1)
        #expect(results.filter(\.isNew).count == 1)
        #expect(harness.scalar("SELECT COUNT(*) FROM blobs") == "1")
    }

    /// Chunks that end in an error after `count` chunks: a client whose connection drops mid-upload.
    struct BrokenBody: AsyncSequence, Sendable {
        struct Broke: Error {}
        var count: Int
        func makeAsyncIterator() -> Iterator { Iterator(left: count) }
        struct Iterator: AsyncIteratorProtocol {
            var left: Int
            mutating func next() async throws -> [UInt8]? {
                guard left > 0 else { throw Broke() }
                left -= 1
                return [UInt8](repeating: 7, count: 1 << 16)
            }
        }
    }
}
