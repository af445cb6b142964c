// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ldredis",
    products: [
        // The C-ABI shared library: libldredis.so (built for release by the Makefile).
        .library(name: "ldredis", type: .dynamic, targets: ["CBridge"]),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "LDRedisCore",
            dependencies: ["CHiredis"],
            // Compiled as a statically linked module: it only ever lives inside
            // libldredis.so, so references to it need no GOT entries (which would
            // otherwise leave its symbols in the library's dynamic symbol table).
            swiftSettings: [.unsafeFlags(["-static"])]
        ),
        .target(
            name: "CBridge",
            dependencies: ["LDRedisCore"]
        ),
        .testTarget(
            name: "LDRedisCoreTests",
            dependencies: ["LDRedisCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
