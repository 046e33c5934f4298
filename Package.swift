// swift-tools-version:6.0
// cmlbot: ML review evidence for pull requests. One module per pipeline stage (see docs/architecture.md).
import PackageDescription

let package = Package(
    name: "cmlbot",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cmlbot", targets: ["cmlbot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Test-only: the in-process fake GitHub/GitLab servers.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.0"),
    ],
    targets: [
        // C libraries through pkg-config; the shim headers wrap what Swift cannot call directly.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // The commit the binary was built from, filled in by `make dist` (see build_info.c).
        .target(name: "CBuildInfo"),

        // Small shared value types: Value, Diagnostic, FileTree, errors.
        .target(name: "CMLBotCore"),
        // libgit2: revisions, blobs, trees, diffs, index.
        .target(name: "CMLBotGit", dependencies: ["CMLBotCore", "CLibGit2"]),
        // File formats and discovery: dvc.yaml/dvc.lock, metrics, params, .cmlbot.yml.
        .target(name: "CMLBotEvidence", dependencies: ["CMLBotCore", "COpenSSL", .product(name: "Yams", package: "Yams")]),
        // Snapshot × Snapshot → Comparison.
        .target(name: "CMLBotCompare", dependencies: ["CMLBotCore", "CMLBotEvidence"]),
        // Hygiene and promotion gates → findings.
        .target(name: "CMLBotGates", dependencies: ["CMLBotCore", "CMLBotEvidence", "CMLBotCompare"]),
        // HTTP over libcurl, CI context detection, GitHub and GitLab clients, sticky comments.
        .target(name: "CMLBotForge", dependencies: ["CMLBotCore", "CCurl"]),
        // Renderers: DVC-compatible tables and JSON, the Markdown/JSON report, findings formats.
        .target(name: "CMLBotReport", dependencies: ["CMLBotCore", "CMLBotEvidence", "CMLBotCompare", "CMLBotGates"]),
        // The pipeline: runs the stages for each command with injected adapters.
        .target(name: "CMLBotKit", dependencies: ["CBuildInfo", "CMLBotCore", "CMLBotGit", "CMLBotEvidence", "CMLBotCompare", "CMLBotGates", "CMLBotReport", "CMLBotForge"]),
        // Thin executable: flags → request, outcome → exit code.
        .executableTarget(name: "cmlbot", dependencies: ["CMLBotKit", "CMLBotGates", "CMLBotForge", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .target(name: "TestSupport", dependencies: ["CMLBotCore"], path: "Tests/TestSupport"),
        .target(name: "ForgeFakes", dependencies: ["TestSupport", .product(name: "FlyingFox", package: "FlyingFox")], path: "Tests/ForgeFakes"),
        .testTarget(name: "CMLBotForgeTests", dependencies: ["CMLBotForge", "ForgeFakes", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CMLBotGitTests", dependencies: ["CMLBotGit", "TestSupport"]),
        .testTarget(name: "CMLBotEvidenceTests", dependencies: ["CMLBotEvidence", "TestSupport"]),
        .testTarget(name: "CMLBotCompareTests", dependencies: ["CMLBotCompare", "TestSupport"]),
        .testTarget(name: "CMLBotGatesTests", dependencies: ["CMLBotGates", "CMLBotEvidence", "TestSupport"]),
        .testTarget(name: "CMLBotReportTests", dependencies: ["CMLBotReport", "TestSupport"]),
        .testTarget(name: "CMLBotEndToEndTests", dependencies: ["CMLBotKit", "TestSupport", "ForgeFakes", .product(name: "FlyingFox", package: "FlyingFox")]),
    ]
)
