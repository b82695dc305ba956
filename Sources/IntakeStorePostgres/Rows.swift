import Foundation
import IntakeCore
import IntakeStore
import PostgresNIO

// The plain records of `IntakeStore` from this backend's rows: snake_case columns; enums by raw value; findings,
// facts and bundles as JSON text, encoded the same way everywhere.

extension PostgresRandomAccessRow {
    /// The column `name` (after `prefix`, for a joined table's columns) as `T`.
    func value<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }

    func raw<T: RawRepresentable>(_ name: String, _: T.Type = T.self) throws -> T where T.RawValue == String {
        let text = try value(name, String.self)
        guard let value = T(rawValue: text) else {
            throw StoreError(code: .integrity, message: "column \(name): unknown value \(text)")
        }
        return value
    }

    func json<T: Decodable>(_ name: String, _: T.Type = T.self) throws -> T {
        try JSON.decode(T.self, try value(name, String.self))
    }
}

enum JSON {
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

extension ApplicationRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), receipt: try row.value("receipt"), owner: try row.value("owner"),
            status: try row.raw("status"), round: try row.value("round"), createdAt: try row.value("created_at"))
    }
}

extension UploadRecord {
    /// The upload in `row`, whose columns carry `prefix` when it is joined to another table's.
    init(row: PostgresRandomAccessRow, prefix: String = "") throws {
        let bundle: String? = try row.value(prefix + "bundle")
        self.init(
            id: try row.value(prefix + "id"), applicationId: try row.value(prefix + "application_id"),
            requestedReceipt: try row.value(prefix + "requested_receipt"), round: try row.value(prefix + "round"),
            slot: try row.raw(prefix + "slot"), fileName: try row.value(prefix + "file_name"),
            sha256: try row.value(prefix + "sha256"), bytes: try row.value(prefix + "bytes"),
            uploader: try row.value(prefix + "uploader"), idempotencyKey: try row.value(prefix + "idempotency_key"),
            bundle: try bundle.map { try JSON.decode(BundleInstructions.self, $0) },
            createdAt: try row.value(prefix + "created_at"))
    }
}

extension ItemRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), uploadId: try row.value("upload_id"), ordinal: try row.value("ordinal"),
            title: try row.value("title"), documentType: try row.value("document_type"),
            firstPage: try row.value("first_page"), lastPage: try row.value("last_page"),
            sha256: try row.value("sha256"), bytes: try row.value("bytes"))
    }
}

extension VerdictRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), itemId: try row.value("item_id"), verdict: try row.raw("verdict"),
            policyVersion: try row.value("policy_version"), findings: try row.json("findings"),
            facts: try row.json("facts"), jobId: try row.value("job_id"), durationMs: try row.value("duration_ms"),
            createdAt: try row.value("created_at"))
    }
}

extension JobRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), kind: JobKind(rawValue: try row.value("kind")), payload: try row.value("payload"),
            uploadId: try row.value("upload_id"), applicationId: try row.value("application_id"),
            state: try row.raw("state"), priority: try row.value("priority"), attempts: try row.value("attempts"),
            maxAttempts: try row.value("max_attempts"), runAfter: try row.value("run_after"),
            leaseOwner: try row.value("lease_owner"), leaseToken: try row.value("lease_token"),
            leaseExpiresAt: try row.value("lease_expires_at"), lastError: try row.value("last_error"),
            createdAt: try row.value("created_at"), updatedAt: try row.value("updated_at"))
    }
}

extension CaseGrantRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            applicationId: try row.value("application_id"), uploader: try row.value("uploader"),
            grantedBy: try row.value("granted_by"), grantedAt: try row.value("granted_at"))
    }
}

extension CaseEventRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), applicationId: try row.value("application_id"), kind: try row.value("kind"),
            actor: try row.value("actor"), uploadId: try row.value("upload_id"), detail: try row.value("detail"),
            at: try row.value("at"))
    }
}

extension TokenRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), secretHash: try row.value("secret_hash"), uploader: try row.value("uploader"),
            scope: try row.raw("scope"), createdAt: try row.value("created_at"),
            expiresAt: try row.value("expires_at"), revokedAt: try row.value("revoked_at"))
    }
}
