import IntakeCore

/// Where webhooks may go and how their deliveries are sent (`webhooks.*`): operational, they change no verdict.
public struct WebhookSettings: Sendable, Hashable {
    /// The hosts webhooks may be sent to (`webhooks.allowed_hosts`); empty allows none, so a token that leaks
    /// cannot make the service post applicants' results anywhere it likes.
    public var allowedHosts: [String]
    /// The delay before each retry (`webhooks.retry_schedule`); Standard Webhooks' schedule, cut at 24 hours.
    public var retrySchedule: [Duration]
    /// Longest one delivery may take, connecting included (`webhooks.timeout`).
    public var timeout: Duration

    public static let defaults = WebhookSettings(
        allowedHosts: [], retrySchedule: WebhookRules.standardSchedule, timeout: .seconds(10))

    public init(allowedHosts: [String], retrySchedule: [Duration], timeout: Duration) {
        self.allowedHosts = allowedHosts
        self.retrySchedule = retrySchedule
        self.timeout = timeout
    }

    public init(configuration: Configuration) throws(ConfigurationError) {
        let defaults = Self.defaults
        self.init(
            allowedHosts: try configuration.parsed(
                "webhooks.allowed_hosts", default: defaults.allowedHosts, expected: "host names, comma-separated"
            ) { text in text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty } },
            retrySchedule: try configuration.parsed(
                "webhooks.retry_schedule", default: defaults.retrySchedule,
                expected: "durations, comma-separated, e.g. 5s, 5m, 30m"
            ) { text in
                let parts = text.split(separator: ",").map { Duration(parsing: String($0).trimmingWhitespace()) }
                guard parts.count < WebhookRules.maxAttempts, parts.allSatisfy({ $0 != nil }) else { return nil }
                return parts.compactMap { $0 }
            },
            timeout: try configuration.duration("webhooks.timeout", default: defaults.timeout))
    }
}
