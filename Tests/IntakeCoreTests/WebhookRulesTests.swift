import IntakeCore
import Testing

@Suite("Webhook rules")
struct WebhookRulesTests {
    @Test(
        "Allowed: http or https on a listed host, by name, by port or by a *. suffix",
        arguments: [
            ("https://hooks.example.jp/intake", ["hooks.example.jp"]),
            ("http://127.0.0.1:8099/hooks", ["127.0.0.1"]),
            ("http://127.0.0.1:8099/hooks", ["127.0.0.1:8099"]),
            ("HTTPS://Portal.Example.JP/x?y=1", ["*.example.jp"]),
            ("https://[::1]:8443/", ["[::1]"]),
        ])
    func allowed(url: String, hosts: [String]) {
        #expect(WebhookRules.refusal(of: url, allowedHosts: hosts) == nil)
    }

    @Test(
        "Refused: another host or port, a user part, another scheme, no host, a bad port, or an empty list",
        arguments: [
            ("https://evil.example/", ["hooks.example.jp"]),
            ("http://127.0.0.1:8100/", ["127.0.0.1:8099"]),
            ("https://hooks.example.jp@evil.example/", ["hooks.example.jp", "evil.example.jp"]),
            ("ftp://hooks.example.jp/", ["hooks.example.jp"]),
            ("file:///etc/passwd", ["hooks.example.jp"]),
            ("https:///path", ["hooks.example.jp"]),
            ("https://hooks.example.jp:99999/", ["hooks.example.jp"]),
            ("https://hooks.example.jp:abc/", ["hooks.example.jp"]),
            ("https://example.jp/", ["*.example.jp"]),
            ("https://hooks.example.jp/", []),
            ("https://hooks.example.jp/a b", ["hooks.example.jp"]),
        ])
    func refused(url: String, hosts: [String]) {
        #expect(WebhookRules.refusal(of: url, allowedHosts: hosts) != nil)
    }

    @Test("The retry schedule gives one delay per retry, then nothing: the delivery is dead")
    func schedule() {
        let schedule: [Duration] = [.seconds(5), .seconds(300)]
        #expect(WebhookRules.retryDelay(afterAttempt: 1, schedule: schedule) == .seconds(5))
        #expect(WebhookRules.retryDelay(afterAttempt: 2, schedule: schedule) == .seconds(300))
        #expect(WebhookRules.retryDelay(afterAttempt: 3, schedule: schedule) == nil)
        let total = WebhookRules.standardSchedule.reduce(Duration.zero, +)
        #expect(total <= .seconds(24 * 3600), "Standard Webhooks' schedule, cut at 24 hours")
        #expect(WebhookRules.standardSchedule.count < WebhookRules.maxAttempts)
    }
}
