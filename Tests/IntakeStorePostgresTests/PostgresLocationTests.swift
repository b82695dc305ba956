import IntakeStore
import IntakeStorePostgres
import Testing

/// `store.url`'s PostgreSQL form (SPEC §8): libpq's URL, with the password never shown back.
@Suite("PostgreSQL location")
struct PostgresLocationTests {
    @Test(
        "USER:PASSWORD@HOST:PORT/DB?sslmode is read in full; percent-escapes are decoded; the description hides the password"
    )
    func full() throws {
        let location = try PostgresLocation(
            url: "postgres://intake:s%40cret@db.internal:6432/intake?sslmode=verify-full")
        #expect(location.user == "intake" && location.password == "s@cret")
        #expect(location.host == "db.internal" && location.port == 6432 && location.database == "intake")
        #expect(location.sslMode == "verify-full")
        #expect(location.description == "postgres://intake@db.internal:6432/intake?sslmode=verify-full")
        #expect(!location.description.contains("cret"))
    }

    @Test("Defaults: port 5432, no password, sslmode prefer; postgresql:// is the same scheme")
    func defaults() throws {
        let location = try PostgresLocation(url: "postgresql://u@h/d")
        #expect(location.port == 5432 && location.password == nil && location.sslMode == "prefer")
    }

    @Test(
        "A URL without host, user or database, another scheme, an unknown parameter or sslmode is refused by name",
        arguments: [
            "mysql://u@h/d", "postgres://h/d", "postgres://u@/d", "postgres://u@h", "postgres://u@h/",
            "postgres://u@h/d?sslmode=sometimes", "postgres://u@h/d?timeout=3",
        ])
    func refused(url: String) {
        #expect(throws: StoreError.self) { try PostgresLocation(url: url) }
    }
}
