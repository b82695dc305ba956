import Foundation
import Testing
import WebhookSending

@Suite("Webhook signatures")
struct WebhookSignatureTests {
    /// The test vector of the Standard Webhooks reference libraries.
    @Test("Signs the Standard Webhooks reference vector as the reference libraries do")
    func referenceVector() {
        let signature = WebhookSignature.sign(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", messageId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("A new secret is whsec_ and 32 random bytes; two are never the same; a non-secret signs nothing")
    func secrets() throws {
        let secret = WebhookSignature.makeSecret()
        #expect(secret.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
        #expect(secret != WebhookSignature.makeSecret())
        #expect(WebhookSignature.sign(secret: "itk_notasecret", messageId: "m", timestamp: 1, body: []) == nil)
        #expect(WebhookSignature.sign(secret: "whsec_***", messageId: "m", timestamp: 1, body: []) == nil)
    }
}
