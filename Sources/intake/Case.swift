import ArgumentParser
import Foundation
import IntakeApplication
import IntakeCore

/// `intake case`: look at a case, move it between states, grant another uploader.
struct Case: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Look at a case, change its state, or allow another uploader to add to it.",
        subcommands: [Show.self, State.self, Grant.self])

    struct Show: IntakeCommand {
        static let configuration = CommandConfiguration(
            abstract: "Owner, grants, state, documents, totals and the audit trail of a case.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Receipt number.") var receipt: String
        @Flag(help: "Print one JSON document.") var json = false

        func run(_ service: IntakeService) async throws -> Int32 {
            let view = try await service.caseView(receipt: receipt)
            if json {
                try JSONOutput.print(CaseReport(view, policy: service.policy))
            } else {
                print(TextOutput.caseView(view, policy: service.policy))
            }
            return 0
        }
    }

    struct State: IntakeCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a case to under_review, awaiting_additional (opens a new allowance) or closed.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Receipt number.") var receipt: String
        @Argument(help: "under_review, awaiting_additional or closed.") var state: CaseState
        @Option(help: "Who makes the change, for the audit trail.") var by = "admin"

        func run(_ service: IntakeService) async throws -> Int32 {
            let application = try await service.setCaseState(receipt: receipt, to: state, actor: by)
            print("case \(receipt): \(application.status.rawValue) (request round \(application.round))")
            return 0
        }
    }

    struct Grant: IntakeCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allow another uploader (a lawyer or scrivener acting for the applicant) to add documents.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Receipt number.") var receipt: String
        @Option(help: "The uploader to allow.") var uploader: String
        @Option(help: "Who grants, for the audit trail.") var by = "admin"

        func run(_ service: IntakeService) async throws -> Int32 {
            try await service.grant(receipt: receipt, uploader: uploader, actor: by)
            print("case \(receipt): \(uploader) may add documents")
            return 0
        }
    }
}

extension CaseState: ExpressibleByArgument {}
