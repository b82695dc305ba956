import ContentAddressing
import Foundation
import IntakeCore

/// The trial as one self-contained HTML page: inline SVG charts drawn here, inline CSS, no scripts, nothing
/// fetched — a manager can open it offline.
public enum TrialReportPage {
    /// The report's one style sheet, inline so the page stands alone. A page that shows the report in a frame
    /// allows exactly this text by its hash (`styleHash`) rather than any inline style.
    public static let styleSheet = """
        body { font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans CJK JP", sans-serif;
               margin: 2rem auto; max-width: 980px; color: #1d2330; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
        .sub { color: #5b6475; margin-top: 0; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { border-bottom: 1px solid #d9dde5; padding: .45rem .5rem; text-align: left; }
        th { background: #f3f5f9; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .cards { display: flex; gap: 1rem; flex-wrap: wrap; }
        .card { background: #f3f5f9; border-radius: 8px; padding: .7rem 1rem; min-width: 150px; }
        .card b { display: block; font-size: 1.3rem; }
        svg text { font-family: inherit; }
        ul.assumptions li { margin-bottom: .35rem; }
        """

    /// `'sha256-…'` of `styleSheet`, as a `Content-Security-Policy` source.
    public static let styleHash: String = {
        let hex = Array(styleSheet.utf8).withUnsafeBytes { Digest.sha256Hex($0) }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return "'sha256-\(Data(bytes).base64EncodedString())'"
    }()

