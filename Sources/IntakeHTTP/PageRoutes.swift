import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication

/// The applicant's page (`GET /`) and the admin console (`GET /admin`): plain HTML, CSS and JavaScript from the
/// package's resources, served as they are. Both are clients of the `/v1` API and nothing else; they fetch nothing
/// from any other host, so they work where no CDN is reachable.
struct PageRoutes {
    /// The pages and their assets, read once when the router is made: a missing file fails at start-up, not on a
    /// visitor's request.
    let files: [String: ByteBuffer]

    /// Each asset's name under `/pages/` and its type. Routes are listed, never taken from the path, so no request
    /// can name a file outside these.
    static let assets: [(name: String, type: String)] = [
        ("intake.css", "text/css; charset=utf-8"), ("common.js", "text/javascript; charset=utf-8"),
        ("applicant.js", "text/javascript; charset=utf-8"), ("admin.js", "text/javascript; charset=utf-8"),
    ]

    /// No inline script; styles from this host, plus the trial report's one inline style sheet, which the admin
    /// page shows in a sandboxed frame; images from this host or from `blob:` (the applicant's photo, fetched with
    /// its token); requests to this host only; no framing by anyone.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self' \(TrialReportPage.styleHash)",
        "img-src 'self' blob:", "connect-src 'self'", "frame-src 'self'", "form-action 'none'",
        "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    init() throws {
        guard let folder = Bundle.module.url(forResource: "Pages", withExtension: nil) else {
            throw IntakeError(.storage, "the pages' resources are missing beside the binary")
        }
        var files: [String: ByteBuffer] = [:]
        for name in ["applicant.html", "admin.html"] + Self.assets.map(\.name) {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            files[name] = ByteBuffer(bytes: data)
        }
        self.files = files
    }

    func register(in router: Router<IntakeRequestContext>) {
        router.get("/") { request, _ in page("applicant.html", request) }
        router.get("admin") { request, _ in page("admin.html", request) }
        for asset in Self.assets {
            let body = files[asset.name]!
            router.get("pages/\(asset.name)") { _, _ in
                var headers = Self.headers
                headers[.contentType] = asset.type
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            }
        }
    }

    /// A page in the language asked for (`?lang=en`; Japanese by default), which its `lang` attribute states
    /// before any script runs.
    func page(_ name: String, _ request: Request) -> Response {
        var body = files[name]!
        if request.uri.queryParameters.get("lang") == "en" {
            let text = String(buffer: body).replacingOccurrences(
                of: "<html lang=\"ja\">", with: "<html lang=\"en\">")
            body = ByteBuffer(string: text)
        }
        var headers = Self.headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    static let headers: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy, .xFrameOptions: "DENY", .referrerPolicy: "no-referrer",
        .xContentTypeOptions: "nosniff", .cacheControl: "no-cache",
    ]
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
