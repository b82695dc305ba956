import Foundation
import Glibc
import IntakeTestSupport
import Testing

/// The command line as users run it: exit codes, JSON, configuration errors.
@Suite("intake check and configuration")
struct CommandLineTests {
    @Test("check exits 0 when everything is accepted, 1 when anything is rejected, with SPEC §3 JSON")
    func check() throws {
        let intake = IntakeBinary()
        #expect(intake.run(["check", TestSupport.corpusFile("plain.pdf")]).status == 0)
        let result = intake.run([
            "check", "--json", TestSupport.corpusFile("plain.pdf"), TestSupport.corpusFile("r6-user.pdf"),
        ])
        #expect(result.status == 1)
        let reports = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(reports.count == 2)
        #expect(reports[0]["verdict"] as? String == "accepted")
        #expect(reports[1]["verdict"] as? String == "rejected")
        let finding = try #require((reports[1]["findings"] as? [[String: Any]])?.first)
        #expect(finding["code"] as? String == "pdf.password_required")
        let message = try #require(finding["message"] as? [String: String])
        #expect(message["ja"]?.isEmpty == false && message["en"]?.isEmpty == false)
        let facts = try #require(reports[0]["facts"] as? [String: Any])
        #expect(facts["mime"] as? String == "application/pdf")
        let pdf = try #require(facts["pdf"] as? [String: Any])
        #expect(pdf["pages"] as? Int == 3)
        #expect((pdf["permissions"] as? [String: Bool])?["print_high_res"] == true)
        #expect(reports[0]["policy"] as? String == reports[1]["policy"] as? String)
    }

    @Test("A file that hangs inspection gets a finding within the deadline; the other files are still checked")
    func hangingFile() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "hang")
        let fifo = folder.appendingPathComponent("stuck.pdf").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let intake = IntakeBinary(environment: ["INTAKE_INSPECTION_TIMEOUT": "1s"])
        let started = Date()
        let result = intake.run(["check", "--json", fifo, TestSupport.corpusFile("plain.pdf")])
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(result.status == 1)
        let reports = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let codes = (reports[0]["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["pdf.malformed"])
        #expect(reports[1]["verdict"] as? String == "accepted")
    }

    @Test("The 2019 preset rejects what the current rule accepts")
    func preset() throws {
        let intake = IntakeBinary()
        let preset = TestSupport.packageRoot.appendingPathComponent("Config/presets/isa-2019.conf").path
        let scan = TestSupport.corpusFile("scan-13mb-a.pdf")
        #expect(intake.run(["check", scan]).status == 0)
        let old = TestSupport.run(TestSupport.intakeExecutable, ["check", "--config", preset, "--json", scan])
        #expect(old.status == 1)
        #expect(old.standardOutput.contains("size.file_over_limit"))
    }

    @Test("A size without a unit is refused with one line on stderr and exit 2")
    func badConfiguration() {
        let intake = IntakeBinary(environment: ["INTAKE_LIMITS_FILE": "10"])
        let result = intake.run(["check", TestSupport.corpusFile("plain.pdf")])
        #expect(result.status == 2)
        #expect(result.standardError.contains("limits.file"))
        #expect(result.standardError.contains("INTAKE_LIMITS_FILE"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("Usage errors exit 2")
    func usage() {
        let intake = IntakeBinary()
        #expect(intake.run(["submit", "--application", "A"]).status == 2)
        #expect(intake.run(["status", "NO-SUCH-APP"]).status == 2)
        #expect(intake.run(["submit", "--application", "A", "--uploader", "u", "--photo", "x.jpg"]).status == 2)
    }
}
