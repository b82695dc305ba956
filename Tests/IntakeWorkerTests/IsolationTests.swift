import Foundation
import Glibc
import IntakeCore
import IntakeTestSupport
import IntakeTesting
import Testing

@testable import IntakeWorker

/// The worker enforces its own deadline and memory ceiling on inspection, with a real child process.
@Suite("Isolated inspection")
struct IsolationTests {
    @Test("A file that hangs the inspector is cut off at the deadline, and the next file is inspected normally")
    func deadline() throws {
        // Opening a FIFO with no writer blocks forever: a real hang inside the child.
        let folder = TestSupport.makeTemporaryDirectory(prefix: "fifo")
        let fifo = folder.appendingPathComponent("hangs.pdf").path
        // Readable by the inspection user the confined child becomes when tests run as root.
        #expect(mkfifo(fifo, 0o644) == 0)
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable,
            limits: InspectionLimits(timeout: .milliseconds(1500), memory: ByteSize(bytes: 2 << 30)),
            confinement: .testing)
        let started = Date()
        let hung = inspector.inspect(path: fifo)
        #expect(hung.inspectionFailure?.reason == .timeout)
        #expect(Date().timeIntervalSince(started) < 10)
        let next = inspector.inspect(path: TestSupport.corpusFile("plain.pdf"))
        #expect(next.inspectionFailure == nil)
        #expect(next.pdf?.pages == 3)
    }

    @Test("A decompression bomb breaches the memory ceiling in the child, never in the worker")
    func memoryCeiling() throws {
        // The child's own address space is about 250 MB before it reads anything (poppler, libmagic, dlib, OpenCV
        // and their libraries mapped; 310 MB at its peak): the ceiling must leave it room to start, and be well
        // below what the bomb inflates to.
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable,
            limits: InspectionLimits(timeout: .seconds(30), memory: ByteSize(bytes: 350_000_000)),
            confinement: .testing)
        let bomb = inspector.inspect(path: TestSupport.corpusFile("bomb-objstm.pdf"))
        let failure = try #require(bomb.inspectionFailure)
        #expect(failure.reason == .crashed)
        #expect(failure.message.contains("memory ceiling"))
        #expect(bomb.mime == "application/pdf", "the type was reported before parsing started")
        let rules = AttachmentRules(policy: .testDefault)
        #expect(rules.fileFindings(for: bomb, fileName: "bomb.pdf", slot: .attachment).map(\.code) == [.pdfMalformed])
        #expect(inspector.inspect(path: TestSupport.corpusFile("plain.pdf")).pdf?.pages == 3)
    }

    @Test("Under the default ceiling the bomb is bounded by the scan budget and reported, not inflated")
    func bombBudget() throws {
        let inspector = IsolatedInspector(
            executable: TestSupport.intakeExecutable,
            limits: InspectionLimits(timeout: .seconds(30), memory: ByteSize(bytes: 2 << 30)),
            confinement: .testing)
        let facts = inspector.inspect(path: TestSupport.corpusFile("bomb-objstm.pdf"))
        #expect(facts.inspectionFailure == nil)
        #expect(facts.pdf?.activeContentScanComplete == false)
    }

    @Test("Backoff grows exponentially with jitter and is capped")
    func backoff() {
        let strategy = RetryStrategy(base: .seconds(1), maximum: .seconds(60))
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...10 {
            let ceiling = min(60, pow(2, Double(attempt - 1)))
            let delay = strategy.delay(afterAttempt: attempt, using: &generator).seconds
            #expect(delay >= ceiling / 2 && delay <= ceiling, "attempt \(attempt): \(delay)")
        }
    }
}
