/// A number of bytes, written and read with units the way operators type them.
///
/// `kB`/`KB`, `MB`, `GB` are powers of 10 and `KiB`, `MiB`, `GiB` powers of 2, so `10MB` is 10,000,000 bytes.
/// A bare number is refused: `10` could mean bytes or megabytes, and a limit off by a factor of a million
/// is worse than an error at start-up.
public struct ByteSize: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    private static let units: [(suffix: String, factor: Int64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
        ("kB", 1_000), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ]

    /// Parses `25MB`, `1.5 GiB`, `300kB`, `512B`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        guard let unit = Self.units.first(where: { trimmed.hasSuffix($0.suffix) }) else { return nil }
        let number = String(trimmed.dropLast(unit.suffix.count)).trimmingWhitespace()
        guard !number.isEmpty, let value = Double(decimal: number), value >= 0, value.isFinite else { return nil }
        let product = value * Double(unit.factor)
        guard product < Double(Int64.max) else { return nil }
        self.bytes = Int64(product.rounded())
    }

    /// Megabytes (10^6) with one decimal, the unit the agency's rules are written in: `27.4 MB`.
    public var description: String {
        if bytes < 1_000 { return "\(bytes) B" }
        if bytes < 1_000_000 { return Self.oneDecimal(Double(bytes) / 1_000) + " kB" }
        if bytes < 1_000_000_000 { return Self.oneDecimal(Double(bytes) / 1_000_000) + " MB" }
        return Self.oneDecimal(Double(bytes) / 1_000_000_000) + " GB"
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    public init(from decoder: any Decoder) throws {
        self.bytes = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}

extension String {
    /// Without leading and trailing whitespace: how configuration values are read.
    public func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
