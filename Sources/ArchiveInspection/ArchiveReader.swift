import ContentAddressing
import Foundation
import IntakeCore

/// What reading a bulk archive came to: its rows, each with its entry written out or the findings that refuse it,
/// and what the archive held besides. Everything here was decided in the inspector child.
public struct ArchiveListing: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public var row: Int
        /// Nil when the row itself could not be read.
        public var upload: BulkRow?
        public var file: String?
        /// The entry's bytes, written into the scratch folder; nil when the row is refused.
        public var path: String?
        public var bytes: Int64?
        public var findings: [Finding]
    }

    /// Faults of the whole archive: when any is an error, no row was taken.
    public var findings: [Finding]
    public var rows: [Row]
    /// Entries no row names (each also has its warning in `findings`).
    public var unlisted: [String]
    /// What macOS and Windows add on their own (`__MACOSX/`, `._*`, `.DS_Store`, `Thumbs.db`): passed over.
    public var ignored: [String]

    static func refused(_ finding: Finding) -> ArchiveListing {
        ArchiveListing(findings: [finding], rows: [], unlisted: [], ignored: [])
    }
}

/// Reads a bulk archive (SPEC §9) in the inspector child: the directory, `applications.csv`, and the entries its
/// rows name, each written into `scratch` under a name of Intake's own (`entry-N`), never under the name the
/// archive gives it, so nothing in the archive can choose where a byte lands.
public enum ArchiveReader {
    public static let csvName = "applications.csv"

