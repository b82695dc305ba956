import IntakeCore

/// The configuration file and every typed reading of its values that the settings make (`Policy`,
/// `ArchiveLimits`, and each value as a size, duration, number, switch and list).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var configuration = Configuration()
    do {
        try configuration.merge(fileText: text, origin: "fuzz")
    } catch {
        return 0
    }
    for (key, value) in configuration.values {
        precondition(!key.isEmpty && !key.contains("#") && !value.contains("#"), "a comment read as a setting")
        _ = try? configuration.byteSize(key)
        _ = try? configuration.duration(key)
        _ = try? configuration.integer(key, atLeast: 0)
        _ = try? configuration.boolean(key)
        _ = try? configuration.severity(key)
        _ = try? configuration.list(key)
    }
    _ = try? Policy(configuration: configuration)
    _ = try? ArchiveLimits(configuration: configuration)
    return 0
}
