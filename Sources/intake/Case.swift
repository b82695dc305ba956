import ArgumentParser
import Foundation
import IntakeCore
import IntakeStore

/// `intake case`: look at a case, move it between states, grant another uploader.
struct Case: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Look at a case, change its state, or allow another uploader to add to it.",
        subcommands: [Show.self, State.self, Grant.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Owner, grants, state, documents, totals and the audit trail of a case.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Receipt number.") var receipt: String
        @Flag(help: "Print one JSON document.") var json = false

        struct Report: Encodable {
            struct Grant: Encodable {
                var uploader: String
                var grantedBy: String
                var grantedAt: String
            }
            struct Event: Encodable {
                var kind: String
                var actor: String
                var upload: String?
                var detail: String
                var at: String
            }
            var application: ApplicationReport
            var grants: [Grant]
            var events: [Event]
        }

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let policy = try global.loadPolicy(configuration)
            let (store, _) = try global.openStore()
            guard let view = try await store.caseView(receipt: receipt) else {
                throw OperationalError("no case with receipt \(receipt)")
            }
            if json {
                try JSONOutput.print(
                    Report(
                        application: ApplicationReport(view.status, policy: policy),
                        grants: view.grants.map {
                            Report.Grant(
                                uploader: $0.uploader, grantedBy: $0.grantedBy, grantedAt: Timestamps.iso8601($0.grantedAt))
                        },
                        events: view.events.map {
                            Report.Event(
                                kind: $0.kind, actor: $0.actor, upload: $0.uploadId, detail: $0.detail,
                                at: Timestamps.iso8601($0.at))
                        }))
                return
            }
            print(Status.render(view.status, policy: policy))
            let grantees = view.grants.map { "\($0.uploader) (by \($0.grantedBy))" }
            print("  may add documents: \(view.status.application.owner) (owner)"
                + (grantees.isEmpty ? "" : ", " + grantees.joined(separator: ", ")))
            print("  history:")
            for event in view.events {
                print("    \(Timestamps.iso8601(event.at))  \(event.kind)  \(event.actor)  \(event.detail)")
            }
        }
    }

    struct State: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a case to under_review, awaiting_additional (opens a new allowance) or closed.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Receipt number.") var receipt: String
        @Argument(help: "under_review, awaiting_additional or closed.") var state: CaseState
        @Option(help: "Who makes the change, for the audit trail.") var by = "admin"

        func run() async throws {
            let (store, _) = try global.openStore()
            do {
                let application = try await store.setCaseState(receipt: receipt, to: state, actor: by, now: now())
                print("case \(receipt): \(application.status.rawValue) (request round \(application.round))")
            } catch let error as StoreError where error.code == .notFound || error.code == .invalidTransition {
                throw OperationalError(error.message)
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allow another uploader (a lawyer or scrivener acting for the applicant) to add documents.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Receipt number.") var receipt: String
        @Option(help: "The uploader to allow.") var uploader: String
        @Option(help: "Who grants, for the audit trail.") var by = "admin"

        func run() async throws {
            let (store, _) = try global.openStore()
            do {
                try await store.grant(receipt: receipt, uploader: uploader, actor: by, now: now())
                print("case \(receipt): \(uploader) may add documents")
            } catch let error as StoreError where error.code == .notFound {
                throw OperationalError(error.message)
            }
        }
    }
}

extension CaseState: ExpressibleByArgument {}
