import CZlib
import Glibc
import IntakeCore

/// Intake's own reading of a PDF's syntax, for what poppler-glib does not say.
///
/// poppler answers "encrypted" alike for a user password and for a rights-management handler, and it does not
/// expose the object graph. This scanner lexes the whole file once (skipping string and stream data, so bytes
/// inside compressed streams cannot pass for names) and reports:
/// - the `/Encrypt` dictionary's `/Filter`, `/V`, `/R` and `/P`, from the last trailer or cross-reference stream;
/// - every dictionary name that marks active content, in any object, with `#xx` escapes decoded;
/// - the same inside object streams (inflated with a cap), when the file is not encrypted;
/// - what the page tree's objects claim (catalogs, page tree nodes and their `/Count`, pages), so that a file whose
///   page tree poppler could not read is told apart from a well-formed one whose page tree is empty.
public struct PDFSyntaxScanner {
    /// Names that mark scripts, launch actions, automatic actions, embedded files and rich media.
    static let activeNames: Set<String> = [
        "JS", "JavaScript", "AA", "Launch", "EmbeddedFiles", "EmbeddedFile", "AF", "RichMedia",
    ]

    /// Arrays and dictionaries nested deeper than this make a file malformed. qpdf ignores data nested past 500
    /// levels ("ignoring excessively deeply nested data structure"); a real document's deepest, a page's resources
    /// or an annotation's appearance, is well under 20. A reader that recurses, as poppler does, is at risk from
    /// the hostile 100,000 levels.
    public static let nestingLimit = 500

    /// At most this many inflated bytes per file are lexed from object streams; past it the scan is incomplete.
    public static let objectStreamBudget = 64 * 1024 * 1024

    public struct EncryptionEntry: Hashable, Sendable {
        public var filter: String?
        public var subFilter: String?
        public var version: Int?
        public var revision: Int?
        public var permissions: Int64?
        /// The `/U` string: for R5/R6, the user password's hash and salts.
        public var userKey: [UInt8]?
        /// The `/UE` string: for R5/R6, the file key encrypted under a key made from the user password.
        public var userEncryptedKey: [UInt8]?
        /// Where the `/R` value and the `/U` and `/UE` strings are in the file's bytes, delimiters included; nil for
        /// a dictionary read from an object stream. `StandardSecurityHandler.revision5StandIn` rewrites them.
        public var revisionToken: Range<Int>?
        public var userKeyToken: Range<Int>?
        public var userEncryptedKeyToken: Range<Int>?
    }

    /// The objects a page tree is made of, as the file's dictionaries declare them (`/Type`), counted wherever
    /// they are, reachable or not.
    public struct PageTreeObjects: Hashable, Sendable {
        public var catalogs = 0
        /// Page tree nodes (`/Type /Pages`).
        public var nodes = 0
        /// The largest `/Count` a page tree node claims.
        public var claimedPages = 0
        /// Leaves (`/Type /Page`).
        public var pages = 0

        mutating func add(_ other: PageTreeObjects) {
            catalogs += other.catalogs
            nodes += other.nodes
            claimedPages = max(claimedPages, other.claimedPages)
            pages += other.pages
        }
    }

    public struct Result: Hashable, Sendable {
        /// Present when the file's trailer names an encryption dictionary.
        public var encryption: EncryptionEntry?
        public var activeContent: [ActiveContentHit]
        /// False when some object streams could not be read (encrypted, unknown filter, or over budget).
        public var complete: Bool
        public var pageTree = PageTreeObjects()
        /// The deepest nesting of arrays and dictionaries seen in any object.
        public var deepestNesting = 0

        /// Why a file in which a reader found no page is damaged rather than empty, or nil when its objects agree
        /// that the page tree is empty. A well-formed empty PDF (`qpdf --empty`) has one catalog and one page tree
        /// node that claims no page, and no page. Objects the scan could not read (in encrypted or undecodable
        /// object streams) are no evidence: the absence of a catalog or node counts only when the scan is complete.
        public var emptyPageTreeDamage: String? {
            if pageTree.pages > 0 {
                return "no page could be read, although the file holds \(pageTree.pages) page object(s): "
                    + "its page tree is damaged"
            }
            if pageTree.claimedPages > 0 {
                return "the page tree claims \(pageTree.claimedPages) page(s) and the file holds none"
            }
            guard complete else { return nil }
            if pageTree.catalogs == 0 { return "no document catalog (/Root dictionary) was found" }
            if pageTree.nodes == 0 { return "the document catalog's page tree was not found" }
            return nil
        }
    }

