import Hummingbird
import IntakeApplication

/// `POST`, `GET /v1/webhooks` and `DELETE /v1/webhooks/{id}` (scope `admin`): subscriptions to the events that
/// the durable queue delivers, signed as Standard Webhooks.
struct WebhookRoutes {
    let service: IntakeService

    struct CreateRequest: Decodable {
        var url: String
        var events: [String]?
    }

    struct WebhookList: Encodable {
        var webhooks: [WebhookSummary]
    }

    func register(in router: RouterGroup<IntakeRequestContext>) {
        router.post("webhooks") { request, context in
            _ = try context.caller(needing: .admin)
            let body = try await request.decode(as: CreateRequest.self, context: context)
            let webhook = try await service.createWebhook(url: body.url, events: body.events)
            return try json(webhook, status: .created, location: "/v1/webhooks/\(webhook.id)")
        }
        router.get("webhooks") { _, context in
            _ = try context.caller(needing: .admin)
            return try json(WebhookList(webhooks: try await service.webhooks()), status: .ok)
        }
        router.delete("webhooks/:webhook") { _, context in
            _ = try context.caller(needing: .admin)
            try await service.deleteWebhook(id: try context.parameters.require("webhook"))
            return Response(status: .noContent)
        }
    }
}
