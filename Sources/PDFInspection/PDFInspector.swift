import IntakeCore

/// Reads a PDF's facts: poppler-glib for what a reader sees (pages, permissions, scripts, outline),
/// `PDFSyntaxScanner` for what poppler does not tell (security handler, revision, active content in any object).
public enum PDFInspector {
    /// Keeps poppler's global parameters alive for the life of the process.
    ///
    /// poppler-glib builds its `GlobalParams` (scanning poppler-data's encoding tables) when the first document
    /// opens and tears them down when the last one closes: for an inspector that opens one document at a time,
    /// that is on every file, about 0.7 ms — most of a plain PDF's cost. One small document held open keeps them.
    /// Call once per process before inspecting; later calls do nothing.
    public static func prepare() {
        _ = globalsKeeper
    }

    private nonisolated(unsafe) static let globalsKeeper = PopplerDocument.retained(copying: minimalPDF())

    /// A one-page PDF with a correct cross-reference table, so poppler opens it without complaint.
    static func minimalPDF() -> [UInt8] {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
        ]
        var text = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(text.utf8.count)
            text += "\(index + 1) 0 obj \(object) endobj\n"
        }
        let xref = text.utf8.count
        text += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            text += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        text += "trailer << /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(text.utf8)
    }

    /// Inspects a PDF held in memory. Never throws: what cannot be read becomes `parseError` or `needsPassword`.
    ///
    /// With `separators`, also reports which pages are separator sheets (for a bundle without bookmarks).
    public static func inspect(_ bytes: UnsafeRawBufferPointer, separators: SeparatorRule? = nil) -> PDFFacts {
        let scan = PDFSyntaxScanner.scan(bytes)
        var facts = PDFFacts()
        facts.activeContent = scan.activeContent
        facts.activeContentScanComplete = scan.complete
        if let encryption = scan.encryption {
            facts.encrypted = true
            facts.securityHandler = encryption.filter ?? "unknown"
            facts.revision = encryption.revision
            if let p = encryption.permissions {
                facts.permissions = PDFPermissions(standardSecurityFlags: p, revision: encryption.revision ?? 2)
            }
        }
        facts.version = headerVersion(bytes)
        if let encryption = scan.encryption, encryption.filter == "Standard",
            StandardSecurityHandler.emptyUserPasswordOpens(revision: encryption.revision, userKey: encryption.userKey)
                == false
        {
            // An AES-256 file that needs a user password: known without poppler's slow hash.
            facts.needsPassword = true
            return facts
        }
        let pattern = separators?.pattern.flatMap { try? Regex($0) }
        let read = { (document: PopplerDocument) in
            (
                pages: document.pageCount, lastPageIsFound: document.lastPageIsFound,
                version: document.versionString, permissions: document.permissions,
                javascript: document.hasJavaScript, attachments: document.hasAttachments,
                outline: document.topLevelOutline,
                separators: separators.map { rule in
                    let found = document.separatorPages(pattern: pattern, blank: rule.blankPagesSeparate)
                    return (found.text + found.blank).sorted()
                }
            )
        }
        // An AES-256 (R6) file that opens without a password is read through its R5 stand-in: the same file key
        // and objects, without poppler's slow R6 password hash.
        let opened =
            if let encryption = scan.encryption,
                let standIn = StandardSecurityHandler.revision5StandIn(of: bytes, encryption: encryption)
            {
                standIn.withUnsafeBytes { PopplerDocument.withDocument(bytes: $0, read) }
            } else {
                PopplerDocument.withDocument(bytes: bytes, read)
            }
        switch opened {
        case .success(let document):
            facts.pages = document.pages
            // poppler "opens" some damaged files (no catalog, a rebuilt xref whose page tree claims millions of
            // pages) with zero pages: that is `pdf.malformed`, and `pdf.no_pages` only an empty, intact tree.
            if document.pages == 0, let damage = scan.emptyPageTreeDamage { facts.parseError = damage }
            if !document.lastPageIsFound {
                facts.parseError =
                    "the page tree claims \(document.pages) pages, but not all of them can be found in it "
                    + "(a page tree that loops, or a missing page)"
            }
            if scan.deepestNesting > PDFSyntaxScanner.nestingLimit {
                facts.parseError =
                    "objects are nested \(scan.deepestNesting) levels deep, past the \(PDFSyntaxScanner.nestingLimit) "
                    + "that PDF readers such as qpdf accept"
            }
            facts.version = document.version ?? facts.version
            facts.permissions = document.permissions
            facts.javascript = document.javascript
            facts.embeddedFiles = document.attachments
            facts.outline = document.outline
            facts.separatorPages = document.separators
            facts.outlineEntries = document.outline.count
        case .failure(let error):
            switch error.kind {
            case .encrypted:
                if !facts.encrypted {
                    // poppler saw encryption the scan could not place; still a password or a lock.
                    facts.encrypted = true
                }
                if facts.securityHandler == nil || facts.securityHandler == "Standard" {
                    facts.needsPassword = true
                }
            case .damaged:
                facts.parseError = error.message
            }
        }
        return facts
    }

    /// The version in the `%PDF-x.y` header, used when poppler cannot open the file.
    static func headerVersion(_ bytes: UnsafeRawBufferPointer) -> String? {
        let prefix = Array(bytes.prefix(1024))
        let marker = Array("%PDF-".utf8)
        guard
            let start = prefix.indices.first(where: { index in
                index + marker.count + 3 <= prefix.count && Array(prefix[index..<index + marker.count]) == marker
            })
        else { return nil }
        let versionBytes = prefix[(start + marker.count)...].prefix { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
        return versionBytes.isEmpty ? nil : String(decoding: versionBytes, as: UTF8.self)
    }
}
