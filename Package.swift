// swift-tools-version:6.1
import PackageDescription

/// Intake: the document intake worker behind the residence-application upload button.
///
/// Data flows one way: a face (`intake`, later HTTP) → `IntakeApplication` → `BlobStorage` + `IntakeStore` (the
/// protocols; `IntakeStoreSQLite` and `IntakeStorePostgres` implement them) → queue → `IntakeWorker` → inspection
/// (`FileInspection`, `PDFInspection`, `PhotoInspection`, in an isolated child process) → rules (`IntakeCore`) →
/// verdict → store.
/// C libraries live only in the thin `C*` targets, and only their wrapper module imports each one.
let package = Package(
    name: "Intake",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "intake", targets: ["intake"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The HTTP face. swift-configuration support is left out: Intake reads its own configuration file.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Webhook deliveries; already in the graph through HummingbirdTesting.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: C libraries (module map + shim header only)
        .systemLibrary(
            name: "CPoppler", pkgConfig: "poppler-glib", providers: [.apt(["libpoppler-glib-dev"])]),
        .systemLibrary(name: "CQPDF", pkgConfig: "libqpdf", providers: [.apt(["libqpdf-dev"])]),
        .systemLibrary(name: "CMagic", pkgConfig: "libmagic", providers: [.apt(["libmagic-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // dlib is C++: this target's only job is an `extern "C"` surface over its face detector and landmarks.
        // Optimised even in debug builds: dlib is header templates, and at -O0 detection is ~10× slower.
        .target(
            name: "CFaceLandmarks",
            cxxSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [
                .linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack"), .linkedLibrary("m"),
            ]),

        // MediaPipe's face detector and mesh as ONNX through OpenCV's DNN module (C++): an `extern "C"` surface only.
        // Debian puts OpenCV's headers under opencv4/ and ships no opencv4.pc for the -dev packages used here.
        .target(
            name: "CFaceMesh",
            cxxSettings: [.unsafeFlags(["-O2", "-I/usr/include/opencv4"])],
            linkerSettings: [
                .linkedLibrary("opencv_dnn"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core"),
            ]),

        // The inspector child's confinement: prctl, a seccomp-bpf program and Landlock, none of which Swift can call
        // directly (variadic, macros, no glibc wrapper). Only IntakeWorker imports it.
        .target(name: "CSandbox"),

        // MARK: Domain core: no C, no I/O
        .target(name: "IntakeCore"),

        // MARK: Inspection of untrusted bytes
        .target(name: "PDFInspection", dependencies: ["IntakeCore", "ContentAddressing", "CPoppler", "CZlib"]),
        .target(
            name: "PhotoInspection", dependencies: ["IntakeCore", "CTurboJPEG", "CPNG", "CFaceLandmarks", "CFaceMesh"]),
        .target(
            name: "FileInspection",
            dependencies: ["IntakeCore", "PDFInspection", "PhotoInspection", "ContentAddressing", "CMagic"]),

        // MARK: Bulk archives: the ZIP directory, inflating with zlib, CP932 names and CSVs
        .target(name: "ArchiveInspection", dependencies: ["IntakeCore", "ContentAddressing", "CZlib"]),

        // MARK: Writing PDFs: page ranges as new documents (bundle splitting)
        .target(name: "PDFAssembly", dependencies: ["ContentAddressing", "CQPDF"]),

        // MARK: Content-addressed files: mapping, SHA-256; the libcrypto wrapper
        .target(name: "ContentAddressing", dependencies: ["CCrypto"]),
        .target(name: "BlobStorage", dependencies: ["ContentAddressing"]),

        // MARK: Durable state: backend-neutral protocols and records, then each backend
        .target(name: "IntakeStore", dependencies: ["IntakeCore"]),
        .target(
            name: "IntakeStoreSQLite",
            dependencies: ["IntakeCore", "IntakeStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "IntakeStorePostgres",
            dependencies: [
                "IntakeCore", "IntakeStore", "BlobStorage", "ContentAddressing",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: Processing
        .target(
            name: "IntakeWorker",
            dependencies: [
                "IntakeCore", "IntakeStore", "BlobStorage", "FileInspection", "PDFAssembly", "ContentAddressing",
                "ArchiveInspection", "CSandbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: Webhook deliveries: signing and posting, as a job handler
        .target(
            name: "WebhookSending",
            dependencies: [
                "IntakeCore", "IntakeStore", "IntakeWorker", "ContentAddressing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: The operations every face shares
        .target(
            name: "IntakeApplication",
            dependencies: [
                "IntakeCore", "IntakeStore", "IntakeStoreSQLite", "IntakeStorePostgres", "BlobStorage", "IntakeWorker",
                "ContentAddressing",
                "WebhookSending", "ArchiveInspection",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: HTTP API: parse, call IntakeService, render (SPEC §7)
        .target(
            name: "IntakeHTTP",
            dependencies: [
                "IntakeApplication", "IntakeCore", "IntakeStore", "IntakeWorker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web pages: plain files, no build step (see PageRoutes).
            resources: [.copy("Pages")]),

        // MARK: Command line: parse, call IntakeService, render
        .executableTarget(
            name: "intake",
            dependencies: [
                "IntakeApplication", "IntakeHTTP", "IntakeCore", "IntakeStore", "IntakeWorker", "BlobStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: Benchmarks: their own executable, never subcommands of the product (swift-nio, Hummingbird)
        // One target with a subcommand per benchmark (`check`, `split`, `photo`) rather than one each: they share
        // their options, pinning, the machine line and the peer runner, which one module holds once. `check` runs
        // the inspector as the `intake` binary from the same build folder, so the run scripts build both products.
        .executableTarget(
            name: "intake-bench",
            dependencies: [
                "IntakeApplication", "IntakeCore", "IntakeWorker", "FileInspection", "PhotoInspection", "PDFAssembly",
                "ContentAddressing", "IntakeStore", "IntakeStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/IntakeBenchmarks"),

        // MARK: Test support, shipped as libraries (as HummingbirdTesting and NIOTestUtils are)
        .target(name: "IntakeTestSupport", path: "Tests/IntakeTestSupport"),
        .target(
            name: "IntakeTesting",
            dependencies: [
                "IntakeCore", "IntakeStore", "IntakeStoreSQLite", "IntakeStorePostgres", "BlobStorage", "IntakeWorker",
                "ContentAddressing",
                "ArchiveInspection",
                "IntakeTestSupport",
            ],
            path: "Tests/IntakeTesting"),

        // MARK: Tests
        .testTarget(name: "IntakeCoreTests", dependencies: ["IntakeCore", "IntakeTesting", "IntakeTestSupport"]),
        .testTarget(
            name: "PDFInspectionTests",
            dependencies: [
                "PDFInspection", "FileInspection", "ContentAddressing", "IntakeCore", "IntakeTestSupport",
                "IntakeTesting",
            ]),
        .testTarget(
            name: "PhotoInspectionTests",
            dependencies: ["PhotoInspection", "FileInspection", "IntakeCore", "IntakeTestSupport", "IntakeTesting"]),
        .testTarget(name: "PDFAssemblyTests", dependencies: ["PDFAssembly", "IntakeTestSupport"]),
        .testTarget(
            name: "ArchiveInspectionTests", dependencies: ["ArchiveInspection", "IntakeCore", "IntakeTestSupport"]),
        .testTarget(
            name: "IntakeStoreBehaviourTests",
            dependencies: ["IntakeStore", "IntakeCore", "IntakeTesting", "IntakeTestSupport"]),
        .testTarget(
            name: "IntakeStorePostgresTests",
            dependencies: ["IntakeStorePostgres", "BlobStorage", "IntakeTesting", "IntakeTestSupport"]),
        .testTarget(
            name: "IntakeWorkerTests",
            dependencies: [
                "IntakeWorker", "IntakeStore", "IntakeCore", "BlobStorage", "IntakeTesting", "IntakeTestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "IntakeHTTPTests",
            dependencies: [
                "IntakeHTTP", "IntakeApplication", "IntakeCore", "IntakeStore", "IntakeTesting", "IntakeTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "WebhookSendingTests", dependencies: ["WebhookSending"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["IntakeCore", "IntakeStore", "IntakeStoreSQLite", "IntakeTestSupport", "IntakeTesting"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
