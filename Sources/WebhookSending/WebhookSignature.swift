import ContentAddressing
import Foundation

/// Standard Webhooks signing (standardwebhooks.com): HMAC-SHA256 over `id.timestamp.body` with the secret's
/// key bytes, sent as `webhook-signature: v1,BASE64`.
public enum WebhookSignature {
    /// A new secret: `whsec_` and 32 random bytes in base64.
    public static func makeSecret() -> String {
        "whsec_" + Data(Crypto.randomBytes(32)).base64EncodedString()
    }

    /// The `webhook-signature` value for one message, or nil when `secret` is not a `whsec_` secret.
    public static func sign(secret: String, messageId: String, timestamp: Int, body: [UInt8]) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), !key.isEmpty
        else { return nil }
        let signed = Array("\(messageId).\(timestamp).".utf8) + body
        return "v1," + Data(Crypto.hmacSHA256(key: Array(key), signed)).base64EncodedString()
    }
}
