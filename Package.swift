// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ldredis",
    products: [
        // The C-ABI shared library: libldredis.so (built for release by the Makefile).
        .library(name: "ldredis", type: .dynamic, targets: ["CBridge"]),
        // The `ldredis` command (installed as PREFIX/bin/ldredis; a product cannot share the
        // library's name). It links the core statically, not libldredis.so.
        .executable(name: "ldredis-cli", targets: ["ldredis-cli"]),
    ],
    targets: [
        // No pkgConfig: hiredis.pc's Cflags carry -D_FILE_OFFSET_BITS=64, which SwiftPM refuses
        // with a warning on every build. shim.h includes <hiredis/...> from the system include
        // path, and the module map links hiredis; no hiredis type involves off_t.
        .systemLibrary(
            name: "CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // OpenSSL (Debian libssl-dev) for TLS. No pkgConfig, as for hiredis: the system path
        // has the headers, and the module map links libssl and libcrypto.
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // Flag evaluation: no Redis, no hiredis, no OpenSSL; fed by EvaluationDataSource.
        .target(
            name: "LDEvaluation"
        ),
        .target(
            name: "LDRedisCore",
            dependencies: ["CHiredis", "COpenSSL", "LDEvaluation"]
        ),
        .target(
            name: "CBridge",
            dependencies: ["LDRedisCore", "LDEvaluation"],
            exclude: ["ldredis.map"]   // the linker version script (see Makefile)
        ),
        .executableTarget(
            name: "ldredis-cli",
            dependencies: ["LDRedisCore", "LDEvaluation"]
        ),
        .testTarget(
            name: "LDRedisCoreTests",
            dependencies: ["LDRedisCore", "LDEvaluation"]
        ),
        .testTarget(
            name: "LDEvaluationTests",
            dependencies: ["LDEvaluation"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
