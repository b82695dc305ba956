/// Historical sizes for a trial, as CSV: the header `application_id,slot,bytes`, optionally `pages` and
/// `submitted_at` (a date `2025-04-01`, a UTC time `2025-04-01T09:30:00Z`, or seconds since 1970), in any order.
/// Rows of the `additional` slot are skipped: they have their own allowance. Quoted fields are not supported:
/// none of the columns needs them.
public enum TrialCSV {
    public static func parse(_ bytes: [UInt8]) throws(TrialInputError) -> [TrialApplication] {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
        guard let headerLine = lines.popFirst() else { throw TrialInputError(line: 1, message: "empty file") }
        let header = fields(headerLine).map { String(decoding: $0, as: UTF8.self) }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let idColumn = column("application_id"), let slotColumn = column("slot"),
            let bytesColumn = column("bytes")
        else {
            throw TrialInputError(line: 1, message: "the header must name application_id, slot and bytes")
        }
        let pagesColumn = column("pages")
        let dateColumn = column("submitted_at")

        struct Accumulator {
            var bytes: Int64 = 0
            var largest: Int64 = 0
            var files = 0
            var pages: Int?
            var submittedAt: Double?
        }
        var order: [[UInt8]] = []
        var byApplication: [[UInt8]: Accumulator] = [:]
        var lineNumber = 1
        for line in lines {
            lineNumber += 1
            if line.isEmpty || line == [UInt8(ascii: "\r")] { continue }
            let row = fields(line)
            guard row.count == header.count else {
                throw TrialInputError(line: lineNumber, message: "\(row.count) fields, the header has \(header.count)")
            }
            let slot = String(decoding: row[slotColumn], as: UTF8.self)
            guard slot == "attachment" || slot == "photo" || slot == "additional" else {
                throw TrialInputError(line: lineNumber, message: "unknown slot “\(slot)”")
            }
            if slot == "additional" { continue }
            guard let size = integer(row[bytesColumn]), size >= 0 else {
                throw TrialInputError(line: lineNumber, message: "bytes must be a whole number")
            }
            let id = Array(row[idColumn])
            var accumulator =
                byApplication[id]
                ?? {
                    order.append(id)
                    return Accumulator()
                }()
            // Each field is below 10^18, but an application's rows together can pass Int64.max: a line at fault,
            // not a trap.
            let (bytes, bytesOverflow) = accumulator.bytes.addingReportingOverflow(size)
            guard !bytesOverflow else {
                throw TrialInputError(line: lineNumber, message: "the application's bytes add up past 2^63")
            }
            accumulator.bytes = bytes
            accumulator.largest = max(accumulator.largest, size)
            accumulator.files += 1
            if let pagesColumn, !row[pagesColumn].isEmpty {
                guard let pages = integer(row[pagesColumn]) else {
                    throw TrialInputError(line: lineNumber, message: "pages must be a whole number")
                }
                let (total, pagesOverflow) = (accumulator.pages ?? 0).addingReportingOverflow(Int(pages))
                guard !pagesOverflow else {
                    throw TrialInputError(line: lineNumber, message: "the application's pages add up past 2^63")
                }
                accumulator.pages = total
            }
            if let dateColumn, !row[dateColumn].isEmpty {
                guard let date = timestamp(row[dateColumn]) else {
                    throw TrialInputError(line: lineNumber, message: "submitted_at is not a date, UTC time or epoch")
                }
                accumulator.submittedAt = min(accumulator.submittedAt ?? date, date)
            }
            byApplication[id] = accumulator
        }
        return order.map { id in
            let value = byApplication[id]!
            return TrialApplication(
                bytes: value.bytes, largestFile: value.largest, files: value.files, pages: value.pages,
                submittedAt: value.submittedAt)
        }
    }

    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var trimmed = line
        if trimmed.last == UInt8(ascii: "\r") { trimmed = trimmed.dropLast() }
        return trimmed.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
    }

    static func integer(_ field: ArraySlice<UInt8>) -> Int64? {
        guard !field.isEmpty, field.count < 19 else { return nil }
        var value: Int64 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// `2025-04-01`, `2025-04-01T09:30:00Z` (UTC), or whole seconds since 1970.
    static func timestamp(_ field: ArraySlice<UInt8>) -> Double? {
        if let seconds = integer(field) { return Double(seconds) }
        let text = Array(field)
        guard text.count >= 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
            let year = integer(field.prefix(4)), let month = integer(field.dropFirst(5).prefix(2)),
            let day = integer(field.dropFirst(8).prefix(2)), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if text.count >= 19, text[10] == UInt8(ascii: "T") || text[10] == UInt8(ascii: " "),
            let hour = integer(field.dropFirst(11).prefix(2)), let minute = integer(field.dropFirst(14).prefix(2)),
            let second = integer(field.dropFirst(17).prefix(2))
        {
            seconds += Double(hour * 3600 + minute * 60 + second)
        }
        return seconds
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// A trial input that cannot be used, with the line at fault.
public struct TrialInputError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Dates as operators type them: `2026-01-05`, `2026-01-05T09:30:00Z` (UTC), or seconds since 1970.
public func parseTimestamp(_ text: String) -> Double? {
    TrialCSV.timestamp(ArraySlice(text.utf8))
}