    public static func scan(_ bytes: UnsafeRawBufferPointer) -> Result {
        var lexer = Lexer(bytes: bytes, objectStreamNumber: nil)
        lexer.run()
        var encryption: EncryptionEntry?
        if let inline = lexer.inlineEncryption {
            encryption = inline
        } else if let reference = lexer.encryptReference {
            encryption = lexer.entries[reference] ?? EncryptionEntry()
        }
        var hits = lexer.hits
        var pageTree = lexer.pageTree
        var deepestNesting = lexer.deepestNesting
        var complete = lexer.undecodableObjectStreams == 0
        if encryption != nil {
            // Object streams of an encrypted file are themselves encrypted: reading them needs the key.
            complete = complete && lexer.objectStreams.isEmpty
        } else {
            var budget = objectStreamBudget
            for stream in lexer.objectStreams {
                guard
                    let inflated = inflate(
                        UnsafeRawBufferPointer(rebasing: bytes[stream.range]), limit: budget)
                else {
                    complete = false
                    continue
                }
                budget -= inflated.count
                inflated.withUnsafeBytes { buffer in
                    var inner = Lexer(bytes: buffer, objectStreamNumber: stream.object)
                    inner.run()
                    hits.append(contentsOf: inner.hits)
                    pageTree.add(inner.pageTree)
                    deepestNesting = max(deepestNesting, inner.deepestNesting)
                }
            }
        }
        var seen = Set<ActiveContentHit>()
        hits = hits.filter { seen.insert($0).inserted }
        return Result(
            encryption: encryption, activeContent: hits, complete: complete, pageTree: pageTree,
            deepestNesting: deepestNesting)
    }

    /// Inflates a zlib stream, giving up (nil) when it is corrupt or would exceed `limit` bytes.
    static func inflate(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        guard input.count > 0, let base = input.baseAddress else { return nil }
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(min(input.count, Int(UInt32.max)))
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let status = chunk.withUnsafeMutableBytes { buffer -> Int32 in
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buffer.count)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunk.count - Int(stream.avail_out)
            if output.count + produced > limit { return nil }
            output.append(contentsOf: chunk[0..<produced])
            if status == Z_STREAM_END { return output }
            if status != Z_OK { return produced > 0 || !output.isEmpty ? output : nil }
            if stream.avail_in == 0 && produced == 0 { return output }
        }
    }
}

/// A single-pass PDF lexer that tracks just enough structure for the scan.
private struct Lexer {
    struct ObjectStream {
        var object: Int
        var range: Range<Int>
    }

    let bytes: UnsafeRawBufferPointer
    let objectStreamNumber: Int?
    var position = 0

    var hits: [ActiveContentHit] = []
    var entries: [Int: PDFSyntaxScanner.EncryptionEntry] = [:]
    var encryptReference: Int?
    var inlineEncryption: PDFSyntaxScanner.EncryptionEntry?
    var objectStreams: [ObjectStream] = []
    var undecodableObjectStreams = 0
    var pageTree = PDFSyntaxScanner.PageTreeObjects()
    var deepestNesting = 0

    // Parse state
    private var currentObject = 0
    private var depth = 0
    private var recentIntegers: [Int] = []
    private var pendingKey: String?
    private var currentEntry = PDFSyntaxScanner.EncryptionEntry()
    private var currentEntryTouched = false
    private var currentIsObjectStream = false
    private var currentFilters: [String] = []
    private var expectingEncryptValue = false
    /// Set while inside a top-level `/Filter [ … ]` array.
    private var filterArrayDepth: Int?
    private var inlineEncryptDepth: Int?
    private var inlineEntry = PDFSyntaxScanner.EncryptionEntry()
    /// The `/Type` and `/Count` of the top-level dictionary being read.
    private var currentType: String?
    private var currentCount: Int?
    /// Arrays and dictionaries open in the current object.
    private var nesting = 0

