import Testing

@testable import IntakeCore

@Suite("Bundle boundaries")
struct SplitPlanTests {
    func manifest(_ ranges: [[Int]]) -> SplitManifest {
        SplitManifest(
            documents: ranges.enumerated().map { .init(title: "doc \($0.offset + 1)", type: nil, pages: $0.element) })
    }

    func problem(_ plan: ManifestPlan) -> String? {
        if case .invalid(let finding) = plan, case .string(let problem)? = finding.detail["problem"] { return problem }
        return nil
    }

    @Test("A manifest that covers every page once, in order, gives its documents")
    func validManifest() {
        let plan = SplitPlanner.plan(manifest: manifest([[1, 17], [18, 53], [54, 60]]), pageCount: 60)
        #expect(
            plan
                == .valid([
                    PlannedDocument(title: "doc 1", type: nil, pages: 1...17),
                    PlannedDocument(title: "doc 2", type: nil, pages: 18...53),
                    PlannedDocument(title: "doc 3", type: nil, pages: 54...60),
                ]))
    }

    @Test(
        "Overlaps, gaps, ranges past the end, uncovered pages and malformed ranges are `split.manifest_invalid`, naming the range",
        arguments: [
            ([[1, 10], [10, 20]], "overlap", 2), ([[1, 10], [12, 20]], "gap", 2),
            ([[1, 10], [11, 25]], "out_of_range", 2),
            ([[1, 10]], "uncovered", 1), ([[1, 10], [20, 11]], "malformed", 2), ([[0, 20]], "out_of_range", 1),
        ])
    func invalidManifest(ranges: [[Int]], expected: String, document: Int) {
        let plan = SplitPlanner.plan(manifest: manifest(ranges), pageCount: 20)
        #expect(problem(plan) == expected)
        if case .invalid(let finding) = plan {
            #expect(finding.code == .splitManifestInvalid)
            #expect(finding.detail["document"] == .int(Int64(document)))
            #expect(finding.message.en.contains("Document \(document)"))
        }
    }

    @Test("Bookmarks start documents in page order, even when the outline is not; leading pages get their own document")
    func outline() {
        let outline = [
            OutlineEntry(title: "Tax certificate", page: 9), OutlineEntry(title: "Contract", page: 3),
            OutlineEntry(title: "Website", page: nil), OutlineEntry(title: "Contract again", page: 3),
        ]
        #expect(
            SplitPlanner.plan(outline: outline, pageCount: 12, untitledTitle: "bundle.pdf") == [
                PlannedDocument(title: "bundle.pdf", type: nil, pages: 1...2),
                PlannedDocument(title: "Contract", type: nil, pages: 3...8),
                PlannedDocument(title: "Tax certificate", type: nil, pages: 9...12),
            ])
        #expect(SplitPlanner.plan(outline: outline, pageCount: 0, untitledTitle: "empty.pdf").isEmpty)
        #expect(
            SplitPlanner.plan(outline: [], pageCount: 5, untitledTitle: "b.pdf") == [
                PlannedDocument(title: "b.pdf", type: nil, pages: 1...5)
            ])
    }

    @Test("Separator pages are dropped and split the rest into runs")
    func separators() {
        let plan = SplitPlanner.plan(separators: [1, 4, 5, 9], pageCount: 9, title: "b.pdf")
        #expect(plan.map(\.pages) == [2...3, 6...8])
        #expect(plan.map(\.title) == ["b.pdf (1)", "b.pdf (2)"])
        #expect(SplitPlanner.plan(separators: [], pageCount: 9, title: "b.pdf").isEmpty)
    }
}
