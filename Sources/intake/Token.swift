import ArgumentParser
import Foundation
import IntakeApplication
import IntakeCore

/// `intake token`: bearer tokens for the HTTP API (SPEC §7). Only each token's SHA-256 is stored.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: IntakeCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it once: it cannot be shown again.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "The uploader the token acts as.") var uploader: String
        @Option(help: "upload (own applications and granted cases), review (also case states), admin (everything).")
        var scope: TokenScope = .upload
        @Option(help: "Lifetime, e.g. 90d or 12h (default: until revoked).") var expires: String?
        @Flag(help: "Print one JSON document.") var json = false

        func validate() throws {
            if let expires, Duration(parsing: expires) == nil {
                throw ValidationError("--expires: “\(expires)” is not a duration such as 90d or 12h")
            }
        }

        func run(_ service: IntakeService) async throws -> Int32 {
            let issued = try await service.createToken(
                uploader: uploader, scope: scope, lifetime: expires.flatMap(Duration.init(parsing:)))
            if json {
                try JSONOutput.print(issued)
            } else {
                print(issued.token)
                FileHandle.standardError.write(
                    Data(
                        ("token \(issued.id) for \(issued.uploader), scope \(issued.scope.rawValue), "
                            + "expires \(issued.expiresAt ?? "never"): keep it now, it is not stored\n").utf8))
            }
            return 0
        }
    }

    struct List: IntakeCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print one JSON document.") var json = false

        func run(_ service: IntakeService) async throws -> Int32 {
            let tokens = try await service.tokens()
            if json {
                try JSONOutput.print(tokens)
            } else {
                for token in tokens {
                    let state = token.revokedAt.map { "revoked \($0)" } ?? token.expiresAt.map { "expires \($0)" } ?? ""
                    print(
                        "\(token.id)  \(token.uploader)  \(token.scope.rawValue)  created \(token.createdAt)  \(state)")
                }
            }
            return 0
        }
    }

    struct Revoke: IntakeCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: it stops working at once.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token's id (T-…).") var id: String

        func run(_ service: IntakeService) async throws -> Int32 {
            try await service.revokeToken(id: id)
            print("token \(id) revoked")
            return 0
        }
    }
}

extension TokenScope: ExpressibleByArgument {}
