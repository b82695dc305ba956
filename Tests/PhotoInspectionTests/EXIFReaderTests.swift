import Testing

@testable import PhotoInspection

/// The hand-written EXIF reader over hand-built JPEG headers: both TIFF byte orders (iPhones write big-endian,
/// many Android phones little-endian), and metadata that lies about its own lengths.
@Suite("EXIF reader")
struct EXIFReaderTests {
    /// A JPEG start (SOI, APP1 Exif, then SOS) around a TIFF with Orientation, Software, and DateTimeOriginal in
    /// the Exif sub-IFD, in the given byte order.
    static func jpeg(
        bigEndian: Bool, orientation: UInt16 = 6, software: String = "Pixel Camera",
        taken: String = "2026:09:30 18:05:07"
    ) -> [UInt8] {
        func u16(_ value: UInt16) -> [UInt8] {
            bigEndian ? [UInt8(value >> 8), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8)]
        }
        func u32(_ value: UInt32) -> [UInt8] {
            let bytes = [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            return bigEndian ? bytes : bytes.reversed()
        }
        let softwareText = Array(software.utf8) + [0]
        let takenText = Array(taken.utf8) + [0]
        // Layout: header 8, IFD0 (3 entries) at 8 = 2 + 36 + 4 = 42 bytes → 50; Exif IFD (1 entry) at 50 = 18 →
        // 68; Software text at 68; DateTimeOriginal text after it.
        let softwareOffset = UInt32(68)
        let takenOffset = softwareOffset + UInt32(softwareText.count)
        var tiff: [UInt8] = (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42) + u32(8)
        tiff += u16(3)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        tiff += u16(0x0131) + u16(2) + u32(UInt32(softwareText.count)) + u32(softwareOffset)
        tiff += u16(0x8769) + u16(4) + u32(1) + u32(50)
        tiff += u32(0)
        tiff += u16(1) + u16(0x9003) + u16(2) + u32(UInt32(takenText.count)) + u32(takenOffset) + u32(0)
        tiff += softwareText + takenText
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = UInt16(payload.count + 2)
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + [0xFF, 0xDA, 0, 2]
    }

    func read(_ bytes: [UInt8]) -> EXIFMetadata {
        bytes.withUnsafeBytes { EXIFReader.read(jpeg: $0) }
    }

    @Test("Orientation, Software and DateTimeOriginal are read in either byte order", arguments: [true, false])
    func byteOrders(bigEndian: Bool) {
        let metadata = read(Self.jpeg(bigEndian: bigEndian))
        #expect(metadata == EXIFMetadata(orientation: 6, capturedAt: "2026-09-30T18:05:07", software: "Pixel Camera"))
    }

    @Test("An orientation outside 1–8 and a blank date are ignored")
    func nonsenseValues() {
        let metadata = read(Self.jpeg(bigEndian: false, orientation: 77, taken: "0000:00:00 00:00:00"))
        #expect(metadata.orientation == 1)
        #expect(metadata.capturedAt == nil)
    }

    @Test("Every truncation of the header reads as no metadata or partial metadata, never out of bounds")
    func truncations() {
        let full = Self.jpeg(bigEndian: true)
        for length in 0..<full.count {
            _ = read(Array(full.prefix(length)))
        }
        // Offsets pointing past the end: the Software text's offset replaced by a huge one.
        var lying = full
        // SOI, APP1 marker and length (6), "Exif\0\0" (6), TIFF header (8), entry count (2), entry 1 (12): the
        // Software entry starts at 34, its offset field 8 bytes in.
        let softwareOffsetField = 34 + 8
        lying.replaceSubrange(softwareOffsetField..<(softwareOffsetField + 4), with: [0xFF, 0xFF, 0xFF, 0xF0])
        #expect(read(lying).software == nil)
        #expect(read(lying).orientation == 6)
    }
}
