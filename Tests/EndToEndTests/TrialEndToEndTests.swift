import Foundation
import IntakeTestSupport
import Testing

/// `intake trial` through the real binary, checked against counts computed here, independently.
@Suite("Size-limit trials end to end")
struct TrialEndToEndTests {
    struct Expected {
        var within = 0
        var bytesWithin: Int64 = 0
    }

    func candidates(_ json: Any) throws -> [[String: Any]] {
        try #require((json as? [String: Any])?["candidates"] as? [[String: Any]])
    }

    @Test("A CSV of 20,000 applications: counts match an independent computation, boundaries included")
    func csv() throws {
        var generator = SeededGenerator(seed: 42)
        var rows = ["application_id,slot,bytes,pages"]
        var totals: [Int64] = []
        for index in 0..<20_000 {
            var total: Int64 = 0
            let files = Int.random(in: 1...6, using: &generator)
            for file in 0..<files {
                let bytes = Int64.random(in: 50_000...9_000_000, using: &generator)
                total += bytes
                rows.append("APP-\(index),\(file == 0 ? "photo" : "attachment"),\(bytes),\(file)")
            }
            rows.append("APP-\(index),additional,99999999,1")
            totals.append(total)
        }
        // Boundaries: one application exactly at 20 MB, one a byte over.
        rows.append("EXACT,attachment,20000000,1")
        rows.append("OVER,attachment,20000001,1")
        totals += [20_000_000, 20_000_001]
        let folder = TestSupport.makeTemporaryDirectory(prefix: "csv")
        let csv = folder.appendingPathComponent("history.csv")
        try rows.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)

        let limits: [Int64] = [10_000_000, 20_000_000, 50_000_000]
        let intake = IntakeBinary()
        let report = folder.appendingPathComponent("report.html").path
        let json = try intake.json([
            "trial", "--total-limit", "10MB,20MB,50MB", "--from-csv", csv.path, "--report", report,
        ])
        let results = try candidates(json)
        #expect((json as? [String: Any])?["applications"] as? Int == 20_002)
        for (limit, result) in zip(limits, results) {
            let within = totals.filter { $0 <= limit }
            #expect(result["total_limit_bytes"] as? Int64 == limit)
            #expect(result["applications_within"] as? Int == within.count)
            #expect(result["applications_over"] as? Int == totals.count - within.count)
            #expect(result["bytes_within"] as? Int64 == within.reduce(0, +))
        }
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("<script"))
        #expect(html.components(separatedBy: "<svg").count == 3, "two charts")
    }

    @Test("From the store: sizes of stored uploads, photo and attachments, never additional documents")
    func store() throws {
        let intake = IntakeBinary()
        let sizes: [String: Int64] = try ["plain.pdf", "letter.pdf", "contract.pdf"].reduce(into: [:]) {
            $0[$1] = try #require(
                try FileManager.default.attributesOfItem(atPath: TestSupport.corpusFile($1))[.size] as? Int64)
        }
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--receipt", "R-A", "--attachment",
                TestSupport.corpusFile("plain.pdf"), TestSupport.corpusFile("letter.pdf"),
            ]).status == 0)
        #expect(
            intake.run([
                "submit", "--application", "B", "--uploader", "u", "--attachment",
                TestSupport.corpusFile("contract.pdf"),
            ]).status == 0)
        #expect(
            intake.run(["add", "--case", "R-A", "--uploader", "u", TestSupport.corpusFile("contract.pdf")]).status == 0)
        let a = sizes["plain.pdf"]! + sizes["letter.pdf"]!
        let b = sizes["contract.pdf"]!
        // Candidates exactly at A's total, and a byte below it.
        let json = try intake.json(["trial", "--total-limit", "\(a)B,\(a - 1)B"])
        let results = try candidates(json)
        #expect(results[0]["applications_within"] as? Int == (b <= a ? 2 : 1))
        #expect(results[1]["applications_within"] as? Int == (b <= a - 1 ? 1 : 0))
        #expect((json as? [String: Any])?["files"] as? Int == 3)
        #expect(results[0]["bytes_if_all_accepted"] as? Int64 == a + b)
    }

    @Test("A bare number is refused")
    func bareNumber() {
        #expect(IntakeBinary().run(["trial", "--total-limit", "10"]).status == 2)
    }
}

/// SplitMix64: a seeded generator, so the CSV is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
