import Foundation
import Glibc
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeApplication
import IntakeCore
import IntakeTestSupport
import NIOCore
import Testing

/// Real connections to a live server on loopback.
@Suite("HTTP over real connections")
struct LiveTests {
    @Test("A body over the limit is refused with 413 before a byte of it is sent, and the connection is closed")
    func earlyRefusal() async throws {
        let harness = try HTTPHarness { $0.policy.fileLimit = ByteSize(bytes: 1_000_000) }
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.live) { client in
            let port = try #require(client.port)
            let head = [
                "POST /v1/applications/APP-1/uploads HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 100000000",
                "Content-Type: application/pdf", "Authorization: \(auth[.authorization]!)", "", "",
            ].joined(separator: "\r\n")
            // Only the head goes out: the answer must come without the 100 MB that would follow.
            let connection = try RawConnection(port: port)
            connection.send(head)
            let answer = try await connection.detachedRead(until: "size.file_over_limit", end: "}", for: .seconds(20))
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(answer.contains("size.file_over_limit"))
            #expect(answer.lowercased().contains("connection: close"))
            // The server stops reading rather than take in 100 MB only to throw it away: the connection ends.
            #expect(await connection.detachedEndsWithin(.seconds(20)), "connection closed by the server")
        }
        #expect(try await harness.service.applicationIds().isEmpty, "nothing stored")
    }

    @Test("A body that ends early leaves no upload and no file behind")
    func truncatedBody() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.live) { client in
            let port = try #require(client.port)
            let head = [
                "POST /v1/applications/APP-1/uploads HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 5000000",
                "Authorization: \(auth[.authorization]!)", "", "",
            ].joined(separator: "\r\n")
            let connection = try RawConnection(port: port)
            connection.send(head + String(repeating: "%", count: 1_000_000))
            connection.close()
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(try await harness.service.applicationIds().isEmpty)
        let temporary = harness.service.settings.storage.blobFolder + "/tmp"
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, "no partial file")
    }
}

/// The bounds a hostile or unlucky client meets: too many uploads at once, a sender too slow, a full disk.
@Suite("HTTP protection")
struct ProtectionTests {
    static func head(_ auth: HTTPFields, length: Int, application: String = "APP-1") -> String {
        [
            "POST /v1/applications/\(application)/uploads HTTP/1.1", "Host: 127.0.0.1", "Content-Length: \(length)",
            "Content-Type: application/pdf", "Authorization: \(auth[.authorization]!)", "", "",
        ].joined(separator: "\r\n")
    }

    @Test("Past server.max_concurrent_uploads, an upload is 503 service.overloaded with Retry-After")
    func overloaded() async throws {
        let harness = try HTTPHarness { $0.server.maxConcurrentUploads = 1 }
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.live) { client in
            let port = try #require(client.port)
            // The first upload sends a part of its body and holds its place in the gate.
            let slow = try RawConnection(port: port)
            slow.send(Self.head(auth, length: 1_000_000) + String(repeating: "%", count: 1000))
            try await Task.sleep(for: .milliseconds(500))
            let second = try RawConnection(port: port)
            second.send(Self.head(auth, length: 10, application: "APP-2"))
            let answer = try await second.detachedRead(until: "service.overloaded", end: "}", for: .seconds(10))
            #expect(answer.hasPrefix("HTTP/1.1 503"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("retry-after: 2"))
            #expect(await second.detachedEndsWithin(.seconds(5)), "its unread body is not waited for")
            slow.close()
        }
    }

    @Test("A sender slower than server.request_timeout gets 408 request.timeout, and nothing is stored")
    func slowSender() async throws {
        let harness = try HTTPHarness { $0.server.requestTimeout = .seconds(1) }
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send(Self.head(auth, length: 1_000_000) + String(repeating: "%", count: 1000))
            let answer = try await connection.detachedRead(until: "request.timeout", end: "}", for: .seconds(10))
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
            #expect(await connection.detachedEndsWithin(.seconds(5)))
        }
        #expect(try await harness.service.applicationIds().isEmpty)
        let temporary = harness.service.settings.storage.blobFolder + "/tmp"
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, "no partial file")
    }

    @Test("Below server.min_free_disk, uploads are 507 service.insufficient_storage and /readyz is 503")
    func diskShort() async throws {
        let harness = try HTTPHarness { $0.server.minFreeDisk = ByteSize(bytes: Int64.max / 2) }
        let auth = try await harness.authorization("emp-1")
        try await harness.application.test(.router) { client in
            let refused = try await client.execute(
                uri: "/v1/applications/APP-1/uploads", method: .post, headers: auth.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            #expect(refused.status.code == 507)
            #expect(refused.object["code"] as? String == "service.insufficient_storage")
            #expect((refused.object["minimum_bytes"] as? NSNumber)?.int64Value == Int64.max / 2)
            #expect(refused.headers[.retryAfter] == "60")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(String(buffer: ready.body).contains("min_free_disk"))
        }
        #expect(try await harness.service.applicationIds().isEmpty)
    }
}

