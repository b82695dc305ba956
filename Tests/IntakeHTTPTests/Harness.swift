import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeApplication
import IntakeCore
import IntakeHTTP
import IntakeTestSupport
import IntakeTesting
import Logging
import NIOCore

/// The HTTP face over a real SQLite store and blob folder in a temporary data folder, with the repository's
/// configuration; no worker unless a test runs one.
struct HTTPHarness {
    let service: IntakeService
    let api: IntakeAPI

    init(_ adjust: (inout IntakeSettings) -> Void = { _ in }) throws {
        var settings = try IntakeSettings.load(
            configurationFile: TestSupport.packageRoot.appendingPathComponent("Config/intake.conf").path,
            dataFolder: TemporaryDataFolder("http").path, environment: [:])
        adjust(&settings)
        let runtime = try makeServices(
            role: .none, settings: settings, logger: Logger(label: "test"),
            inspectorExecutable: TestSupport.intakeExecutable)
        service = runtime.service
        api = try IntakeAPI(service: service)
    }

    var application: some ApplicationProtocol { Application(router: api.makeRouter()) }

    /// A new bearer token's `Authorization` header.
    func authorization(_ uploader: String, _ scope: TokenScope = .upload) async throws -> HTTPFields {
        let issued = try await service.createToken(uploader: uploader, scope: scope, lifetime: nil)
        return [.authorization: "Bearer \(issued.token)"]
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}

extension HTTPFields {
    /// These headers with an upload's name and type.
    func upload(named name: String, type: String = "application/pdf") -> HTTPFields {
        var fields = self
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        fields[.contentDisposition] = "attachment; filename*=UTF-8''\(encoded)"
        fields[.contentType] = type
        return fields
    }
}

/// A corpus file as a request body.
func corpusBody(_ name: String) throws -> ByteBuffer {
    ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: TestSupport.corpusFile(name))))
}
