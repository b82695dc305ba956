import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication
import IntakeCore

/// An RFC 9457 problem: what went wrong, with a stable `code`, a message in both languages that names the number
/// and the fix, and the numbers themselves. Never a library's message or a stack trace.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: LocalizedMessage
    /// `limit_bytes`, `declared_bytes`, `remaining_bytes` and the like.
    public var numbers: [String: Int64]
    /// Ids the client needs (the `upload` kept for audit when a document was refused).
    public var ids: [String: String]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, ja: String, en: String, numbers: [String: Int64] = [:],
        ids: [String: String] = [:], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        message = LocalizedMessage(ja: ja, en: en)
        self.numbers = numbers
        self.ids = ids
        self.headers = headers
    }

    /// A finding as a problem: its code and message, and its numbers as the contract names them.
    public init(_ status: HTTPResponse.Status, finding: Finding, declaredBytes: Int64? = nil) {
        self.init(status, code: finding.code.rawValue, ja: finding.message.ja, en: finding.message.en)
        for (key, value) in finding.detail {
            if case .int(let number) = value { numbers[key] = number }
        }
        if let limit = numbers["limit"] { numbers["limit_bytes"] = limit }
        if let declaredBytes {
            numbers["declared_bytes"] = declaredBytes
            if let limit = numbers["limit"] {
                let used = (numbers["total"] ?? declaredBytes) - declaredBytes
                numbers["remaining_bytes"] = max(0, limit - used)
            }
        }
    }

    /// The problem+json response, its `detail` in the language the client asked for (ja unless it prefers en).
    func response(requestId: String, acceptLanguage: String?) -> Response {
        let english = acceptLanguage.map { $0.lowercased().hasPrefix("en") } ?? false
        var document: [String: JSONValue] = [
            "type": .string("/problems/\(code)"), "title": .string(message.en.firstSentence),
            "status": .int(Int64(status.code)), "detail": .string(english ? message.en : message.ja),
            "code": .string(code), "message": .object(["ja": .string(message.ja), "en": .string(message.en)]),
            "request_id": .string(requestId),
        ]
        for (key, value) in numbers { document[key] = .int(value) }
        for (key, value) in ids { document[key] = .string(value) }
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let body = (try? IntakeJSON.encode(document, pretty: false)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A JSON value for documents whose keys are not fixed.
enum JSONValue: Encodable, Sendable {
    case string(String)
    case int(Int64)
    case object([String: JSONValue])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .int(let number): try container.encode(number)
        case .object(let object): try container.encode(object)
        }
    }
}

extension String {
    /// Up to the first full stop: a problem's short `title`.
    fileprivate var firstSentence: String {
        guard let stop = firstIndex(of: ".") else { return self }
        return String(self[...stop])
    }
}

