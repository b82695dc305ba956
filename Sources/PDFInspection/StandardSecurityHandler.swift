import ContentAddressing

/// The Standard security handler's password check for revisions 5 and 6 (AES-256), done with libcrypto.
///
/// poppler computes the R6 hash (ISO 32000-2, algorithm 2.B: at least 64 rounds of AES-128-CBC and SHA-2) with a
/// byte-wise AES: 12–18 ms per file, most of a check. When the empty user password does not open the file the
/// answer is `needs_password`, and poppler need not be asked at all.
enum StandardSecurityHandler {
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
                let encrypted = Crypto.aes128CBCEncrypt(
                    key: Array(key[0..<16]), iv: Array(key[16..<32]), repeated)
            else { return nil }
            let selector = encrypted[0..<16].reduce(0) { ($0 + Int($1)) } % 3
            key = Crypto.sha2(selector == 0 ? .sha256 : selector == 1 ? .sha384 : .sha512, encrypted)
            round += 1
            if round >= 64 && Int(encrypted[encrypted.count - 1]) <= round - 32 { break }
        }
        return Array(key[0..<32])
    }
}
