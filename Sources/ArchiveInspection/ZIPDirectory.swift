/// A ZIP's central directory, read by Intake's own code and checked against each entry's local header.
///
/// Why not libarchive or ZIPFoundation: the checks SPEC §9 asks for are about the structure itself. A central
/// directory that disagrees with the local headers, entries that share compressed data (David Fifield's
/// non-recursive bomb), names as raw bytes with their UTF-8 flag (to read CP932 names that Windows writes), and the
/// Info-ZIP Unicode path field. libarchive's streaming reader never sees the central directory, its seekable one
/// converts names before we could judge them, and both decide sizes from the headers. Parsing the directory is a
/// few hundred lines of bounds-checked Swift; inflating is zlib, which is fuzzed continuously; and both run only in
/// the confined inspector child.
struct ZIPDirectory {
    struct Entry {
        var index: Int
        var rawName: [UInt8]
        /// The Info-ZIP Unicode path (0x7075), when present and its CRC matches the raw name.
        var unicodeName: String?
        var flags: UInt16
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int64
        var uncompressedSize: Int64
        var localHeaderOffset: Int64
        var externalAttributes: UInt32
        var versionMadeBy: UInt16
        /// Where the entry's compressed bytes start, from its local header.
        var dataOffset: Int64 = 0

        var isEncrypted: Bool { flags & 0x0001 != 0 || flags & 0x0040 != 0 }
        var hasUTF8Name: Bool { flags & 0x0800 != 0 }
        /// The Unix file type from the upper half of the external attributes, when a Unix tool made the entry.
        /// Nil when the entry says nothing of its type (DOS attributes, or Unix permissions alone, as Python's
        /// `writestr` writes them): a plain file.
        var unixType: UInt32? {
            let host = versionMadeBy >> 8
            guard host == 3 || host == 19 else { return nil }  // Unix, OS X
            let type = (externalAttributes >> 16) & 0o170000
            return type == 0 ? nil : type
        }
        var isDirectoryName: Bool { rawName.last == UInt8(ascii: "/") || rawName.last == UInt8(ascii: "\\") }
    }

    enum Fault: Error {
        /// Not a ZIP at all, or a structure that cannot be trusted: the whole archive is refused.
        case malformed(String)
        case tooManyEntries(Int)
    }

    var entries: [Entry]

    /// Reads and checks the directory of `bytes`; at most `maxEntries` entries.
    init(_ bytes: UnsafeRawBufferPointer, maxEntries: Int) throws(Fault) {
        let reader = ByteReader(bytes)
        guard bytes.count >= 22 else { throw .malformed("too short to be a ZIP") }
        // The end of central directory record is in the last 64 KiB + 22 bytes (its comment is at most 65535).
        let searchStart = max(0, bytes.count - 65_557)
        var eocd: Int?
        var position = bytes.count - 22
        while position >= searchStart {
            if reader.u32(position) == 0x0605_4b50 {
                eocd = position
                break
            }
            position -= 1
        }
        guard let eocd else {
            if reader.u32(0) == 0x0403_4b50 { throw .malformed("the end of the archive is missing: it was cut off") }
            throw .malformed("no ZIP structure found: this is not a ZIP file")
        }
        var count = Int64(reader.u16(eocd + 10))
        var directorySize = Int64(reader.u32(eocd + 12))
        var directoryOffset = Int64(reader.u32(eocd + 16))
        if reader.u16(eocd + 4) != 0 || reader.u16(eocd + 6) != 0 {
            throw .malformed("a split (multi-part) archive")
        }
        // Zip64: the locator sits just before the record. Its numbers are unsigned 64-bit: one past Int64.max
        // cannot describe this file, so it is clamped (and then refused below) rather than converted, which traps.
        if eocd >= 20, reader.u32(eocd - 20) == 0x0706_4b50 {
            guard let record = Int(exactly: reader.u64(eocd - 12)), record <= eocd - 56,
                reader.u32(record) == 0x0606_4b50
            else {
                throw .malformed("a Zip64 record that points nowhere")
            }
            count = Int64(clamping: reader.u64(record + 32))
            directorySize = Int64(clamping: reader.u64(record + 40))
            directoryOffset = Int64(clamping: reader.u64(record + 48))
        }
        guard count <= Int64(maxEntries) else { throw .tooManyEntries(Int(clamping: count)) }
        // Subtracting, not adding: an offset and a size near Int64.max each would overflow their sum.
        guard directoryOffset <= Int64(eocd), directorySize <= Int64(eocd) - directoryOffset else {
            throw .malformed("the central directory lies outside the file")
        }
        var entries: [Entry] = []
        var cursor = Int(directoryOffset)
        let end = Int(directoryOffset + directorySize)
        for index in 0..<Int(count) {
            guard cursor + 46 <= end, reader.u32(cursor) == 0x0201_4b50 else {
                throw .malformed("the central directory ends before its \(count) entries")
            }
            let nameLength = Int(reader.u16(cursor + 28))
            let extraLength = Int(reader.u16(cursor + 30))
            let commentLength = Int(reader.u16(cursor + 32))
            let next = cursor + 46 + nameLength + extraLength + commentLength
            guard next <= end else { throw .malformed("an entry runs past the central directory") }
            var entry = Entry(
                index: index, rawName: reader.bytes(cursor + 46, nameLength), unicodeName: nil,
                flags: reader.u16(cursor + 8), method: reader.u16(cursor + 10), crc32: reader.u32(cursor + 16),
                compressedSize: Int64(reader.u32(cursor + 20)), uncompressedSize: Int64(reader.u32(cursor + 24)),
                localHeaderOffset: Int64(reader.u32(cursor + 42)), externalAttributes: reader.u32(cursor + 38),
                versionMadeBy: reader.u16(cursor + 4))
            try Self.readExtra(
                reader, from: cursor + 46 + nameLength, length: extraLength, into: &entry,
                zip64: (
                    entry.uncompressedSize == 0xFFFF_FFFF, entry.compressedSize == 0xFFFF_FFFF,
                    entry.localHeaderOffset == 0xFFFF_FFFF
                ))
            entries.append(entry)
            cursor = next
        }
        try Self.checkLocalHeaders(reader, &entries, directoryOffset: directoryOffset)
        self.entries = entries
    }

