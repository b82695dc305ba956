/// The bounds on a bulk archive (`archive.*`, SPEC §9), counted by Intake's own reader while it inflates, whatever
/// the archive's headers claim.
public struct ArchiveLimits: Sendable, Hashable, Codable {
    /// The archive itself (`archive.max_bytes`); over HTTP, refused with 413 before it is read.
    public var maxBytes: ByteSize
    /// Entries in the archive (`archive.max_entries`).
    public var maxEntries: Int
    /// One entry, inflated (`archive.max_entry_expanded`).
    public var maxEntryExpanded: ByteSize
    /// Inflated size over compressed size (`archive.max_ratio`), once an entry has passed `ratioFloor`.
    public var maxRatio: Int
    /// All entries together, inflated (`archive.max_expanded`).
    public var maxExpanded: ByteSize

    /// Below this an entry's ratio is not judged: a small, very regular file (a CSV, a blank page) compresses far
    /// better than 100:1 and is no bomb.
    public static let ratioFloor: Int64 = 1 << 20
    /// `applications.csv` itself: 1,000 rows of a few hundred bytes each is far below this.
    public static let csvMaxBytes: Int64 = 8 << 20

    public static let defaults = ArchiveLimits(
        maxBytes: ByteSize(bytes: 1_000_000_000), maxEntries: 1000, maxEntryExpanded: ByteSize(bytes: 50_000_000),
        maxRatio: 100, maxExpanded: ByteSize(bytes: 1_000_000_000))

    public init(maxBytes: ByteSize, maxEntries: Int, maxEntryExpanded: ByteSize, maxRatio: Int, maxExpanded: ByteSize) {
        self.maxBytes = maxBytes
        self.maxEntries = maxEntries
        self.maxEntryExpanded = maxEntryExpanded
        self.maxRatio = maxRatio
        self.maxExpanded = maxExpanded
    }

    public init(configuration: Configuration) throws(ConfigurationError) {
        let defaults = Self.defaults
        self.init(
            maxBytes: try configuration.byteSize("archive.max_bytes", default: defaults.maxBytes),
            maxEntries: try configuration.integer("archive.max_entries", atLeast: 1, default: defaults.maxEntries),
            maxEntryExpanded: try configuration.byteSize(
                "archive.max_entry_expanded", default: defaults.maxEntryExpanded),
            maxRatio: try configuration.integer("archive.max_ratio", atLeast: 1, default: defaults.maxRatio),
            maxExpanded: try configuration.byteSize("archive.max_expanded", default: defaults.maxExpanded))
    }
}
