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

extension UploadRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "uploads"
}

extension ItemRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "items"
}

extension VerdictRecord: SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "verdicts"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension JobRecord: SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"
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
