import CBuildInfo

/// What `cmlbot --version`, the evidence record and the forge user agent say about this build.
public enum BuildInfo {
    /// The release version; bump it here.
    public static let version = "0.1.0"
    /// The commit the binary was built from (`abc1234`, `abc1234+dirty`), or `unknown` for builds
    /// that did not go through `make` (a plain `swift build`, pre-commit's build of the hook).
    public static let commit = String(cString: cmlbot_build_commit())
    /// `cmlbot 0.1.0 (abc1234)`.
    public static var versionLine: String { "cmlbot \(version) (\(commit))" }
}

/// The release version (see `BuildInfo`).
public let cmlbotVersion = BuildInfo.version