    public static func read(path: String, scratch: String, limits: ArchiveLimits) -> ArchiveListing {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            return .refused(.archiveMalformed("it could not be opened"))
        }
        let directory: ZIPDirectory
        do {
            directory = try ZIPDirectory(file.bytes, maxEntries: limits.maxEntries)
        } catch {
            switch error {
            case .tooManyEntries(let count):
                return .refused(.archiveTooManyEntries(count: count, limit: limits.maxEntries))
            case .malformed(let reason): return .refused(.archiveMalformed(reason))
            }
        }
        var reading = Reading(bytes: file.bytes, directory: directory, scratch: scratch, limits: limits)
        return reading.run()
    }

    /// One reading: the entries by name, and what the archive may still expand to.
    struct Reading {
        let bytes: UnsafeRawBufferPointer
        let directory: ZIPDirectory
        let scratch: String
        let limits: ArchiveLimits
        var remaining: Int64

        init(bytes: UnsafeRawBufferPointer, directory: ZIPDirectory, scratch: String, limits: ArchiveLimits) {
            self.bytes = bytes
            self.directory = directory
            self.scratch = scratch
            self.limits = limits
            remaining = limits.maxExpanded.bytes
        }

        mutating func run() -> ArchiveListing {
            var named: [String: ZIPDirectory.Entry] = [:]
            var ignored: [String] = []
            var unreadableNames: [Finding] = []
            for entry in directory.entries where !entry.isDirectoryName {
                guard let name = Self.name(of: entry) else {
                    unreadableNames.append(
                        .archiveEntryUnsafe(Reasons.undecodableName, file: "#\(entry.index + 1)"))
                    continue
                }
                if Self.isSystemLitter(name) {
                    ignored.append(name)
                } else if named[name] != nil {
                    // Which of the two would a row mean? Readers disagree, and that disagreement is an attack.
                    return .refused(.archiveMalformed("two entries have the same name, \(name)"))
                } else {
                    named[name] = entry
                }
            }
            // A ZIP made from a folder (Explorer's "Send to", Finder's "Compress") puts everything under that
            // folder: take it as the root when the CSV is there.
            var root = ""
            if named[csvName] == nil {
                let tops = Set(named.keys.map { $0.split(separator: "/", maxSplits: 1).first.map(String.init) ?? "" })
                if tops.count == 1, let top = tops.first, named["\(top)/\(csvName)"] != nil { root = top + "/" }
            }
            guard let csvEntry = named[root + csvName] else {
                return ArchiveListing(
                    findings: [.archiveCSVMissing()] + unreadableNames, rows: [], unlisted: [], ignored: ignored)
            }
            let csvText: String
            switch readCSV(csvEntry) {
            case .failure(let finding):
                return ArchiveListing(findings: [finding], rows: [], unlisted: [], ignored: ignored)
            case .success(let text): csvText = text
            }
            let parsed: BulkCSV.Parsed
            switch BulkCSV.parse(csvText) {
            case .refused(let finding):
                return ArchiveListing(findings: [finding], rows: [], unlisted: [], ignored: ignored)
            case .parsed(let result): parsed = result
            }
            var rows: [ArchiveListing.Row] = parsed.refused.map {
                ArchiveListing.Row(
                    row: $0.row, upload: nil, file: $0.file, path: nil, bytes: nil, findings: [$0.finding])
            }
            // A refused row still names its file: that file is not "unlisted".
            var listed: Set<String> = [root + csvName]
            for refused in parsed.refused { if let file = refused.file { listed.insert(root + Self.normalised(file)) } }
            for upload in parsed.rows {
                let name = root + Self.normalised(upload.file)
                listed.insert(name)
                rows.append(take(upload, entry: named[name]))
            }
            rows.sort { $0.row < $1.row }
            let unlisted = named.keys.filter { !listed.contains($0) }.sorted()
            return ArchiveListing(
                findings: unreadableNames + unlisted.map { .archiveEntryUnlisted(file: $0) }, rows: rows,
                unlisted: unlisted, ignored: ignored.sorted())
        }

        /// One row: its entry checked and written out, or the finding that refuses it.
        mutating func take(_ upload: BulkRow, entry: ZIPDirectory.Entry?) -> ArchiveListing.Row {
            func refused(_ finding: Finding) -> ArchiveListing.Row {
                ArchiveListing.Row(
                    row: upload.row, upload: upload, file: upload.file, path: nil, bytes: nil, findings: [finding])
            }
            if let reason = Self.unsafeName(upload.file) {
                return refused(.archiveEntryUnsafe(reason, row: upload.row, file: upload.file))
            }
            guard let entry else { return refused(.archiveEntryMissing(row: upload.row, file: upload.file)) }
            if let type = entry.unixType, type != 0o100000 {
                let reason = type == 0o120000 ? Reasons.link : Reasons.special
                return refused(.archiveEntryUnsafe(reason, row: upload.row, file: upload.file))
            }
            if entry.isEncrypted { return refused(.archiveEntryEncrypted(row: upload.row, file: upload.file)) }
            if Self.isArchiveName(upload.file) { return refused(.archiveNested(row: upload.row, file: upload.file)) }
            if remaining <= 0 {
                return refused(tooLarge(upload, entry, .total, bound: limits.maxExpanded.bytes))
            }
            let path = scratch + "/entry-\(entry.index)"
            let data = UnsafeRawBufferPointer(
                rebasing: bytes[Int(entry.dataOffset)..<Int(entry.dataOffset + entry.compressedSize)])
            let outcome = EntryWriter.write(
                data, method: entry.method, declaredSize: entry.uncompressedSize, expectedCRC: entry.crc32, to: path,
                bounds: EntryWriter.Bounds(
                    entry: limits.maxEntryExpanded.bytes, ratio: Int64(limits.maxRatio),
                    ratioFloor: ArchiveLimits.ratioFloor, remaining: remaining))
            switch outcome {
            case .written(let written):
                remaining -= written
                if Self.startsLikeAnArchive(path) {
                    unlink(path)
                    return refused(.archiveNested(row: upload.row, file: upload.file))
                }
                return ArchiveListing.Row(
                    row: upload.row, upload: upload, file: upload.file, path: path, bytes: written, findings: [])
            case .tooLarge(let hit):
                unlink(path)
                switch hit {
                case .entry: return refused(tooLarge(upload, entry, .entry, bound: limits.maxEntryExpanded.bytes))
                case .ratio: return refused(tooLarge(upload, entry, .ratio, bound: Int64(limits.maxRatio)))
                case .total:
                    remaining = 0
                    return refused(tooLarge(upload, entry, .total, bound: limits.maxExpanded.bytes))
                case .declared:
                    return refused(
                        .archiveMalformed(
                            "it inflates past the \(entry.uncompressedSize) bytes its headers declare",
                            row: upload.row, file: upload.file))
                }
            case .malformed(let reason):
                unlink(path)
                return refused(.archiveMalformed(reason, row: upload.row, file: upload.file))
            }
        }

        func tooLarge(_ upload: BulkRow, _ entry: ZIPDirectory.Entry, _ limit: ArchiveSizeLimit, bound: Int64)
            -> Finding
        {
            .archiveTooLarge(
                row: upload.row, file: upload.file, limit: limit, bound: bound, compressedBytes: entry.compressedSize)
        }

        /// The CSV's text: inflated under its own small bound, then decoded as UTF-8 or CP932.
        enum CSVText {
            case success(String)
            case failure(Finding)
        }

        func readCSV(_ entry: ZIPDirectory.Entry) -> CSVText {
            if entry.isEncrypted { return .failure(Finding.archiveEntryEncrypted(row: nil, file: csvName)) }
            let path = scratch + "/applications.csv"
            defer { unlink(path) }
            let data = UnsafeRawBufferPointer(
                rebasing: bytes[Int(entry.dataOffset)..<Int(entry.dataOffset + entry.compressedSize)])
            let outcome = EntryWriter.write(
                data, method: entry.method, declaredSize: entry.uncompressedSize, expectedCRC: entry.crc32, to: path,
                bounds: EntryWriter.Bounds(
                    entry: ArchiveLimits.csvMaxBytes, ratio: Int64(limits.maxRatio),
                    ratioFloor: ArchiveLimits.ratioFloor, remaining: remaining))
            switch outcome {
            case .written:
                guard let bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
                    return .failure(Finding.archiveMalformed("it could not be read back", file: csvName))
                }
                guard let text = TextDecoding.decode(bytes) else {
                    return .failure(BulkCSV.undecodable(row: TextDecoding.firstUndecodableLine(bytes)))
                }
                return .success(text)
            case .tooLarge:
                return .failure(
                    Finding.archiveTooLarge(
                        row: nil, file: csvName, limit: .entry, bound: ArchiveLimits.csvMaxBytes,
                        compressedBytes: entry.compressedSize))
            case .malformed(let reason):
                return .failure(Finding.archiveMalformed(reason, file: csvName))
            }
        }

        /// The entry's name: UTF-8 when its flag says so, else the Info-ZIP Unicode path, else CP932, as
        /// Windows writes it. One step beyond SPEC §9: flagless bytes that are valid UTF-8 are read as UTF-8,
        /// because Info-ZIP and macOS write UTF-8 names without the flag, and Japanese CP932 text is practically
        /// never valid UTF-8 (only runs of half-width katakana can be).
        static func name(of entry: ZIPDirectory.Entry) -> String? {
            if entry.hasUTF8Name { return String(validating: entry.rawName, as: UTF8.self).map(normalised) }
            if let unicode = entry.unicodeName { return normalised(unicode) }
            if let utf8 = String(validating: entry.rawName, as: UTF8.self) { return normalised(utf8) }
            return CP932.decode(entry.rawName).map(normalised)
        }

        /// Windows tools may write `\` between folders.
        static func normalised(_ name: String) -> String {
            String(name.map { $0 == "\\" ? "/" : $0 })
        }

        /// Why a name may not be taken: absolute, climbing out with `..`, or holding a control character.
        static func unsafeName(_ name: String) -> LocalizedMessage? {
            let name = normalised(name)
            if name.hasPrefix("/") || (name.count >= 2 && name.dropFirst().first == ":") { return Reasons.absolute }
            if name.split(separator: "/", omittingEmptySubsequences: false).contains("..") { return Reasons.climbs }
            if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return Reasons.control }
            return nil
        }

        static func isSystemLitter(_ name: String) -> Bool {
            let parts = name.split(separator: "/")
            guard let last = parts.last else { return false }
            return parts.first == "__MACOSX" || last.hasPrefix("._") || last == ".DS_Store" || last == "Thumbs.db"
        }

        static func isArchiveName(_ name: String) -> Bool {
            let lower = name.lowercased()
            return [".zip", ".7z", ".rar", ".lzh", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab"].contains {
                lower.hasSuffix($0)
            }
        }

        /// ZIP, 7-Zip, RAR, gzip and xz by their first bytes, whatever the entry is called.
        static func startsLikeAnArchive(_ path: String) -> Bool {
            guard let handle = FileHandle(forReadingAtPath: path) else { return false }
            defer { try? handle.close() }
            let head = Array((try? handle.read(upToCount: 6)) ?? Data())
            let magics: [[UInt8]] = [
                [0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06], [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C],
                [0x52, 0x61, 0x72, 0x21], [0x1F, 0x8B], [0xFD, 0x37, 0x7A, 0x58, 0x5A],
            ]
            return magics.contains { head.starts(with: $0) }
        }
    }

    enum Reasons {
        static let absolute = LocalizedMessage(
            ja: "絶対パスで書かれています",
            en: "its name is an absolute path")
        static let climbs = LocalizedMessage(
            ja: "名前に「..」があり、フォルダーの外を指しています",
            en: "its name climbs out of the archive with “..”")
        static let control = LocalizedMessage(
            ja: "名前に制御文字が入っています", en: "its name holds a control character")
        static let link = LocalizedMessage(ja: "シンボリックリンクです", en: "it is a symbolic link")
        static let special = LocalizedMessage(
            ja: "普通のファイルではありません（デバイスなど）",
            en: "it is not a plain file (a device or the like)")
        static let undecodableName = LocalizedMessage(
            ja: "名前が UTF-8 でも Shift_JIS（CP932）でも読めません",
            en: "its name is neither UTF-8 nor Shift_JIS (CP932)")
    }
}
