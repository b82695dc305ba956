import FileInspection
import Foundation
import IntakeCore
import IntakeTestSupport
import PhotoInspection
import Testing

/// Damaged and hostile images: a finding every time, never a crash, and nothing decoded that is too big to hold.
@Suite("Face photos: damaged and hostile files")
struct HostilePhotoTests {
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = TestSupport.makeTemporaryDirectory(prefix: "photo").appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func judge(_ path: String) -> [Finding] {
        let facts = SharedInspector.shared.inspect(path)
        return Photos.rules.judge(
            facts, fileName: (path as NSString).lastPathComponent, slot: .photo,
            submittedOn: Photos.submittedOn
        ).findings
    }

    @Test("A JPEG cut off halfway (an interrupted upload) is `photo.malformed`, with the decoder's words")
    func truncated() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: Photos.path("good.jpg")))
        let path = try write(Array(good.prefix(good.count / 2)), "truncated.jpg")
        let findings = judge(path)
        #expect(findings.map(\.code) == [.photoMalformed])
        #expect(findings.first?.detail["decoder"] == .string("Premature end of JPEG file"))
    }

    @Test("A truncation behind an earlier warning (a stray restart marker) is still `photo.malformed`")
    func truncatedAfterWarning() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Photos.path("good.jpg"))))
        var damaged = good
        damaged.insert(contentsOf: [0xFF, 0xD0], at: good.count * 8 / 10)
        let path = try write(Array(damaged.prefix(good.count * 85 / 100)), "warned-then-truncated.jpg")
        #expect(judge(path).map(\.code) == [.photoMalformed])
    }

    @Test("A crop through the brows (crown and brows above the photo) is judged, not crashed on: face too large")
    func croppedAtBrows() throws {
        let facts = SharedInspector.shared.inspect(Photos.path("cropped-at-brows.jpg"))
        #expect(facts.inspectionFailure == nil)
        let face = try #require(facts.photo?.face)
        #expect(face.crownY < 0, "the crown is above the photo, not at its first row")
        let findings = judge(Photos.path("cropped-at-brows.jpg"))
        #expect(Photos.errors(findings).contains(.photoFaceTooLarge), "\(findings.map(\.code))")
    }

    @Test("Stray bytes before a marker are a warning, not a damaged photo")
    func strayBytes() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Photos.path("good.jpg"))))
        // After SOI and the first segment, three bytes that belong to no segment.
        let firstSegmentEnd = 4 + (Int(bytes[4]) << 8 | Int(bytes[5]))
        bytes.insert(contentsOf: [0x00, 0x11, 0x22], at: firstSegmentEnd)
        let path = try write(bytes, "stray.jpg")
        #expect(judge(path).isEmpty)
    }

    @Test("A PNG whose header claims 60000 × 60000 pixels is refused from the header, not decoded")
    func pixelBomb() throws {
        // A valid signature and IHDR (with its CRC), and two bytes of image data: decoding would need 10.8 GB.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr: [UInt8] = [0x49, 0x48, 0x44, 0x52] + bigEndian(60_000) + bigEndian(60_000) + [8, 2, 0, 0, 0]
        png += bigEndian(13) + ihdr + bigEndian(crc32(ihdr))
        // The start of a zlib stream: libpng reads the header up to the first image data, then stops.
        let idat: [UInt8] = [0x49, 0x44, 0x41, 0x54, 0x78, 0x9C]
        png += bigEndian(2) + idat + bigEndian(crc32(idat))
        png += bigEndian(0) + [0x49, 0x45, 0x4E, 0x44] + bigEndian(crc32([0x49, 0x45, 0x4E, 0x44]))
        let path = try write(png, "huge.png")
        let facts = SharedInspector.shared.inspect(path)
        #expect(facts.photo?.width == 60_000)
        #expect(facts.photo?.decodeError != nil)
        #expect(judge(path).map(\.code) == [.photoTooManyPixels])
    }

    @Test("Garbage after a JPEG signature, an empty file, and a PDF in the photo slot each get a finding")
    func garbage() throws {
        let garbage = try write([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x41, count: 2000), "garbage.jpg")
        #expect(Photos.errors(judge(garbage)).count == 1)
        let empty = try write([], "empty.jpg")
        #expect(judge(empty).map(\.code) == [.fileEmpty])
        let pdf = try write(Array("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8), "photo.pdf")
        #expect(Photos.errors(judge(pdf)) == [.photoTypeNotAllowed])
    }

    @Test("A missing landmark model makes the photo unmeasurable (retried), never rejected")
    func missingModel() {
        let facts = SharedInspector.shared.inspect(Photos.path("good.jpg"), landmarkModel: "/nonexistent/model.dat")
        #expect(facts.inspectionFailure?.reason == .unavailable)
        #expect(facts.inspectionFailure?.message.contains("/nonexistent/model.dat") == true)
    }

    @Test("A folder without the MediaPipe ONNX files is an unavailable model too, naming the folder")
    func emptyModelFolder() {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "face-model").path
        let facts = SharedInspector.shared.inspect(Photos.path("good.jpg"), landmarkModel: folder)
        #expect(facts.inspectionFailure?.reason == .unavailable)
        #expect(facts.inspectionFailure?.message.contains(folder) == true)
    }

    func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
