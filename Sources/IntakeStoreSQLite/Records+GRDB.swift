import Foundation
import GRDB
import IntakeCore
import IntakeStore

// The plain records of `IntakeStore`, as rows of this backend's tables: snake_case columns, Codable values.

/// A record whose Swift properties map to snake_case columns (`createdAt` ↔ `created_at`).
public protocol SnakeCaseColumns {}

extension FetchableRecord where Self: SnakeCaseColumns {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
}

extension EncodableRecord where Self: SnakeCaseColumns {
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

extension ApplicationRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "applications"
}

extension CaseGrantRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "case_grants"
}

extension CaseEventRecord: SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "case_events"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

// The four records every job reads and writes (claim, complete, replay) map their columns by hand: through Codable,
// GRDB converts every column name to a coding key on every row, which was a third of a reprocess dry run's time.
// Nested values (`bundle`, `findings`, `facts`) are JSON text exactly as GRDB's Codable path writes and reads it.

extension UploadRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "uploads"

    public init(row: Row) throws {
        self.init(
            id: row["id"], applicationId: row["application_id"], requestedReceipt: row["requested_receipt"],
            round: row["round"], slot: try row.decodedEnum("slot"), fileName: row["file_name"],
            sha256: row["sha256"], bytes: row["bytes"], uploader: row["uploader"],
            idempotencyKey: row["idempotency_key"], bundle: try row.decodedJSON("bundle", for: Self.self),
            createdAt: row["created_at"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["application_id"] = applicationId
        container["requested_receipt"] = requestedReceipt
        container["round"] = round
        container["slot"] = slot.rawValue
        container["file_name"] = fileName
        container["sha256"] = sha256
        container["bytes"] = bytes
        container["uploader"] = uploader
        container["idempotency_key"] = idempotencyKey
        container["bundle"] = try bundle.map { try Self.json($0, column: "bundle") }
        container["created_at"] = createdAt
    }
}

extension ItemRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "items"

    public init(row: Row) throws {
        self.init(
            id: row["id"], uploadId: row["upload_id"], ordinal: row["ordinal"], title: row["title"],
            documentType: row["document_type"], firstPage: row["first_page"], lastPage: row["last_page"],
            sha256: row["sha256"], bytes: row["bytes"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["upload_id"] = uploadId
        container["ordinal"] = ordinal
        container["title"] = title
        container["document_type"] = documentType
        container["first_page"] = firstPage
        container["last_page"] = lastPage
        container["sha256"] = sha256
        container["bytes"] = bytes
    }
}

extension VerdictRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "verdicts"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public init(row: Row) throws {
        guard let findings = try row.decodedJSON("findings", as: [Finding].self, for: Self.self),
            let facts = try row.decodedJSON("facts", as: FileFacts.self, for: Self.self)
        else { throw StoreError(code: .integrity, message: "verdict \(row["id"] ?? "?") has no findings or facts") }
        self.init(
            id: row["id"], itemId: row["item_id"], verdict: try row.decodedEnum("verdict"),
            policyVersion: row["policy_version"], findings: findings, facts: facts, jobId: row["job_id"],
            durationMs: row["duration_ms"], createdAt: row["created_at"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["item_id"] = itemId
        container["verdict"] = verdict.rawValue
        container["policy_version"] = policyVersion
        container["findings"] = try Self.json(findings, column: "findings")
        container["facts"] = try Self.json(facts, column: "facts")
        container["job_id"] = jobId
        container["duration_ms"] = durationMs
        container["created_at"] = createdAt
    }
}

extension JobRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"

    public init(row: Row) throws {
        self.init(
            id: row["id"], kind: try row.decodedEnum("kind"), payload: row["payload"], uploadId: row["upload_id"],
            applicationId: row["application_id"], state: try row.decodedEnum("state"), priority: row["priority"],
            attempts: row["attempts"], maxAttempts: row["max_attempts"], runAfter: row["run_after"],
            leaseOwner: row["lease_owner"], leaseToken: row["lease_token"], leaseExpiresAt: row["lease_expires_at"],
            lastError: row["last_error"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["kind"] = kind.rawValue
        container["payload"] = payload
        container["upload_id"] = uploadId
        container["application_id"] = applicationId
        container["state"] = state.rawValue
        container["priority"] = priority
        container["attempts"] = attempts
        container["max_attempts"] = maxAttempts
        container["run_after"] = runAfter
        container["lease_owner"] = leaseOwner
        container["lease_token"] = leaseToken
        container["lease_expires_at"] = leaseExpiresAt
        container["last_error"] = lastError
        container["created_at"] = createdAt
        container["updated_at"] = updatedAt
    }
}

extension JobRecord {
    /// Claim order, as `ORDER BY priority DESC, run_after, created_at, id` sorts it (ids are ASCII, so Swift's
    /// string order is SQLite's binary one).
    static func claimsBefore(_ first: JobRecord, _ second: JobRecord) -> Bool {
        if first.priority != second.priority { return first.priority > second.priority }
        if first.runAfter != second.runAfter { return first.runAfter < second.runAfter }
        if first.createdAt != second.createdAt { return first.createdAt < second.createdAt }
        return first.id < second.id
    }
}

extension EncodableRecord {
    /// A nested value as the JSON text GRDB's Codable path would store (sorted keys, its own encoder settings).
    static func json(_ value: some Encodable, column: String) throws -> String {
        String(decoding: try databaseJSONEncoder(for: column).encode(value), as: UTF8.self)
    }
}

extension Row {
    /// A text column holding an enum's raw value; an unknown value is damage, not a default.
    func decodedEnum<Value: RawRepresentable>(_ column: String) throws -> Value where Value.RawValue == String {
        let text: String = self[column]
        guard let value = Value(rawValue: text) else {
            throw StoreError(code: .integrity, message: "column \(column) holds an unknown value")
        }
        return value
    }

    /// A JSON text column, read with the record's JSON decoder as GRDB's Codable path reads it; nil when NULL.
    func decodedJSON<Value: Decodable, Record: FetchableRecord>(
        _ column: String, as type: Value.Type = Value.self, for record: Record.Type
    ) throws -> Value? {
        guard let data: Data = self[column] else { return nil }
        return try Record.databaseJSONDecoder(for: column).decode(Value.self, from: data)
    }
}

extension TokenRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "tokens"
}

extension WebhookRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "webhooks"
}

extension JobState: DatabaseValueConvertible {}
extension JobKind: DatabaseValueConvertible {}

extension StoreError {
    init(databaseError: DatabaseError) {
        let busy = databaseError.resultCode == .SQLITE_BUSY || databaseError.resultCode == .SQLITE_LOCKED
        self.init(code: busy ? .busy : .database, message: databaseError.message ?? "\(databaseError.resultCode)")
    }
}