    init(bytes: UnsafeRawBufferPointer, objectStreamNumber: Int?) {
        self.bytes = bytes
        self.objectStreamNumber = objectStreamNumber
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }

    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "/"), UInt8(ascii: "%"):
            true
        default: false
        }
    }

    mutating func run() {
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            if Self.isWhitespace(byte) {
                position += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "%"):
                while position < count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
            case UInt8(ascii: "("):
                let start = position
                skipLiteralString()
                if let key = pendingKey, key == "U" || key == "UE" {
                    recordKeyString(key, decodeLiteralString(start..<position), token: start..<position)
                }
                valueToken()
            case UInt8(ascii: "<"):
                if position + 1 < count, bytes[position + 1] == UInt8(ascii: "<") {
                    position += 2
                    open()
                    dictionaryStart()
                } else {
                    let start = position + 1
                    while position < count, bytes[position] != UInt8(ascii: ">") { position += 1 }
                    if let key = pendingKey, key == "U" || key == "UE" {
                        recordKeyString(
                            key, decodeHexString(start..<position), token: start - 1..<min(count, position + 1))
                    }
                    // Past the `>`, but an unterminated string ends at the end of the file: `valueToken` looks
                    // at the byte before `position`.
                    position = min(count, position + 1)
                    valueToken()
                }
            case UInt8(ascii: ">"):
                if position + 1 < count, bytes[position + 1] == UInt8(ascii: ">") {
                    position += 2
                    nesting = max(0, nesting - 1)
                    dictionaryEnd()
                } else {
                    position += 1
                }
            case UInt8(ascii: "["):
                open()
                position += 1
                valueToken()
            case UInt8(ascii: "]"):
                nesting = max(0, nesting - 1)
                position += 1
                valueToken()
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ")"):
                position += 1
                valueToken()
            case UInt8(ascii: "/"):
                position += 1
                name(readName())
            default:
                let start = position
                while position < count, !Self.isWhitespace(bytes[position]), !Self.isDelimiter(bytes[position]) {
                    position += 1
                }
                word(start..<position)
            }
        }
    }

    private mutating func skipLiteralString() {
        var nesting = 0
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\\") {
                position += 1
            } else if byte == UInt8(ascii: "(") {
                nesting += 1
            } else if byte == UInt8(ascii: ")") {
                nesting -= 1
                if nesting == 0 { return }
            }
        }
        // Unterminated: the string runs to the end of the file, not past it (a last `\` stepped over one more).
        position = count
    }

    /// Records the `/U` or `/UE` string of the dictionary being read.
    private mutating func recordKeyString(_ key: String, _ value: [UInt8], token: Range<Int>) {
        let token = objectStreamNumber == nil ? token : nil
        func store(in entry: inout PDFSyntaxScanner.EncryptionEntry) {
            if key == "U" {
                entry.userKey = value
                entry.userKeyToken = token
            } else {
                entry.userEncryptedKey = value
                entry.userEncryptedKeyToken = token
            }
        }
        if let inlineDepth = inlineEncryptDepth, depth == inlineDepth { store(in: &inlineEntry) }
        if depth == 1 {
            store(in: &currentEntry)
            currentEntryTouched = true
        }
    }

    /// The bytes of a literal string `( … )`, escapes resolved (ISO 32000-1 §7.3.4.2).
    private func decodeLiteralString(_ range: Range<Int>) -> [UInt8] {
        var output: [UInt8] = []
        var index = range.lowerBound + 1
        let end = range.upperBound - 1
        while index < end {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < end else {
                output.append(byte)
                continue
            }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case 0x0D:
                if index < end, bytes[index] == 0x0A { index += 1 }
            case 0x0A: break
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escaped - UInt8(ascii: "0"))
                for _ in 0..<2 where index < end && (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index]) {
                    value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                }
                output.append(UInt8(truncatingIfNeeded: value))
            default: output.append(escaped)
            }
        }
        return output
    }

    /// The bytes of a hexadecimal string's digits (whitespace ignored, an odd last digit padded with 0).
    private func decodeHexString(_ range: Range<Int>) -> [UInt8] {
        var output: [UInt8] = []
        var high: UInt8?
        for index in range {
            guard let digit = hexValue(bytes[index]) else { continue }
            if let pending = high {
                output.append(pending << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        if let pending = high { output.append(pending << 4) }
        return output
    }

    private mutating func readName() -> String {
        var scalars: [UInt8] = []
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            if Self.isWhitespace(byte) || Self.isDelimiter(byte) { break }
            if byte == UInt8(ascii: "#"), position + 2 < count, let high = hexValue(bytes[position + 1]),
                let low = hexValue(bytes[position + 2])
            {
                scalars.append(high << 4 | low)
                position += 3
            } else {
                scalars.append(byte)
                position += 1
            }
            if scalars.count > 127 { break }
        }
        return String(decoding: scalars, as: UTF8.self)
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private mutating func open() {
        nesting += 1
        deepestNesting = max(deepestNesting, nesting)
    }

    private mutating func dictionaryStart() {
        depth += 1
        if depth == 1 {
            currentType = nil
            currentCount = nil
        }
        recentIntegers.removeAll(keepingCapacity: true)
        if expectingEncryptValue {
            expectingEncryptValue = false
            inlineEncryptDepth = depth
            inlineEntry = PDFSyntaxScanner.EncryptionEntry()
        }
        pendingKey = nil
    }

    private mutating func dictionaryEnd() {
        if let inlineDepth = inlineEncryptDepth, inlineDepth == depth {
            inlineEncryption = inlineEntry
            inlineEncryptDepth = nil
        }
        if depth == 1 { countPageTreeObject() }
        depth = max(0, depth - 1)
        pendingKey = nil
        recentIntegers.removeAll(keepingCapacity: true)
    }

    private mutating func countPageTreeObject() {
        switch currentType {
        case "Catalog": pageTree.catalogs += 1
        case "Pages":
            pageTree.nodes += 1
            pageTree.claimedPages = max(pageTree.claimedPages, currentCount ?? 0)
        case "Page": pageTree.pages += 1
        default: break
        }
    }

    /// A token that is a value but not a name or number (string, array bracket): it ends any pending key, except
    /// `/Filter [/FlateDecode]`, whose array holds the filter names.
    private mutating func valueToken() {
        if pendingKey == "Filter", position > 0, bytes[position - 1] == UInt8(ascii: "[") {
            filterArrayDepth = depth
            pendingKey = nil
            recentIntegers.removeAll(keepingCapacity: true)
            return
        }
        filterArrayDepth = nil
        pendingKey = nil
        expectingEncryptValue = false
        recentIntegers.removeAll(keepingCapacity: true)
    }

    private mutating func name(_ name: String) {
        recentIntegers.removeAll(keepingCapacity: true)
        if PDFSyntaxScanner.activeNames.contains(name), hits.count < 200 {
            hits.append(ActiveContentHit(key: name, object: objectStreamNumber ?? currentObject))
        }
        if let arrayDepth = filterArrayDepth, arrayDepth == depth {
            if depth == 1 { currentFilters.append(name) }
            return
        }
        if let key = pendingKey {
            // `name` is the value of `key`.
            pendingKey = nil
            record(key: key, name: name)
            return
        }
        expectingEncryptValue = name == "Encrypt" && objectStreamNumber == nil
        switch name {
        case "Filter", "SubFilter", "Type", "V", "R", "P", "U", "UE", "Count": pendingKey = name
        default: break
        }
    }

    private mutating func record(key: String, name: String) {
        let inInline = inlineEncryptDepth != nil
        switch key {
        case "Filter":
            if inInline && depth == inlineEncryptDepth { inlineEntry.filter = name }
            if depth == 1 {
                currentFilters.append(name)
                if currentEntry.filter == nil {
                    currentEntry.filter = name
                    currentEntryTouched = true
                }
            }
        case "SubFilter":
            if inInline { inlineEntry.subFilter = name }
            if depth == 1 {
                currentEntry.subFilter = name
                currentEntryTouched = true
            }
        case "Type":
            if depth == 1 && name == "ObjStm" { currentIsObjectStream = true }
            if depth == 1 { currentType = name }
        default: break
        }
    }

    private mutating func integer(_ value: Int, token: Range<Int>) {
        if pendingKey == "Count" {
            pendingKey = nil
            if depth == 1 { currentCount = value }
        } else if let key = pendingKey {
            pendingKey = nil
            let inInline = inlineEncryptDepth != nil && depth == inlineEncryptDepth
            switch key {
            case "V":
                if inInline { inlineEntry.version = value }
                if depth == 1 { currentEntry.version = value }
            case "R":
                let token = objectStreamNumber == nil ? token : nil
                if inInline {
                    inlineEntry.revision = value
                    inlineEntry.revisionToken = token
                }
                if depth == 1 {
                    currentEntry.revision = value
                    currentEntry.revisionToken = token
                }
            case "P":
                if inInline { inlineEntry.permissions = Int64(value) }
                if depth == 1 { currentEntry.permissions = Int64(value) }
            default: break
            }
            if depth == 1 { currentEntryTouched = true }
        }
        recentIntegers.append(value)
        if recentIntegers.count > 2 { recentIntegers.removeFirst() }
    }

    private mutating func word(_ range: Range<Int>) {
        let length = range.count
        guard length > 0 else { return }
        let first = bytes[range.lowerBound]
        if (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "+")
        {
            if let value = parseInteger(range) {
                let keepsEncrypt = expectingEncryptValue
                integer(value, token: range)
                expectingEncryptValue = keepsEncrypt
            } else {
                valueToken()  // a real number
            }
            return
        }
        if matches(range, "obj") {
            if recentIntegers.count == 2 { beginObject(recentIntegers[0]) }
            recentIntegers.removeAll(keepingCapacity: true)
        } else if matches(range, "endobj") {
            endObject()
        } else if matches(range, "R") {
            if expectingEncryptValue, recentIntegers.count == 2 { encryptReference = recentIntegers[0] }
            expectingEncryptValue = false
            pendingKey = nil
            recentIntegers.removeAll(keepingCapacity: true)
        } else if matches(range, "stream") {
            skipStream()
        } else {
            valueToken()
        }
    }

    private func matches(_ range: Range<Int>, _ keyword: StaticString) -> Bool {
        guard range.count == keyword.utf8CodeUnitCount else { return false }
        let pointer = keyword.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != pointer[offset] { return false }
        return true
    }

    private func parseInteger(_ range: Range<Int>) -> Int? {
        var value = 0
        var negative = false
        var index = range.lowerBound
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < range.upperBound, range.count < 19 else { return nil }
        while index < range.upperBound {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            index += 1
        }
        return negative ? -value : value
    }

    private mutating func beginObject(_ number: Int) {
        currentObject = number
        depth = 0
        nesting = 0
        pendingKey = nil
        currentEntry = PDFSyntaxScanner.EncryptionEntry()
        currentEntryTouched = false
        currentIsObjectStream = false
        currentFilters = []
    }

    private mutating func endObject() {
        if currentEntryTouched, currentObject > 0 { entries[currentObject] = currentEntry }
        currentObject = 0
        depth = 0
        nesting = 0
        pendingKey = nil
        currentEntryTouched = false
        currentIsObjectStream = false
        currentFilters = []
        recentIntegers.removeAll(keepingCapacity: true)
    }

    /// Skips stream data to `endstream`, remembering object streams for a second look.
    private mutating func skipStream() {
        let count = bytes.count
        if position < count, bytes[position] == 0x0D { position += 1 }
        if position < count, bytes[position] == 0x0A { position += 1 }
        let dataStart = position
        let end = find("endstream", from: dataStart) ?? count
        if currentIsObjectStream && objectStreamNumber == nil {
            if currentFilters == ["FlateDecode"] {
                objectStreams.append(ObjectStream(object: currentObject, range: dataStart..<end))
            } else {
                undecodableObjectStreams += 1
            }
        }
        position = min(count, end + 9)
        depth = 0
        nesting = 0
        pendingKey = nil
        recentIntegers.removeAll(keepingCapacity: true)
    }

    /// First occurrence of `needle` at or after `start`. `memchr` finds candidates (glibc vectorises it), so
    /// skipping megabytes of stream data stays fast; `memmem` would need `_GNU_SOURCE`.
    private func find(_ needle: StaticString, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let first = Int32(needle.utf8Start[0])
        let length = needle.utf8CodeUnitCount
        var offset = start
        while offset + length <= bytes.count {
            guard let hit = memchr(base + offset, first, bytes.count - offset - length + 1) else { return nil }
            let index = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + index, needle.utf8Start, length) == 0 { return index }
            offset = index + 1
        }
        return nil
    }
}
