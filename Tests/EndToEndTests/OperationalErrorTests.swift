import Foundation
import IntakeTestSupport
import Testing

/// Faults found when Intake was tried as a new user would: each is one clear line and exit status 2, and processes
/// that start together on a fresh data folder all work.
@Suite("Operational errors and start-up")
struct OperationalErrorTests {
    @Test("Four submits started at once on a fresh data folder all succeed: one of them creates the schema")
    func concurrentFirstStart() async throws {
        let intake = IntakeBinary()
        let file = TestSupport.corpusFile("plain.pdf")
        let results = await withTaskGroup(of: TestSupport.ProcessResult.self) { group in
            for index in 0..<4 {
                group.addTask {
                    intake.run(["submit", "--application", "A-\(index)", "--uploader", "u", "--attachment", file])
                }
            }
            var results: [TestSupport.ProcessResult] = []
            for await result in group { results.append(result) }
            return results
        }
        for result in results { #expect(result.status == 0, "\(result.standardError)") }
        #expect(try await intake.store().applicationIds().count == 4)
    }

    @Test("check on a missing path or a folder is an operational error, not a finding about the file")
    func checkMissing() {
        let intake = IntakeBinary()
        let missing = intake.run(["check", "/nonexistent/a.pdf"])
        #expect(missing.status == 2)
        #expect(missing.standardError == "intake: /nonexistent/a.pdf: no such file\n")
        let folder = intake.run(["check", intake.data.path])
        #expect(folder.status == 2)
        #expect(folder.standardError.hasSuffix("is a folder\n"))
    }

    @Test("An unusable data folder is one line on stderr, not a dump")
    func unusableDataFolder() throws {
        let intake = IntakeBinary()
        let file = intake.data.appendingPathComponent("not-a-folder").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let result = TestSupport.run(
            TestSupport.intakeExecutable,
            [
                "work", "--until-empty", "--data", file, "--config",
                TestSupport.packageRoot.appendingPathComponent("Config/intake.conf").path,
            ])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("intake: data folder \(file):"))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test("A configuration file need only name what it changes: the rest comes from the defaults in code")
    func partialConfiguration() throws {
        let intake = IntakeBinary()
        let config = intake.data.appendingPathComponent("small.conf")
        let base = TestSupport.packageRoot.appendingPathComponent("Config/intake.conf").path
        // Worker, queue, inspection and trial keys are left out: their defaults are in code.
        let text = try String(contentsOfFile: base, encoding: .utf8).split(separator: "\n")
            .filter { line in !["worker.", "queue.", "inspection.", "trial."].contains { line.hasPrefix($0) } }
            .joined(separator: "\n")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let result = TestSupport.run(
            TestSupport.intakeExecutable, ["check", TestSupport.corpusFile("plain.pdf"), "--config", config.path])
        #expect(result.status == 0, "\(result.standardError)")
        // A key the file leaves to its default can still be set from the environment.
        let overridden = TestSupport.run(
            TestSupport.intakeExecutable, ["check", TestSupport.corpusFile("plain.pdf"), "--config", config.path],
            environment: ["INTAKE_INSPECTION_MEMORY": "not-a-size"])
        #expect(overridden.status == 2)
        #expect(overridden.standardError.contains("inspection.memory"))
    }
}
