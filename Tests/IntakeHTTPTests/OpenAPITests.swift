import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeHTTP
import Testing

/// `/openapi.json` is the source of truth: the router serves exactly the operations it documents.
@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("Every route is documented with its method, and every documented operation is routed")
    func routesMatchTheDocument() async throws {
        let harness = try HTTPHarness()
        let router = harness.api.makeRouter()
        let routed = Set(
            router.routes.map { route in
                // `/v1/uploads/:upload` → `/v1/uploads/{upload}`, as OpenAPI writes a parameter.
                let path = route.path.description.split(separator: "/").map { segment in
                    segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                }.joined(separator: "/")
                return "\(route.method.rawValue.lowercased()) /\(path)"
            })
        try await harness.application.test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(response.object["paths"] as? [String: [String: Any]])
            let documented = Set(document.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
            #expect(
                routed == documented,
                "routed only: \(routed.subtracting(documented)); documented only: \(documented.subtracting(routed))")
            #expect(response.object["openapi"] as? String == "3.1.0")
        }
    }
}
