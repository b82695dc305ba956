import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication
import IntakeCore
import IntakeStore

/// `GET /v1/applications/{id}/events`: Server-Sent Events of an application, from the store's event log, so a
/// reconnecting client resumes with `Last-Event-ID` and misses nothing. The stream ends when the server drains.
struct EventRoutes {
    let service: IntakeService
    let gate: UploadGate
    /// A comment this often keeps proxies from closing a quiet stream.
    static let heartbeat: Duration = .seconds(20)
    static let poll: Duration = .milliseconds(200)

    func register(in router: RouterGroup<IntakeRequestContext>) {
        router.get("applications/:application/events") { request, context in
            let caller = try context.caller(needing: .upload)
            let application = try context.parameters.require("application")
            let resume = request.headers[.lastEventId].flatMap { Int64($0) } ?? 0
            // Seen before the stream starts, so that a stranger gets a 404, not an empty stream.
            let first = try await service.events(application: application, after: resume, for: caller)
            let (service, gate, policy) = (service, gate, service.policy)
            let body = ResponseBody { writer in
                var last = resume
                var pending = first
                var quietSince = ContinuousClock.now
                while !gate.isDraining && !Task.isCancelled {
                    for item in pending {
                        try await writer.write(ByteBuffer(string: try Self.message(item, policy: policy)))
                        last = item.event.id
                        quietSince = .now
                    }
                    if ContinuousClock.now - quietSince >= Self.heartbeat {
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        quietSince = .now
                    }
                    try await Task.sleep(for: Self.poll)
                    pending = try await service.events(application: application, after: last, for: caller)
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no",
                ],
                body: body)
        }
    }

    /// One SSE message: `id`, `event` and, as `data`, the upload (or the case) as it stands now.
    static func message(_ item: IntakeService.Event, policy: Policy) throws -> String {
        let data: Data
        if let upload = item.upload {
            data = try IntakeJSON.encode(UploadResource(upload), pretty: false)
        } else if let application = item.application {
            data = try IntakeJSON.encode(ApplicationReport(application, policy: policy), pretty: false)
        } else {
            data = Data("{}".utf8)
        }
        return
            "id: \(item.event.id)\nevent: \(item.event.kind.rawValue)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
