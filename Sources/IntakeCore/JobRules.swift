/// What the queue does with a running job whose lease expired: its worker died or lost touch.
public enum ExpiredLeaseOutcome: Sendable, Hashable {
    /// Another worker takes it again.
    case reclaim
    /// Its worker died every time it ran it (a file that kills the process, say): retrying would loop forever.
    case dead(reason: String)
}

/// The queue's rules, shared by every backend so that a job ends the same way wherever it runs. Pure.
public enum JobRules {
    /// The poison-job rule: a job whose lease expired after its last allowed attempt is dead, not reclaimed.
    public static func expiredLease(attempts: Int, maxAttempts: Int) -> ExpiredLeaseOutcome {
        attempts >= maxAttempts
            ? .dead(reason: "lease expired \(attempts) times without completion (worker died)") : .reclaim
    }

    /// A failed attempt retries only when the fault is transient and attempts remain; otherwise the job is dead.
    public static func retries(afterFailedAttempt attempts: Int, maxAttempts: Int, isRetriable: Bool) -> Bool {
        isRetriable && attempts < maxAttempts
    }
}

/// What one verdict says, as far as reprocessing compares verdicts.
public struct Judgement: Sendable, Hashable {
    public var verdict: Verdict
    public var findings: [Finding]
    public var policyVersion: String

    public init(verdict: Verdict, findings: [Finding], policyVersion: String) {
        self.verdict = verdict
        self.findings = findings
        self.policyVersion = policyVersion
    }

    /// The reprocess "unchanged" rule: a replayed item gets a new verdict only when its result or the policy that
    /// produced it differs from its latest verdict, so running the same reprocess twice appends nothing.
    public func isRecorded(over latest: Judgement) -> Bool { self != latest }
}
