/// Flat `key = value` settings, layered: configuration file, then `INTAKE_*` environment variables,
/// then command-line options. Parsing is pure; reading files and the environment is the caller's job.
public struct Configuration: Sendable, Hashable {
    /// Effective values by dotted key (`limits.application_total`).
    public private(set) var values: [String: String]
    /// Where each value came from, for error messages (`Config/intake.conf:12`, `INTAKE_LIMITS_FILE`).
    public private(set) var sources: [String: String]

    public init() {
        values = [:]
        sources = [:]
    }

    /// Reads a configuration file's text: `key = value` lines, `#` comments, blank lines ignored.
    /// `extends = PATH` names a base file; the caller resolves it (see `baseFile(of:)`) and layers this on top.
    public mutating func merge(fileText: String, origin: String) throws(ConfigurationError) {
        var lineNumber = 0
        for rawLine in fileText.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let text = String(line).trimmingWhitespace()
            if text.isEmpty { continue }
            guard let equals = text.firstIndex(of: "=") else {
                throw ConfigurationError(
                    code: .syntax, key: nil, message: "\(origin):\(lineNumber): expected `key = value`")
            }
            let key = String(text[..<equals]).trimmingWhitespace()
            let value = String(text[text.index(after: equals)...]).trimmingWhitespace()
            guard !key.isEmpty else {
                throw ConfigurationError(code: .syntax, key: nil, message: "\(origin):\(lineNumber): empty key")
            }
            values[key] = value
            sources[key] = "\(origin):\(lineNumber)"
        }
    }

    /// The `extends` value of a file's text, if it has one, so the caller can load the base first.
    public static func baseFile(of fileText: String) throws(ConfigurationError) -> String? {
        var probe = Configuration()
        try probe.merge(fileText: fileText, origin: "probe")
        return probe.values["extends"]
    }

    /// Applies `INTAKE_LIMITS_APPLICATION_TOTAL=20MB`-style variables over every key already known.
    public mutating func merge(environment: [String: String]) {
        for key in values.keys {
            let variable = Self.environmentName(for: key)
            if let value = environment[variable] {
                values[key] = value
                sources[key] = variable
            }
        }
    }

    /// Sets one value from a command-line option.
    public mutating func set(_ key: String, to value: String, origin: String) {
        values[key] = value
        sources[key] = origin
    }

    /// `limits.application_total` → `INTAKE_LIMITS_APPLICATION_TOTAL`.
    public static func environmentName(for key: String) -> String {
        "INTAKE_" + key.uppercased().replacingDots()
    }

    public func string(_ key: String) throws(ConfigurationError) -> String {
        guard let value = values[key] else {
            throw ConfigurationError(code: .missingKey, key: key, message: "missing key `\(key)`")
        }
        return value
    }

    public func byteSize(_ key: String) throws(ConfigurationError) -> ByteSize {
        let text = try string(key)
        guard let size = ByteSize(parsing: text) else {
            throw invalidValue(key, text, expected: "a size with a unit, e.g. 25MB or 10MiB")
        }
        return size
    }

    public func integer(_ key: String, atLeast minimum: Int) throws(ConfigurationError) -> Int {
        let text = try string(key)
        guard let value = Int(text), value >= minimum else {
            throw invalidValue(key, text, expected: "a whole number of at least \(minimum)")
        }
        return value
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = try string(key)
        guard let value = Int(text), range.contains(value) else {
            throw invalidValue(key, text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func duration(_ key: String) throws(ConfigurationError) -> Duration {
        let text = try string(key)
        guard let value = Duration(parsing: text) else {
            throw invalidValue(key, text, expected: "a duration such as 500ms, 60s or 5m")
        }
        return value
    }

    public func severity(_ key: String) throws(ConfigurationError) -> Severity {
        let text = try string(key)
        guard let value = Severity(rawValue: text) else { throw invalidValue(key, text, expected: "`warning` or `error`") }
        return value
    }

    public func boolean(_ key: String) throws(ConfigurationError) -> Bool {
        let text = try string(key)
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw invalidValue(key, text, expected: "`true` or `false`")
        }
    }

    public func list(_ key: String) throws(ConfigurationError) -> [String] {
        try string(key).split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    func invalidValue(_ key: String, _ text: String, expected: String) -> ConfigurationError {
        let origin = sources[key].map { " (\($0))" } ?? ""
        return ConfigurationError(code: .invalidValue, key: key, message: "`\(key) = \(text)`\(origin): expected \(expected)")
    }
}

extension String {
    fileprivate func replacingDots() -> String {
        String(map { $0 == "." ? "_" : $0 })
    }
}

/// A configuration that cannot be used. Reported at start-up, before any job runs.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let syntax = Code(name: "syntax")
        public static let missingKey = Code(name: "missing_key")
        public static let invalidValue = Code(name: "invalid_value")
    }
    public var code: Code
    public var key: String?
    public var message: String
    public var description: String { "configuration: \(message)" }
}