/// The events stream over a real connection.
@Suite("HTTP events")
struct EventStreamTests {
    func request(_ path: String, token: String, lastEventId: Int? = nil) -> String {
        (["GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Authorization: \(token)"]
            + (lastEventId.map { ["Last-Event-ID: \($0)"] } ?? []) + ["", ""]).joined(separator: "\r\n")
    }

    @Test("Events arrive as they happen, with monotonic ids; Last-Event-ID resumes after the last one seen")
    func streamAndResume() async throws {
        let harness = try HTTPHarness()
        let auth = try await harness.authorization("emp-1")
        let token = auth[.authorization]!
        try await harness.application.test(.live) { client in
            _ = try await client.execute(
                uri: "/v1/applications/APP-1/uploads?receipt=R-1", method: .post, headers: auth.upload(named: "a.pdf"),
                body: try corpusBody("plain.pdf"))
            let port = try #require(client.port)
            let stream = try RawConnection(port: port)
            stream.send(request("/v1/applications/APP-1/events", token: token))
            let opening = try await stream.detachedRead(until: "event: upload.received", for: .seconds(20))
            #expect(opening.hasPrefix("HTTP/1.1 200"))
            #expect(opening.contains("text/event-stream"))
            // Something happens while the client listens: a reviewer asks for more documents.
            _ = try await harness.service.setCaseState(receipt: "R-1", to: .awaitingAdditional, actor: "rev")
            let live = try await stream.detachedRead(until: "event: case.state_changed", for: .seconds(20))
            #expect(live.contains("awaiting_additional"))
            stream.close()
            // `\r\n` is one Character in Swift: split on every newline, chunked framing included.
            let ids = (opening + live).split(whereSeparator: \.isNewline).filter { $0.hasPrefix("id: ") }.compactMap {
                Int($0.dropFirst(4))
            }
            #expect(ids.count == 2 && ids[0] < ids[1])
            let resumed = try RawConnection(port: port)
            resumed.send(request("/v1/applications/APP-1/events", token: token, lastEventId: ids[0]))
            let rest = try await resumed.detachedRead(until: "event: case.state_changed", for: .seconds(20))
            #expect(!rest.contains("event: upload.received"), "nothing already seen is sent again")
            resumed.close()
            let stranger = try await harness.authorization("emp-2")
            let hidden = try await client.execute(uri: "/v1/applications/APP-1/events", method: .get, headers: stranger)
            #expect(hidden.status == .notFound)
            harness.api.startDraining()
        }
    }
}

/// A plain TCP connection to loopback, for requests no HTTP client would send.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { Glibc.close(socket) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if result <= 0 { return }
            sent += result
        }
    }

    func close() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// Reads until what has arrived contains `marker` (and the blank line that ends its message), or `duration`
    /// passes.
    func read(until marker: String, end: String = "\n\n", for duration: Duration) throws -> String {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + duration
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            let text = String(decoding: received, as: UTF8.self)
            if let range = text.range(of: marker), text[range.upperBound...].contains(end) { return text }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count > 0 { received += buffer[0..<count] }
        }
        throw POSIXError(.ETIMEDOUT)
    }

    /// True when the peer ends the connection (end of stream or reset) within `duration`, whatever it sends first.
    func endsWithin(_ duration: Duration) -> Bool {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + duration
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
        }
        return false
    }

    func detachedEndsWithin(_ duration: Duration) async -> Bool {
        await TestSupport.detached { self.endsWithin(duration) }
    }

    /// `read(until:for:)` on a Dispatch thread: the server under test needs the cooperative pool to answer.
    func detachedRead(until marker: String, end: String = "\n\n", for duration: Duration) async throws -> String {
        try await TestSupport.detached { Result { try self.read(until: marker, end: end, for: duration) } }.get()
    }
}
