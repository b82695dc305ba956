import Foundation
import Testing

@testable import IntakeCore

@Suite("Configuration and policy version")
struct ConfigurationTests {
    static let base = """
        # comment
        limits.file = 25MB
        limits.application_total = 25MB   # trailing comment
        limits.additional_total = 10MB
        limits.attachments = 0
        limits.pages = 1000
        attachment.types = application/pdf
        pdf.active_content = warning
        pdf.permissions_password = warning
        split.blank_pages_separate = false
        queue.lease = 60s
        """

    /// The shipped `Config/intake.conf`, found from this file's path.
    static func shippedConfiguration() throws -> Configuration {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var configuration = Configuration()
        try configuration.merge(
            fileText: try String(contentsOf: root.appendingPathComponent("Config/intake.conf"), encoding: .utf8),
            origin: "intake.conf")
        return configuration
    }

    /// The shipped photo specification under `base`, then `extra`, then the environment.
    static func configuration(_ extra: String = "", environment: [String: String] = [:]) throws -> Configuration {
        var configuration = try shippedConfiguration()
        try configuration.merge(fileText: base, origin: "base.conf")
        try configuration.merge(fileText: extra, origin: "extra.conf")
        configuration.merge(environment: environment)
        return configuration
    }

    @Test("A file's values, overlaid by a later file, then by INTAKE_ variables")
    func layering() throws {
        let configuration = try Self.configuration(
            "limits.application_total = 10MB", environment: ["INTAKE_LIMITS_FILE": "5MB", "UNRELATED": "x"])
        let policy = try Policy(configuration: configuration)
        #expect(policy.applicationTotalLimit.bytes == 10_000_000)
        #expect(policy.fileLimit.bytes == 5_000_000)
        #expect(configuration.sources["limits.file"] == "INTAKE_LIMITS_FILE")
        #expect(Configuration.environmentName(for: "limits.application_total") == "INTAKE_LIMITS_APPLICATION_TOTAL")
    }

    @Test("A bad value names the key and where it came from")
    func invalidValue() throws {
        let configuration = try Self.configuration("limits.file = 10")
        #expect(throws: ConfigurationError.self) { try Policy(configuration: configuration) }
        do {
            _ = try Policy(configuration: configuration)
        } catch {
            #expect(error.key == "limits.file")
            #expect(error.description.contains("extra.conf:1"))
        }
    }

    @Test("A line without `=` is a syntax error")
    func syntaxError() {
        var configuration = Configuration()
        #expect(throws: ConfigurationError.self) { try configuration.merge(fileText: "limits.file 25MB", origin: "x") }
    }

    @Test("The policy version changes with the rules, not with operational settings")
    func version() throws {
        let policy = try Policy(configuration: Self.configuration())
        let same = try Policy(configuration: Self.configuration("queue.lease = 5s"))
        let tighter = try Policy(configuration: Self.configuration("limits.application_total = 10MB"))
        #expect(policy.version == same.version)
        #expect(policy.version != tighter.version)
        #expect(policy.version.count == 16)
    }

    @Test("The shipped photo specification is the one code builds by hand (`PhotoSpecification.residenceCard`)")
    func photoDefaults() throws {
        #expect(try PhotoSpecification(configuration: Self.shippedConfiguration()) == .residenceCard)
    }

    @Test("Photo thresholds are validated: a range must not be inverted, a ratio must be width:height")
    func photoValidation() throws {
        #expect(throws: ConfigurationError.self) {
            try Policy(configuration: Self.configuration("photo.head_height_min = 0.8\nphoto.head_height_max = 0.6"))
        }
        #expect(throws: ConfigurationError.self) {
            try Policy(configuration: Self.configuration("photo.aspect_ratio = 0.75"))
        }
        let square = try Policy(configuration: Self.configuration("photo.aspect_ratio = 1:1"))
        #expect(square.photo.aspectRatio == 1)
        #expect(square.version != (try Policy(configuration: Self.configuration())).version)
    }

    @Test("The pure SHA-256 matches the standard test vectors")
    func sha256() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(of: long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("`extends` names the base file")
    func extends() throws {
        #expect(try Configuration.baseFile(of: "extends = ../intake.conf\nlimits.file = 10MB") == "../intake.conf")
        #expect(try Configuration.baseFile(of: "limits.file = 10MB") == nil)
    }
}
