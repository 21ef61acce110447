// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "OpenSSPM",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sspm", targets: ["sspm"]),
        .library(name: "SSPMCore", targets: ["SSPMCore"]),
        .library(name: "ZoomAPI", targets: ["ZoomAPI"]),
        .library(name: "ZoomProvider", targets: ["ZoomProvider"]),
        .library(name: "ZoomSimulator", targets: ["ZoomSimulator"]),
        .library(name: "SSPMReports", targets: ["SSPMReports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/async-kit", from: "1.22.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "SSPMCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMGeoIP",
            dependencies: ["SSPMCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMRuntime",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMHTTP",
            dependencies: [
                "SSPMCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ZoomAPI",
            dependencies: [
                "SSPMCore",
                "SSPMHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMProvider",
            dependencies: [
                "SSPMCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ZoomProvider",
            dependencies: [
                "SSPMCore",
                "SSPMProvider",
                "ZoomAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMProviders",
            dependencies: ["SSPMProvider", "ZoomAPI", "ZoomProvider", "GraphAPI", "GraphProvider"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ZoomSimulator",
            dependencies: [
                "SSPMCore",
                "SSPMHTTP",
                "SSPMRuntime",
                "ZoomAPI",
                "GraphSimulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GraphSimulator",
            dependencies: [
                "SSPMCore",
                "SSPMRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GraphAPI",
            dependencies: [
                "SSPMCore",
                "SSPMHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GraphProvider",
            dependencies: [
                "SSPMCore",
                "SSPMProvider",
                "GraphAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMStorage",
            dependencies: [
                "SSPMCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "AsyncKit", package: "async-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMReports",
            dependencies: [
                "SSPMCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMServer",
            dependencies: [
                "SSPMCore", "SSPMHTTP", "SSPMProvider", "SSPMReports", "SSPMStorage", "SSPMRuntime", "SSPMGeoIP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // Embedded by scripts/gen_web_embed.py into Generated/WebAssets+Generated.swift.
            exclude: ["Web/Templates"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sspm",
            dependencies: [
                "SSPMCore",
                "SSPMReports",
                "SSPMRuntime",
                "SSPMServer",
                "SSPMStorage",
                "SSPMGeoIP",
                "SSPMProvider",
                "GraphAPI",
                "GraphSimulator",
                "GraphProvider",
                "SSPMProviders",
                "ZoomAPI",
                "ZoomProvider",
                "ZoomSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SSPMTestSupport",
            dependencies: [
                "ZoomAPI", "ZoomProvider", "ZoomSimulator", "SSPMCore", "SSPMStorage", "SSPMProvider", "SSPMProviders",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSPMCoreTests",
            dependencies: ["SSPMCore", "SSPMReports", "ZoomAPI", "ZoomProvider", "ZoomSimulator", "SSPMTestSupport", "SSPMGeoIP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSPMServerTests",
            dependencies: [
                "SSPMServer", "SSPMStorage", "SSPMCore", "SSPMProvider", "SSPMProviders", "SSPMRuntime", "ZoomAPI", "ZoomProvider", "ZoomSimulator", "GraphSimulator", "SSPMTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSPMStorageTests",
            dependencies: ["SSPMStorage", "SSPMCore", "SSPMProvider", "ZoomProvider", "ZoomAPI", "SSPMTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ZoomAPITests",
            dependencies: ["ZoomAPI", "ZoomProvider", "ZoomSimulator", "SSPMCore", "SSPMTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GraphTests",
            dependencies: [
                "GraphAPI", "GraphSimulator", "GraphProvider", "SSPMProvider", "SSPMCore", "SSPMHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ZoomSimulatorTests",
            dependencies: [
                "ZoomSimulator", "ZoomAPI", "SSPMCore", "SSPMTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
