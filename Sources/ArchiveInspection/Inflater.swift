import CZlib
import Glibc

/// CRC-32 as ZIP uses it (zlib's).
enum CRC32 {
    static func of(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
    }
}

/// Writes one entry's bytes to a file, inflating if need be, and stops the moment a bound is passed: sizes are
/// counted as they come out, never taken from the headers.
enum EntryWriter {
    enum Outcome: Equatable {
        case written(bytes: Int64)
        case tooLarge(ArchiveSizeLimitHit)
        case malformed(String)
    }

    /// Which bound stopped the entry.
    enum ArchiveSizeLimitHit: Equatable {
        case entry, ratio, total
        case declared
    }

    struct Bounds {
        var entry: Int64
        var ratio: Int64
        var ratioFloor: Int64
        /// What the archive's entries may still expand to, together.
        var remaining: Int64
    }

    /// `data` is the entry's compressed bytes; `method` 0 (stored) or 8 (deflate).
    static func write(
        _ data: UnsafeRawBufferPointer, method: UInt16, declaredSize: Int64, expectedCRC: UInt32, to path: String,
        bounds: Bounds
    ) -> Outcome {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return .malformed("could not write it out") }
        defer { close(descriptor) }
        var written: Int64 = 0
        // An operator may set `archive.max_ratio` as high as Int.max: past Int64's range the ratio bounds nothing.
        let (product, overflowed) = bounds.ratio.multipliedReportingOverflow(by: max(1, Int64(data.count)))
        let ratioBound = overflowed ? Int64.max : product
        var crc = crc32(0, nil, 0)
        func accept(_ chunk: UnsafeRawBufferPointer) -> Outcome? {
            written += Int64(chunk.count)
            if written > bounds.remaining { return .tooLarge(.total) }
            if written > bounds.entry { return .tooLarge(.entry) }
            if written > declaredSize { return .tooLarge(.declared) }
            if written > bounds.ratioFloor, written > ratioBound { return .tooLarge(.ratio) }
            crc = crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(chunk.count))
            var offset = 0
            while offset < chunk.count {
                let result = Glibc.write(descriptor, chunk.baseAddress! + offset, chunk.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    return .malformed("could not write it out")
                }
                offset += result
            }
            return nil
        }
        switch method {
        case 0:
            var start = 0
            while start < data.count {
                let end = min(data.count, start + 1 << 20)
                if let stop = accept(UnsafeRawBufferPointer(rebasing: data[start..<end])) { return stop }
                start = end
            }
        case 8:
            if let stop = inflate(data, accept) { return stop }
        default:
            return .malformed("compression method \(method) is not supported; use Deflate")
        }
        guard written == declaredSize else { return .malformed("it is shorter than its headers declare") }
        guard UInt32(crc) == expectedCRC else { return .malformed("its checksum does not match: it is damaged") }
        return .written(bytes: written)
    }

    /// Raw deflate in 64 KiB steps, each handed to `accept` before the next is made.
    private static func inflate(
        _ input: UnsafeRawBufferPointer, _ accept: (UnsafeRawBufferPointer) -> Outcome?
    ) -> Outcome? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .malformed("could not start inflating")
        }
        defer { inflateEnd(&stream) }
        guard let base = input.baseAddress ?? UnsafeRawPointer(bitPattern: 1) else { return nil }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = input.count > 0 ? uInt(min(input.count, Int(UInt32.max))) : 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var stop: Outcome?
            let status = chunk.withUnsafeMutableBytes { buffer -> Int32 in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                let produced = buffer.count - Int(stream.avail_out)
                if produced > 0 { stop = accept(UnsafeRawBufferPointer(rebasing: buffer[0..<produced])) }
                return status
            }
            if let stop { return stop }
            if status == Z_STREAM_END { return nil }
            if status != Z_OK { return .malformed("its compressed data is damaged") }
        }
    }
}
