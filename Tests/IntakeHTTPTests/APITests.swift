import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeApplication
import IntakeCore
import IntakeTestSupport
import NIOCore
import Testing

/// SPEC §7 endpoint by endpoint, through Hummingbird's router test client on a real store.
@Suite("HTTP API")
struct APITests {
    @Test("Health and readiness need no token; every response carries a Request-Id")
    func health() async throws {
        let harness = try HTTPHarness()
        try await harness.application.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.headers[.init("Request-Id")!]?.isEmpty == false)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            harness.api.startDraining()
            let draining = try await client.execute(uri: "/readyz", method: .get)
            #expect(draining.status == .serviceUnavailable)
        }
    }

    @Test("No token, an unknown one or a revoked one is 401 with WWW-Authenticate; a missing scope is 403")
    func authentication() async throws {
        let harness = try HTTPHarness()
        try await harness.application.test(.router) { client in
            let missing = try await client.execute(uri: "/v1/policy", method: .get)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="intake""#)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(missing.object["code"] as? String == "auth.unauthorized")
            let unknown = try await client.execute(
                uri: "/v1/policy", method: .get, headers: [.authorization: "Bearer itk_NOTATOKEN"])
            #expect(unknown.status == .unauthorized)
            #expect(unknown.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            let issued = try await harness.service.createToken(uploader: "u", scope: .upload, lifetime: nil)
            let headers: HTTPFields = [.authorization: "Bearer \(issued.token)"]
            #expect(try await client.execute(uri: "/v1/policy", method: .get, headers: headers).status == .ok)
            let trial = try await client.execute(
                uri: "/v1/admin/trials", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"total_limits": ["10MB"]}"#))
            #expect(trial.status == .forbidden)
            #expect(trial.object["code"] as? String == "auth.insufficient_scope")
            try await harness.service.revokeToken(id: issued.id)
            #expect(try await client.execute(uri: "/v1/policy", method: .get, headers: headers).status == .unauthorized)
        }
    }

    @Test("An expired token is refused")
    func expiry() async throws {
        let harness = try HTTPHarness()
        let issued = try await harness.service.createToken(uploader: "u", scope: .upload, lifetime: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(20))
        try await harness.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/policy", method: .get, headers: [.authorization: "Bearer \(issued.token)"])
            #expect(response.status == .unauthorized)
        }
    }

    @Test("GET /v1/policy: the limits in force, with the policy version as ETag")
    func policy() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("u")
        try await harness.application.test(.router) { client in
            let response = try await client.execute(uri: "/v1/policy", method: .get, headers: auth)
            #expect(response.status == .ok)
            #expect(response.headers[.eTag] == "\"\(harness.service.policy.version)\"")
            #expect(response.object["application_total_limit_bytes"] as? Int == 25_000_000)
        }
    }

    @Test("An upload is durable and queued before 202; the same file again is 200 with duplicate_of")
    func upload() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let body = try corpusBody("plain.pdf")
            let first = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?slot=attachment", method: .post,
                headers: auth.upload(named: "在職証明書.pdf"), body: body)
            #expect(first.status == .accepted)
            let upload = try #require(first.object["upload"] as? String)
            #expect(first.headers[.location] == "/v1/uploads/\(upload)")
            #expect(first.object["file"] as? String == "在職証明書.pdf", "the Japanese name survives filename*")
            #expect(first.object["state"] as? String == "queued")
            // Durable and recorded by the time the client hears 202.
            let stored = try await harness.service.uploadStatus(upload)
            #expect(stored.job?.state == .queued)
            #expect(stored.upload.fileName == "在職証明書.pdf")
            let again = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?slot=attachment", method: .post,
                headers: auth.upload(named: "copy.pdf"), body: body)
            #expect(again.status == .ok)
            #expect(again.object["duplicate_of"] as? String == upload)
            let status = try await client.execute(uri: "/v1/uploads/\(upload)", method: .get, headers: auth)
            #expect(status.status == .ok)
            #expect(status.object["state"] as? String == "queued")
            #expect(status.headers[.retryAfter] == "1", "not final yet")
            let application = try await client.execute(uri: "/v1/applications/APP-1", method: .get, headers: auth)
            #expect((application.object["uploads"] as? [Any])?.count == 1)
        }
    }

    @Test("Over the per-file limit or the remaining allowance: 413 with the finding's code, and nothing stored")
    func tooLarge() async throws {
        let harness = try HTTPHarness { $0.policy.fileLimit = ByteSize(bytes: 100_000) }
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: auth.upload(named: "big.pdf"),
                body: ByteBuffer(repeating: 0x25, count: 200_000))
            #expect(response.status == .contentTooLarge)
            #expect(response.object["code"] as? String == "size.file_over_limit")
            #expect(response.object["limit_bytes"] as? Int == 100_000)
            #expect(response.object["declared_bytes"] as? Int == 200_000)
            let photo = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?slot=photo", method: .post,
                headers: auth.upload(named: "p.jpg", type: "image/jpeg"), body: ByteBuffer(repeating: 1, count: 99_000))
            #expect(photo.status == .accepted, "the photo limit is 5 MB, the file limit 100 kB")
        }
        #expect(try await harness.service.applicationIds() == ["APP-1"])
        #expect(try await harness.service.applicationStatus("APP-1").uploads.count == 1, "the 413 stored nothing")
    }

    @Test("413 at the door names the limit that applies: a photo's, the application's, the request round's")
    func limitsAtTheDoor() async throws {
        let harness = try HTTPHarness {
            $0.policy.photo.maxFileSize = ByteSize(bytes: 50_000)
            $0.policy.applicationTotalLimit = ByteSize(bytes: 80_000)
            $0.policy.additionalTotalLimit = ByteSize(bytes: 30_000)
        }
        let owner = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let photo = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?slot=photo", method: .post,
                headers: owner.upload(named: "p.jpg", type: "image/jpeg"), body: ByteBuffer(repeating: 1, count: 60_000)
            )
            #expect(photo.status == .contentTooLarge)
            #expect(photo.object["code"] as? String == "photo.file_too_large")
            let total = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: owner.upload(named: "a.pdf"),
                body: ByteBuffer(repeating: 0x25, count: 90_000))
            #expect(total.status == .contentTooLarge)
            #expect(total.object["code"] as? String == "size.application_over_limit")
            #expect(total.object["limit_bytes"] as? Int == 80_000)
            #expect(try await harness.service.applicationIds().isEmpty, "nothing stored")

            _ = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?receipt=R-1", method: .post, headers: owner.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            let additional = try await client.execute(
                uri: "/v1/cases/R-1/documents", method: .post, headers: owner.upload(named: "more.pdf"),
                body: ByteBuffer(repeating: 0x25, count: 40_000))
            #expect(additional.status == .contentTooLarge)
            #expect(additional.object["code"] as? String == "size.additional_over_limit")
            #expect(additional.object["limit_bytes"] as? Int == 30_000)
        }
    }

    @Test("While draining, an upload is 503 service.draining with Retry-After and /readyz is 503; reads still work")
    func draining() async throws {
        let harness = try HTTPHarness()
        let owner = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let first = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: owner.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            #expect(first.status == .accepted)
            harness.api.startDraining()
            let refused = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: owner.upload(named: "b.pdf"),
                body: try corpusBody("letter.pdf"))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.object["code"] as? String == "service.draining")
            #expect(refused.headers[.retryAfter] == "5")
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
            #expect(
                try await client.execute(uri: "/v1/applications/APP-1", method: .get, headers: owner).status == .ok)
        }
        #expect(try await harness.service.applicationStatus("APP-1").uploads.count == 1)
    }

    @Test("411 without a length, 415 for multipart, 400 for a digest that does not match")
    func malformedUploads() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let noLength = try await client.execute(uri: "/v1/applications/A/uploads", method: .post, headers: auth)
            #expect(noLength.status == .lengthRequired)
            #expect(noLength.object["code"] as? String == "upload.length_required")
            var multipart = auth
            multipart[.contentType] = "multipart/form-data; boundary=x"
            let form = try await client.execute(
                uri: "/v1/applications/A/uploads", method: .post, headers: multipart, body: ByteBuffer(string: "--x--"))
            #expect(form.status == .unsupportedMediaType)
            var digest = auth.upload(named: "a.pdf")
            digest[.init("Repr-Digest")!] = "sha-256=:" + Data(repeating: 0, count: 32).base64EncodedString() + ":"
            let mismatch = try await client.execute(
                uri: "/v1/applications/A/uploads", method: .post, headers: digest, body: try corpusBody("plain.pdf"))
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.object["code"] as? String == "upload.digest_mismatch")
        }
        #expect(try await harness.service.applicationIds().isEmpty)
    }

    @Test("Another uploader's application and upload answer 404, so ids reveal nothing; a reviewer sees them")
    func strangers() async throws {
        let harness = try HTTPHarness()
        let owner = try await harness.authorization("emp-1")
        let stranger = try await harness.authorization("emp-2")
        let reviewer = try await harness.authorization("rev-1", .review)
        try await harness.application.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: owner.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            let upload = try #require(created.object["upload"] as? String)
            for uri in ["/v1/uploads/\(upload)", "/v1/applications/APP-1"] {
                let hidden = try await client.execute(uri: uri, method: .get, headers: stranger)
                #expect(hidden.status == .notFound, "\(uri)")
                #expect(try await client.execute(uri: uri, method: .get, headers: reviewer).status == .ok)
            }
            let missing = try await client.execute(uri: "/v1/uploads/U-NOSUCH", method: .get, headers: owner)
            #expect(missing.status == .notFound)
            let intrusion = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: stranger.upload(named: "b.pdf"),
                body: try corpusBody("letter.pdf"))
            #expect(intrusion.status == .forbidden)
            #expect(intrusion.object["code"] as? String == "application.forbidden")
        }
    }

    @Test("Cases: documents from the owner, refusals with their codes and the audit upload, grants and states")
    func cases() async throws {
        let harness = try HTTPHarness()
        let owner = try await harness.authorization("emp-1")
        let scrivener = try await harness.authorization("scrivener-7")
        let reviewer = try await harness.authorization("rev-1", .review)
        try await harness.application.test(.router) { client in
            _ = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?receipt=R-1", method: .post, headers: owner.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            let linked = try await client.execute(
                uri: "/v1/cases/R-1/documents", method: .post, headers: owner.upload(named: "more.pdf"),
                body: try corpusBody("letter.pdf"))
            #expect(linked.status == .accepted)
            let refused = try await client.execute(
                uri: "/v1/cases/R-1/documents", method: .post, headers: scrivener.upload(named: "x.pdf"),
                body: try corpusBody("contract.pdf"))
            #expect(refused.status == .forbidden)
            #expect(refused.object["code"] as? String == "case.forbidden")
            #expect((refused.object["upload"] as? String)?.hasPrefix("U-") == true, "kept for audit")
            let unknown = try await client.execute(
                uri: "/v1/cases/R-404/documents", method: .post, headers: owner.upload(named: "x.pdf"),
                body: try corpusBody("contract.pdf"))
            #expect(unknown.status == .notFound)
            #expect(unknown.object["code"] as? String == "case.not_found")
            let grant = ByteBuffer(string: #"{"uploader": "scrivener-7"}"#)
            #expect(
                try await client.execute(uri: "/v1/cases/R-1/grants", method: .post, headers: scrivener, body: grant)
                    .status == .notFound, "a stranger cannot even see the case")
            #expect(
                try await client.execute(uri: "/v1/cases/R-1/grants", method: .post, headers: owner, body: grant)
                    .status == .created)
            #expect(
                try await client.execute(uri: "/v1/cases/R-1/grants", method: .post, headers: owner, body: grant)
                    .status == .ok)
            let granted = try await client.execute(
                uri: "/v1/cases/R-1/documents", method: .post, headers: scrivener.upload(named: "x.pdf"),
                body: try corpusBody("contract.pdf"))
            #expect(granted.status == .accepted)
            let close = ByteBuffer(string: #"{"state": "closed"}"#)
            #expect(
                try await client.execute(uri: "/v1/cases/R-1/state", method: .put, headers: owner, body: close)
                    .status == .forbidden, "states need the review scope")
            #expect(
                try await client.execute(uri: "/v1/cases/R-1/state", method: .put, headers: reviewer, body: close)
                    .status == .ok)
            let reopen = try await client.execute(
                uri: "/v1/cases/R-1/state", method: .put, headers: reviewer,
                body: ByteBuffer(string: #"{"state": "under_review"}"#))
            #expect(reopen.status == .conflict)
            #expect(reopen.object["code"] as? String == "case.invalid_transition")
            let closed = try await client.execute(
                uri: "/v1/cases/R-1/documents", method: .post, headers: owner.upload(named: "late.pdf"),
                body: try corpusBody("objstm.pdf"))
            #expect(closed.status == .conflict)
            #expect(closed.object["code"] as? String == "case.not_accepting")
            let view = try await client.execute(uri: "/v1/cases/R-1", method: .get, headers: scrivener)
            #expect(view.status == .ok)
            #expect((view.object["grants"] as? [Any])?.count == 1)
        }
    }

    @Test("Problems are RFC 9457 with a code and both languages; detail follows Accept-Language, ja by default")
    func problems() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let japanese = try await client.execute(uri: "/v1/uploads/U-NONE", method: .get, headers: auth)
            #expect(japanese.status == .notFound)
            let message = try #require(japanese.object["message"] as? [String: String])
            #expect(japanese.object["detail"] as? String == message["ja"])
            #expect(japanese.object["status"] as? Int == 404)
            var english = auth
            english[.acceptLanguage] = "en-GB,en;q=0.8"
            let response = try await client.execute(uri: "/v1/uploads/U-NONE", method: .get, headers: english)
            #expect(response.object["detail"] as? String == message["en"])
            let route = try await client.execute(uri: "/v1/nothing-here", method: .get, headers: auth)
            #expect(route.status == .notFound)
            #expect(route.headers[.contentType] == "application/problem+json")
            let garbage = try await client.execute(
                uri: "/v1/cases/R-1/grants", method: .post, headers: auth, body: ByteBuffer(string: "{not json"))
            #expect(garbage.status == .badRequest)
            let huge = try await client.execute(
                uri: "/v1/cases/R-1/grants", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"uploader": ""# + String(repeating: "x", count: 70_000) + #""}"#))
            #expect(huge.status == .contentTooLarge, "JSON bodies are capped at 64 KiB")
        }
    }

    @Test("Trials as JSON, or as the HTML report for Accept: text/html (admin only)")
    func trials() async throws {
        let harness = try HTTPHarness()
        let admin = try await harness.authorization("root", .admin)
        try await harness.application.test(.router) { client in
            let body = ByteBuffer(string: #"{"total_limits": ["10MB", "25MB"], "file_limits": ["10MB"]}"#)
            let json = try await client.execute(uri: "/v1/admin/trials", method: .post, headers: admin, body: body)
            #expect(json.status == .ok)
            #expect((json.object["candidates"] as? [Any])?.count == 2)
            var html = admin
            html[.accept] = "text/html"
            let page = try await client.execute(uri: "/v1/admin/trials", method: .post, headers: html, body: body)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("<svg"))
            let bad = try await client.execute(
                uri: "/v1/admin/trials", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"total_limits": ["10"]}"#))
            #expect(bad.status == .badRequest)
        }
    }
}

