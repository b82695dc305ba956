import Testing

@testable import IntakeCore

@Suite("Sizes with units")
struct ByteSizeTests {
    @Test(
        "Units are powers of 10 or of 2, as written",
        arguments: [
            ("10MB", 10_000_000), ("25MB", 25_000_000), ("300kB", 300_000), ("300KB", 300_000), ("1GB", 1_000_000_000),
            ("1KiB", 1024), ("10MiB", 10_485_760), ("2GiB", 2_147_483_648), ("512B", 512), ("1.5 MB", 1_500_000),
        ])
    func parses(text: String, bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test(
        "A bare number, a negative or an unknown unit is refused",
        arguments: ["10", "", "MB", "-1MB", "10 TB", "ten MB"])
    func refuses(text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    /// A NUL ended the number inside `strtod`, so `25\0junkMB` was 25 MB; exponents and hex floats are no way to
    /// write a limit either.
    @Test(
        "A size or a duration whose number is not a plain decimal is refused",
        arguments: ["25\0junkMB", "1e3MB", "0x10MB", "infMB", "nanMB", "1.2.3MB", ".MB", "25\0s", "1e3s", "0x10ms"])
    func refusesNonDecimal(text: String) {
        #expect(ByteSize(parsing: text) == nil)
        #expect(Duration(parsing: text) == nil)
    }

    @Test("Messages show megabytes with one decimal")
    func formats() {
        #expect(ByteSize(bytes: 27_400_000).description == "27.4 MB")
        #expect(ByteSize(bytes: 25_000_000).description == "25 MB")
        #expect(ByteSize(bytes: 2_449_999).description == "2.4 MB")
        #expect(ByteSize(bytes: 18_060).description == "18.1 kB")
        #expect(ByteSize(bytes: 999).description == "999 B")
    }

    @Test("Durations parse with units")
    func durations() {
        #expect(Duration(parsing: "60s") == .seconds(60))
        #expect(Duration(parsing: "500ms") == .milliseconds(500))
        #expect(Duration(parsing: "5m") == .seconds(300))
        #expect(Duration(parsing: "60") == nil)
    }
}
