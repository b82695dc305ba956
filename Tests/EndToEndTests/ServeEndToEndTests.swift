import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// The real `intake serve` on a free loopback port, driven by curl.
@Suite("intake serve end to end")
struct ServeEndToEndTests {
    /// A running server: the process and the port it reported.
    struct Server {
        let process: Process
        let port: Int
        let metricsPort: Int

        static func start(_ intake: IntakeBinary, arguments: [String] = []) throws -> Server {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestSupport.intakeExecutable)
            process.arguments =
                ["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"] + arguments
                + intake.commonArguments
            process.environment = ProcessInfo.processInfo.environment.merging(intake.environment) { $1 }
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // It says where it listens: `intake: listening on http://127.0.0.1:PORT` and `intake: metrics on …`.
            var text = ""
            func port(after prefix: String) -> Int? {
                guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
                return Int(line.dropFirst(prefix.count).split(separator: ":")[1].prefix { $0.isNumber })
            }
            while port(after: "intake: listening on http://") == nil || port(after: "intake: metrics on http://") == nil
            {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { throw TestFailure("intake serve exited before listening: \(text)") }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return Server(
                process: process, port: port(after: "intake: listening on http://")!,
                metricsPort: port(after: "intake: metrics on http://")!)
        }
    }

    func token(_ intake: IntakeBinary, _ uploader: String = "emp-1") throws -> String {
        let result = intake.run(["token", "create", "--uploader", uploader, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return try #require(object?["token"] as? String)
    }

    /// `curl` uploading `file`, printing the status code and the body.
    func curlUpload(port: Int, token: String, application: String, file: String, rate: String? = nil) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments =
            [
                "-sS", "-o", "-", "-w", "\n%{http_code}", "-H", "Authorization: Bearer \(token)",
                "-H", "Content-Type: application/pdf", "--data-binary", "@\(file)",
                "http://127.0.0.1:\(port)/v1/applications/\(application)/uploads?slot=attachment",
            ]
            + (rate.map { ["--limit-rate", $0] } ?? [])
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        return process
    }

    @Test("SIGTERM with uploads in flight: every 2xx upload is stored with its job, no partial file stays, exit 0")
    func sigtermWhileUploading() async throws {
        let intake = IntakeBinary(environment: ["INTAKE_SERVER_DRAIN_DELAY": "1s"])
        let token = try token(intake)
        let server = try Server.start(intake, arguments: ["--role", "api"])
        let file = TestSupport.corpusFile("scan-13mb-a.pdf")
        // Slow senders, so that SIGTERM arrives while they are still sending.
        let uploads = (0..<6).map {
            curlUpload(port: server.port, token: token, application: "APP-\($0)", file: file, rate: "4M")
        }
        for upload in uploads { try upload.run() }
        try await Task.sleep(for: .milliseconds(700))
        kill(server.process.processIdentifier, SIGTERM)
        // Late arrivals meet a draining server.
        let late = curlUpload(
            port: server.port, token: token, application: "LATE", file: TestSupport.corpusFile("plain.pdf"))
        try late.run()
        var acknowledged: [[String: Any]] = []
        for upload in uploads + [late] {
            upload.waitUntilExit()
            let output = (upload.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
            guard let status = lines.last.flatMap({ Int($0) }) else { continue }
            if (200..<300).contains(status), let body = lines.dropLast().joined().data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            {
                acknowledged.append(object)
            } else {
                #expect([503, 0].contains(status) || status >= 400, "refused, never half-accepted: \(status)")
            }
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(!acknowledged.isEmpty, "uploads in flight when SIGTERM came were finished")
        let store = try intake.store()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        for object in acknowledged where object["application"] as? String != "LATE" {
            let upload = try #require(object["upload"] as? String)
            let status = try #require(try await store.status(uploadId: upload), "a 2xx upload is in the store")
            #expect(status.job != nil, "with its job")
            #expect(status.upload.bytes == Int64(size), "all of it")
            let blob = intake.data.appendingPathComponent("blobs").appendingPathComponent(
                "\(status.upload.sha256.prefix(2))/\(status.upload.sha256.dropFirst(2).prefix(2))/\(status.upload.sha256)"
            )
            #expect(FileManager.default.fileExists(atPath: blob.path), "its bytes are on disk")
        }
        let temporary = intake.data.appendingPathComponent("blobs/tmp").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, "no partial file")
        #expect(try await store.status(applicationId: "LATE") == nil, "nothing was taken after SIGTERM")
    }

    @Test("schemathesis, from the live server's /openapi.json, finds no 5xx and no answer that breaks the document")
    func schemathesis() async throws {
        let tool = TestSupport.packageRoot.appendingPathComponent(".venv/bin/schemathesis").path
        try #require(
            FileManager.default.isExecutableFile(atPath: tool),
            "schemathesis is missing from .venv: make test installs it (scripts/ensure-test-tools.sh)")
        let intake = IntakeBinary()
        let token = try token(intake, "schemathesis")
        let admin = intake.run(["token", "create", "--uploader", "st-admin", "--scope", "admin"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try Server.start(intake)
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
        }
        for bearer in [token, admin] {
            let result = await TestSupport.runDetached(
                tool,
                [
                    "run", "http://127.0.0.1:\(server.port)/openapi.json", "-H", "Authorization: Bearer \(bearer)",
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
                        + "response_headers_conformance",
                    "--max-examples", "10", "--generation-deterministic", "--request-timeout", "10",
                ],
                environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"])
            #expect(result.status == 0, "\(result.standardOutput.suffix(4000))")
        }
    }

    @Test("The whole round trip as the README shows it: token, upload, verdict by the worker in the same process")
    func roundTrip() async throws {
        let intake = IntakeBinary()
        let token = try token(intake)
        let server = try Server.start(intake)
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
        }
        let upload = curlUpload(
            port: server.port, token: token, application: "APP-1", file: TestSupport.corpusFile("r4-noprint.pdf"))
        try upload.run()
        upload.waitUntilExit()
        let output = (upload.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let body = String(decoding: output, as: UTF8.self).split(separator: "\n").dropLast().joined()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let id = try #require(object["upload"] as? String)
        let result = TestSupport.run(
            "/usr/bin/curl",
            [
                "-sS", "-H", "Authorization: Bearer \(token)",
                "http://127.0.0.1:\(server.port)/v1/uploads/\(id)?wait=20s",
            ])
        let state = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(state["state"] as? String == "rejected")
        let items = try #require(state["items"] as? [[String: Any]])
        let codes = (items.first?["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes?.contains("pdf.print_restricted") == true)
        let metrics = TestSupport.run("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(server.metricsPort)/metrics"])
            .standardOutput
        for line in [
            #"intake_uploads_received_total{slot="attachment"} 1"#,
            #"intake_verdicts_total{slot="attachment",verdict="rejected"} 1"#,
            #"intake_findings_total{code="pdf.print_restricted"} 1"#,
            #"intake_jobs_total{kind="process_upload",outcome="succeeded"} 1"#,
            #"intake_inspection_duration_seconds_bucket{le="60.0"} 1"#, #"intake_queue_jobs{state="#,
            "hb_requests",
        ] {
            #expect(metrics.contains(line), "\(line) in /metrics")
        }
    }

    /// `scripts/webhook-receiver.py` on a free loopback port: it checks signatures with the `standardwebhooks`
    /// library from PyPI and answers 500 to its first `failFirst` requests.
    struct Receiver {
        let process: Process
        let port: Int
        let secretFile: URL
        let log: URL

        static func start(failFirst: Int) throws -> Receiver {
            let python = TestSupport.packageRoot.appendingPathComponent(".venv/bin/python").path
            let folder = TestSupport.makeTemporaryDirectory(prefix: "receiver")
            let (secretFile, log) = (folder.appendingPathComponent("secret"), folder.appendingPathComponent("log"))
            try Data().write(to: secretFile)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [
                TestSupport.packageRoot.appendingPathComponent("scripts/webhook-receiver.py").path, "--port", "0",
                "--secret-file", secretFile.path, "--log", log.path, "--fail-first", "\(failFirst)",
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
                process.terminate()
                throw TestFailure("webhook receiver did not start (is standardwebhooks in .venv?): \(line)")
            }
            return Receiver(process: process, port: port, secretFile: secretFile, log: log)
        }

        /// The requests it has had so far, oldest first.
        func requests() -> [[String: Any]] {
            guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    /// `curl` with a JSON body: the status code and the parsed answer.
    func curlJSON(_ method: String, _ url: String, token: String, body: String? = nil) throws -> (Int, Any?) {
        let result = TestSupport.run(
            "/usr/bin/curl",
            ["-sS", "-X", method, "-o", "-", "-w", "\n%{http_code}", "-H", "Authorization: Bearer \(token)"]
                + (body.map { ["-H", "Content-Type: application/json", "--data", $0] } ?? []) + [url])
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let status = try #require(lines.last.flatMap { Int($0) }, "curl: \(result.standardError)")
        let text = lines.dropLast().joined(separator: "\n")
        return (status, text.isEmpty ? nil : try JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    @Test("Webhooks: acceptances and rejections signed as Standard Webhooks, retried past a receiver's two failures")
    func webhooks() async throws {
        let receiver = try Receiver.start(failFirst: 2)
        defer {
            // SIGKILL: a child inherits the test runner's blocked SIGTERM, and Python keeps it blocked.
            kill(receiver.process.processIdentifier, SIGKILL)
            receiver.process.waitUntilExit()
        }
        let intake = IntakeBinary(environment: [
            "INTAKE_WEBHOOKS_ALLOWED_HOSTS": "127.0.0.1", "INTAKE_WEBHOOKS_RETRY_SCHEDULE": "200ms, 200ms, 200ms",
        ])
        let token = try token(intake)
        let admin = intake.run(["token", "create", "--uploader", "admin-1", "--scope", "admin"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try Server.start(intake)
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
        }
        let api = "http://127.0.0.1:\(server.port)/v1/webhooks"

        let (refused, problem) = try curlJSON(
            "POST", api, token: admin, body: #"{"url": "http://hooks.example.com/intake"}"#)
        #expect(refused == 400)
        #expect((problem as? [String: Any])?["code"] as? String == "webhook.url_not_allowed")
        #expect(try curlJSON("POST", api, token: token, body: #"{"url": "http://127.0.0.1:1/"}"#).0 == 403)

        let (created, answer) = try curlJSON(
            "POST", api, token: admin,
            body:
                #"{"url": "http://127.0.0.1:\#(receiver.port)/hooks", "events": ["upload.accepted", "upload.rejected"]}"#
        )
        #expect(created == 201)
        let webhook = try #require(answer as? [String: Any])
        let secret = try #require(webhook["secret"] as? String)
        #expect(secret.hasPrefix("whsec_"))
        try Data(secret.utf8).write(to: receiver.secretFile)

        for file in ["plain.pdf", "r4-noprint.pdf"] {
            let upload = curlUpload(
                port: server.port, token: token, application: "APP-HOOK", file: TestSupport.corpusFile(file))
            try upload.run()
            upload.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while receiver.requests().filter({ $0["status"] as? Int == 204 }).count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let requests = receiver.requests()
        // Every request, the two refused included, was signed with the secret the API showed once.
        #expect(requests.allSatisfy { $0["verified"] as? Bool == true }, "\(requests)")
        #expect(requests.prefix(2).allSatisfy { $0["status"] as? Int == 500 })
        let delivered = requests.filter { $0["status"] as? Int == 204 }
        #expect(delivered.count == 2, "\(requests)")
        // A retry is the same message: the refused ones come back under their webhook-id.
        let refusedIds = Set(requests.prefix(2).compactMap { $0["webhook_id"] as? String })
        #expect(refusedIds.isSubset(of: Set(delivered.compactMap { $0["webhook_id"] as? String })))
        var states: [String: String] = [:]
        for request in delivered {
            let body = try #require(request["body"] as? [String: Any])
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["application"] as? String == "APP-HOOK")
            let upload = try #require(data["upload"] as? [String: Any])
            states[try #require(body["type"] as? String)] = upload["state"] as? String
        }
        #expect(states == ["upload.accepted": "accepted", "upload.rejected": "rejected"])

        let (listed, list) = try curlJSON("GET", api, token: admin)
        #expect(listed == 200)
        let hooks = try #require((list as? [String: Any])?["webhooks"] as? [[String: Any]])
        #expect(hooks.count == 1 && hooks[0]["secret"] == nil)
        let id = try #require(webhook["id"] as? String)
        #expect(try curlJSON("DELETE", "\(api)/\(id)", token: admin).0 == 204)
        #expect(try curlJSON("DELETE", "\(api)/\(id)", token: admin).0 == 404)
    }
}
