import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// Reprocessing after a rule change, through the real binary and the real store.
@Suite("Reprocessing under new rules")
struct ReprocessEndToEndTests {
    /// Tightened rules: 40 kB per application, and an owner password is now an error.
    static let tightened = ["INTAKE_LIMITS_APPLICATION_TOTAL": "40kB", "INTAKE_PDF_PERMISSIONS_PASSWORD": "error"]

    func size(_ name: String) throws -> Int64 {
        try #require(try FileManager.default.attributesOfItem(atPath: TestSupport.corpusFile(name))[.size] as? Int64)
    }

    func verdictCount(_ intake: IntakeBinary) async throws -> Int {
        let store = try intake.store()
        var count = 0
        for id in try await store.applicationIds() {
            let status = try #require(try await store.status(applicationId: id))
            count += (status.uploads + status.additional).reduce(0) { $0 + $1.items.reduce(0) { $0 + $1.history } }
        }
        return count
    }

    @Test(
        "A tightened policy: the dry run lists exactly the items that change and writes nothing; reprocess records them, history kept"
    )
    func tightenedPolicy() async throws {
        let intake = IntakeBinary()
        let files = ["plain.pdf", "letter.pdf", "contract.pdf", "r4-open.pdf"]
        #expect(
            intake.run(
                ["submit", "--application", "A", "--uploader", "u", "--attachment"] + files.map(TestSupport.corpusFile)
            ).status == 0)
        #expect(
            intake.run([
                "submit", "--application", "B", "--uploader", "u", "--attachment", TestSupport.corpusFile("letter.pdf"),
            ]).status == 0)
        // One at a time, so verdicts are decided in upload order.
        #expect(intake.run(["work", "--until-empty", "--concurrency", "1"]).status == 0)

        // Independently: under 40 kB, in order, plain and letter fit, contract does not; r4-open is now an error.
        let plain = try size("plain.pdf"), letter = try size("letter.pdf"), contract = try size("contract.pdf")
        #expect(plain + letter <= 40_000 && plain + letter + contract > 40_000)
        // r4-open is judged after them too: its own size may also break the total (the rule counts it either way).
        let ownerPassword = try size("r4-open.pdf")
        let expected: Set<String> = [
            "contract.pdf: size.application_over_limit",
            "r4-open.pdf: pdf.permissions_password"
                + (plain + letter + ownerPassword > 40_000 ? ",size.application_over_limit" : ""),
        ]

        let before = try await verdictCount(intake)
        var tightened = intake
        tightened.environment = Self.tightened
        let dryRun = try #require(try tightened.json(["reprocess", "--all", "--dry-run"]) as? [String: Any])
        let changes = try #require(dryRun["changes"] as? [[String: Any]])
        #expect(dryRun["examined"] as? Int == 5)
        #expect(
            Set(changes.map { "\($0["file"] as! String): \(($0["codes"] as! [String]).joined(separator: ","))" })
                == expected)
        #expect(changes.allSatisfy { $0["from"] as? String == "accepted" && $0["to"] as? String == "rejected" })
        #expect(try await verdictCount(intake) == before, "a dry run writes nothing")
        #expect(try await intake.store().unfinishedJobs(kind: JobKind.reprocessApplication) == 0)

        #expect(tightened.run(["reprocess", "--all"]).status == 0)
        let status = try #require(try await intake.store().status(applicationId: "A"))
        for upload in status.uploads {
            let item = try #require(upload.items.first)
            #expect(item.history == 2, "\(upload.upload.fileName): old verdict kept, new one added")
            let rejected = ["contract.pdf", "r4-open.pdf"].contains(upload.upload.fileName)
            #expect(item.latest?.verdict == (rejected ? .rejected : .accepted), "\(upload.upload.fileName)")
        }
        // Run again: nothing left to do, nothing written.
        let after = try await verdictCount(intake)
        #expect(tightened.run(["reprocess", "--all"]).status == 0)
        #expect(try await verdictCount(intake) == after)
        let again = try #require(try tightened.json(["reprocess", "--all", "--dry-run"]) as? [String: Any])
        #expect((again["changes"] as? [Any])?.isEmpty == true)
    }

    @Test("Selecting by finding code reprocesses only the applications that carry it")
    func byCode() async throws {
        let intake = IntakeBinary()
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--attachment",
                TestSupport.corpusFile("r4-open.pdf"),
            ]).status == 0)
        #expect(
            intake.run([
                "submit", "--application", "B", "--uploader", "u", "--attachment", TestSupport.corpusFile("plain.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        var strict = intake
        strict.environment = ["INTAKE_PDF_PERMISSIONS_PASSWORD": "error"]
        #expect(strict.run(["reprocess", "--code", "pdf.permissions_password", "--no-wait"]).status == 0)
        let store = try intake.store()
        #expect(try await store.unfinishedJobs(kind: JobKind.reprocessApplication) == 1)
        #expect(strict.run(["work", "--until-empty"]).status == 0)
        #expect(try await store.status(applicationId: "A")?.uploads.first?.items.first?.latest?.verdict == .rejected)
        #expect(
            try await store.status(applicationId: "B")?.uploads.first?.items.first?.history == 1, "B was not selected")
    }

    @Test("Exactly one selection is required")
    func selection() {
        let intake = IntakeBinary()
        #expect(intake.run(["reprocess", "--dry-run"]).status == 2)
        #expect(intake.run(["reprocess", "--all", "--application", "A"]).status == 2)
    }
}

@Suite("Reprocessing resumes")
struct ReprocessResumeTests {
    @Test(
        "A run interrupted after queuing resumes the queued jobs instead of queuing them again; --since selects by date"
    )
    func resume() async throws {
        let intake = IntakeBinary()
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--attachment",
                TestSupport.corpusFile("r4-open.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        var strict = intake
        strict.environment = ["INTAKE_PDF_PERMISSIONS_PASSWORD": "error"]
        #expect(
            strict.run(["reprocess", "--since", "2100-01-01", "--no-wait"]).standardOutput.contains(
                "0 applications selected"))
        #expect(strict.run(["reprocess", "--since", "2020-01-01", "--no-wait"]).status == 0)
        let resumed = try #require(try strict.json(["reprocess", "--all", "--no-wait"]) as? [String: Int])
        #expect(resumed["queued"] == 0 && resumed["resumed"] == 1)
        #expect(strict.run(["reprocess", "--all"]).status == 0)
        let store = try intake.store()
        #expect(try await store.unfinishedJobs(kind: JobKind.reprocessApplication) == 0)
        #expect(try await store.status(applicationId: "A")?.uploads.first?.items.first?.history == 2)
    }
}
