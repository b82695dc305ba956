import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeApplication
import IntakeCore
import IntakeStore
import IntakeTestSupport
import NIOCore
import Testing

/// What the web pages need from the server: the pages with their security headers, a photo's geometry and bytes
/// for its owner only, one job, and recent findings by code.
@Suite("HTTP pages and their endpoints")
struct PagesAPITests {
    @Test(
        "/ and /admin are HTML with a CSP without inline script, X-Frame-Options DENY and no referrer; lang follows ?lang"
    )
    func pages() async throws {
        let harness = try HTTPHarness()
        try await harness.application.test(.router) { client in
            for (uri, lang) in [("/", "ja"), ("/?lang=en", "en"), ("/admin", "ja"), ("/admin?lang=en", "en")] {
                let page = try await client.execute(uri: uri, method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("script-src 'self';") && !policy.contains("unsafe-inline"), "\(policy)")
                #expect(policy.contains("connect-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                let html = String(buffer: page.body)
                #expect(html.contains("<html lang=\"\(lang)\">"), "\(uri)")
                #expect(!html.contains("<script>") && !html.contains("http://") && !html.contains("https://"))
            }
            let script = try await client.execute(uri: "/pages/applicant.js", method: .get)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body).contains("followEvents"))
            #expect(try await client.execute(uri: "/pages/../Package.swift", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/pages/other.js", method: .get).status == .notFound)
        }
    }

    @Test("The trial report's inline style sheet is the one the pages' CSP allows by hash")
    func trialStyleHash() throws {
        let page = TrialReportPage.render(
            Trial.run(
                source: "test", applications: [],
                candidates: [TrialCandidate(totalLimit: ByteSize(bytes: 25_000_000), fileLimit: nil)],
                cost: .init(secondsPerFile: 0.1, secondsPerMB: 0.01, secondsPerPage: 0.01, basis: "test"),
                assumedApplicationsPerYear: 1),
            generatedAt: Date())
        #expect(page.contains("<style>\(TrialReportPage.styleSheet)</style>"))
        // Computed again by Python's hashlib, independently of the libcrypto wrapper.
        let python = TestSupport.run(
            "/usr/bin/python3",
            [
                "-c",
                "import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode())",
                TrialReportPage.styleSheet,
            ])
        let expected = python.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(TrialReportPage.styleHash == "'sha256-\(expected)'")
    }

    /// A photo upload judged as the worker would record it: one face, its landmarks' derived points.
    static func judge(_ harness: HTTPHarness) async throws {
        let storage = try harness.service.storage
        let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        let upload = try #require(claim.upload)
        let photo = PhotoFacts(
            format: "jpeg", width: 600, height: 800,
            faces: [FaceBox(left: 230, top: 300, width: 140, height: 170, confidence: 1)],
            face: FaceGeometry(
                landmarks: [], leftEye: PhotoPoint(x: 270, y: 380), rightEye: PhotoPoint(x: 330, y: 384),
                chin: PhotoPoint(x: 300, y: 520), crownY: 220, crownMethod: .background),
            measurements: PhotoMeasurements(headHeightRatio: 0.375))
        let finding = Finding(
            code: .photoFaceTooSmall, severity: .error, message: LocalizedMessage(ja: "小さい", en: "small"))
        try await storage.complete(claim) { _ in
            [
                ItemResult(
                    item: ItemRecord(
                        id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName,
                        firstPage: nil, lastPage: nil, sha256: upload.sha256, bytes: upload.bytes),
                    verdict: .rejected, findings: [finding],
                    facts: FileFacts(mime: "image/jpeg", bytes: upload.bytes, sha256: upload.sha256, photo: photo),
                    policyVersion: harness.service.policy.version)
            ]
        }
    }

    @Test("A judged photo's geometry and bytes for its owner; 404 for a stranger, before judging, and for a PDF")
    func photo() async throws {
        let harness = try HTTPHarness()
        let owner = try await harness.authorization("emp-1")
        let stranger = try await harness.authorization("emp-2")
        let jpeg = try Data(
            contentsOf: TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/Photos/face-too-small.jpg"))
        try await harness.application.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?slot=photo", method: .post,
                headers: owner.upload(named: "face.jpg", type: "image/jpeg"), body: ByteBuffer(bytes: jpeg))
            let id = try #require(created.object["upload"] as? String)
            #expect(
                try await client.execute(uri: "/v1/uploads/\(id)/photo", method: .get, headers: owner).status
                    == .notFound, "not judged yet")
            try await Self.judge(harness)
            let figure = try await client.execute(uri: "/v1/uploads/\(id)/photo", method: .get, headers: owner)
            #expect(figure.status == .ok)
            #expect(figure.object["width"] as? Int == 600 && figure.object["verdict"] as? String == "rejected")
            let face = try #require(figure.object["face"] as? [String: Any])
            #expect(face["crown_y"] as? Double == 220 && face["chin_y"] as? Double == 520)
            #expect(face["eye_y"] as? Double == 382 && face["center_x"] as? Double == 300)
            let bands = try #require(figure.object["bands"] as? [String: [String: Double]])
            let spec = harness.service.policy.photo
            func close(_ value: Double?, _ expected: Double) -> Bool { abs((value ?? .nan) - expected) < 1e-6 }
            #expect(close(bands["chin"]?["from"], 220 + spec.headHeight.lowerBound * 800), "down from the crown")
            #expect(close(bands["center"]?["to"], (0.5 + spec.centerTolerance) * 600))
            #expect(
                close(bands["eye_line"]?["from"], (1 - spec.eyeLine.upperBound) * 800), "the ratio counts from below")

            let image = try await client.execute(uri: "/v1/uploads/\(id)/photo/image", method: .get, headers: owner)
            #expect(image.status == .ok)
            #expect(image.headers[.contentType] == "image/jpeg" && image.headers[.xContentTypeOptions] == "nosniff")
            #expect(Data(buffer: image.body) == jpeg, "the bytes as uploaded")
            for uri in ["/v1/uploads/\(id)/photo", "/v1/uploads/\(id)/photo/image"] {
                #expect(try await client.execute(uri: uri, method: .get, headers: stranger).status == .notFound)
                #expect(try await client.execute(uri: uri, method: .get).status == .unauthorized)
            }
            let pdf = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: owner.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            let pdfId = try #require(pdf.object["upload"] as? String)
            #expect(
                try await client.execute(uri: "/v1/uploads/\(pdfId)/photo/image", method: .get, headers: owner)
                    .status == .notFound, "only photos are served back")
        }
    }

    @Test("One job by id (admin only), and recent findings by code, most frequent first")
    func jobAndFindings() async throws {
        let harness = try HTTPHarness()
        let admin = try await harness.authorization("root", .admin)
        let owner = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?slot=photo", method: .post,
                headers: owner.upload(named: "face.jpg", type: "image/jpeg"),
                body: ByteBuffer(bytes: Array(repeating: 0xFF, count: 100)))
            let job = try #require(created.object["job"] as? String)
            let queued = try await client.execute(uri: "/v1/admin/jobs/\(job)", method: .get, headers: admin)
            #expect(queued.object["state"] as? String == "queued")
            #expect(
                try await client.execute(uri: "/v1/admin/jobs/\(job)", method: .get, headers: owner).status
                    == .forbidden)
            #expect(
                try await client.execute(uri: "/v1/admin/jobs/J-NOSUCH", method: .get, headers: admin).status
                    == .notFound)
            try await Self.judge(harness)
            let done = try await client.execute(uri: "/v1/admin/jobs/\(job)", method: .get, headers: admin)
            #expect(done.object["state"] as? String == "succeeded")

            let recent = try await client.execute(uri: "/v1/admin/findings?days=7", method: .get, headers: admin)
            #expect(recent.status == .ok)
            #expect(recent.object["days"] as? Int == 7)
            let codes = try #require(recent.object["codes"] as? [[String: Any]])
            #expect(codes.count == 1 && codes[0]["code"] as? String == "photo.face_too_small")
            #expect(codes[0]["items"] as? Int == 1)
            for bad in ["0", "x", "9999"] {
                #expect(
                    try await client.execute(uri: "/v1/admin/findings?days=\(bad)", method: .get, headers: admin)
                        .status == .badRequest)
            }
            #expect(
                try await client.execute(uri: "/v1/admin/findings", method: .get, headers: owner).status == .forbidden)
        }
    }
}
