import Foundation
import IntakeTestSupport
import Testing

/// The applicant's page and the admin console in Debian's Chromium (headless, through chromedriver and Selenium
/// from `.venv`), against the real `intake serve` on a free port. The browser is driven by `Tests/Browser/pages.py`.
@Suite("Web pages in a real browser")
struct PagesEndToEndTests {
    @Test(
        "Applicant: a print-restricted PDF in Japanese then English, a too-small face with its band, a bundle's items; admin: a dead job retried to success; no request leaves the serving host"
    )
    func pagesInChromium() async throws {
        let python = TestSupport.packageRoot.appendingPathComponent(".venv/bin/python").path
        try #require(
            TestSupport.run(python, ["-c", "import selenium"]).status == 0,
            "selenium is missing from .venv: make test installs it (scripts/ensure-test-tools.sh)")
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(
                FileManager.default.isExecutableFile(atPath: tool),
                "\(tool) is missing: make test installs chromium and chromium-driver (scripts/install-deps.sh)")
        }
        // One webhook delivery that dies (the receiver fails its first two requests, the schedule allows one retry),
        // for the admin to retry from the page.
        let receiver = try ServeEndToEndTests.Receiver.start(failFirst: 2)
        defer {
            kill(receiver.process.processIdentifier, SIGKILL)
            receiver.process.waitUntilExit()
        }
        let intake = IntakeBinary(environment: [
            "INTAKE_WEBHOOKS_ALLOWED_HOSTS": "127.0.0.1", "INTAKE_WEBHOOKS_RETRY_SCHEDULE": "200ms",
        ])
        let e2e = ServeEndToEndTests()
        let token = try e2e.token(intake, "applicant-1")
        let admin = intake.run(["token", "create", "--uploader", "ops-1", "--scope", "admin"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServeEndToEndTests.Server.start(intake)
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
        }
        let base = "http://127.0.0.1:\(server.port)"
        let (created, answer) = try e2e.curlJSON(
            "POST", "\(base)/v1/webhooks", token: admin,
            body: #"{"url": "http://127.0.0.1:\#(receiver.port)/hooks", "events": ["upload.accepted"]}"#)
        #expect(created == 201)
        let secret = try #require((answer as? [String: Any])?["secret"] as? String)
        try Data(secret.utf8).write(to: receiver.secretFile)
        let upload = e2e.curlUpload(
            port: server.port, token: admin, application: "APP-HOOK", file: TestSupport.corpusFile("plain.pdf"))
        try upload.run()
        upload.waitUntilExit()
        var dead: String?
        let deadline = ContinuousClock.now + .seconds(60)
        while dead == nil, ContinuousClock.now < deadline {
            let (_, jobs) = try e2e.curlJSON("GET", "\(base)/v1/admin/jobs?state=dead", token: admin)
            dead = ((jobs as? [String: Any])?["jobs"] as? [[String: Any]])?.first?["id"] as? String
            try await Task.sleep(for: .milliseconds(200))
        }
        let deadJob = try #require(dead, "the webhook delivery did not die")

        let screenshots = TestSupport.makeTemporaryDirectory(prefix: "screenshots")
        let photos = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/Photos")
        let result = await TestSupport.runDetached(
            python,
            [
                TestSupport.packageRoot.appendingPathComponent("Tests/Browser/pages.py").path, "--url", base,
                "--token", token, "--admin-token", admin, "--application", "APP-WEB-1",
                "--noprint-pdf", TestSupport.corpusFile("r4-noprint.pdf"),
                "--bundle-pdf", TestSupport.corpusFile("bundle-outline.pdf"),
                "--small-face", photos.appendingPathComponent("face-too-small.jpg").path, "--dead-job", deadJob,
                "--screenshots", screenshots.path,
            ])
        #expect(result.status == 0, "\(result.standardOutput)\n\(result.standardError.suffix(6000))")
        // `INTAKE_UPDATE_SCREENSHOTS=1 make test` refreshes the README's pictures; otherwise the tree is left alone.
        if ProcessInfo.processInfo.environment["INTAKE_UPDATE_SCREENSHOTS"] == "1", result.status == 0 {
            let docs = TestSupport.packageRoot.appendingPathComponent("Docs")
            try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
            for name in ["applicant.png", "admin.png"] {
                let target = docs.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(at: screenshots.appendingPathComponent(name), to: target)
            }
        }
    }
}
