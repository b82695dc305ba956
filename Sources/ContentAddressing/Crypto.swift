import CCrypto

/// The few libcrypto primitives Intake needs besides file digests, so that libcrypto stays behind this module.
public enum Crypto {
    public enum SHA2: Sendable {
        case sha256, sha384, sha512
    }

    /// A SHA-2 digest of `data`.
    public static func sha2(_ variant: SHA2, _ data: [UInt8]) -> [UInt8] {
        let algorithm: OpaquePointer? =
            switch variant {
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, algorithm, nil)
        }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(digest[0..<Int(length)])
    }

    public enum CipherDirection: Sendable {
        case encrypt, decrypt
    }

    /// AES-CBC without padding, AES-128 or AES-256 by the key's length (16 or 32 bytes); `data.count` must be a
    /// multiple of 16. Nil if libcrypto fails.
    public static func aesCBC(_ direction: CipherDirection, key: [UInt8], iv: [UInt8], _ data: [UInt8]) -> [UInt8]? {
        precondition((key.count == 16 || key.count == 32) && iv.count == 16 && data.count % 16 == 0)
        guard let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let cipher = key.count == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc()
        let encrypting: Int32 = direction == .encrypt ? 1 : 0
        guard EVP_CipherInit_ex(context, cipher, nil, key, iv, encrypting) == 1,
            EVP_CIPHER_CTX_set_padding(context, 0) == 1
        else { return nil }
        var output = [UInt8](repeating: 0, count: data.count + 16)
        var written: Int32 = 0
        guard EVP_CipherUpdate(context, &output, &written, data, Int32(data.count)) == 1 else { return nil }
        return Array(output[0..<Int(written)])
    }

    /// HMAC-SHA256 of `message` under `key` (RFC 2104): the signature of a webhook delivery.
    public static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                HMAC(
                    EVP_sha256(), keyBytes.baseAddress, Int32(key.count), messageBytes.baseAddress,
                    messageBytes.count, &mac, &length)
            }
        }
        precondition(result != nil && length == 32, "HMAC failed")
        return mac
    }

    /// `count` bytes from the system's cryptographic generator: a signing key.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&bytes, Int32(count)) == 1, "RAND_bytes failed")
        return bytes
    }
}
