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

    /// Applies `INTAKE_LIMITS_APPLICATION_TOTAL=20MB`-style variables over every key the file set and every key in
    /// `defaultedKeys` (those whose defaults live in code, which a file need not name).
    public mutating func merge(environment: [String: String], defaultedKeys: [String] = []) {
        for key in Set(values.keys).union(defaultedKeys) {
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

    public func string(_ key: String, default fallback: String? = nil) throws(ConfigurationError) -> String {
        guard let value = values[key] ?? fallback else {
            throw ConfigurationError(code: .missingKey, key: key, message: "missing key `\(key)`")
        }
        return value
    }

    /// The text at `key` turned into a value by `parse`; nil from `parse` is an invalid value. A key that is not
    /// set gives `fallback` when there is one: how the settings structs keep their defaults in code, so that a
    /// configuration file need only name what it changes.
    public func parsed<Value>(
        _ key: String, default fallback: Value? = nil, expected: String, _ parse: (String) -> Value?
    )
        throws(ConfigurationError) -> Value
    {
        if values[key] == nil, let fallback { return fallback }
        let text = try string(key)
        guard let value = parse(text) else { throw invalidValue(key, text, expected: expected) }
        return value
    }

    public func byteSize(_ key: String, default fallback: ByteSize? = nil) throws(ConfigurationError) -> ByteSize {
        try parsed(key, default: fallback, expected: "a size with a unit, e.g. 25MB or 10MiB") { ByteSize(parsing: $0) }
    }

    public func integer(_ key: String, atLeast minimum: Int, default fallback: Int? = nil) throws(ConfigurationError)
        -> Int
    {
        try parsed(key, default: fallback, expected: "a whole number of at least \(minimum)") {
            Int($0).flatMap { $0 >= minimum ? $0 : nil }
        }
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        try parsed(key, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    public func duration(_ key: String, default fallback: Duration? = nil) throws(ConfigurationError) -> Duration {
        try parsed(key, default: fallback, expected: "a duration such as 500ms, 60s or 5m") { Duration(parsing: $0) }
    }

    public func severity(_ key: String, default fallback: Severity? = nil) throws(ConfigurationError) -> Severity {
        try parsed(key, default: fallback, expected: "`warning` or `error`") { Severity(rawValue: $0) }
    }

    public func boolean(_ key: String, default fallback: Bool? = nil) throws(ConfigurationError) -> Bool {
        try parsed(key, default: fallback, expected: "`true` or `false`") { text in
            switch text {
            case "true", "yes", "on": true
            case "false", "no", "off": false
            default: nil
            }
        }
    }

    public func list(_ key: String) throws(ConfigurationError) -> [String] {
        try string(key).split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    func invalidValue(_ key: String, _ text: String, expected: String) -> ConfigurationError {
        let origin = sources[key].map { " (\($0))" } ?? ""
        return ConfigurationError(
            code: .invalidValue, key: key, message: "`\(key) = \(text)`\(origin): expected \(expected)")
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
