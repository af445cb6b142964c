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
            dependencies: ["CHiredis"]
        ),
        .target(
            name: "CBridge",
            dependencies: ["LDRedisCore"],
            exclude: ["ldredis.map"]   // the linker version script (see Makefile)
        ),
        .testTarget(
            name: "LDRedisCoreTests",
            dependencies: ["LDRedisCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
