import Foundation
import IntakeCore
import IntakeStore
import IntakeTesting
import Testing

/// Webhook subscriptions and their deliveries, held by every backend: an event enqueues one delivery per
/// subscribed webhook in its own transaction, and a delivery is fenced like any job.
@Suite("Webhook behaviour")
struct WebhookBehaviourTests {
    @Test(
        "An event enqueues one deliver_webhook job per webhook subscribed to its kind, carrying webhook and event",
        arguments: Backend.allCases)
    func eventsEnqueueDeliveries(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        let verdicts = try await storage.createWebhook(
            url: "https://a.example/hook", events: [.uploadAccepted, .uploadRejected], secret: "whsec_AAAA")
        let everything = try await storage.createWebhook(
            url: "https://b.example/hook", events: EventKind.allCases, secret: "whsec_BBBB")
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage)

        // upload.received: only the webhook that takes every event.
        var claims = try await storage.claim(worker: "w1", limit: 10, lease: .seconds(60))
        let upload = try #require(claims.first { $0.job.kind == .processUpload })
        let received = claims.filter { $0.job.kind == .deliverWebhook }
        #expect(received.count == 1)
        let first = try #require(received.first.flatMap(Self.delivery))
        #expect(first.webhook == everything.id)
        let event = try #require(try await storage.event(id: first.event))
        #expect(event.kind == .uploadReceived)
        #expect(event.uploadId == upload.upload?.id)
        #expect(received.first?.job.applicationId == "APP-1")
        #expect(received.first?.job.priority == JobPriority.webhook)

        // upload.accepted: both, each once, for the same event.
        try await storage.complete(upload) { _ in [Behaviour.result(for: upload)] }
        claims = try await storage.claim(worker: "w1", limit: 10, lease: .seconds(60))
        let accepted = claims.compactMap(Self.delivery)
        #expect(Set(accepted.map(\.webhook)) == [verdicts.id, everything.id])
        #expect(Set(accepted.map(\.event)).count == 1)
        #expect(try await storage.event(id: accepted[0].event)?.kind == .uploadAccepted)
    }

    @Test(
        "Webhooks are listed newest first with their secret kept; a deleted one is gone and takes no new deliveries",
        arguments: Backend.allCases)
    func createListDelete(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        let old = try await storage.createWebhook(url: "https://a.example/", events: [.uploadFailed], secret: "s1")
        clock.advance(by: .seconds(1))
        let new = try await storage.createWebhook(url: "https://b.example/", events: [.uploadReceived], secret: "s2")
        #expect(try await storage.webhooks().map(\.id) == [new.id, old.id])
        #expect(try await storage.webhook(id: new.id) == new)
        #expect(new.secret == "s2" && new.events == [.uploadReceived])
        #expect(try await storage.deleteWebhook(id: new.id))
        #expect(try await storage.deleteWebhook(id: new.id) == false)
        #expect(try await storage.webhook(id: new.id) == nil)
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage)
        let claims = try await storage.claim(worker: "w1", limit: 10, lease: .seconds(60))
        #expect(claims.map(\.job.kind) == [.processUpload])
    }

    @Test(
        "A delivery succeeds only under its current lease; a late worker's success is refused",
        arguments: Backend.allCases)
    func succeedIsFenced(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        _ = try await storage.createWebhook(url: "https://a.example/", events: [.uploadReceived], secret: "s")
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage)
        let late = try #require(
            try await storage.claim(worker: "w1", limit: 10, lease: .seconds(10)).first {
                $0.job.kind == .deliverWebhook
            })
        clock.advance(by: .seconds(11))
        let current = try #require(
            try await storage.claim(worker: "w2", limit: 10, lease: .seconds(10)).first {
                $0.job.kind == .deliverWebhook
            })
        #expect(current.job.id == late.job.id)
        await #expect(throws: StoreError.self) { try await storage.succeed(late) }
        try await storage.succeed(current)
        #expect(try await storage.job(id: current.job.id)?.state == .succeeded)
        await #expect(throws: StoreError.self) { try await storage.succeed(current) }
    }

    static func delivery(_ claim: ClaimedJob) -> WebhookDelivery? {
        guard claim.job.kind == .deliverWebhook, let payload = claim.job.payload else { return nil }
        return try? JSONDecoder().decode(WebhookDelivery.self, from: Data(payload.utf8))
    }
}
