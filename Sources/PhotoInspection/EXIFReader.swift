/// What a JPEG's EXIF block says that the photo rules use. Parsed by hand, bounds-checked at every step: the
/// bytes are an applicant's upload.
struct EXIFMetadata: Equatable {
    /// 1–8, as TIFF defines it; 1 (upright) when absent.
    var orientation = 1
    /// `DateTimeOriginal`, else `DateTime`, as `YYYY-MM-DDTHH:MM:SS`.
    var capturedAt: String?
    var software: String?
}

enum EXIFReader {
    /// Reads the first APP1 `Exif` segment of a JPEG, if any. Never fails: unreadable metadata is absent metadata.
    static func read(jpeg bytes: UnsafeRawBufferPointer) -> EXIFMetadata {
        guard let tiff = exifPayload(bytes) else { return EXIFMetadata() }
        return parseTIFF(tiff)
    }

    /// Reads a PNG's `eXIf` chunk (PNG 1.5 extensions), if any, looked for before the image data.
    static func read(png bytes: UnsafeRawBufferPointer) -> EXIFMetadata {
        var offset = 8  // the signature
        while offset + 12 <= bytes.count {
            let length =
                Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
            let type = Array(bytes[(offset + 4)..<(offset + 8)])
            let start = offset + 8
            guard length >= 0, length <= bytes.count - start - 4 else { return EXIFMetadata() }
            if type == Array("eXIf".utf8) {
                return parseTIFF(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
            }
            if type == Array("IDAT".utf8) || type == Array("IEND".utf8) { return EXIFMetadata() }
            offset = start + length + 4  // data and CRC
        }
        return EXIFMetadata()
    }

    /// The TIFF structure inside the APP1 segment, found by walking the JPEG markers up to the image data.
    private static func exifPayload(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF {  // fill byte
                offset += 1
                continue
            }
            if marker == 0xDA || marker == 0xD9 { return nil }  // image data or end: no EXIF before it
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let start = offset + 4
            let end = offset + 2 + length
            if marker == 0xE1, end - start > 6,
                Array(bytes[start..<start + 6]) == [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
            {
                return UnsafeRawBufferPointer(rebasing: bytes[(start + 6)..<end])
            }
            offset = end
        }
        return nil
    }

    private static func parseTIFF(_ tiff: UnsafeRawBufferPointer) -> EXIFMetadata {
        var metadata = EXIFMetadata()
        guard tiff.count >= 8 else { return metadata }
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x4D, 0x4D): bigEndian = true
        case (0x49, 0x49): bigEndian = false
        default: return metadata
        }
        let reader = TIFFReader(bytes: tiff, bigEndian: bigEndian)
        guard reader.uint16(at: 2) == 42, let ifd0 = reader.uint32(at: 4) else { return metadata }
        var dateTime: String?
        var dateTimeOriginal: String?
        var exifIFD: Int?
        reader.entries(ofIFDAt: Int(ifd0)) { tag, entry in
            switch tag {
            case 0x0112:
                if let value = reader.uint16(at: entry + 8), (1...8).contains(value) {
                    metadata.orientation = Int(value)
                }
            case 0x0131: metadata.software = reader.ascii(entry: entry)
            case 0x0132: dateTime = reader.ascii(entry: entry)
            case 0x8769: exifIFD = reader.uint32(at: entry + 8).map(Int.init)
            default: break
            }
        }
        if let exifIFD {
            reader.entries(ofIFDAt: exifIFD) { tag, entry in
                if tag == 0x9003 { dateTimeOriginal = reader.ascii(entry: entry) }
            }
        }
        metadata.capturedAt = (dateTimeOriginal ?? dateTime).flatMap(isoTimestamp)
        return metadata
    }

    /// `2020:01:15 10:30:00` → `2020-01-15T10:30:00`; nil for blanks (`0000:00:00 00:00:00`) and other shapes.
    static func isoTimestamp(_ exif: String) -> String? {
        let characters = Array(exif.utf8.prefix(19))
        guard characters.count == 19, characters[4] == UInt8(ascii: ":"), characters[7] == UInt8(ascii: ":"),
            characters[10] == UInt8(ascii: " ")
        else { return nil }
        let digitPositions = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        guard digitPositions.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(characters[$0]) }),
            !exif.hasPrefix("0000")
        else { return nil }
        var iso = characters
        iso[4] = UInt8(ascii: "-")
        iso[7] = UInt8(ascii: "-")
        iso[10] = UInt8(ascii: "T")
        return String(decoding: iso, as: UTF8.self)
    }
}

/// Bounds-checked reads from a TIFF structure of either byte order.
private struct TIFFReader {
    let bytes: UnsafeRawBufferPointer
    let bigEndian: Bool

    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        let (first, second) = (UInt16(bytes[offset]), UInt16(bytes[offset + 1]))
        return bigEndian ? first << 8 | second : second << 8 | first
    }

    func uint32(at offset: Int) -> UInt32? {
        guard let high = uint16(at: bigEndian ? offset : offset + 2),
            let low = uint16(at: bigEndian ? offset + 2 : offset)
        else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    /// Calls `body(tag, entryOffset)` for each 12-byte entry of the IFD at `offset` (at most 512, against loops).
    func entries(ofIFDAt offset: Int, _ body: (UInt16, Int) -> Void) {
        guard let count = uint16(at: offset) else { return }
        for index in 0..<min(Int(count), 512) {
            let entry = offset + 2 + 12 * index
            guard let tag = uint16(at: entry) else { return }
            body(tag, entry)
        }
    }

    /// An ASCII entry's text (type 2), stored inline up to 4 bytes or at an offset; trimmed of NULs and spaces.
    func ascii(entry: Int) -> String? {
        guard uint16(at: entry + 2) == 2, let count = uint32(at: entry + 4), count > 0, count < 4096 else { return nil }
        let length = Int(count)
        let start: Int
        if length <= 4 {
            start = entry + 8
        } else {
            guard let pointer = uint32(at: entry + 8) else { return nil }
            start = Int(pointer)
        }
        guard start >= 0, start + length <= bytes.count else { return nil }
        let text = bytes[start..<start + length].prefix { $0 != 0 }
        let string = String(decoding: text, as: UTF8.self).trimmingCharacters(in: " ")
        return string.isEmpty ? nil : string
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var view = Substring(self)
        while view.first == character { view.removeFirst() }
        while view.last == character { view.removeLast() }
        return String(view)
    }
}
