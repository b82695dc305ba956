import BlobStorage
import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication
import IntakeCore
import IntakeStore
import Synchronization

/// `POST /v1/applications/{id}/uploads` and `POST /v1/cases/{receipt}/documents`: one raw file per request,
/// judged at the door by its declared length, then streamed chunk by chunk into the blob store.
struct UploadRoutes {
    let service: IntakeService
    let gate: UploadGate

    func register(in router: RouterGroup<IntakeRequestContext>) {
        router.post("applications/:application/uploads") { request, context in
            try await idempotent(request, context: context) { try await upload(request, context: context) }
        }
        router.post("cases/:receipt/documents") { request, context in
            try await idempotent(request, context: context) { try await addDocument(request, context: context) }
        }
        router.get("uploads/:upload") { request, context in
            try await uploadState(request, context: context)
        }
        router.get("uploads/:upload/photo") { _, context in
            let caller = try context.caller(needing: .upload)
            return try json(
                try await service.photoFigure(upload: try context.parameters.require("upload"), for: caller),
                status: .ok)
        }
        router.get("uploads/:upload/photo/image") { _, context in
            let caller = try context.caller(needing: .upload)
            let image = try await service.photoImage(upload: try context.parameters.require("upload"), for: caller)
            // The applicant's own bytes, typed by their content; never rendered as anything but an image.
            return Response(
                status: .ok,
                headers: [
                    .contentType: image.mime, .xContentTypeOptions: "nosniff", .cacheControl: "private, no-store",
                    .contentSecurityPolicy: "default-src 'none'; sandbox",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: image.bytes)))
        }
    }

    /// What every upload request must say before its body is read.
    struct Declared {
        var bytes: Int64
        var fileName: String
        var digest: String?
    }

    /// The declared length, name and digest; 411 without a length, 415 for multipart, 507 when the data folder
    /// is short of space.
    func declared(_ request: Request) throws -> Declared {
        let minimum = service.settings.server.minFreeDisk.bytes
        if let free = DiskSpace.free(at: service.settings.storage.dataFolder), free < minimum {
            throw Problem.insufficientStorage(free: free, minimum: minimum)
        }
        if let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/") {
            throw Problem.multipart
        }
        guard let text = request.headers[.contentLength], let bytes = Int64(text), bytes >= 0 else {
            throw Problem.lengthRequired
        }
        var digest: String?
        if let header = request.headers[.reprDigest] {
            guard let value = ReprDigest.sha256Hex(header) else {
                throw Problem.invalidRequest(
                    "Repr-Digest must be sha-256=:BASE64:"
                        + ".", ja: "Repr-Digest は sha-256=:BASE64: の形で送ってください。")
            }
            digest = value
        }
        return Declared(
            bytes: bytes, fileName: ContentDisposition.fileName(request.headers[.contentDisposition]) ?? "upload",
            digest: digest)
    }

    /// With `Idempotency-Key`: a retry of the same request (same route, length, name and digest) gets the first
    /// answer again, with `Idempotent-Replayed: true`, and nothing is stored twice; another request under the same
    /// key is 422. Only successes are kept, so a request refused while the service was draining can be retried.
    func idempotent(
        _ request: Request, context: IntakeRequestContext, _ body: () async throws -> StoredResponse
    ) async throws -> Response {
        guard let key = request.headers[.idempotencyKey] else { return Self.response(try await body()) }
        guard (1...255).contains(key.utf8.count) else {
            throw Problem.invalidRequest(
                "Idempotency-Key must be 1 to 255 characters"
                    + ".", ja: "Idempotency-Key は 1〜255 文字で指定してください。")
        }
        let uploader = try context.uploader()
        let fingerprint = [
            request.method.rawValue, request.uri.description, request.headers[.contentLength] ?? "",
            request.headers[.contentDisposition] ?? "", request.headers[.reprDigest] ?? "",
        ].joined(separator: "\n")
        if let stored = try await service.storedResponse(uploader: uploader, key: key, fingerprint: fingerprint) {
            return Self.response(stored, replayed: true)
        }
        var fresh = try await body()
        fresh.fingerprint = fingerprint
        let kept = try await service.keepResponse(fresh, uploader: uploader, key: key)
        return Self.response(kept, replayed: kept != fresh)
    }

    static func response(_ stored: StoredResponse, replayed: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let location = stored.location { headers[.location] = location }
        if replayed { headers[.idempotentReplayed] = "true" }
        return Response(
            status: HTTPResponse.Status(code: stored.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: stored.body)))
    }

    /// A success as it is sent, and kept under an idempotency key.
    static func success<Value: Encodable>(_ value: Value, status: HTTPResponse.Status, location: String)
        throws -> StoredResponse
    {
        StoredResponse(
            fingerprint: "", status: status.code,
            body: String(decoding: try IntakeJSON.encode(value, pretty: false), as: UTF8.self), location: location)
    }

    func upload(_ request: Request, context: IntakeRequestContext) async throws -> StoredResponse {
        let uploader = try context.uploader()
        let application = try context.parameters.require("application")
        let declared = try declared(request)
        let query = request.uri.queryParameters
        let slotName = query.get("slot") ?? "attachment"
        let (slot, bundle): (Slot, BundleInstructions?)
        switch slotName {
        case "photo": (slot, bundle) = (.photo, nil)
        case "attachment": (slot, bundle) = (.attachment, nil)
        case "bundle": (slot, bundle) = (.attachment, BundleInstructions(manifest: try manifest(request)))
        default:
            throw Problem.invalidRequest(
                "slot must be photo, attachment or bundle"
                    + ".", ja: "slot は photo・attachment・bundle のいずれかです。")
        }
        if let refusal = try await service.admission(
            application: application, slot: slot, declaredBytes: declared.bytes)
        {
            throw Self.atTheDoor(refusal, declared: declared.bytes)
        }
        let submitted = try await gate.admit(deadline: service.settings.server.requestTimeout) {
            try await service.submit(
                IntakeService.Submission(
                    application: application, uploader: uploader, receipt: query.get("receipt"), slot: slot,
                    fileName: declared.fileName, bundle: bundle, expectedSHA256: declared.digest),
                body: RequestChunks(body: request.body, declaredBytes: declared.bytes))
        }
        if let finding = submitted.findings.first {
            throw Problem(ProblemMiddleware.status(for: finding.code), finding: finding)
        }
        let body = UploadAcknowledgement(
            upload: submitted.upload ?? "", job: submitted.job ?? "", application: application,
            receipt: submitted.receipt ?? "", slot: slotName, file: declared.fileName, sha256: submitted.sha256,
            bytes: submitted.bytes, state: "queued", duplicateOf: submitted.duplicate ? submitted.upload : nil)
        return try Self.success(
            body, status: submitted.duplicate ? .ok : .accepted, location: "/v1/uploads/\(body.upload)")
    }

    func addDocument(_ request: Request, context: IntakeRequestContext) async throws -> StoredResponse {
        let uploader = try context.uploader()
        let receipt = try context.parameters.require("receipt")
        let declared = try declared(request)
        if let refusal = try await service.admission(receipt: receipt, declaredBytes: declared.bytes) {
            throw Self.atTheDoor(refusal, declared: declared.bytes)
        }
        let isBundle = request.uri.queryParameters.get("bundle") == "true"
        let document = try await gate.admit(deadline: service.settings.server.requestTimeout) {
            try await service.add(
                IntakeService.Addition(
                    receipt: receipt, uploader: uploader, fileName: declared.fileName, isBundle: isBundle),
                body: RequestChunks(body: request.body, declaredBytes: declared.bytes))
        }
        switch document.outcome {
        case .refused:
            guard let finding = document.findings.first else { throw Problem.internalError }
            var problem = Problem(ProblemMiddleware.status(for: finding.code), finding: finding)
            problem.ids["upload"] = document.upload
            throw problem
        case .linked, .alreadyLinked:
            return try Self.success(
                document, status: document.outcome == .linked ? .accepted : .ok,
                location: "/v1/uploads/\(document.upload)")
        }
    }

    /// `GET /v1/uploads/{id}[?wait=30s]`: the upload with its items, verdicts and findings; with `wait`, held
    /// until it is final or the wait ends. `Retry-After` while it is not final.
    func uploadState(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let caller = try context.caller(needing: .upload)
        let id = try context.parameters.require("upload")
        let wait = request.uri.queryParameters.get("wait").flatMap { Duration(parsing: $0) } ?? .zero
        let deadline = ContinuousClock.now + min(wait, .seconds(60))
        var status = try await service.uploadStatus(id, for: caller)
        while !UploadResource.isFinal(status), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            status = try await service.uploadStatus(id, for: caller)
        }
        let resource = UploadResource(status)
        var response = try json(resource, status: .ok)
        if !UploadResource.isFinal(status) { response.headers[.retryAfter] = "1" }
        return response
    }

    /// A refusal before the body is read: 413 with the finding's code, and the connection closed so that the rest
    /// of a large body is not read only to be thrown away.
    static func atTheDoor(_ finding: Finding, declared: Int64) -> Problem {
        var problem = Problem(.contentTooLarge, finding: finding, declaredBytes: declared)
        problem.headers[.connection] = "close"
        return problem
    }

    /// A bundle's manifest from `Intake-Manifest` (base64url JSON), if any.
    func manifest(_ request: Request) throws -> SplitManifest? {
        guard let header = request.headers[.intakeManifest] else { return nil }
        var text = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), data.count <= 64 * 1024,
            let manifest = try? JSONDecoder().decode(SplitManifest.self, from: data)
        else {
            throw Problem.invalidRequest(
                "Intake-Manifest must be base64url JSON: {\"documents\": [{\"title\", \"pages\": [first, last]}]}.",
                ja: "Intake-Manifest は base64url で符号化した JSON（documents の一覧）で送ってくだ"
                    + "さい。")
        }
        return manifest
    }
}

