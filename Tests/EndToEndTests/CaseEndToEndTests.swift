import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// Cases and additional documents (追加資料) through the real binary and the real store.
@Suite("Cases and additional documents")
struct CaseEndToEndTests {
    /// A case owned by `owner-1`, with its attachments processed; returns the binary and the receipt.
    func openCase(environment: [String: String] = [:]) throws -> (IntakeBinary, String) {
        let intake = IntakeBinary(environment: environment)
        let result = intake.run([
            "submit", "--application", "APP-1", "--uploader", "owner-1", "--receipt", "R-TEST-1", "--attachment",
            TestSupport.corpusFile("plain.pdf"),
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        return (intake, "R-TEST-1")
    }

    func add(_ intake: IntakeBinary, _ receipt: String, as uploader: String, _ files: [String]) throws
        -> (status: Int32, documents: [[String: Any]])
    {
        let result = intake.run(
            ["add", "--case", receipt, "--uploader", uploader, "--json"] + files.map(TestSupport.corpusFile))
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return (result.status, report?["documents"] as? [[String: Any]] ?? [])
    }

    func findingCode(_ document: [String: Any]) -> String? {
        (document["findings"] as? [[String: Any]])?.first?["code"] as? String
    }

    @Test("The owner adds a document: linked, validated like an attachment, listed apart from the attachments")
    func owner() async throws {
        let (intake, receipt) = try openCase()
        let added = try add(intake, receipt, as: "owner-1", ["letter.pdf", "r6-noprint.pdf"])
        #expect(added.status == 0)
        #expect(added.documents.map { $0["outcome"] as? String } == ["linked", "linked"])
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let status = try #require(try await intake.store().status(applicationId: "APP-1"))
        #expect(status.uploads.map(\.upload.fileName) == ["plain.pdf"])
        #expect(status.additional.map(\.upload.fileName) == ["letter.pdf", "r6-noprint.pdf"])
        #expect(status.additional.allSatisfy { $0.upload.uploader == "owner-1" })
        #expect(status.additional[0].items.first?.latest?.verdict == .accepted)
        #expect(status.additional[1].items.first?.latest?.findings.map(\.code.rawValue) == ["pdf.print_restricted"])
        let json = try #require(try intake.json(["status", "APP-1"]) as? [String: Any])
        #expect((json["additional"] as? [[String: Any]])?.count == 2)
        #expect((json["uploads"] as? [[String: Any]])?.count == 1)
    }

    @Test("A granted scrivener may add; a stranger is refused, and the refusal is kept outside the case")
    func grants() async throws {
        let (intake, receipt) = try openCase()
        let stranger = try add(intake, receipt, as: "scrivener-7", ["letter.pdf"])
        #expect(stranger.status == 1)
        #expect(findingCode(stranger.documents[0]) == "case.forbidden")
        #expect(intake.run(["case", "grant", receipt, "--uploader", "scrivener-7", "--by", "owner-1"]).status == 0)
        let granted = try add(intake, receipt, as: "scrivener-7", ["letter.pdf"])
        #expect(granted.status == 0)
        #expect(granted.documents[0]["outcome"] as? String == "linked")
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let view = try #require(try await intake.store().caseView(receipt: receipt))
        #expect(view.grants.map(\.uploader) == ["scrivener-7"])
        #expect(view.status.additional.count == 1, "the refused attempt is not among the case's documents")
        #expect(view.status.additional[0].upload.uploader == "scrivener-7")
        #expect(view.events.map(\.kind).contains("refused"))
        #expect(view.events.filter { $0.kind == "linked" }.map(\.actor) == ["scrivener-7"])
    }

    @Test("An unknown receipt is refused as not found, stored for audit with its finding")
    func unknown() async throws {
        let (intake, _) = try openCase()
        let result = try add(intake, "R-NOPE", as: "owner-1", ["letter.pdf"])
        #expect(result.status == 1)
        #expect(findingCode(result.documents[0]) == "case.not_found")
        let upload = try #require(result.documents[0]["upload"] as? String)
        let stored = try #require(try await intake.store().status(uploadId: upload))
        #expect(stored.upload.applicationId == nil)
        #expect(stored.upload.requestedReceipt == "R-NOPE")
        #expect(stored.items.first?.latest?.findings.map(\.code.rawValue) == ["case.not_found"])
    }

    @Test("A closed case takes nothing: not accepting for its owner, forbidden for a stranger")
    func closed() async throws {
        let (intake, receipt) = try openCase()
        #expect(intake.run(["case", "state", receipt, "closed"]).status == 0)
        #expect(
            findingCode(try add(intake, receipt, as: "owner-1", ["letter.pdf"]).documents[0]) == "case.not_accepting")
        #expect(findingCode(try add(intake, receipt, as: "stranger", ["letter.pdf"]).documents[0]) == "case.forbidden")
        #expect(intake.run(["case", "state", receipt, "under_review"]).status == 2, "a closed case stays closed")
        let status = try #require(try await intake.store().status(applicationId: "APP-1"))
        #expect(status.additional.isEmpty)
    }

    @Test("The same file added again is recognised and linked once")
    func duplicate() async throws {
        let (intake, receipt) = try openCase()
        let first = try add(intake, receipt, as: "owner-1", ["letter.pdf"])
        let again = try add(intake, receipt, as: "owner-1", ["letter.pdf"])
        #expect(again.documents[0]["outcome"] as? String == "already_linked")
        #expect(again.documents[0]["upload"] as? String == first.documents[0]["upload"] as? String)
        let attachmentAgain = try add(intake, receipt, as: "owner-1", ["plain.pdf"])
        #expect(
            attachmentAgain.documents[0]["outcome"] as? String == "already_linked", "already there as an attachment")
        let status = try #require(try await intake.store().status(applicationId: "APP-1"))
        #expect(status.additional.count == 1)
    }

