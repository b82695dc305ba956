import IntakeTesting
import Testing

@testable import IntakeCore

@Suite("Attachment rules")
struct AttachmentRulesTests {
    static let policy = Policy.testDefault
    let rules = AttachmentRules(policy: policy)

    func pdf(_ pdf: PDFFacts, bytes: Int64 = 1000) -> FileFacts {
        FileFacts(mime: "application/pdf", bytes: bytes, sha256: "x", pdf: pdf)
    }

    func codes(_ findings: [Finding]) -> [String] { findings.map(\.code.rawValue) }

    @Test("A clean PDF has no findings")
    func clean() {
        #expect(
            rules.fileFindings(for: pdf(PDFFacts(version: "1.7", pages: 3)), fileName: "a.pdf", slot: .attachment)
                .isEmpty)
    }

    @Test("An empty file is only `file.empty`")
    func empty() {
        let facts = FileFacts(mime: "application/x-empty", bytes: 0, sha256: "e3b0")
        #expect(codes(rules.fileFindings(for: facts, fileName: "a.pdf", slot: .attachment)) == ["file.empty"])
    }

    @Test("A non-PDF is refused by type, and a .pdf name on it is a warning")
    func disguised() {
        let facts = FileFacts(mime: "text/html", bytes: 100, sha256: "x")
        let findings = rules.fileFindings(for: facts, fileName: "diploma.pdf", slot: .attachment)
        #expect(codes(findings) == ["file.type_not_allowed", "file.name_mismatch"])
        #expect(findings[1].severity == .warning)
        #expect(findings[0].detail["detected"] == .string("text/html"))
        #expect(Verdict(findings: findings) == .rejected)
    }

    @Test("A non-Standard handler is DRM, not a password")
    func drm() {
        let facts = pdf(PDFFacts(encrypted: true, securityHandler: "FOPN_foweb", needsPassword: false))
        let findings = rules.fileFindings(for: facts, fileName: "a.pdf", slot: .attachment)
        #expect(codes(findings) == ["pdf.drm"])
        #expect(findings[0].message.en.contains("FOPN_foweb"))
    }

    @Test("Low-resolution-only printing is a print restriction")
    func lowResolution() {
        var permissions = PDFPermissions.all
        permissions.printHighRes = false
        let findings = rules.fileFindings(
            for: pdf(
                PDFFacts(pages: 1, encrypted: true, securityHandler: "Standard", revision: 4, permissions: permissions)),
            fileName: "a.pdf", slot: .attachment)
        #expect(codes(findings) == ["pdf.print_restricted"])
        #expect(findings[0].message.en.contains("low resolution"))
    }

    @Test("An owner password that restricts nothing is a warning by default, an error when configured")
    func permissionsPassword() {
        let facts = pdf(PDFFacts(pages: 1, encrypted: true, securityHandler: "Standard", revision: 6))
        let findings = rules.fileFindings(for: facts, fileName: "a.pdf", slot: .attachment)
        #expect(codes(findings) == ["pdf.permissions_password"])
        #expect(Verdict(findings: findings) == .accepted)
        var strict = Self.policy
        strict.permissionsPasswordSeverity = .error
        let strictFindings = AttachmentRules(policy: strict).fileFindings(
            for: facts, fileName: "a.pdf", slot: .attachment)
        #expect(Verdict(findings: strictFindings) == .rejected)
    }

    @Test("Page count limits")
    func pages() {
        #expect(
            codes(rules.fileFindings(for: pdf(PDFFacts(pages: 0)), fileName: "a.pdf", slot: .attachment)) == [
                "pdf.no_pages"
            ])
        #expect(
            codes(rules.fileFindings(for: pdf(PDFFacts(pages: 1000)), fileName: "a.pdf", slot: .attachment)).isEmpty)
        let over = rules.fileFindings(for: pdf(PDFFacts(pages: 1001)), fileName: "a.pdf", slot: .attachment)
        #expect(codes(over) == ["pdf.too_many_pages"])
        #expect(over[0].detail["limit"] == .int(1000))
    }

    @Test("A parser that timed out or crashed yields `pdf.malformed` with the reason")
    func inspectionFailure() {
        var facts = pdf(PDFFacts(), bytes: 5000)
        facts.pdf = nil
        facts.inspectionFailure = InspectionFailure(reason: .timeout, message: "stopped after 20 s")
        let findings = rules.fileFindings(for: facts, fileName: "a.pdf", slot: .attachment)
        #expect(codes(findings) == ["pdf.malformed"])
        #expect(findings[0].detail["failure"] == .string("timeout"))
        #expect(findings[0].message.en.contains("took too long"))
    }

    @Test("Per-file limit: exactly at the limit is within, one byte over is not")
    func fileLimit() {
        let at = rules.fileFindings(
            for: pdf(PDFFacts(pages: 1), bytes: 25_000_000), fileName: "a.pdf", slot: .attachment)
        #expect(at.isEmpty)
        let over = rules.fileFindings(
            for: pdf(PDFFacts(pages: 1), bytes: 25_000_001), fileName: "a.pdf", slot: .attachment)
        #expect(codes(over) == ["size.file_over_limit"])
        #expect(over[0].detail["excess"] == .int(1))
    }

    func usage(original: Int64 = 0, attachments: Int = 0, additional: Int64 = 0) -> ApplicationUsage {
        ApplicationUsage(
            acceptedOriginalBytes: original, acceptedAttachments: attachments,
            acceptedAdditionalBytesThisRound: additional)
    }

    @Test("Application total: exactly at the limit is within; the message gives sizes, limit and excess")
    func applicationTotal() {
        #expect(
            rules.applicationFindings(bytes: 5_000_000, slot: .attachment, usage: usage(original: 20_000_000)).isEmpty)
        let over = rules.applicationFindings(bytes: 7_400_000, slot: .attachment, usage: usage(original: 20_000_000))
        #expect(codes(over) == ["size.application_over_limit"])
        #expect(over[0].detail["total"] == .int(27_400_000))
        #expect(over[0].message.en.contains("27.4 MB"))
        #expect(over[0].message.en.contains("2.4 MB over"))
        #expect(over[0].message.ja.contains("27.4 MB"))
    }

    @Test("The 2019 regime's one-file rule")
    func fileCount() {
        var policy = Self.policy
        policy.attachmentCountLimit = 1
        let rules = AttachmentRules(policy: policy)
        #expect(rules.applicationFindings(bytes: 1, slot: .attachment, usage: usage()).isEmpty)
        #expect(
            codes(rules.applicationFindings(bytes: 1, slot: .attachment, usage: usage(original: 1, attachments: 1)))
                == ["size.too_many_files"])
    }

    @Test("Additional documents have their own allowance per request round, apart from the application total")
    func additionalAllowance() {
        let full = usage(original: 25_000_000, attachments: 3, additional: 6_000_000)
        #expect(rules.applicationFindings(bytes: 4_000_000, slot: .additional, usage: full).isEmpty)
        let over = rules.applicationFindings(bytes: 4_000_001, slot: .additional, usage: full)
        #expect(codes(over) == ["size.additional_over_limit"])
        #expect(over[0].detail["excess"] == .int(1))
    }

    @Test("Every finding has both languages and names a remedy")
    func messages() {
        let findings: [Finding] = [
            .fileEmpty(), .fileUnreadable("x"),
            .typeNotAllowed(mime: "image/jpeg", allowed: ["application/pdf"], slot: .attachment),
            .nameMismatch(fileExtension: "pdf", mime: "image/jpeg"),
            .fileOverLimit(bytes: 30_000_000, limit: ByteSize(bytes: 25_000_000)),
            .applicationOverLimit(total: 30_000_000, limit: ByteSize(bytes: 25_000_000), fileBytes: 1),
            .tooManyFiles(count: 2, limit: 1), .pdfMalformed("x"), .passwordRequired(revision: 6),
            .printRestricted(.all), .copyRestricted(.all), .drm(handler: "Adobe.APS"),
            .permissionsPassword(severity: .warning, revision: 4, permissions: .all), .noPages(),
            .tooManyPages(pages: 2000, limit: 1000),
            .activeContent(severity: .warning, hits: [ActiveContentHit(key: "JS", object: 4)], scanComplete: true),
            .caseNotFound(receipt: "R-1"), .caseForbidden(receipt: "R-1"), .caseNotAccepting(receipt: "R-1"),
            .additionalOverLimit(total: 11_000_000, limit: ByteSize(bytes: 10_000_000), fileBytes: 2_000_000),
        ]
        for finding in findings {
            #expect(!finding.message.ja.isEmpty && !finding.message.en.isEmpty, "\(finding.code)")
            #expect(
                finding.message.ja.unicodeScalars.contains { $0.value >= 0x3040 && $0.value <= 0x30FF },
                "\(finding.code)")
        }
        #expect(Set(findings.map(\.code)).count == findings.count)
    }

    @Test(
        "Standard handler /P bits decode as readers apply them",
        arguments: [
            // R2: print, modify, copy, annotate only; the rest follow them.
            (Int64(-4), 2, PDFPermissions.all),
            (
                Int64(-8), 2,
                PDFPermissions(
                    print: false, printHighRes: false, copy: true, modify: true, annotate: true, fillForms: true,
                    extractAccessibility: true, assemble: true)
            ),
            // R3+: bit 12 (high-res print) cleared means low-resolution printing only.
            (
                Int64(-2052), 3,
                PDFPermissions(
                    print: true, printHighRes: false, copy: true, modify: true, annotate: true, fillForms: true,
                    extractAccessibility: true, assemble: true)
            ),
            (
                Int64(-20), 4,
                PDFPermissions(
                    print: true, printHighRes: true, copy: false, modify: true, annotate: true, fillForms: true,
                    extractAccessibility: true, assemble: true)
            ),
        ])
    func permissionBits(p: Int64, revision: Int, expected: PDFPermissions) {
        #expect(PDFPermissions(standardSecurityFlags: p, revision: revision) == expected)
    }
}