    /// Zip64 sizes and offset, and the Info-ZIP Unicode path.
    private static func readExtra(
        _ reader: ByteReader, from start: Int, length: Int, into entry: inout Entry,
        zip64: (uncompressed: Bool, compressed: Bool, offset: Bool)
    ) throws(Fault) {
        var cursor = start
        let end = start + length
        while cursor + 4 <= end {
            let id = reader.u16(cursor)
            let size = Int(reader.u16(cursor + 2))
            let body = cursor + 4
            guard body + size <= end else { throw .malformed("an extra field runs past its entry") }
            if id == 0x0001 {
                var field = body
                func next() throws(Fault) -> Int64 {
                    guard field + 8 <= body + size else { throw .malformed("a Zip64 field too short") }
                    defer { field += 8 }
                    return Int64(bitPattern: reader.u64(field))
                }
                if zip64.uncompressed { entry.uncompressedSize = try next() }
                if zip64.compressed { entry.compressedSize = try next() }
                if zip64.offset { entry.localHeaderOffset = try next() }
            } else if id == 0x7075, size >= 5, reader.u8(body) == 1 {
                let nameCRC = reader.u32(body + 1)
                if nameCRC == CRC32.of(entry.rawName) {
                    entry.unicodeName = String(validating: reader.bytes(body + 5, size - 5), as: UTF8.self)
                }
            }
            cursor = body + size
        }
    }

    /// Every local header must exist, agree with its directory entry, and own its bytes alone: two entries whose
    /// data overlap are how a small archive inflates to terabytes without nesting.
    private static func checkLocalHeaders(_ reader: ByteReader, _ entries: inout [Entry], directoryOffset: Int64)
        throws(Fault)
    {
        for index in entries.indices {
            let entry = entries[index]
            let offset = entry.localHeaderOffset
            guard offset >= 0, offset <= directoryOffset - 30, reader.u32(Int(offset)) == 0x0403_4b50 else {
                throw .malformed("an entry's local header is missing")
            }
            let local = Int(offset)
            let nameLength = Int(reader.u16(local + 26))
            let extraLength = Int(reader.u16(local + 28))
            guard reader.bytes(local + 30, nameLength) == entry.rawName,
                reader.u16(local + 8) == entry.method, reader.u16(local + 6) & 0x0001 == entry.flags & 0x0001
            else {
                throw .malformed("the central directory and a local header disagree")
            }
            // Without a data descriptor (flag bit 3) the local header states the sizes itself, and they must match.
            if entry.flags & 0x0008 == 0 {
                let localCompressed = Int64(reader.u32(local + 18))
                let localUncompressed = Int64(reader.u32(local + 22))
                let matches =
                    reader.u32(local + 14) == entry.crc32
                    && (localCompressed == entry.compressedSize || localCompressed == 0xFFFF_FFFF)
                    && (localUncompressed == entry.uncompressedSize || localUncompressed == 0xFFFF_FFFF)
                guard matches else { throw .malformed("the central directory and a local header disagree") }
            }
            let dataOffset = offset + 30 + Int64(nameLength) + Int64(extraLength)
            entries[index].dataOffset = dataOffset
            guard entry.compressedSize >= 0, entry.uncompressedSize >= 0,
                entry.compressedSize <= directoryOffset - dataOffset
            else {
                throw .malformed("an entry's data runs past the end of the archive")
            }
        }
        let byStart = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (first, second) in zip(byStart, byStart.dropFirst())
        where first.dataOffset + first.compressedSize > second.localHeaderOffset {
            throw .malformed("entries share their data, as an overlapping zip bomb does")
        }
    }
}

/// Little-endian reads that never trap: out of range reads zero, which the structure checks then reject.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func u8(_ offset: Int) -> UInt8 { offset >= 0 && offset < bytes.count ? bytes[offset] : 0 }
    func u16(_ offset: Int) -> UInt16 { UInt16(u8(offset)) | UInt16(u8(offset + 1)) << 8 }
    func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
    func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }
    func bytes(_ offset: Int, _ count: Int) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= bytes.count else { return [] }
        return Array(bytes[offset..<offset + count])
    }
}