/// What a 202 (or a duplicate's 200) says about an upload.
struct UploadAcknowledgement: Encodable {
    var upload: String
    var job: String
    var application: String
    var receipt: String
    var slot: String
    var file: String
    var sha256: String
    var bytes: Int64
    var state: String
    var duplicateOf: String?
}

/// A request body as the chunks `BlobStore.write` reads, cut off past the declared length.
struct RequestChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let body: RequestBody
    let declaredBytes: Int64

    func makeAsyncIterator() -> Iterator { Iterator(base: body.makeAsyncIterator(), left: declaredBytes) }

    struct Iterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        var left: Int64

        mutating func next() async throws -> [UInt8]? {
            guard let buffer = try await base.next() else {
                // Fewer bytes than declared: the sender stopped early, and nothing may be stored.
                if left > 0 { throw Problem.incomplete() }
                return nil
            }
            left -= Int64(buffer.readableBytes)
            if left < 0 { throw Problem.incomplete() }
            return Array(buffer: buffer)
        }
    }
}

/// `Repr-Digest: sha-256=:BASE64:` (RFC 9530).
enum ReprDigest {
    static func sha256Hex(_ header: String) -> String? {
        for member in header.split(separator: ",") {
            let parts = member.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sha-256" else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            guard let data = Data(base64Encoded: value), data.count == 32 else { return nil }
            return data.map { String(format: "%02x", $0) }.joined()
        }
        return nil
    }
}

