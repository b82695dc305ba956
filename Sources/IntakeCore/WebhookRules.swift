/// Where webhooks may go and how their deliveries retry (SPEC §7). Pure: the HTTP client and the signing key live
/// in the delivery module.
public enum WebhookRules {
    /// Standard Webhooks' retry schedule, cut at 24 hours: the delay before each retry after the first attempt.
    /// A receiver down for a day loses nothing it would not also lose to the agency's own outage rules.
    public static let standardSchedule: [Duration] = [
        .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600),
        .seconds(10 * 3600),
    ]

    /// The attempts a delivery job is given: a bound its schedule stays under, so that what ends a delivery is
    /// the schedule (or a worker that died on it this many times).
    public static let maxAttempts = 25

    /// The delay before the retry that follows failed attempt `attempt` (1-based), or nil when the schedule is
    /// used up and the delivery is dead.
    public static func retryDelay(afterAttempt attempt: Int, schedule: [Duration]) -> Duration? {
        attempt >= 1 && attempt <= schedule.count ? schedule[attempt - 1] : nil
    }

    /// Why `url` may not receive webhooks, or nil when it may: `http` or `https`, no user or password in it, and a
    /// host that `allowedHosts` names exactly (`hooks.example.jp`, `127.0.0.1:8080`) or by a `*.` suffix
    /// (`*.example.jp`). An entry without a port allows any port. An empty list allows nothing.
    public static func refusal(of url: String, allowedHosts: [String]) -> String? {
        guard let parsed = WebhookURL(url) else { return "not an absolute http or https URL" }
        let allowed = allowedHosts.contains { entry in
            let (host, port) = WebhookURL.splitHostPort(entry.lowercased())
            if let port, Int(port) != parsed.port { return false }
            if host.hasPrefix("*.") { return parsed.host.hasSuffix(host.dropFirst()) }
            return host == parsed.host
        }
        return allowed ? nil : "host \(parsed.host) is not in webhooks.allowed_hosts"
    }
}

/// The parts of an absolute `http`/`https` URL that decide where a request goes.
public struct WebhookURL: Sendable, Hashable {
    public var scheme: String
    /// Lowercased; an IPv6 address keeps its brackets.
    public var host: String
    /// The explicit port, else the scheme's.
    public var port: Int

    public init?(_ text: String) {
        guard let separator = text.firstRange(of: "://") else { return nil }
        scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }.lowercased()
        // A user part (`user@host`) is how a URL hides its real host from a reader: refused outright.
        guard !authority.isEmpty, !authority.contains("@"), text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { return nil }
        let (host, portText) = Self.splitHostPort(authority)
        guard !host.isEmpty else { return nil }
        self.host = host
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            self.port = scheme == "https" ? 443 : 80
        }
    }

    /// `host:port` or `[v6]:port` into its parts; the port text is nil when there is no `:` after the host.
    static func splitHostPort(_ authority: String) -> (host: String, portText: Substring?) {
        let portStart: String.Index?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return (authority, nil) }
            portStart = authority[close...].firstIndex(of: ":")
        } else {
            portStart = authority.lastIndex(of: ":")
        }
        guard let portStart else { return (authority, nil) }
        return (String(authority[..<portStart]), authority[authority.index(after: portStart)...])
    }
}
