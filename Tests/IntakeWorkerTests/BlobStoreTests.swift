import BlobStorage
import Foundation
import IntakeTestSupport
import Testing

@Suite("Blob store")
struct BlobStoreTests {
    @Test("A stored blob holds the file's bytes under their SHA-256, read-only; the same content is stored once")
    func storeOnce() async throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "blobs")
        let blobs = try FileBlobStore(root: folder.path)
        let source = TestSupport.corpusFile("scan-13mb-a.pdf")
        let stored = try await blobs.store(fileAt: source)
        let expected = String(TestSupport.run("/usr/bin/sha256sum", [source]).standardOutput.prefix(64))
        #expect(stored.sha256 == expected)
        #expect(stored.isNew)
        #expect(FileManager.default.contentsEqual(atPath: blobs.path(for: stored.sha256), andPath: source))
        let permissions =
            try FileManager.default.attributesOfItem(atPath: blobs.path(for: stored.sha256))[.posixPermissions] as? Int
        #expect(permissions == 0o444)
        let again = try await blobs.store(fileAt: source)
        #expect(again.sha256 == stored.sha256 && again.bytes == stored.bytes && !again.isNew)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("tmp").path).isEmpty)
        await #expect(throws: BlobError.self) {
            try await blobs.store(fileAt: folder.appendingPathComponent("missing").path)
        }
        await #expect(throws: BlobError.self, "a folder is not a file to store") {
            try await blobs.store(fileAt: folder.path)
        }
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

    @Test("A body that breaks off, or runs past its limit, leaves nothing behind: no blob, no temporary file")
    func abandonedWrites() async throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "blobs")
        let blobs = try FileBlobStore(root: folder.path)
        await #expect(throws: BlobError.self) { try await blobs.write(BrokenBody(count: 3), maximumBytes: nil) }
        let limited = FileChunks(path: TestSupport.corpusFile("scan-13mb-a.pdf"))
        do {
            _ = try await blobs.write(limited, maximumBytes: 1_000_000)
            Issue.record("a body over its limit was stored")
        } catch {
            #expect(error.code == .tooLarge)
        }
        let left = try FileManager.default.subpathsOfDirectory(atPath: folder.path)
        #expect(left == ["tmp"], "only the empty temporary folder remains: \(left)")
    }

    @Test("A scratch folder lives inside the store's temporary space and is removed with its files")
    func scratch() async throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "blobs")
        let blobs = try FileBlobStore(root: folder.path)
        let used = try await blobs.withScratchFolder { scratch in
            #expect(scratch.hasPrefix(folder.path + "/tmp/"))
            #expect(FileManager.default.createFile(atPath: scratch + "/item-1.pdf", contents: Data("x".utf8)))
            return scratch
        }
        #expect(!FileManager.default.fileExists(atPath: used))
    }
}
