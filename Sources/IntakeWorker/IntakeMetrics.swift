import IntakeCore
import IntakeStore
import Metrics

/// Every metric Intake emits, named in one place (SPEC §7), with low-cardinality dimensions only: a slot, a
/// verdict, a finding code, a job kind and outcome, a job state. Never an id, a name or a file name.
public enum IntakeMetrics {
    public static let uploadsReceived = "intake_uploads_received_total"
    public static let verdicts = "intake_verdicts_total"
    public static let findings = "intake_findings_total"
    public static let jobs = "intake_jobs_total"
    public static let inspectionDuration = "intake_inspection_duration_seconds"
    public static let queueJobs = "intake_queue_jobs"

    /// Inspection takes milliseconds for most files and up to the deadline for hostile ones: buckets to 60 s.
    public static let inspectionBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(20), .seconds(30), .seconds(60),
    ]

    public static func received(slot: Slot) {
        Counter(label: uploadsReceived, dimensions: [("slot", slot.rawValue)]).increment()
    }

    /// One upload's items, judged: a verdict each, and each finding by its code.
    static func judged(_ results: [ItemResult], slot: Slot) {
        for result in results {
            Counter(label: verdicts, dimensions: [("slot", slot.rawValue), ("verdict", result.verdict.rawValue)])
                .increment()
            for finding in result.findings {
                Counter(label: findings, dimensions: [("code", finding.code.rawValue)]).increment()
            }
        }
    }

    static func inspected(for duration: Duration) {
        Metrics.Timer(label: inspectionDuration).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// How a job ended: `succeeded`, `retrying`, `dead` or `lease_lost`.
    static func jobEnded(kind: JobKind, outcome: String) {
        Counter(label: jobs, dimensions: [("kind", kind.rawValue), ("outcome", outcome)]).increment()
    }

    /// The queue's depth by state, sampled.
    public static func queueDepth(_ counts: [JobState: Int]) {
        for (state, count) in counts {
            Gauge(label: queueJobs, dimensions: [("state", state.rawValue)]).record(count)
        }
    }
}