    @Test("The allowance per request: reached, then renewed when the reviewer asks again")
    func allowance() async throws {
        // letter.pdf 17 kB + contract.pdf 23 kB > 30 kB; each alone fits.
        let (intake, receipt) = try openCase(environment: ["INTAKE_LIMITS_ADDITIONAL_TOTAL": "30kB"])
        _ = try add(intake, receipt, as: "owner-1", ["letter.pdf"])
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        _ = try add(intake, receipt, as: "owner-1", ["contract.pdf"])
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        var status = try #require(try await intake.store().status(applicationId: "APP-1"))
        #expect(
            status.additional[1].items.first?.latest?.findings.map(\.code.rawValue) == ["size.additional_over_limit"])
        #expect(status.usage.acceptedAdditionalBytesThisRound == status.additional[0].upload.bytes)

        #expect(intake.run(["case", "state", receipt, "awaiting_additional"]).status == 0)
        _ = try add(intake, receipt, as: "owner-1", ["objstm.pdf"])
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        status = try #require(try await intake.store().status(applicationId: "APP-1"))
        #expect(status.application.round == 1)
        #expect(status.additional[2].items.first?.latest?.verdict == .accepted, "a new request opens a new allowance")
    }

    @Test("Two additions racing for the last allowance, and for the same link: one fits, one link")
    func race() async throws {
        let (intake, receipt) = try openCase(environment: ["INTAKE_LIMITS_ADDITIONAL_TOTAL": "30kB"])
        // Two uploaders at once: the same file twice (one link), and two files that do not fit together.
        #expect(intake.run(["case", "grant", receipt, "--uploader", "scrivener-7"]).status == 0)
        let processes = try [
            intake.start(["add", "--case", receipt, "--uploader", "owner-1", TestSupport.corpusFile("letter.pdf")]),
            intake.start(["add", "--case", receipt, "--uploader", "scrivener-7", TestSupport.corpusFile("letter.pdf")]),
            intake.start([
                "add", "--case", receipt, "--uploader", "scrivener-7", TestSupport.corpusFile("contract.pdf"),
            ]),
        ]
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let workers = try [
            intake.start(["work", "--until-empty", "--concurrency", "2"]),
            intake.start(["work", "--until-empty", "--concurrency", "2"]),
        ]
        for worker in workers { worker.waitUntilExit() }
        let status = try #require(try await intake.store().status(applicationId: "APP-1"))
        #expect(status.additional.count == 2, "letter.pdf linked once")
        let verdicts = status.additional.compactMap { $0.items.first?.latest }
        #expect(verdicts.filter { $0.verdict == .accepted }.count == 1)
        #expect(
            verdicts.filter { $0.verdict == .rejected }.flatMap(\.findings).map(\.code.rawValue) == [
                "size.additional_over_limit"
            ])
        #expect(status.usage.acceptedAdditionalBytesThisRound <= 30_000)
    }
}
