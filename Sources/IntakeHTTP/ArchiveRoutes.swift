import Hummingbird
import IntakeApplication
import IntakeCore

/// `POST /v1/archives` (SPEC §9): a bulk archive as the raw ZIP body, answered with the report row by row (JSON,
/// or the CSV for Excel with `Accept: text/csv`). The archive is judged by its declared length first, then
/// streamed into the blob store and read in the inspector child, as `submit-archive` does.
struct ArchiveRoutes {
    let service: IntakeService
    let uploads: UploadRoutes
    let gate: UploadGate

    func register(in router: RouterGroup<IntakeRequestContext>) {
        router.post("archives") { request, context in
            let uploader = try context.uploader()
            let declared = try uploads.declared(request)
            let limit = service.settings.archive.maxBytes
            if declared.bytes > limit.bytes {
                var problem = Problem.archiveTooLarge(declared: declared.bytes, limit: limit)
                problem.headers[.connection] = "close"
                throw problem
            }
            let report = try await gate.admit(deadline: service.settings.server.requestTimeout) {
                try await service.submitArchive(
                    uploader: uploader, body: RequestChunks(body: request.body, declaredBytes: declared.bytes))
            }
            if request.headers[.accept]?.contains("text/csv") == true {
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: report.csv())))
            }
            return try json(report, status: .ok)
        }
    }
}

extension Problem {
    static func archiveTooLarge(declared: Int64, limit: ByteSize) -> Problem {
        let size = ByteSize(bytes: declared)
        return Problem(
            .contentTooLarge, code: "archive.too_large",
            ja: "アーカイブの大きさが \(size) で、上限の \(limit) を超えています。いくつか"
                + "の ZIP "
                + "に分けて送ってください。",
            en: "The archive is \(size), more than the \(limit) one archive may be. Split it into several ZIPs.",
            numbers: ["limit_bytes": limit.bytes, "declared_bytes": declared])
    }
}
