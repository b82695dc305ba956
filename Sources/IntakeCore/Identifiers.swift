/// Identifiers of records, and the case numbers (受付番号) Intake assigns. Pure: the caller supplies the randomness.
public enum Identifier {
    /// Crockford base-32: no I, L, O or U, so an id read aloud or retyped is not misread.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// `U-7K2M9Q4D8X1C`: a prefix and 12 random Crockford base-32 characters (60 bits).
    public static func make<Generator: RandomNumberGenerator>(_ prefix: String, using generator: inout Generator)
        -> String
    {
        prefix + "-" + random(count: 12, using: &generator)
    }

    /// `make(_:using:)` with the system's generator.
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(prefix, using: &generator)
    }

    /// One random Crockford base-32 character.
    public static func character<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        String(alphabet[Int(generator.next() % UInt64(alphabet.count))])
    }

    /// `count` characters of five random bits each, twelve from every 64-bit draw: each draw from the system's
    /// generator is a `getrandom` call, and an id took twelve of them.
    static func random<Generator: RandomNumberGenerator>(count: Int, using generator: inout Generator) -> String {
        var characters: [Character] = []
        characters.reserveCapacity(count)
        var bits: UInt64 = 0
        for index in 0..<count {
            if index % 12 == 0 { bits = generator.next() }
            characters.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return String(characters)
    }
}

extension CalendarDay {
    /// `R-20261123-7K2M9Q`: this day (the day of first submission, in Japan) and 6 random characters. The agency's
    /// own format is unpublished, so receipts stay opaque strings; a store retries on the rare collision.
    public func receiptNumber<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        let digits = description.replacingHyphens()
        return "R-\(digits)-" + Identifier.random(count: 6, using: &generator)
    }

    /// `receiptNumber(using:)` with the system's generator.
    public func receiptNumber() -> String {
        var generator = SystemRandomNumberGenerator()
        return receiptNumber(using: &generator)
    }
}

extension String {
    fileprivate func replacingHyphens() -> String { String(filter { $0 != "-" }) }
}

/// The keys that make a resubmission recognisable: the same file for the same application and slot is one upload.
public enum IdempotencyKey {
    /// `application|slot|sha256`: a photo or attachment sent twice is stored once.
    public static func upload(application: String, slot: Slot, sha256: String) -> String {
        "\(application)|\(slot.rawValue)|\(sha256)"
    }

    /// An additional document is never a duplicate by key: whether an earlier copy counts is decided by
    /// `AdditionalDocumentRules` (a rejected copy may be sent again), so each gets a key of its own.
    public static func additional(application: String, sha256: String, nonce: String) -> String {
        "\(application)|additional|\(sha256)|\(nonce)"
    }

    /// A document refused for its case is kept for audit under a key that can never collide with a live one.
    public static func refused(nonce: String) -> String { "refused|\(nonce)" }
}
