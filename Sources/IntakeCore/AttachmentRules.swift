/// The rules for a PDF attachment, applied to the facts inspection measured.
///
/// Pure: the same facts and policy always give the same findings, which is what makes reprocessing and
/// idempotent retries safe.
public struct AttachmentRules: Sendable {
    public var policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// Findings that depend on the file alone (type, PDF security and structure, per-file size).
    /// Limits that depend on the rest of the application are `applicationFindings`.
    public func fileFindings(for facts: FileFacts, fileName: String, slot: Slot) -> [Finding] {
        if let failure = facts.inspectionFailure {
            // `unavailable` is intercepted by its callers (retried, or an operational error); reaching the rules
            // it is reported as unreadable, never as a fault of the file's content.
            if failure.reason == .unreadable || failure.reason == .unavailable {
                return [.fileUnreadable(failure.message)]
            }
            // The inspector died before it could even say what the file is: nothing else is known.
            if facts.mime.isEmpty { return [.pdfMalformed(failure.message, failure: failure.reason)] }
        }
        if facts.bytes == 0 { return [.fileEmpty()] }
        var findings: [Finding] = []
        if let mismatch = Self.nameMismatch(fileName: fileName, mime: facts.mime) { findings.append(mismatch) }
        if facts.bytes > policy.fileLimit.bytes {
            findings.append(.fileOverLimit(bytes: facts.bytes, limit: policy.fileLimit))
        }
        guard policy.attachmentTypes.contains(facts.mime) else {
            findings.insert(.typeNotAllowed(mime: facts.mime, allowed: policy.attachmentTypes, slot: slot), at: 0)
            return findings
        }
        if let failure = facts.inspectionFailure {
            findings.insert(.pdfMalformed(failure.message, failure: failure.reason), at: 0)
            return findings
        }
        guard let pdf = facts.pdf else {
            findings.insert(.pdfMalformed("no PDF facts"), at: 0)
            return findings
        }
        findings.insert(contentsOf: pdfFindings(pdf), at: 0)
        return findings
    }

    private func pdfFindings(_ pdf: PDFFacts) -> [Finding] {
        // A non-Standard handler is rights management: no password would open it, so say that, not "password".
        if let handler = pdf.securityHandler, handler != "Standard" { return [.drm(handler: handler)] }
        if pdf.needsPassword { return [.passwordRequired(revision: pdf.revision)] }
        if let parseError = pdf.parseError { return [.pdfMalformed(parseError)] }

        var findings: [Finding] = []
        let pages = pdf.pages ?? 0
        if pages == 0 { findings.append(.noPages()) }
        if pages > policy.pageLimit { findings.append(.tooManyPages(pages: pages, limit: policy.pageLimit)) }

        let permissions = pdf.permissions
        let printRestricted = !permissions.print || !permissions.printHighRes
        let copyRestricted = !permissions.copy
        if printRestricted { findings.append(.printRestricted(permissions)) }
        if copyRestricted { findings.append(.copyRestricted(permissions)) }
        if pdf.encrypted && !printRestricted && !copyRestricted {
            findings.append(
                .permissionsPassword(
                    severity: policy.permissionsPasswordSeverity, revision: pdf.revision, permissions: permissions))
        }
        if !pdf.activeContent.isEmpty || pdf.javascript || pdf.embeddedFiles {
            var hits = pdf.activeContent
            if hits.isEmpty {
                if pdf.javascript { hits.append(ActiveContentHit(key: "JavaScript", object: 0)) }
                if pdf.embeddedFiles { hits.append(ActiveContentHit(key: "EmbeddedFiles", object: 0)) }
            }
            findings.append(
                .activeContent(
                    severity: policy.activeContentSeverity, hits: hits, scanComplete: pdf.activeContentScanComplete))
        }
        return findings
    }

    /// Limits that count the rest of the application, judged against what it already holds.
    ///
    /// Original uploads (photo and attachments) share `limits.application_total`; additional documents have their
    /// own allowance per reviewer request (`limits.additional_total`), as the ISA let applicants re-attach up to
    /// 10 MB each time it reopened an application.
    public func applicationFindings(bytes: Int64, slot: Slot, usage: ApplicationUsage) -> [Finding] {
        var findings: [Finding] = []
        switch slot {
        case .photo, .attachment:
            let total = usage.acceptedOriginalBytes + bytes
            if total > policy.applicationTotalLimit.bytes {
                findings.append(
                    .applicationOverLimit(total: total, limit: policy.applicationTotalLimit, fileBytes: bytes))
            }
            if slot == .attachment, let limit = policy.attachmentCountLimit, usage.acceptedAttachments + 1 > limit {
                findings.append(.tooManyFiles(count: usage.acceptedAttachments + 1, limit: limit))
            }
        case .additional:
            let total = usage.acceptedAdditionalBytesThisRound + bytes
            if total > policy.additionalTotalLimit.bytes {
                findings.append(
                    .additionalOverLimit(total: total, limit: policy.additionalTotalLimit, fileBytes: bytes))
            }
        }
        return findings
    }

    /// `file.name_mismatch` when the name's extension promises another type than the content has.
    static func nameMismatch(fileName: String, mime: String) -> Finding? {
        guard let fileExtension = fileExtension(of: fileName), let expected = mimeByExtension[fileExtension],
            !expected.contains(mime)
        else { return nil }
        return .nameMismatch(fileExtension: fileExtension, mime: mime)
    }

    static func fileExtension(of name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        return ext.isEmpty || ext.contains("/") ? nil : ext
    }

    /// Extensions whose expected content is unambiguous; others are not judged.
    static let mimeByExtension: [String: Set<String>] = [
        "pdf": ["application/pdf"],
        "jpg": ["image/jpeg"], "jpeg": ["image/jpeg"],
        "png": ["image/png"],
        "gif": ["image/gif"],
        "heic": ["image/heic", "image/heif"],
        "txt": ["text/plain"],
        "html": ["text/html"], "htm": ["text/html"],
        "zip": ["application/zip"],
    ]
}

/// What an application already holds, by each item's latest verdict, the upload being judged excluded.
public struct ApplicationUsage: Sendable, Hashable {
    /// Accepted photo and attachment bytes.
    public var acceptedOriginalBytes: Int64
    /// Accepted attachment uploads.
    public var acceptedAttachments: Int
    /// Accepted additional-document bytes in the same request round as the upload being judged.
    public var acceptedAdditionalBytesThisRound: Int64

    public init(acceptedOriginalBytes: Int64, acceptedAttachments: Int, acceptedAdditionalBytesThisRound: Int64) {
        self.acceptedOriginalBytes = acceptedOriginalBytes
        self.acceptedAttachments = acceptedAttachments
        self.acceptedAdditionalBytesThisRound = acceptedAdditionalBytesThisRound
    }
}
