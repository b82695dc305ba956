import Foundation
import IntakeStore
import PostgresNIO

/// Where the database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]` (SPEC §8), libpq's URL form.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// libpq's `sslmode`: `disable`, `prefer` (the default, as libpq's), `require` (encrypted, certificate not
    /// checked, as libpq's), `verify-full` (encrypted, certificate and host name checked).
    public var sslMode: String

    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
        sslMode: String = "prefer"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses a `postgres://` or `postgresql://` URL; the error names what is wrong, never the password.
    public init(url: String) throws(StoreError) {
        func invalid(_ reason: String) -> StoreError {
            StoreError(code: .database, message: "store.url: \(reason) (postgres://USER[:PASSWORD]@HOST[:PORT]/DB)")
        }
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw invalid("not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("no database name") }
        var sslMode = "prefer"
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw invalid("unknown parameter \(item.name)") }
            sslMode = item.value ?? ""
        }
        guard Self.sslModes.contains(sslMode) else {
            throw invalid("sslmode must be one of \(Self.sslModes.joined(separator: ", "))")
        }
        self.init(
            host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database,
            sslMode: sslMode)
    }

    static let sslModes = ["disable", "prefer", "require", "verify-full"]

    var tls: PostgresClient.Configuration.TLS {
        switch sslMode {
        case "disable":
            return .disable
        case "require":
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .require(configuration)
        case "verify-full":
            return .require(.makeClientConfiguration())
        default:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .prefer(configuration)
        }
    }

    /// The URL without its password: safe for logs and error messages.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(sslMode)" }
}
