import Foundation
import Glibc
import IntakeCore
import IntakeTestSupport
import IntakeTesting
import Testing

@testable import IntakeWorker

/// The inspector child confines itself before its first request: what it tries past that point is refused, and
/// the refusal reaches the worker as the inspector failing, never as a finding on the file.
@Suite("Inspector confinement", .serialized)
struct ConfinementTests {
    private static let limits = InspectionLimits(timeout: .seconds(20), memory: ByteSize(bytes: 2 << 30))

    /// The probes are honoured only with this variable set; the child inherits it from the test process.
    private static func withProbes<Result>(_ body: () throws -> Result) rethrows -> Result {
        setenv(InspectionProtocol.Probe.environmentKey, "1", 1)
        defer { unsetenv(InspectionProtocol.Probe.environmentKey) }
        return try body()
    }

    @Test("The confined child may not open a TCP socket: seccomp answers EPERM and it reports an inspection failure")
    func socketRefused() throws {
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable, limits: Self.limits, confinement: .testing)
        let facts = Self.withProbes { inspector.probe(.socket) }
        let failure = try #require(facts.inspectionFailure, "the child opened a socket")
        #expect(failure.reason == .unavailable)
        #expect(failure.message.contains("Operation not permitted"), "\(failure.message)")
        #expect(facts.pdf == nil)
        #expect(inspector.inspect(path: TestSupport.corpusFile("plain.pdf")).pdf?.pages == 3)
    }

    @Test(
        "The confined child may not run /bin/true: seccomp kills it, and the worker reports the inspector unavailable")
    func execRefused() throws {
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable, limits: Self.limits, confinement: .testing)
        let facts = Self.withProbes { inspector.probe(.exec) }
        let failure = try #require(facts.inspectionFailure, "the child ran /bin/true")
        #expect(failure.reason == .unavailable, "not .crashed: a crash on a PDF is a pdf.malformed finding")
        #expect(failure.message.contains("SIGSYS"), "\(failure.message)")
        let rules = AttachmentRules(policy: .testDefault)
        #expect(
            !rules.fileFindings(for: facts, fileName: "x.pdf", slot: .attachment).contains { $0.code == .pdfMalformed })
        #expect(inspector.inspect(path: TestSupport.corpusFile("plain.pdf")).pdf?.pages == 3)
    }

    @Test("Without the test variable a probe request is refused by the child, which then exits")
    func probesNeedTheVariable() throws {
        unsetenv(InspectionProtocol.Probe.environmentKey)
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable, limits: Self.limits, confinement: .testing)
        let failure = try #require(inspector.probe(.socket).inspectionFailure)
        #expect(failure.message.contains("could not read the request"), "\(failure.message)")
    }

    @Test("Outside its readable folders the confined child cannot open a file: unreadable, not a PDF finding")
    func landlockRefusesOtherFolders() throws {
        try #require(InspectionConfinement.landlockABI != nil, "this kernel has no Landlock")
        let folder = TestSupport.makeTemporaryDirectory(prefix: "confined")
        let confinement = InspectionConfinement(readable: [folder.path], writable: [folder.path])
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable, limits: Self.limits, confinement: confinement)
        let outside = inspector.inspect(path: TestSupport.corpusFile("plain.pdf"))
        #expect(outside.inspectionFailure?.reason == .unreadable)
        let inside = folder.appendingPathComponent("plain.pdf").path
        try FileManager.default.copyItem(atPath: TestSupport.corpusFile("plain.pdf"), toPath: inside)
        #expect(inspector.inspect(path: inside).pdf?.pages == 3)
    }
}
