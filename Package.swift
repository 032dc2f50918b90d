// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Clientele",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clientele", targets: ["clientele"]),
        .library(name: "ClienteleCore", targets: ["ClienteleCore"]),
        .library(name: "ClienteleRender", targets: ["ClienteleRender"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev), used to read .csv.gz and to write PNG.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Ingestion, the customer table and every analysis. No server, no file system writes.
        .target(name: "ClienteleCore", dependencies: ["CZlib"]),
        // Pure functions from core results to CSV, JSON, SVG, PNG, PDF and the report (HTML and Markdown templates).
        .target(name: "ClienteleRender", dependencies: [
            "ClienteleCore", "CZlib", .product(name: "Mustache", package: "swift-mustache"),
        ], resources: [.copy("Templates")]),
        // The live PostgreSQL source: the push-down SQL, the connection (URL, password, TLS) and the snapshot load.
        .target(name: "ClientelePostgres", dependencies: [
            "ClienteleCore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The web dashboard: the Hummingbird application, page builders and templates.
        .target(name: "ClienteleServer", dependencies: [
            "ClienteleCore", "ClienteleRender", "ClientelePostgres",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            // bcrypt for account passwords (only this product: sessions and tokens are the dashboard's own).
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Templates"), .copy("Static")]),
        // The command-line commands, as a library so that tests can run them in-process.
        .target(name: "ClienteleCLI", dependencies: [
            "ClienteleCore", "ClienteleRender", "ClienteleServer", "ClientelePostgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "clientele", dependencies: ["ClienteleCLI"]),
        .testTarget(name: "ClienteleCoreTests", dependencies: ["ClienteleCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClienteleRenderTests", dependencies: ["ClienteleRender", "ClienteleCore"]),
        .testTarget(name: "ClienteleCLITests", dependencies: ["ClienteleCLI", "ClienteleCore", "ClientelePostgres"]),
        .testTarget(name: "ClienteleServerTests", dependencies: [
            "ClienteleServer", "ClienteleCore", "ClientelePostgres",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