    public static func render(_ report: TrialReport, generatedAt: Date) -> String {
        let rows = report.outcomes.map { outcome in
            """
            <tr><td>\(label(outcome.candidate))</td>\
            <td>\(outcome.candidate.fileLimit.map { "\($0)" } ?? "—")</td>\
            <td class="n">\(grouped(outcome.applicationsWithin))</td><td class="n">\(grouped(outcome.applicationsOver))</td>\
            <td class="n">\(percent(outcome.shareWithin))</td>\
            <td class="n">\(ByteSize(bytes: outcome.bytesWithin))</td>\
            <td class="n">\(storage(outcome.storagePerYearBytes))</td>\
            <td class="n">\(coreHours(outcome.cpuSecondsPerYear))</td></tr>
            """
        }.joined(separator: "\n")
        let cost = report.cost
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Intake size-limit trial</title>
            <style>\(styleSheet)</style></head><body>
            <h1>Size-limit trial</h1>
            <p class="sub">What each candidate limit would mean for applications, storage and worker time.
            Source: \(escape(report.source)); generated \(generatedAt.formatted(.iso8601)) by <code>intake trial</code>.
            No verdict was changed.</p>
            <div class="cards">
            <div class="card">applications<b>\(grouped(report.applications))</b></div>
            <div class="card">files<b>\(grouped(report.files))</b></div>
            <div class="card">median application<b>\(ByteSize(bytes: report.percentiles.p50))</b></div>
            <div class="card">90th percentile<b>\(ByteSize(bytes: report.percentiles.p90))</b></div>
            <div class="card">99th percentile<b>\(ByteSize(bytes: report.percentiles.p99))</b></div>
            </div>
            <h2>Distribution of application sizes</h2>
            \(distributionChart(report))
            <h2>Share of applications within each limit</h2>
            \(shareChart(report))
            <h2>Candidates</h2>
            <table><thead><tr><th>total limit</th><th>file limit</th><th>within</th><th>over</th><th>share within</th>
            <th>bytes within</th><th>storage a year</th><th>worker CPU a year</th></tr></thead>
            <tbody>
            \(rows)
            </tbody></table>
            <h2>Assumptions</h2>
            <ul class="assumptions">
            <li>An application is <em>within</em> a limit when its photo and attachments together are at most the
            limit (exactly at the limit is within) and, when a file limit is given, every file is at most it. Additional
            documents are not counted: they have their own allowance.</li>
            <li>Rate: \(escape(report.rateBasis)). Yearly figures scale the sample's accepted applications to
            \(grouped(Int(report.applicationsPerYear.rounded()))) applications a year.</li>
            <li>Storage a year: the bytes of the applications within the limit, scaled to a year; originals only,
            before replication or backup copies.</li>
            <li>Worker CPU a year: \(String(format: "%.2f", cost.secondsPerFile * 1000)) ms a file
            + \(String(format: "%.2f", cost.secondsPerMB * 1000)) ms a megabyte
            + \(String(format: "%.2f", cost.secondsPerPage * 1000)) ms a page (\(escape(cost.basis))), for the applications
            within the limit, scaled to a year.</li>
            <li>Sizes are those stored or imported; no file was parsed for this trial.</li>
            </ul>
            </body></html>
            """
    }

    // MARK: Charts

    static let candidateColours = ["#c0392b", "#d68910", "#1e8449", "#7d3c98", "#2471a3", "#ba4a00"]

    /// A histogram of application sizes on a logarithmic axis, the cumulative share as a line, and each candidate
    /// limit as a vertical line labelled with its share.
    public static func distributionChart(_ report: TrialReport) -> String {
        // Candidate labels form a legend above the plot, one line each, so they never cover bars or each other.
        let legendHeight = 18.0 * Double(report.outcomes.count)
        let width = 940.0, height = 340.0 + legendHeight
        let left = 60.0, right = 60.0, top = 20.0 + legendHeight, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let sizes = report.sortedSizes.filter { $0 > 0 }
        guard let smallest = sizes.first, let largest = sizes.last else {
            return "<p>No applications with files.</p>"
        }
        let limits = report.outcomes.map { Double($0.candidate.totalLimit.bytes) }
        let low = floor(log10(Double(min(smallest, Int64(limits.min() ?? Double(smallest))))))
        let high = ceil(log10(max(Double(largest), limits.max() ?? 0) * 1.0001))
        let span = max(high - low, 1)
        func x(_ bytes: Double) -> Double { left + (log10(max(bytes, 1)) - low) / span * plotWidth }

        let binCount = 48
        var bins = [Int](repeating: 0, count: binCount)
        for size in sizes {
            let position = (log10(Double(size)) - low) / span
            bins[min(binCount - 1, max(0, Int(position * Double(binCount))))] += 1
        }
        let tallest = Double(bins.max() ?? 1)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" \
            role="img" aria-label="Histogram of application sizes with candidate limits">
            <rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)" fill="#fafbfd" stroke="#d9dde5"/>

            """
        let binWidth = plotWidth / Double(binCount)
        for (index, count) in bins.enumerated() where count > 0 {
            let barHeight = Double(count) / tallest * plotHeight
            svg += """
                <rect x="\(fmt(left + Double(index) * binWidth + 0.5))" y="\(fmt(top + plotHeight - barHeight))" \
                width="\(fmt(binWidth - 1))" height="\(fmt(barHeight))" fill="#7f9cc7"/>

                """
        }
        // Cumulative share, sampled at each bin's right edge.
        var points: [String] = []
        var cumulative = 0
        for (index, count) in bins.enumerated() {
            cumulative += count
            let share = Double(cumulative) / Double(sizes.count)
            points.append("\(fmt(left + Double(index + 1) * binWidth)),\(fmt(top + plotHeight - share * plotHeight))")
        }
        svg +=
            "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>\n"
        // Axes: powers of ten below, counts left, cumulative share right.
        for exponent in Int(low)...Int(high) {
            let position = x(pow(10, Double(exponent)))
            svg += """
                <line x1="\(fmt(position))" y1="\(top + plotHeight)" x2="\(fmt(position))" y2="\(top + plotHeight + 5)" stroke="#5b6475"/>
                <text x="\(fmt(position))" y="\(top + plotHeight + 20)" font-size="12" text-anchor="middle" fill="#5b6475">\
                \(ByteSize(bytes: Int64(pow(10, Double(exponent)))))</text>

                """
        }
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight - fraction * plotHeight
            svg += """
                <text x="\(left - 8)" y="\(fmt(y + 4))" font-size="12" text-anchor="end" fill="#5b6475">\(Int(fraction * tallest))</text>
                <text x="\(left + plotWidth + 8)" y="\(fmt(y + 4))" font-size="12" fill="#5b6475">\(Int(fraction * 100)) %</text>

                """
        }
        svg += """
            <text x="\(left + plotWidth / 2)" y="\(height - 8)" font-size="12" text-anchor="middle" fill="#5b6475">\
            application size (photo and attachments), logarithmic scale — bars: applications; line: cumulative share</text>

            """
        for (index, outcome) in report.outcomes.enumerated() {
            let colour = candidateColours[index % candidateColours.count]
            let position = x(Double(outcome.candidate.totalLimit.bytes))
            svg += """
                <line x1="\(fmt(position))" y1="\(top)" x2="\(fmt(position))" y2="\(top + plotHeight)" stroke="\(colour)" \
                stroke-width="2" stroke-dasharray="6 4"/>
                <line x1="\(left)" y1="\(fmt(8 + Double(index) * 18))" x2="\(left + 24)" y2="\(fmt(8 + Double(index) * 18))" \
                stroke="\(colour)" stroke-width="2" stroke-dasharray="6 4"/>
                <text x="\(left + 30)" y="\(fmt(12 + Double(index) * 18))" font-size="12" fill="\(colour)">\
                \(label(outcome.candidate)): \(percent(outcome.shareWithin)) of applications within</text>

                """
        }
        return svg + "</svg>"
    }

    /// One horizontal bar per candidate: the share of applications within it.
    public static func shareChart(_ report: TrialReport) -> String {
        let width = 940.0, rowHeight = 34.0, left = 170.0, right = 90.0
        let height = rowHeight * Double(report.outcomes.count) + 30
        let plotWidth = width - left - right
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" \
            role="img" aria-label="Share of applications within each candidate limit">

            """
        for (index, outcome) in report.outcomes.enumerated() {
            let y = 10 + Double(index) * rowHeight
            let colour = candidateColours[index % candidateColours.count]
            svg += """
                <text x="\(left - 10)" y="\(fmt(y + 19))" font-size="13" text-anchor="end" fill="#1d2330">\(label(outcome.candidate))</text>
                <rect x="\(left)" y="\(fmt(y + 4))" width="\(fmt(plotWidth))" height="22" fill="#eef1f6"/>
                <rect x="\(left)" y="\(fmt(y + 4))" width="\(fmt(plotWidth * outcome.shareWithin))" height="22" fill="\(colour)"/>
                <text x="\(fmt(left + plotWidth + 8))" y="\(fmt(y + 19))" font-size="13" fill="#1d2330">\(percent(outcome.shareWithin))</text>

                """
        }
        return svg + "</svg>"
    }

    // MARK: Formatting

    public static func label(_ candidate: TrialCandidate) -> String {
        candidate.fileLimit.map { "\(candidate.totalLimit) (files ≤ \($0))" } ?? "\(candidate.totalLimit)"
    }

    public static func percent(_ share: Double) -> String { String(format: "%.1f %%", share * 100) }

    public static func storage(_ bytes: Double) -> String {
        bytes >= 1e12 ? String(format: "%.2f TB", bytes / 1e12) : String(format: "%.1f GB", bytes / 1e9)
    }

    public static func coreHours(_ seconds: Double) -> String {
        let hours = seconds / 3600
        return hours < 10 ? String(format: "%.1f core-hours", hours) : "\(grouped(Int(hours.rounded()))) core-hours"
    }

    public static func grouped(_ value: Int) -> String {
        let digits = Array(String(abs(value)))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return value < 0 ? "-" + text : text
    }

    public static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
