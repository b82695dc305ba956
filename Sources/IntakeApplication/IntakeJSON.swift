import Foundation

/// The one JSON encoding of every report, for both faces: snake_case keys, sorted, slashes unescaped, so the CLI's
/// `--json` and the HTTP API's bodies are the same documents.
public enum IntakeJSON {
    public static func encode<Value: Encodable>(_ value: Value, pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .withoutEscapingSlashes, .sortedKeys] : [.withoutEscapingSlashes, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(value)
    }
}

/// An optional value that is written as `null` when absent, rather than left out, where the contract lists every
/// key (SPEC §3b, §3d): synthesized `Encodable` skips nil values.
@propertyWrapper
public struct NullEncodable<Value: Encodable & Sendable & Hashable>: Encodable, Sendable, Hashable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// ISO 8601 times in reports.
public enum Timestamps {
    public static func iso8601(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}
