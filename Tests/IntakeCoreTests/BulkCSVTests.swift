import IntakeCore
import Testing

@Suite("Bulk CSV")
struct BulkCSVTests {
    func rows(_ text: String) throws -> BulkCSV.Parsed {
        guard case .parsed(let parsed) = BulkCSV.parse(text) else { throw CSVFailure() }
        return parsed
    }
    struct CSVFailure: Error {}

    @Test("Columns in any order, optional ones, quoted commas, doubled quotes and a line break inside quotes")
    func quoting() throws {
        let parsed = try rows(
            "file,slot,application_id,title\r\n"
                + "a.pdf,attachment,APP-1,\"雇用契約書, 写し\"\r\n"
                + "\"b \"\"2\"\".pdf\",PHOTO,APP-2,\"two\nlines\"\r\n"
                + "\r\n"
                + "c.pdf,bundle,APP-3,\n")
        #expect(parsed.refused.isEmpty)
        #expect(parsed.rows.map(\.row) == [2, 3, 6], "line numbers, counting the quoted line break")
        #expect(parsed.rows[0].title == "雇用契約書, 写し")
        #expect(parsed.rows[1].file == "b \"2\".pdf")
        #expect(parsed.rows[1].slot == .photo)
        #expect(parsed.rows[1].title == "two\nlines")
        #expect(parsed.rows[2].title == nil, "an empty value is no value")
        #expect(parsed.rows[2].slot == .bundle)
    }

    @Test("A bad row is refused alone with its row and column; the others are read")
    func badRows() throws {
        let parsed = try rows(
            "application_id,slot,file\nA,attachment,a.pdf\nB,attachment\nC,scan,c.pdf\n,attachment,d.pdf\n"
                + "E,photo,e.jpg\n"
        )
        #expect(parsed.rows.map(\.applicationId) == ["A", "E"])
        #expect(parsed.refused.map(\.row) == [3, 4, 5])
        #expect(
            parsed.refused.map { $0.finding.detail["column"] } == [nil, .string("slot"), .string("application_id")])
        #expect(parsed.refused.allSatisfy { $0.finding.code == .archiveCSVInvalid })
        #expect(parsed.refused[0].finding.message.ja.hasPrefix("applications.csv の 3 行目"))
    }

    @Test(
        "A header that is not one refuses the whole file, naming the column",
        arguments: [
            ("application_id,file\nA,a.pdf\n", "slot"), ("application_id,slot,file,colour\n", "colour"),
            ("", nil),
        ])
    func badHeader(text: String, column: String?) {
        guard case .refused(let finding) = BulkCSV.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(finding.code == .archiveCSVInvalid)
        #expect(finding.detail["column"] == column.map { .string($0) })
    }
}
