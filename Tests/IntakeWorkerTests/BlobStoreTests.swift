import ContentAddressing
import Foundation
import IntakeTestSupport
import Testing

@Suite("Blob store")
struct BlobStoreTests {
    @Test("A stored blob holds the file's bytes under their SHA-256, read-only; the same content is stored once")
    func storeOnce() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "blobs")
        let blobs = try BlobStore(root: folder.path)
        let source = TestSupport.corpusFile("scan-13mb-a.pdf")
        let stored = try blobs.store(fileAt: source)
        let expected = String(TestSupport.run("/usr/bin/sha256sum", [source]).standardOutput.prefix(64))
        #expect(stored.sha256 == expected)
        #expect(stored.isNew)
        #expect(FileManager.default.contentsEqual(atPath: blobs.path(for: stored.sha256), andPath: source))
        let permissions = try FileManager.default.attributesOfItem(atPath: blobs.path(for: stored.sha256))[.posixPermissions] as? Int
        #expect(permissions == 0o444)
        let again = try blobs.store(fileAt: source)
        #expect(again.sha256 == stored.sha256 && again.bytes == stored.bytes && !again.isNew)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("tmp").path).isEmpty)
        #expect(throws: FileAccessError.self) { try blobs.store(fileAt: folder.appendingPathComponent("missing").path) }
    }
}
