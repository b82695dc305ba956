import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// Behaviours a review found wrong once, kept right.
@Suite("Regressions")
struct ReviewRegressionTests {
    @Test("An inspector that cannot set up never rejects a file: the job retries, then ends dead with the reason")
    func inspectorUnavailable() async throws {
        let intake = IntakeBinary(environment: [
            "MAGIC": "/nonexistent", "INTAKE_QUEUE_MAX_ATTEMPTS": "2", "INTAKE_QUEUE_BACKOFF_BASE": "10ms",
        ])
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--attachment", TestSupport.corpusFile("plain.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.job?.state == .dead)
        #expect(upload.job?.lastError?.contains("inspector") == true)
        #expect(upload.items.isEmpty, "no verdict blames the file")
        #expect(intake.run(["check", TestSupport.corpusFile("plain.pdf")]).status == 2)
    }

    @Test("A file rejected as an attachment may be sent again as an additional document, and is judged again")
    func rejectedThenAdded() async throws {
        let intake = IntakeBinary(environment: ["INTAKE_LIMITS_APPLICATION_TOTAL": "30kB"])
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--receipt", "R-1", "--attachment",
                TestSupport.corpusFile("plain.pdf"), TestSupport.corpusFile("letter.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty", "--concurrency", "1"]).status == 0)
        #expect(intake.run(["case", "state", "R-1", "awaiting_additional"]).status == 0)
        let added = intake.run([
            "add", "--case", "R-1", "--uploader", "u", "--json", TestSupport.corpusFile("letter.pdf"),
        ])
        #expect(added.standardOutput.contains("\"linked\""))
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let status = try #require(try await intake.store().status(applicationId: "A"))
        #expect(status.additional.first?.items.first?.latest?.verdict == .accepted)
        let again = intake.run([
            "add", "--case", "R-1", "--uploader", "u", "--json", TestSupport.corpusFile("letter.pdf"),
        ])
        #expect(again.standardOutput.contains("already_linked"), "accepted now, so linked once")
    }

    @Test("Reprocessing keeps the order of first decisions: an unrelated rule change changes nothing")
    func stableReplayOrder() async throws {
        let intake = IntakeBinary()
        #expect(
            intake.run(
                ["submit", "--application", "A", "--uploader", "u", "--attachment"]
                    + ["plain.pdf", "letter.pdf", "contract.pdf"].map(TestSupport.corpusFile)
            ).status == 0)
        #expect(intake.run(["work", "--until-empty", "--concurrency", "1"]).status == 0)
        var tight = intake
        tight.environment = ["INTAKE_LIMITS_APPLICATION_TOTAL": "40kB"]
        #expect(tight.run(["reprocess", "--all"]).status == 0)
        var unrelated = intake
        unrelated.environment = ["INTAKE_LIMITS_APPLICATION_TOTAL": "40kB", "INTAKE_LIMITS_PAGES": "999"]
        let dryRun = try #require(try unrelated.json(["reprocess", "--all", "--dry-run"]) as? [String: Any])
        #expect((dryRun["changes"] as? [Any])?.isEmpty == true)
    }

    @Test("A later submission needs the owner or a granted agent, an open case, and the case's own receipt")
    func laterSubmission() {
        let intake = IntakeBinary()
        let file = TestSupport.corpusFile("plain.pdf")
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "owner", "--receipt", "R-1", "--attachment", file,
            ]).status == 0)
        let letter = TestSupport.corpusFile("letter.pdf")
        #expect(
            intake.run(["submit", "--application", "A", "--uploader", "stranger", "--attachment", letter]).status == 2)
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "owner", "--receipt", "R-2", "--attachment", letter,
            ]).status == 2)
        #expect(
            intake.run(["submit", "--application", "A", "--uploader", "owner", "--attachment", letter]).status == 0)
        #expect(intake.run(["case", "state", "R-1", "closed"]).status == 0)
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "owner", "--attachment",
                TestSupport.corpusFile("contract.pdf"),
            ]).status == 2)
    }

    @Test("intake demo refuses to erase a data folder it did not make")
    func demoKeepsRealData() throws {
        let intake = IntakeBinary()
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--attachment", TestSupport.corpusFile("plain.pdf"),
            ]).status == 0)
        let result = TestSupport.run(
            TestSupport.intakeExecutable, ["demo", "--data", intake.data.path],
            currentDirectory: TestSupport.packageRoot)
        #expect(result.status == 2)
        #expect(FileManager.default.fileExists(atPath: intake.data.appendingPathComponent("intake.sqlite").path))
    }
}
