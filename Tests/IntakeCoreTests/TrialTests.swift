import Testing

@testable import IntakeCore

@Suite("Size-limit trials")
struct TrialTests {
    let cost = ProcessingCost(secondsPerFile: 0.004, secondsPerMB: 0.001, secondsPerPage: 0, basis: "test")

    func application(_ bytes: Int64, largest: Int64? = nil, files: Int = 1) -> TrialApplication {
        TrialApplication(bytes: bytes, largestFile: largest ?? bytes, files: files, pages: nil, submittedAt: nil)
    }

    @Test("Exactly at the limit is within; one byte over is over; a file limit applies to the largest file")
    func boundaries() {
        let applications = [
            application(10_000_000), application(10_000_001), application(4_000_000, largest: 3_000_000, files: 2),
        ]
        let report = Trial.run(
            source: "test", applications: applications,
            candidates: [
                TrialCandidate(totalLimit: ByteSize(bytes: 10_000_000), fileLimit: nil),
                TrialCandidate(totalLimit: ByteSize(bytes: 10_000_000), fileLimit: ByteSize(bytes: 3_000_000)),
            ],
            cost: cost, assumedApplicationsPerYear: 300)
        #expect(report.outcomes[0].applicationsWithin == 2)
        #expect(report.outcomes[0].applicationsOver == 1)
        #expect(report.outcomes[0].bytesWithin == 14_000_000)
        #expect(report.outcomes[1].applicationsWithin == 1, "the 10 MB single file is over a 3 MB file limit")
        #expect(report.outcomes[0].bytesIfAllAccepted == 24_000_001)
        #expect(report.files == 4)
        // 300 a year from a sample of 3: each accepted application stands for 100.
        #expect(report.outcomes[0].storagePerYearBytes == 1_400_000_000)
        #expect(abs(report.outcomes[0].cpuSecondsPerYear - 100 * (0.004 + 0.010 + 0.008 + 0.004)) < 1e-9)
    }

    @Test("Nearest-rank percentiles")
    func percentiles() {
        let sorted: [Int64] = Array(1...100)
        #expect(Trial.percentile(sorted, 0.5) == 50)
        #expect(Trial.percentile(sorted, 0.9) == 90)
        #expect(Trial.percentile(sorted, 0.99) == 99)
        #expect(Trial.percentile([], 0.5) == 0)
    }

    @Test("The observed rate is used when the dates span a day or more")
    func observedRate() {
        let applications = (0..<10).map { day in
            TrialApplication(bytes: 1, largestFile: 1, files: 1, pages: nil, submittedAt: Double(day) * 86_400)
        }
        let report = Trial.run(
            source: "t", applications: applications, candidates: [], cost: cost, assumedApplicationsPerYear: 1)
        #expect(abs(report.applicationsPerYear - 10.0 / 9.0 * 365) < 1e-6)
        #expect(report.rateBasis.hasPrefix("observed"))
    }

    @Test("CSV rows are summed per application; additional documents are skipped; bad rows name their line")
    func csv() throws {
        let text = """
            application_id,slot,bytes,pages,submitted_at
            A,photo,100000,,2026-01-05
            A,attachment,900000,3,2026-01-05T10:00:00Z
            B,attachment,5,1,1767571200
            A,additional,7777777,1,2026-02-01

            """
        let applications = try TrialCSV.parse(Array(text.utf8))
        #expect(applications.count == 2)
        #expect(applications[0].bytes == 1_000_000)
        #expect(applications[0].largestFile == 900_000)
        #expect(applications[0].files == 2)
        #expect(applications[0].pages == 3)
        #expect(applications[0].submittedAt == 1_767_571_200)
        #expect(applications[1].bytes == 5)
        #expect(throws: TrialInputError.self) { try TrialCSV.parse(Array("id,bytes\n".utf8)) }
        do {
            _ = try TrialCSV.parse(Array("application_id,slot,bytes\nA,attachment,12x\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test("The cost model is fitted from timed inspections")
    func costFit() throws {
        let samples = (0..<50).map { index -> (bytes: Int64, pages: Int, seconds: Double) in
            let bytes = Int64(index * 300_000 + 10_000)
            let pages = (index * 7) % 13 + 1
            return (bytes, pages, 0.002 + 0.001 * Double(bytes) / 1_000_000 + 0.0005 * Double(pages))
        }
        let fitted = try #require(ProcessingCost.fitted(samples: samples))
        #expect(abs(fitted.secondsPerFile - 0.002) < 1e-9)
        #expect(abs(fitted.secondsPerMB - 0.001) < 1e-9)
        #expect(abs(fitted.secondsPerPage - 0.0005) < 1e-9)
        #expect(ProcessingCost.fitted(samples: Array(samples.prefix(5))) == nil)
    }
}
