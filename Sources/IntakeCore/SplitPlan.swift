/// One document of a bundle: its title, optional document type, and 1-based inclusive page range.
public struct PlannedDocument: Hashable, Sendable, Codable {
    public var title: String
    public var type: String?
    public var pages: ClosedRange<Int>

    public init(title: String, type: String?, pages: ClosedRange<Int>) {
        self.title = title
        self.type = type
        self.pages = pages
    }
}

/// What marks a separator sheet between a bundle's documents (`split.separator_pattern`,
/// `split.blank_pages_separate`).
public struct SeparatorRule: Hashable, Sendable, Codable {
    /// A regular expression the whole text of a separator page matches; nil or empty for none.
    public var pattern: String?
    public var blankPagesSeparate: Bool

    public init(pattern: String?, blankPagesSeparate: Bool) {
        self.pattern = pattern
        self.blankPagesSeparate = blankPagesSeparate
    }
}

/// A manifest given with a bundle (SPEC §3c): `{"documents": [{"title": …, "type": …, "pages": [18, 53]}, …]}`.
public struct SplitManifest: Hashable, Sendable, Codable {
    public struct Document: Hashable, Sendable, Codable {
        public var title: String
        public var type: String?
        public var pages: [Int]
    }
    public var documents: [Document]
}

/// Where a bundle's documents begin and end, in SPEC §3c's order of preference: a manifest, else the top-level
/// bookmarks, else separator sheets, else one document. Pure.
public enum SplitPlanner {
    /// The manifest's documents, checked against the bundle: every range inside `1…pageCount`, in order, with no
    /// overlap and no gap, covering every page. The first offending range is named in the finding.
    public static func plan(manifest: SplitManifest, pageCount: Int) -> ManifestPlan {
        var documents: [PlannedDocument] = []
        var nextPage = 1
        for (index, document) in manifest.documents.enumerated() {
            let label = "“\(document.title)” (\(document.pages.map(String.init).joined(separator: "–")))"
            guard document.pages.count == 2, document.pages[0] <= document.pages[1] else {
                return .invalid(
                    .manifestInvalid(problem: .malformed, document: index + 1, label: label, pageCount: pageCount))
            }
            let range = document.pages[0]...document.pages[1]
            if range.lowerBound < 1 || range.upperBound > pageCount {
                return .invalid(
                    .manifestInvalid(problem: .outOfRange, document: index + 1, label: label, pageCount: pageCount))
            }
            if range.lowerBound < nextPage {
                return .invalid(
                    .manifestInvalid(problem: .overlap, document: index + 1, label: label, pageCount: pageCount))
            }
            if range.lowerBound > nextPage {
                return .invalid(
                    .manifestInvalid(problem: .gap, document: index + 1, label: label, pageCount: pageCount))
            }
            documents.append(PlannedDocument(title: document.title, type: document.type, pages: range))
            nextPage = range.upperBound + 1
        }
        guard !documents.isEmpty, nextPage == pageCount + 1 else {
            return .invalid(
                .manifestInvalid(
                    problem: .uncovered, document: documents.count, label: "pages \(nextPage)–\(pageCount)",
                    pageCount: pageCount))
        }
        return .valid(documents)
    }

    /// One document per top-level bookmark that opens a page, in page order even when the outline is not;
    /// pages before the first bookmark form a document of their own, titled `untitledTitle`.
    public static func plan(outline: [OutlineEntry], pageCount: Int, untitledTitle: String) -> [PlannedDocument] {
        guard pageCount > 0 else { return [] }
        var starts: [(page: Int, title: String)] = []
        for entry in outline {
            guard let page = entry.page, (1...pageCount).contains(page), !starts.contains(where: { $0.page == page })
            else { continue }
            starts.append((page, entry.title))
        }
        starts.sort { $0.page < $1.page }
        if let first = starts.first, first.page > 1 { starts.insert((1, untitledTitle), at: 0) }
        guard starts.count > 1 else {
            return [PlannedDocument(title: starts.first?.title ?? untitledTitle, type: nil, pages: 1...pageCount)]
        }
        return starts.enumerated().map { index, start in
            let end = index + 1 < starts.count ? starts[index + 1].page - 1 : pageCount
            return PlannedDocument(title: start.title, type: nil, pages: start.page...end)
        }
    }
}

/// A manifest checked against its bundle: the documents, or the finding that says which range is wrong.
public enum ManifestPlan: Hashable, Sendable {
    case valid([PlannedDocument])
    case invalid(Finding)
}

extension SplitPlanner {
    /// The runs of pages between separator sheets, which are dropped; each run is a document titled
    /// `"\(title) (n)"`. Empty when no page separates anything.
    public static func plan(separators: Set<Int>, pageCount: Int, title: String) -> [PlannedDocument] {
        guard pageCount > 0, !separators.isEmpty else { return [] }
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for page in 1...pageCount {
            if separators.contains(page) {
                if let first = start { runs.append(first...(page - 1)) }
                start = nil
            } else if start == nil {
                start = page
            }
        }
        if let first = start { runs.append(first...pageCount) }
        return runs.enumerated().map { index, pages in
            PlannedDocument(title: "\(title) (\(index + 1))", type: nil, pages: pages)
        }
    }
}

extension FindingCode {
    public static let splitManifestInvalid = FindingCode(rawValue: "split.manifest_invalid")
}

/// What is wrong with a manifest's ranges.
public enum ManifestProblem: String, Sendable {
    case malformed, outOfRange = "out_of_range", overlap, gap, uncovered
}

extension Finding {
    static func manifestInvalid(problem: ManifestProblem, document: Int, label: String, pageCount: Int) -> Finding {
        let (ja, en): (String, String) =
            switch problem {
            case .malformed:
                (
                    "ページ範囲は [最初, 最後] の形で書いてくださ"
                        + "い", "a page range must be written [first, last]"
                )
            case .outOfRange:
                (
                    "この PDF は \(pageCount) ページしかありませ"
                        + "ん", "the PDF has only \(pageCount) pages"
                )
            case .overlap: ("前の書類とページが重なっています", "it overlaps the previous document")
            case .gap:
                (
                    "前の書類との間に含まれないページがありま"
                        + "す", "it leaves pages out after the previous document"
                )
            case .uncovered:
                (
                    "どの書類にも含まれないページがありま"
                        + "す", "these pages belong to no document"
                )
            }
        return Finding(
            code: .splitManifestInvalid, severity: .error,
            message: LocalizedMessage(
                ja: "書類一覧（マニフェスト）の \(document) 番目 \(label) が正しくありません: "
                    + "\(ja)。"
                    + "各書類のページ範囲が重ならず、すき間なく全ページを覆うように直し"
                    + "て、もう一度送ってください。",
                en: "Document \(document) of the manifest, \(label), is not valid: \(en). Give each document a page "
                    + "range so that together they cover every page once, in order, and send it again."),
            detail: [
                "problem": .string(problem.rawValue), "document": .int(Int64(document)), "range": .string(label),
                "pages": .int(Int64(pageCount)),
            ])
    }
}
