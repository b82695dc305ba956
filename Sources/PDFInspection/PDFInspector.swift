import IntakeCore

/// Reads a PDF's facts: poppler-glib for what a reader sees (pages, permissions, scripts, outline),
/// `PDFSyntaxScanner` for what poppler does not tell (security handler, revision, active content in any object).
public enum PDFInspector {
    /// Inspects a PDF held in memory. Never throws: what cannot be read becomes `parseError` or `needsPassword`.
    public static func inspect(_ bytes: UnsafeRawBufferPointer) -> PDFFacts {
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
        let opened = PopplerDocument.withDocument(bytes: bytes) { document in
            (
                pages: document.pageCount, version: document.versionString, permissions: document.permissions,
                javascript: document.hasJavaScript, attachments: document.hasAttachments,
                outline: document.topLevelOutlineEntries
            )
        }
        switch opened {
        case .success(let document):
            facts.pages = document.pages
            facts.version = document.version ?? facts.version
            facts.permissions = document.permissions
            facts.javascript = document.javascript
            facts.embeddedFiles = document.attachments
            facts.outlineEntries = document.outline
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
        guard let start = prefix.indices.first(where: { index in
            index + marker.count + 3 <= prefix.count && Array(prefix[index..<index + marker.count]) == marker
        }) else { return nil }
        let versionBytes = prefix[(start + marker.count)...].prefix { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
        return versionBytes.isEmpty ? nil : String(decoding: versionBytes, as: UTF8.self)
    }
}