/// The admin endpoints over a store with real verdicts.
@Suite("HTTP admin")
struct AdminAPITests {
    @Test("Reprocess: a dry run lists what would change; a run is 202 with a run id whose progress can be read")
    func reprocess() async throws {
        let harness = try HTTPHarness()
        let admin = try await harness.authorization("root", .admin)
        try await harness.application.test(.router) { client in
            let dry = try await client.execute(
                uri: "/v1/admin/reprocess", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"all": true, "dry_run": true}"#))
            #expect(dry.status == .ok)
            #expect(dry.object["examined"] as? Int == 0)
            let run = try await client.execute(
                uri: "/v1/admin/reprocess", method: .post, headers: admin, body: ByteBuffer(string: #"{"all": true}"#))
            #expect(run.status == .accepted)
            let id = try #require(run.object["run"] as? String)
            let progress = try await client.execute(uri: "/v1/admin/reprocess/\(id)", method: .get, headers: admin)
            #expect(progress.object["done"] as? Bool == true)
            #expect(
                try await client.execute(uri: "/v1/admin/reprocess/RP-old", method: .get, headers: admin)
                    .status == .notFound)
            let both = try await client.execute(
                uri: "/v1/admin/reprocess", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"all": true, "code": "pdf.malformed"}"#))
            #expect(both.status == .badRequest)
        }
    }

    @Test("Dead jobs are listed with their last error and retried; the queue's depth by state")
    func deadJobs() async throws {
        let harness = try HTTPHarness { $0.worker.maxAttempts = 1 }
        let admin = try await harness.authorization("root", .admin)
        let upload = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/applications/A/uploads", method: .post, headers: upload.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            let job = try #require(created.object["job"] as? String)
            let storage = try harness.service.storage
            let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
            try await storage.fail(claim, error: "inspector unavailable: no model", retryAfter: nil)
            let listed = try await client.execute(uri: "/v1/admin/jobs?state=dead", method: .get, headers: admin)
            let jobs = try #require(listed.object["jobs"] as? [[String: Any]])
            #expect(jobs.first?["id"] as? String == job)
            #expect(jobs.first?["last_error"] as? String == "inspector unavailable: no model")
            #expect((listed.object["depth"] as? [String: Int])?["dead"] == 1)
            #expect(
                try await client.execute(uri: "/v1/admin/jobs?state=dead", method: .get, headers: upload)
                    .status == .forbidden)
            let retried = try await client.execute(uri: "/v1/admin/jobs/\(job)/retry", method: .post, headers: admin)
            #expect(retried.status == .ok)
            #expect(retried.object["state"] as? String == "queued")
            #expect(
                try await client.execute(uri: "/v1/admin/jobs/\(job)/retry", method: .post, headers: admin)
                    .status == .notFound, "no longer dead")
        }
    }
}

