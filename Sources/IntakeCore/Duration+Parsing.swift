extension Duration {
    /// Parses `500ms`, `60s`, `5m`, `1h`, `90d`, as configuration files and options write durations.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        guard let unit = units.first(where: { trimmed.hasSuffix($0.0) }),
            let value = Double(decimal: trimmed.dropLast(unit.0.count)), value >= 0, value.isFinite
        else { return nil }
        // Past Int64.max nanoseconds (292 years) no one means a duration, and converting it would trap.
        let nanoseconds = (value * unit.1 * 1_000_000_000).rounded()
        guard nanoseconds < Double(Int64.max) else { return nil }
        self = .nanoseconds(Int64(nanoseconds))
    }

    /// The duration in seconds as a floating-point number, for arithmetic on deadlines.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
