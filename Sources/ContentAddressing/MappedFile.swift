import Glibc

/// A file mapped read-only into memory. The mapping is the one resource, released in `deinit`.
///
/// Uploads are immutable once stored, so mapping them is safe and spares a copy of up to hundreds of megabytes.
public struct MappedFile: ~Copyable {
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path`; an empty file maps to an empty buffer.
    public init(path: String) throws(FileAccessError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileAccessError(message: "open: \(errnoText())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FileAccessError(message: "fstat: \(errnoText())")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileAccessError(message: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw FileAccessError(message: "mmap: \(errnoText())", isOutOfMemory: errno == ENOMEM)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

public func errnoText() -> String { String(cString: strerror(errno)) }

/// A file that could not be opened, mapped, written or synced. I/O faults are worth a retry.
public struct FileAccessError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// The address space ran out (a process under a memory ceiling), as opposed to a storage fault.
    public var isOutOfMemory: Bool
    public var isRetriable: Bool { true }
    public init(message: String, isOutOfMemory: Bool = false) {
        self.message = message
        self.isOutOfMemory = isOutOfMemory
    }
    public var description: String { message }
}
