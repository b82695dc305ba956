import Testing

@testable import IntakeCore

@Suite("Who may add to a case")
struct CaseRulesTests {
    let open = CaseSnapshot(owner: "owner-1", grantees: ["scrivener-7"], state: .underReview)

    func code(_ decision: CaseDecision) -> String? {
        if case .refuse(let finding) = decision { return finding.code.rawValue }
        return nil
    }

    @Test("The owner and a granted agent may add; a stranger may not")
    func permission() {
        #expect(CaseRules.decide(receipt: "R", uploader: "owner-1", snapshot: open) == .accept)
        #expect(CaseRules.decide(receipt: "R", uploader: "scrivener-7", snapshot: open) == .accept)
        #expect(code(CaseRules.decide(receipt: "R", uploader: "stranger", snapshot: open)) == "case.forbidden")
    }

    @Test("Unknown receipt")
    func unknown() {
        #expect(code(CaseRules.decide(receipt: "R-X", uploader: "owner-1", snapshot: nil)) == "case.not_found")
    }

    @Test("A closed case takes nothing, but only those allowed to add learn that it is closed")
    func closed() {
        var closed = open
        closed.state = .closed
        #expect(code(CaseRules.decide(receipt: "R", uploader: "owner-1", snapshot: closed)) == "case.not_accepting")
        #expect(code(CaseRules.decide(receipt: "R", uploader: "stranger", snapshot: closed)) == "case.forbidden")
    }

    @Test("A stranger's finding says nothing about the case: no owner, state or documents")
    func noLeak() throws {
        guard case .refuse(let forbidden) = CaseRules.decide(receipt: "R-9", uploader: "stranger", snapshot: open),
            case .refuse(let missing) = CaseRules.decide(receipt: "R-9", uploader: "stranger", snapshot: nil)
        else {
            Issue.record("expected refusals")
            return
        }
        #expect(Set(forbidden.detail.keys) == Set(missing.detail.keys))
        for text in [forbidden.message.en, forbidden.message.ja] + forbidden.detail.values.map { "\($0)" } {
            #expect(!text.contains("owner-1") && !text.contains("scrivener-7") && !text.contains("under_review"))
        }
    }
}