/// The problems of the HTTP face itself (`auth.*`, `request.*`, `upload.*`, `service.*`), in both languages.
extension Problem {
    static func unauthorized(invalid: Bool) -> Problem {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] =
            invalid ? #"Bearer realm="intake", error="invalid_token""# : #"Bearer realm="intake""#
        return Problem(
            .unauthorized, code: "auth.unauthorized",
            ja: "認証が必要です。発行されたトークンを Authorization: Bearer ヘッダーで送って"
                + "ください。",
            en: "Authentication is needed. Send the token you were issued in an Authorization: Bearer header.",
            headers: headers)
    }

    static func insufficientScope(_ needed: TokenScope) -> Problem {
        Problem(
            .forbidden, code: "auth.insufficient_scope",
            ja: "このトークンでは行えない操作です（必要な権限: \(needed.rawValue)）。権限の"
                + "あるトークンを使ってください。",
            en: "This token may not do that: it needs the \(needed.rawValue) scope. Use a token that has it.")
    }

    static func notFound(_ what: String) -> Problem {
        Problem(
            .notFound, code: "request.not_found",
            ja: "\(what)は見つかりません。番号を確かめてください。",
            en: "No such \(what). Check the id.")
    }

    static func invalidRequest(_ en: String, ja: String) -> Problem {
        Problem(.badRequest, code: "request.invalid", ja: ja, en: en)
    }

    static let lengthRequired = Problem(
        .lengthRequired, code: "upload.length_required",
        ja: "Content-Length ヘッダーが必要です。ファイルは 1 リクエストに 1 つ、長さを付け"
            + "て送ってください（chunked は使えません）。",
        en: "A Content-Length header is needed: send one file per request with its length, not chunked.")

    static let multipart = Problem(
        .unsupportedMediaType, code: "upload.multipart_not_supported",
        ja: "multipart 形式は受け付けていません。ファイルそのものを本文として送ってくだ"
            + "さい（1 リクエストに 1 ファイル）。",
        en: "Multipart bodies are not taken: send the file itself as the body, one file per request.")

    static let digestMismatch = Problem(
        .badRequest, code: "upload.digest_mismatch",
        ja: "受け取った内容の SHA-256 が Repr-Digest と一致しません。通信中に壊れた可能性が"
            + "あります。もう一度送ってください。",
        en: "The SHA-256 of what arrived does not match Repr-Digest: the file was damaged on the way. Send it again.")

    static func incomplete() -> Problem {
        Problem(
            .badRequest, code: "upload.incomplete",
            ja: "ファイルが最後まで届きませんでした。何も保存していません。もう一度送"
                + "ってください。",
            en: "The file did not arrive in full; nothing was stored. Send it again.")
    }

    static let keyReused = Problem(
        .unprocessableContent, code: "idempotency.key_reused",
        ja: "この Idempotency-Key は別の内容の送信に使われています。新しいファイルには新"
            + "しいキーを付けてください。",
        en: "This Idempotency-Key was used for a different request. Use a new key for a new file.")

    static func webhookNotAllowed(_ reason: String) -> Problem {
        Problem(
            .badRequest, code: "webhook.url_not_allowed",
            ja: "この URL には webhook を送れません（\(reason)）。webhooks.allowed_hosts に"
                + "ある http または https の URL を指定してください。",
            en: "Webhooks cannot go to this URL (\(reason)). Give an http or https URL on a host that "
                + "webhooks.allowed_hosts lists.")
    }

    // The refusals below leave an upload's body unread: `Connection: close` makes the middleware stop reading it.

    static let draining = Problem(
        .serviceUnavailable, code: "service.draining",
        ja: "サービスは停止処理中のため受け付けていません。しばらくしてからもう一度"
            + "送ってください。",
        en: "The service is shutting down and takes nothing new. Send again in a moment.",
        headers: [.retryAfter: "5", .connection: "close"])

    static func overloaded(limit: Int) -> Problem {
        Problem(
            .serviceUnavailable, code: "service.overloaded",
            ja: "同時に受け付けられるアップロード（\(limit) 件）を超えています。少し待っ"
                + "てからもう一度送ってください。",
            en: "More than \(limit) uploads are in progress at once. Wait a moment and send again.",
            numbers: ["limit": Int64(limit)], headers: [.retryAfter: "2", .connection: "close"])
    }

    static func insufficientStorage(free: Int64, minimum: Int64) -> Problem {
        Problem(
            HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), code: "service.insufficient_storage",
            ja: "保存領域の空きが不足しているため、アップロードを受け付けられません。"
                + "時間をおいてもう一度送ってください。",
            en: "The service is short of storage space and cannot take uploads now. Send again later.",
            numbers: ["free_bytes": free, "minimum_bytes": minimum], headers: [.retryAfter: "60", .connection: "close"])
    }

    static let timedOut = Problem(
        .requestTimeout, code: "request.timeout",
        ja: "送信に時間がかかりすぎたため打ち切りました。何も保存していません。通信"
            + "環境を確かめて、もう一度送ってください。",
        en: "The request took too long and was cut off; nothing was stored. Check the connection and send again.",
        headers: [.connection: "close"])

    static let internalError = Problem(
        .internalServerError, code: "service.internal_error",
        ja: "サービス内部で問題が起きました。時間をおいてもう一度お試しください。解"
            + "決しない場合は Request-Id を添えてお問い合わせください。",
        en: "Something went wrong inside the service. Try again later; if it persists, contact us with the Request-Id.")

    static let unavailable = Problem(
        .serviceUnavailable, code: "service.unavailable",
        ja: "保存先に一時的に書き込めません。しばらくしてからもう一度送ってください"
            + "。",
        en: "Storage is briefly unavailable. Send again in a moment.", headers: [.retryAfter: "5"])
}

extension HTTPField.Name {
    static let requestId = HTTPField.Name("Request-Id")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let reprDigest = HTTPField.Name("Repr-Digest")!
    static let intakeManifest = HTTPField.Name("Intake-Manifest")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let lastEventId = HTTPField.Name("Last-Event-ID")!
}
