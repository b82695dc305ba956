import Glibc

/// Windows' Shift_JIS (CP932) through glibc's iconv: plain Shift_JIS lacks ①, ㈱ and 髙, which applicants' and
/// companies' names contain.
enum CP932 {
    /// The text of `bytes`, or nil when they are not valid CP932.
    static func decode(_ bytes: [UInt8]) -> String? {
        if bytes.isEmpty { return "" }
        let converter = iconv_open("UTF-8", "CP932")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 3 + 4)
        let produced: Int? = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inputBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inputBuffer.count
                var outLeft = outputBuffer.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else {
                    return nil
                }
                return outputBuffer.count - outLeft
            }
        }
        guard let produced else { return nil }
        return String(validating: output[0..<produced], as: UTF8.self)
    }
}

/// How the text of an entry name or of the CSV is read.
enum TextDecoding {
    /// UTF-8 (its BOM dropped) when the bytes are UTF-8, else CP932; nil when they are neither.
    static func decode(_ bytes: [UInt8]) -> String? {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if let text = String(validating: body, as: UTF8.self) { return text }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return nil }
        return CP932.decode(bytes)
    }

    /// The line number (1-based) of the first line that is neither UTF-8 nor CP932.
    static func firstUndecodableLine(_ bytes: [UInt8]) -> Int {
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
        where decode(Array(line)) == nil {
            return index + 1
        }
        return 1
    }
}
