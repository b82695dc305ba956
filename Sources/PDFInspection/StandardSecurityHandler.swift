import ContentAddressing

/// The Standard security handler's password check for revisions 5 and 6 (AES-256), done with libcrypto.
///
/// poppler computes the R6 hash (ISO 32000-2, algorithm 2.B: at least 64 rounds of AES-128-CBC and SHA-2) with a
/// byte-wise AES: 12–18 ms per file, most of a check. When the empty user password does not open the file the
/// answer is `needs_password`, and poppler need not be asked at all. When it does open the file, poppler is handed
/// an R5 stand-in (`revision5StandIn`), whose password check is one SHA-256.
enum StandardSecurityHandler {
    /// Files larger than this are handed to poppler as they are: the stand-in is a copy of the whole file.
    static let standInSizeLimit = 64 * 1024 * 1024

    /// The file's bytes with its R6 encryption dictionary rewritten as R5 for the same file key, or nil when that
    /// cannot be done exactly: not a Standard V5 R6 dictionary read from the file's own bytes, the empty user
    /// password does not open it, or the new strings do not fit where the old ones were.
    ///
    /// R5 (Adobe's extension level 3) and R6 (ISO 32000-2) differ only in how a password becomes a key: R5 hashes
    /// it once with SHA-256, R6 runs algorithm 2.B, which poppler computes at 12–18 ms a file. Both then decrypt
    /// every string and stream with the same file key (`/UE` decrypted), the same AES-256 crypt filters and the
    /// same `/P`. So the stand-in derives the file key here, with libcrypto, and writes a new `/U` (SHA-256 of new
    /// salts, the empty password's hash under R5) and `/UE` (the file key encrypted under the new key salt) in
    /// place of the old, and `5` for `/R`. poppler then opens it with the empty password as it would the
    /// original, reads the same objects with the same key, and reports the same pages, permissions and outline.
    /// The owner entries (`/O`, `/OE`) and `/Perms` stay as they are: poppler checks the owner password only when
    /// it is given one, and Intake never gives one. Every offset stays where it was: each new token is padded
    /// with spaces to the old one's length.
    static func revision5StandIn(
        of bytes: UnsafeRawBufferPointer, encryption: PDFSyntaxScanner.EncryptionEntry
    ) -> [UInt8]? {
        guard bytes.count <= standInSizeLimit, encryption.filter == "Standard", encryption.version == 5,
            encryption.revision == 6, let userKey = encryption.userKey, userKey.count >= 48,
            let userEncryptedKey = encryption.userEncryptedKey, userEncryptedKey.count >= 32,
            let revisionToken = encryption.revisionToken, let userKeyToken = encryption.userKeyToken,
            let userEncryptedKeyToken = encryption.userEncryptedKeyToken,
            [revisionToken, userKeyToken, userEncryptedKeyToken].allSatisfy({ $0.upperBound <= bytes.count })
        else { return nil }
        guard
            hash(password: [], salt: Array(userKey[32..<40]), userData: [], revision: 6) == Array(userKey[0..<32]),
            let intermediateKey = hash(password: [], salt: Array(userKey[40..<48]), userData: [], revision: 6),
            let fileKey = Crypto.aesCBC(
                .decrypt, key: intermediateKey, iv: zeroIV, Array(userEncryptedKey[0..<32]))
        else { return nil }
        // Any salts will do; some make strings whose literal form is too long for the old token, so try a few.
        for attempt in UInt8(0)..<32 {
            let validationSalt = [UInt8](repeating: attempt, count: 7) + [0x56]
            let keySalt = [UInt8](repeating: attempt, count: 7) + [0x4B]
            let newUserKey = Crypto.sha2(.sha256, validationSalt) + validationSalt + keySalt
            guard
                let newUserEncryptedKey = Crypto.aesCBC(
                    .encrypt, key: Crypto.sha2(.sha256, keySalt), iv: zeroIV, fileKey),
                let userKeyString = stringToken(newUserKey, fitting: userKeyToken.count),
                let userEncryptedKeyString = stringToken(newUserEncryptedKey, fitting: userEncryptedKeyToken.count)
            else { continue }
            var standIn = [UInt8](bytes)
            replace(revisionToken, with: Array("5".utf8), in: &standIn)
            replace(userKeyToken, with: userKeyString, in: &standIn)
            replace(userEncryptedKeyToken, with: userEncryptedKeyString, in: &standIn)
            return standIn
        }
        return nil
    }

    private static let zeroIV = [UInt8](repeating: 0, count: 16)

    /// `value` as a PDF string of at most `length` bytes: hexadecimal if it fits, else literal with the bytes a
    /// reader would change (delimiters, the escape, line ends) escaped.
    static func stringToken(_ value: [UInt8], fitting length: Int) -> [UInt8]? {
        let hexDigits = Array("0123456789abcdef".utf8)
        if value.count * 2 + 2 <= length {
            return [UInt8(ascii: "<")] + value.flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 0xF)]] }
                + [UInt8(ascii: ">")]
        }
        var literal: [UInt8] = [UInt8(ascii: "(")]
        for byte in value {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"): literal += [UInt8(ascii: "\\"), byte]
            case 0x0D: literal += Array("\\r".utf8)
            case 0x0A: literal += Array("\\n".utf8)
            default: literal.append(byte)
            }
        }
        literal.append(UInt8(ascii: ")"))
        return literal.count <= length ? literal : nil
    }

    /// Writes `token` over `range`, padding with spaces (whitespace between PDF tokens) to its length.
    private static func replace(_ range: Range<Int>, with token: [UInt8], in bytes: inout [UInt8]) {
        precondition(token.count <= range.count)
        bytes.replaceSubrange(range, with: token + [UInt8](repeating: 0x20, count: range.count - token.count))
    }

    /// Whether the empty user password opens an R5/R6 file; nil when it cannot be told (other revisions, or no
    /// usable `/U` string).
    static func emptyUserPasswordOpens(revision: Int?, userKey: [UInt8]?) -> Bool? {
        guard let revision, revision == 5 || revision == 6, let userKey, userKey.count >= 40 else { return nil }
        let hash = Array(userKey[0..<32])
        let validationSalt = Array(userKey[32..<40])
        guard let computed = self.hash(password: [], salt: validationSalt, userData: [], revision: revision) else {
            return nil
        }
        return computed == hash
    }

    /// R5: SHA-256(password ‖ salt ‖ udata). R6: algorithm 2.B.
    static func hash(password: [UInt8], salt: [UInt8], userData: [UInt8], revision: Int) -> [UInt8]? {
        var key = Crypto.sha2(.sha256, password + salt + userData)
        guard revision >= 6 else { return key }
        var round = 0
        while true {
            let block = password + key + userData
            var repeated: [UInt8] = []
            repeated.reserveCapacity(block.count * 64)
            for _ in 0..<64 { repeated += block }
            guard
                let encrypted = Crypto.aesCBC(.encrypt, key: Array(key[0..<16]), iv: Array(key[16..<32]), repeated)
            else { return nil }
            let selector = encrypted[0..<16].reduce(0) { ($0 + Int($1)) } % 3
            key = Crypto.sha2(selector == 0 ? .sha256 : selector == 1 ? .sha384 : .sha512, encrypted)
            round += 1
            if round >= 64 && Int(encrypted[encrypted.count - 1]) <= round - 32 { break }
        }
        return Array(key[0..<32])
    }
}