@Suite("HTTP idempotency")
struct IdempotencyAPITests {
    @Test("A retry under the same Idempotency-Key replays the first answer; another request under it is 422")
    func replays() async throws {
        let harness = try HTTPHarness()
        var keyed = try await harness.authorization("emp-1").upload(named: "a.pdf")
        keyed[.init("Idempotency-Key")!] = "retry-7"
        let headers = keyed
        try await harness.application.test(.router) { client in
            let body = try corpusBody("plain.pdf")
            let first = try await client.execute(
                uri: "/v1/applications/A/uploads", method: .post, headers: headers, body: body)
            #expect(first.status == .accepted)
            #expect(first.headers[.init("Idempotent-Replayed")!] == nil)
            let retry = try await client.execute(
                uri: "/v1/applications/A/uploads", method: .post, headers: headers, body: body)
            #expect(retry.status == .accepted, "the stored answer, not a duplicate's 200")
            #expect(retry.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(retry.object["upload"] as? String == first.object["upload"] as? String)
            let other = try await client.execute(
                uri: "/v1/applications/A/uploads", method: .post, headers: headers, body: try corpusBody("letter.pdf"))
            #expect(other.status == .unprocessableContent)
            #expect(other.object["code"] as? String == "idempotency.key_reused")
        }
        #expect(try await harness.service.applicationStatus("A").uploads.count == 1)
    }
}

