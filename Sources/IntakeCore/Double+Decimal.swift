extension Double {
    /// A plain decimal as operators write one in configuration: `25`, `1.5`, `-0.25`; nothing else.
    ///
    /// `Double(_:)` alone is too lenient for limits. It reads through C's `strtod`, which stops at a NUL, so
    /// `"25\0junk"` reads as 25; it also takes `0x1p4`, `1e3`, `inf` and `nan`, none of which an operator means.
    public init?(decimal text: some StringProtocol) {
        var digits = 0
        var points = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): points += 1
            case UInt8(ascii: "-") where index == 0: break
            default: return nil
            }
        }
        guard digits > 0, points <= 1, let value = Double(String(text)) else { return nil }
        self = value
    }
}
