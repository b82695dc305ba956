import IntakeStore
import Logging
import PostgresNIO

/// A versioned schema change: its statements run in one transaction with the row that records it.
struct Migration {
    var version: Int
    var name: String
    var statements: [PostgresQuery]
}

extension PostgresStore {
    /// The advisory lock that migrations hold (any bigint no other tool on the database uses).
    static let migrationLock: Int64 = 0x696E_7461_6B65  // "intake"

    /// Applies the missing migrations in one transaction under `pg_advisory_xact_lock`: a second process migrating
    /// at the same time waits, then finds them applied. DDL is transactional in PostgreSQL, so a failed migration
    /// leaves nothing half-done.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations", logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            for migration in migrations where !applied.contains(migration.version) {
                logger.debug("Migrating", metadata: ["intake.migration": "\(migration.version) \(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(statement, logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// The schema, in the order it grew. Version 1 holds what SQLite's migrations v1–v5 hold. Times are seconds
    /// since 1970 as `double precision`, as the records carry them; counts and sizes are `bigint`.
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "applications, uploads, items, verdicts, jobs, tokens, idempotency keys, events",
            statements: [
                // The store's clock: an injected reading (tests) or the transaction's start by the server's clock.
                """
                CREATE FUNCTION intake_now(injected double precision) RETURNS double precision
                LANGUAGE sql STABLE AS $$ SELECT COALESCE(injected, extract(epoch FROM now())::double precision) $$
                """,
                """
                CREATE TABLE applications (
                    id text PRIMARY KEY, receipt text NOT NULL UNIQUE, owner text NOT NULL, status text NOT NULL,
                    round bigint NOT NULL DEFAULT 0, created_at double precision NOT NULL)
                """,
                """
                CREATE TABLE case_grants (
                    application_id text NOT NULL REFERENCES applications, uploader text NOT NULL,
                    granted_by text NOT NULL, granted_at double precision NOT NULL,
                    PRIMARY KEY (application_id, uploader))
                """,
                """
                CREATE TABLE case_events (
                    id bigserial PRIMARY KEY, application_id text, kind text NOT NULL, actor text NOT NULL,
                    upload_id text, detail text NOT NULL, at double precision NOT NULL)
                """,
                "CREATE INDEX case_events_by_application ON case_events (application_id, id)",
                """
                CREATE TABLE uploads (
                    id text PRIMARY KEY, application_id text REFERENCES applications, requested_receipt text,
                    round bigint NOT NULL DEFAULT 0, slot text NOT NULL, file_name text NOT NULL,
                    sha256 text NOT NULL, bytes bigint NOT NULL, uploader text NOT NULL,
                    idempotency_key text NOT NULL UNIQUE, bundle text, created_at double precision NOT NULL)
                """,
                "CREATE INDEX uploads_by_application ON uploads (application_id, created_at, id)",
                "CREATE INDEX uploads_by_content ON uploads (application_id, sha256)",
                """
                CREATE TABLE items (
                    id text PRIMARY KEY, upload_id text NOT NULL REFERENCES uploads, ordinal bigint NOT NULL,
                    title text NOT NULL, document_type text, first_page bigint, last_page bigint,
                    sha256 text NOT NULL, bytes bigint NOT NULL, UNIQUE (upload_id, ordinal))
                """,
                """
                CREATE TABLE verdicts (
                    id bigserial PRIMARY KEY, item_id text NOT NULL REFERENCES items, verdict text NOT NULL,
                    policy_version text NOT NULL, findings text NOT NULL, facts text NOT NULL, job_id text,
                    duration_ms double precision, created_at double precision NOT NULL)
                """,
                "CREATE INDEX verdicts_by_item ON verdicts (item_id, id)",
                """
                CREATE TABLE jobs (
                    id text PRIMARY KEY, kind text NOT NULL, payload text, upload_id text REFERENCES uploads,
                    application_id text, state text NOT NULL, priority bigint NOT NULL, attempts bigint NOT NULL,
                    max_attempts bigint NOT NULL, run_after double precision NOT NULL, lease_owner text,
                    lease_token text, lease_expires_at double precision, last_error text,
                    created_at double precision NOT NULL, updated_at double precision NOT NULL)
                """,
                // The claim's two ways in: due jobs in claim order, and running jobs by lease expiry. Partial,
                // so finished jobs (nearly all of them, in time) cost the claim nothing.
                """
                CREATE INDEX jobs_due ON jobs (priority DESC, run_after, created_at, id)
                WHERE state IN ('queued', 'retrying')
                """,
                "CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running'",
                "CREATE INDEX jobs_by_upload ON jobs (upload_id, created_at)",
                "CREATE INDEX jobs_by_application ON jobs (application_id, kind)",
                "CREATE INDEX jobs_by_state ON jobs (state, updated_at DESC, id)",
                """
                CREATE TABLE tokens (
                    id text PRIMARY KEY, secret_hash text NOT NULL UNIQUE, uploader text NOT NULL,
                    scope text NOT NULL, created_at double precision NOT NULL, expires_at double precision,
                    revoked_at double precision)
                """,
                """
                CREATE TABLE idempotency_keys (
                    uploader text NOT NULL, key text NOT NULL, response text NOT NULL,
                    created_at double precision NOT NULL, PRIMARY KEY (uploader, key))
                """,
                "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)",
                """
                CREATE TABLE events (
                    id bigserial PRIMARY KEY, application_id text NOT NULL, kind text NOT NULL, upload_id text,
                    at double precision NOT NULL)
                """,
                "CREATE INDEX events_by_application ON events (application_id, id)",
            ]),
        Migration(
            version: 2, name: "webhooks",
            statements: [
                // `events`: the subscribed kinds as a JSON array, as the record encodes them.
                """
                CREATE TABLE webhooks (
                    id text PRIMARY KEY, url text NOT NULL, events text NOT NULL, secret text NOT NULL,
                    created_at double precision NOT NULL)
                """
            ]),
        Migration(
            version: 3, name: "blobs in the database (blobs.url = postgres)",
            statements: [
                """
                CREATE TABLE blobs (
                    id bigserial PRIMARY KEY, sha256 text NOT NULL UNIQUE, bytes bigint NOT NULL,
                    created_at double precision NOT NULL)
                """,
                // The bytes, 1 MiB a row (TOASTed out of line). Uploads are never deleted, so no cascade is needed.
                """
                CREATE TABLE blob_chunks (
                    blob_id bigint NOT NULL REFERENCES blobs, ordinal bigint NOT NULL, data bytea NOT NULL,
                    PRIMARY KEY (blob_id, ordinal))
                """,
            ]),
    ]
}