/// `POST`, `GET /v1/webhooks` and `DELETE /v1/webhooks/{id}`; deliveries themselves are tested end to end.
@Suite("HTTP webhooks")
struct WebhookAPITests {
    @Test("Admins create (201, secret once), list (no secrets) and delete webhooks; others get 401 or 403")
    func subscriptions() async throws {
        let harness = try HTTPHarness { $0.webhooks.allowedHosts = ["hooks.example.jp"] }
        let admin = try await harness.authorization("root", .admin)
        let uploader = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let body = ByteBuffer(string: #"{"url": "https://hooks.example.jp/intake", "events": ["upload.rejected"]}"#)
            #expect(try await client.execute(uri: "/v1/webhooks", method: .post, body: body).status == .unauthorized)
            let forbidden = try await client.execute(uri: "/v1/webhooks", method: .post, headers: uploader, body: body)
            #expect(forbidden.status == .forbidden)
            #expect(try await client.execute(uri: "/v1/webhooks", method: .get, headers: uploader).status == .forbidden)

            let created = try await client.execute(uri: "/v1/webhooks", method: .post, headers: admin, body: body)
            #expect(created.status == .created)
            let id = try #require(created.object["id"] as? String)
            #expect(created.headers[.location] == "/v1/webhooks/\(id)")
            #expect((created.object["secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(created.object["events"] as? [String] == ["upload.rejected"])

            let all = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"url": "https://hooks.example.jp/all"}"#))
            #expect((all.object["events"] as? [String])?.count == 5, "every event when none are named")

            let listed = try await client.execute(uri: "/v1/webhooks", method: .get, headers: admin)
            #expect(listed.status == .ok)
            let hooks = try #require(listed.object["webhooks"] as? [[String: Any]])
            #expect(hooks.count == 2)
            #expect(hooks.allSatisfy { $0["secret"] == nil })

            let delete = try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: admin)
            #expect(delete.status == .noContent)
            let again = try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: admin)
            #expect(again.status == .notFound)
        }
    }

    @Test("A URL off webhooks.allowed_hosts is 400 webhook.url_not_allowed; an unknown event is 400 request.invalid")
    func refusals() async throws {
        let harness = try HTTPHarness { $0.webhooks.allowedHosts = ["hooks.example.jp"] }
        let admin = try await harness.authorization("root", .admin)
        try await harness.application.test(.router) { client in
            for url in ["https://evil.example/x", "https://hooks.example.jp@evil.example/", "file:///etc/passwd"] {
                let refused = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: admin,
                    body: ByteBuffer(string: #"{"url": "\#(url)"}"#))
                #expect(refused.status == .badRequest)
                #expect(refused.object["code"] as? String == "webhook.url_not_allowed")
                let message = try #require(refused.object["message"] as? [String: String])
                #expect(message["en"]?.contains("webhooks.allowed_hosts") == true)
                #expect(message["ja"]?.contains("webhooks.allowed_hosts") == true)
            }
            let unknown = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: admin,
                body: ByteBuffer(string: #"{"url": "https://hooks.example.jp/", "events": ["upload.deleted"]}"#))
            #expect(unknown.status == .badRequest)
            #expect(unknown.object["code"] as? String == "request.invalid")
            #expect(try await harness.service.webhooks().isEmpty, "nothing refused was recorded")
        }
    }
}

/// `POST /v1/archives`: a bulk archive as the raw body, read in the real inspector child.
@Suite("HTTP archives")
struct ArchiveAPITests {
    static let archives: URL = {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "archives")
        let result = TestSupport.run(
            "/usr/bin/python3",
            [
                TestSupport.packageRoot.appendingPathComponent("scripts/make-archives.py").path, folder.path,
                TestSupport.packageRoot.appendingPathComponent("SampleDocs/APP-2026-0001").path,
            ])
        precondition(result.status == 0, "make-archives.py failed: \(result.standardError)")
        return folder
    }()

    static func body(_ name: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: archives.appendingPathComponent(name)))
    }

    @Test("The report row by row as JSON, or as CSV for Excel; the rows are uploads of the caller")
    func report() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("employer-1")
        var headers = auth
        headers[.contentType] = "application/zip"
        let zip = headers
        try await harness.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/archives", method: .post, headers: zip, body: try Self.body("sample.zip"))
            #expect(response.status == .ok)
            let rows = try #require(response.object["rows"] as? [[String: Any]])
            #expect(rows.count == 5)
            #expect(rows.filter { $0["upload"] is String }.count == 3)
            let missing = try #require(rows.first { $0["row"] as? Int == 5 })
            #expect((missing["findings"] as? [[String: Any]])?.first?["code"] as? String == "archive.entry_missing")
            var csv = zip
            csv[.accept] = "text/csv"
            let again = try await client.execute(
                uri: "/v1/archives", method: .post, headers: csv, body: try Self.body("sample.zip"))
            #expect(again.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(String(buffer: again.body).contains(",duplicate,U-"), "the same files again are duplicates")
            #expect(
                try await client.execute(uri: "/v1/archives", method: .post, body: try Self.body("sample.zip"))
                    .status == .unauthorized)
        }
        let status = try await harness.service.applicationStatus("SAMPLE-1")
        #expect(status.application.owner == "employer-1")
    }

    @Test("Over archive.max_bytes: 413 archive.too_large before the body is read, and nothing is stored")
    func tooLarge() async throws {
        let harness = try HTTPHarness { $0.archive.maxBytes = ByteSize(bytes: 1000) }
        let auth = try await harness.authorization("employer-1")
        try await harness.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/archives", method: .post, headers: auth, body: try Self.body("sample.zip"))
            #expect(response.status == .contentTooLarge)
            #expect(response.object["code"] as? String == "archive.too_large")
            #expect(response.object["limit_bytes"] as? Int == 1000)
        }
        #expect(try await harness.service.applicationIds().isEmpty)
    }
}
