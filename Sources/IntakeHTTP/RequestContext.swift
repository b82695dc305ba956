import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication
import IntakeCore
import Logging
import NIOCore

/// Each request's context: Hummingbird's core storage, and who is asking once the bearer token is checked.
public struct IntakeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil before authentication and on the public routes (`/healthz`, `/readyz`).
    public var caller: Caller?
    /// The connection, so that a refusal at the door can stop reading a body it will never use.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        caller = nil
        channel = source.channel
    }

    /// JSON bodies are capped at 64 KiB, whatever `Content-Length` claims (uploads are streamed, never decoded).
    public var maxUploadSize: Int { 64 * 1024 }

    /// JSON bodies are snake_case, as the responses are.
    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// The authenticated caller, if it has `scope`; else a 403 `auth.insufficient_scope` (or 401 without a token).
    func caller(needing scope: TokenScope) throws -> Caller {
        guard let caller else { throw Problem.unauthorized(invalid: false) }
        guard caller.has(scope) else { throw Problem.insufficientScope(scope) }
        return caller
    }

    /// The uploader an upload-scoped request acts as.
    func uploader() throws -> String {
        switch try caller(needing: .upload) {
        case .operator: "admin"
        case .token(let uploader, _): uploader
        }
    }
}

/// Outermost: every response carries `Request-Id`, and every error becomes problem+json. The real cause of an
/// unexpected error is logged with the request id, never sent.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = IntakeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = problem(for: error, context: context).response(
                requestId: context.id, acceptLanguage: request.headers[.acceptLanguage])
        }
        response.headers[.requestId] = context.id
        if response.headers[.connection] == "close" {
            response.body = Self.closingInput(response.body, context.channel)
        }
        return response
    }

    /// The body, after which the connection stops reading. Hummingbird would otherwise read the rest of an unread
    /// request body before the next request, so a 413 at the door would still take in the whole upload; closing
    /// the input ends the connection once the answer is out, and the sender sees the 413 and a closed socket.
    static func closingInput(_ body: ResponseBody, _ channel: any Channel) -> ResponseBody {
        ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            channel.close(mode: .input, promise: nil)
        }
    }

    private func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as IntakeError:
            return Self.problem(for: error)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("resource")
            case .contentTooLarge: return Self.tooLarge
            case .methodNotAllowed:
                return Problem(
                    .methodNotAllowed,
                    code: "request.method_not_allowe"
                        + "d", ja: "このメソッドは使えません。",
                    en: "That method is not allowed here.")
            case .badRequest:
                return .invalidRequest(
                    "The request could not be read"
                        + ".", ja: "リクエストを読み取れませんでした。")
            default:
                context.logger.error("Request failed", metadata: ["intake.error": "\(error.status.code)"])
                return .internalError
            }
        case is NIOTooManyBytesError:
            return Self.tooLarge
        case is DecodingError:
            return .invalidRequest(
                "The JSON body does not have the fields this endpoint takes"
                    + ".", ja: "JSON 本文の項目が正しくありません。")
        default:
            context.logger.error("Request failed", metadata: ["intake.error": "\(error)"])
            return .internalError
        }
    }

    static let tooLarge = Problem(
        .contentTooLarge,
        code: "request.too_larg"
            + "e", ja: "リクエスト本文が大きすぎます（JSON は 64 KiB まで）。",
        en: "The request body is too large (JSON: 64 KiB at most).")

    /// An application error as the contract's status codes: refusals by their finding's code.
    static func problem(for error: IntakeError) -> Problem {
        switch error.code {
        case .notFound: return .notFound("resource")
        case .refused:
            guard let finding = error.finding else { return .internalError }
            return Problem(status(for: finding.code), finding: finding)
        case .invalidRequest:
            return .invalidRequest(
                error.message, ja: "リクエストの内容が正しくありません: \(error.message)")
        // Over HTTP the only source that can fail to be read is the request body: it broke off.
        case .fileUnreadable: return .incomplete()
        case .digestMismatch: return .digestMismatch
        case .idempotencyKeyReused: return .keyReused
        case .webhookURLNotAllowed: return .webhookNotAllowed(error.message)
        case .storage, .inspectorUnavailable: return .unavailable
        default: return .internalError
        }
    }

    static func status(for code: FindingCode) -> HTTPResponse.Status {
        switch code.rawValue {
        case "case.not_found": .notFound
        case "case.forbidden", "application.forbidden": .forbidden
        case "case.not_accepting", "case.invalid_transition", "application.receipt_mismatch",
            "application.receipt_taken":
            .conflict
        case let size where size.hasPrefix("size.") || size == "photo.file_too_large": .contentTooLarge
        default: .unprocessableContent
        }
    }
}

/// Resolves `Authorization: Bearer …` to a caller; 401 with `WWW-Authenticate` when missing or unknown.
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = IntakeRequestContext
    let service: IntakeService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Problem.unauthorized(invalid: false)
        }
        guard let caller = try await service.authenticate(bearer: String(header.dropFirst(7))) else {
            throw Problem.unauthorized(invalid: true)
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}
