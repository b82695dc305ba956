import ArgumentParser
import IntakeApplication

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Configuration file (default: Config/intake.conf, else INTAKE_CONFIG, else /etc/intake/intake.conf).")
    var config: String?

    @Option(help: "Data folder holding the database and blobs (default: ./.intake, or INTAKE_DATA).")
    var data: String?

    /// The settings from the configuration file, the environment and these options.
    func settings() throws -> IntakeSettings {
        try IntakeSettings.load(configurationFile: config, dataFolder: data)
    }
}
