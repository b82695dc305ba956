import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication
import IntakeCore
import IntakeStore
import Logging
import ServiceLifecycle
import Synchronization

/// The HTTP face (SPEC §7): every route parses its request, calls one `IntakeService` method and renders what it
/// returns, as the command line does.
public struct IntakeAPI: Sendable {
    public let service: IntakeService
    let gate: UploadGate
    let pages: PageRoutes

    public init(service: IntakeService) throws {
        self.service = service
        gate = UploadGate(limit: service.settings.server.maxConcurrentUploads)
        pages = try PageRoutes()
    }

    /// Refuse new uploads from now on (`/readyz` turns 503): the first step of a graceful shutdown.
    public func startDraining() { gate.startDraining() }

    public func makeRouter() -> Router<IntakeRequestContext> {
        let router = Router(context: IntakeRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        // Requests, durations and active requests by route template, so the labels stay few.
        router.add(middleware: MetricsMiddleware())
        router.get("healthz") { _, _ in try json(["status": "ok"], status: .ok) }
        router.get("readyz") { _, _ in try await readiness() }
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        pages.register(in: router)
        let api = router.group("v1").add(middleware: BearerAuthenticator(service: service))
        api.get("policy") { _, context in try policy(context) }
        let uploads = UploadRoutes(service: service, gate: gate)
        uploads.register(in: api)
        ArchiveRoutes(service: service, uploads: uploads, gate: gate).register(in: api)
        CaseRoutes(service: service).register(in: api)
        EventRoutes(service: service, gate: gate).register(in: api)
        AdminRoutes(service: service).register(in: api)
        WebhookRoutes(service: service).register(in: api)
        return router
    }

    /// 200 while the service takes work; 503 while draining, when the store cannot be read, or when free disk is
    /// below `server.min_free_disk`.
    func readiness() async throws -> Response {
        var problems: [String] = []
        if gate.isDraining { problems.append("draining") }
        if !(await storeAnswers(within: .seconds(2))) { problems.append("store unavailable") }
        if let free = DiskSpace.free(at: service.settings.storage.dataFolder),
            free < service.settings.server.minFreeDisk.bytes
        {
            problems.append("free disk below server.min_free_disk")
        }
        return try json(
            ["status": problems.isEmpty ? "ready" : "unavailable", "reasons": problems.joined(separator: ", ")],
            status: problems.isEmpty ? .ok : .serviceUnavailable)
    }

    /// Whether the store answers a read in time: a PostgreSQL that is down or cut off would otherwise hold the
    /// probe until the pool gives up on connecting, long after the load balancer's own timeout. The read runs in
    /// a task of its own, left to finish or fail by itself: a task group would wait for it.
    private func storeAnswers(within timeout: Duration) async -> Bool {
        final class Answer: Sendable {
            let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        }
        let answer = Answer()
        let storage = try? service.storage
        return await withCheckedContinuation { continuation in
            answer.continuation.withLock { $0 = continuation }
            Task {
                let answered = (try? await storage?.unfinishedJobs()) != nil
                answer.continuation.withLock { $0.take() }?.resume(returning: answered)
            }
            Task {
                try? await Task.sleep(for: timeout)
                answer.continuation.withLock { $0.take() }?.resume(returning: false)
            }
        }
    }

    /// `GET /v1/policy`: the limits, types and photo rules in force; `ETag` is the policy version.
    func policy(_ context: IntakeRequestContext) throws -> Response {
        _ = try context.caller(needing: .upload)
        var response = try json(PolicyDocument(service.policy), status: .ok)
        response.headers[.eTag] = "\"\(service.policy.version)\""
        return response
    }
}

/// The policy as clients read it.
struct PolicyDocument: Encodable {
    struct Photo: Encodable {
        var types: [String]
        var maxFileBytes: Int64
        var minWidth: Int
        var minHeight: Int
        var aspectRatio: Double
        var headHeight: [Double]
        var maxAgeMonths: Int
    }
    var version: String
    var fileLimitBytes: Int64
    var applicationTotalLimitBytes: Int64
    var additionalTotalLimitBytes: Int64
    var pageLimit: Int
    var attachmentTypes: [String]
    var photo: Photo

    init(_ policy: Policy) {
        version = policy.version
        fileLimitBytes = policy.fileLimit.bytes
        applicationTotalLimitBytes = policy.applicationTotalLimit.bytes
        additionalTotalLimitBytes = policy.additionalTotalLimit.bytes
        pageLimit = policy.pageLimit
        attachmentTypes = policy.attachmentTypes
        let spec = policy.photo
        photo = Photo(
            types: spec.types, maxFileBytes: spec.maxFileSize.bytes, minWidth: spec.minWidth, minHeight: spec.minHeight,
            aspectRatio: spec.aspectRatio, headHeight: [spec.headHeight.lowerBound, spec.headHeight.upperBound],
            maxAgeMonths: spec.maxAgeMonths)
    }
}

/// A JSON response in the one encoding both faces share.
func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status, location: String? = nil) throws -> Response {
    var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
    if let location { headers[.location] = location }
    let body = try IntakeJSON.encode(value, pretty: false)
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

/// Free space for unprivileged writers in the file system holding `path`.
enum DiskSpace {
    static func free(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
