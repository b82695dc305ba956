import ArgumentParser
import IntakeApplication

/// `intake migrate`: applies the store's schema (SPEC §8). Every command also does it on start, so this is for
/// deployments that migrate once, before starting new processes.
struct Migrate: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the store's schema up to date (store.url), then exit.")

    @OptionGroup var global: GlobalOptions

    func run(_ service: IntakeService) async throws -> Int32 {
        print("schema up to date: \(try await service.migrate())")
        return 0
    }
}