/// The file name of `Content-Disposition: attachment; filename*=UTF-8''…` (RFC 6266, RFC 8187), else of a plain
/// `filename=`. Metadata only: it is shown back to the uploader, never used in a path.
enum ContentDisposition {
    static func fileName(_ header: String?) -> String? {
        guard let header else { return nil }
        var plain: String?
        for parameter in header.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "filename*":
                let pieces = parts[1].split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                guard pieces.count == 3, pieces[0].lowercased() == "utf-8",
                    let decoded = String(pieces[2]).removingPercentEncoding
                else { continue }
                return sanitised(decoded)
            case "filename":
                plain = sanitised(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            default: continue
            }
        }
        return plain
    }

    /// The last path component only, without control characters, at most 255 characters.
    static func sanitised(_ name: String) -> String? {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.prefix(255))
        return clean.isEmpty || clean == "." || clean == ".." ? nil : clean
    }
}

/// The bound on uploads in flight: one more is 503 `service.overloaded`; while draining, 503 `service.draining`.
final class UploadGate: Sendable {
    private let state: Mutex<(inFlight: Int, draining: Bool)>
    let limit: Int

    init(limit: Int) {
        self.limit = limit
        state = Mutex((0, false))
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    func startDraining() { state.withLock { $0.draining = true } }

    /// Runs one upload within the gate and within `deadline`: a sender too slow to finish in time (slowloris) is
    /// cut off with 408, and nothing of its upload is stored.
    func admit<Value: Sendable>(deadline: Duration, _ body: @escaping @Sendable () async throws -> Value)
        async throws -> Value
    {
        try state.withLock { state throws(Problem) in
            if state.draining { throw Problem.draining }
            if state.inFlight >= limit { throw Problem.overloaded(limit: limit) }
            state.inFlight += 1
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw Problem.timedOut }
            return first
        }
    }
}
