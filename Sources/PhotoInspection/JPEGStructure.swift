/// The JPEG marker walk that decoding relies on, apart from the decoder: it is pure Swift over the upload's bytes,
/// so the fuzz targets (`Fuzz/`) can build it without libjpeg-turbo, libpng, dlib or OpenCV.
enum JPEGStructure {
    /// Whether an end-of-image marker follows the first scan. Entropy-coded data cannot hold `FF D9` (a data
    /// byte `FF` is written `FF 00`), and the EXIF thumbnail's own end marker sits inside APP1, which the marker
    /// walk skips; images appended after the main one (MPF) come after its end marker.
    static func hasEndOfImage(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if marker == 0xFF {
                offset += 1
                continue
            }
            if marker == 0xDA { break }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 2 + length
        }
        guard offset + 1 < bytes.count else { return false }
        var index = offset + 2
        while index + 1 < bytes.count {
            if bytes[index] == 0xFF && bytes[index + 1] == 0xD9 { return true }
            index += 1
        }
        return false
    }
}
