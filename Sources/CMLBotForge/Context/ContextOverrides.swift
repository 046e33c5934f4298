import Foundation

/// What the user said explicitly (`--forge`, `--repo`, `--pr`, `--api-url`, `--base`, `--head`).
/// Explicit flags override everything detected.
public struct ContextOverrides: Equatable, Sendable {
    public var forge: ForgeKind?
    /// GitHub `owner/name`; GitLab `group/…/project` (plain or already `%2F`-encoded) or a numeric id.
    public var repo: String?
    /// A pull request number or a merge request iid.
    public var pr: Int?
    public var apiURL: String?
    /// Git revisions, kept as typed; the git stage resolves them.
    public var base: String?
    public var head: String?

    public init(forge: ForgeKind? = nil, repo: String? = nil, pr: Int? = nil, apiURL: String? = nil,
                base: String? = nil, head: String? = nil) {
        self.forge = forge
        self.repo = repo
        self.pr = pr
        self.apiURL = apiURL
        self.base = base
        self.head = head
    }

    public var isEmpty: Bool { self == ContextOverrides() }
}

extension CIContextDetector {
    /// `detected` with the explicit flags laid over it, validated. Rules, in order:
    ///
    /// 1. `--forge` different from the detected forge (a GitHub Actions job publishing to a GitLab
    ///    mirror) drops every forge-side fact detected (API and web URLs, repository, project, PR,
    ///    head repository, MR lookup); git facts (SHAs, refs) and run facts (run URL, job-summary
    ///    files, `isFork`) still hold.
    /// 2. `--api-url` replaces the API base; the web base follows when it can be derived from it.
    ///    With a forge but no API base, github.com / gitlab.com are assumed.
    /// 3. `--repo` replaces the repository; if it names another repository than the detected one,
    ///    the detected PR and head repository go with it (they belong to the other repository).
    /// 4. `--pr` replaces the PR and turns off the MR lookup. The head repository stays: it says
    ///    where the head commit came from (the fork of a `workflow_run` whose number arrives by artifact).
    /// 5. `--base` / `--head` replace the commits.
    ///
    /// `isFork` is a fact about this run's token (a fork PR run gets a read-only one and no
    /// secrets), not about the target, so no flag changes it.
    public static func apply(_ overrides: ContextOverrides, to detected: CIContext) throws -> CIContext {
        var context = detected

        if let forge = overrides.forge, forge != context.forge {
            context.forge = forge
            context.apiURL = nil
            context.serverURL = nil
            context.repository = nil
            context.projectID = nil
            context.pullRequest = nil
            context.headRepository = nil
            context.needsMergeRequestLookup = false
        }

        let noForge = "there is no forge to use it with: pass --forge github|gitlab too (or run inside GitHub Actions / GitLab CI)"
        if let value = overrides.apiURL {
            guard let forge = context.forge else { throw CIContextError.invalidOverride(flag: "--api-url", value: value, reason: noForge) }
            switch ForgeURLs.normalized(value) {
            case .success(let api):
                context.apiURL = api
                if let server = ForgeURLs.server(forAPI: api, forge: forge) { context.serverURL = server }
            case .failure(.notHTTP):
                let example = forge == .github ? "https://HOST/api/v3" : "https://HOST/api/v4"
                throw CIContextError.invalidOverride(flag: "--api-url", value: value,
                                                     reason: "not an http(s) URL; give the REST API base, e.g. \(example)")
            case .failure(.hasCredentials):
                throw CIContextError.invalidOverride(flag: "--api-url", value: "<redacted>",
                                                     reason: "must not contain user:password@; pass the token through an environment variable (see --token-env)")
            }
        }
        if let forge = context.forge, context.apiURL == nil {
            context.apiURL = ForgeURLs.defaultAPI(for: forge)
            context.serverURL = context.serverURL ?? ForgeURLs.server(forAPI: ForgeURLs.defaultAPI(for: forge), forge: forge)
        }

        if let value = overrides.repo {
            guard let forge = context.forge else { throw CIContextError.invalidOverride(flag: "--repo", value: value, reason: noForge) }
            let before = (context.repository, context.projectID)
            try applyRepository(value, forge: forge, to: &context)
            if before != (context.repository, context.projectID) {
                context.pullRequest = nil
                context.headRepository = nil
            }
        }

        if let number = overrides.pr {
            guard number > 0 else {
                throw CIContextError.invalidOverride(flag: "--pr", value: String(number),
                                                     reason: "must be a positive pull request number (on GitLab the merge request iid, !N)")
            }
            guard context.forge != nil else { throw CIContextError.invalidOverride(flag: "--pr", value: String(number), reason: noForge) }
            context.pullRequest = number
            context.needsMergeRequestLookup = false
        }

        if let base = overrides.base {
            try validateRevision(base, flag: "--base")
            context.baseSHA = base
        }
        if let head = overrides.head {
            try validateRevision(head, flag: "--head")
            context.headSHA = head
        }
        return context
    }

    private static func applyRepository(_ value: String, forge: ForgeKind, to context: inout CIContext) throws {
        switch forge {
        case .github:
            guard RepositoryName.isValidGitHub(value) else {
                throw CIContextError.invalidOverride(flag: "--repo", value: value,
                                                     reason: "a GitHub repository is OWNER/NAME (letters, digits, '-', '_', '.'), e.g. octo-org/model-zoo")
            }
            // GitHub names are case-insensitive; keep the detected spelling for the same repository.
            if context.repository?.lowercased() != value.lowercased() { context.repository = value }
            context.projectID = nil
        case .gitlab:
            if RepositoryName.isNumericID(value) {
                if context.projectID != value {
                    context.projectID = value
                    context.repository = nil
                }
                return
            }
            // Accept the encoded form people copy from API URLs; encode exactly once ourselves.
            let path = value.replacingOccurrences(of: "%2F", with: "/").replacingOccurrences(of: "%2f", with: "/")
            guard RepositoryName.isValidGitLabPath(path) else {
                throw CIContextError.invalidOverride(flag: "--repo", value: value,
                                                     reason: "a GitLab project is GROUP/PROJECT or GROUP/SUBGROUP/…/PROJECT, or its numeric id")
            }
            // Same project as detected: keep the numeric id, which survives renames.
            if context.repository?.lowercased() != path.lowercased() {
                context.repository = path
                context.projectID = RepositoryName.gitlabEncoded(path)
            }
        }
    }

    /// A revision is passed to libgit2 as is; reject only what cannot be one and would otherwise
    /// surface as a confusing git error (or look like another flag).
    private static func validateRevision(_ value: String, flag: String) throws {
        if value.isEmpty {
            throw CIContextError.invalidOverride(flag: flag, value: value, reason: "is empty; give a commit SHA, branch or tag")
        }
        if value.hasPrefix("-") {
            throw CIContextError.invalidOverride(flag: flag, value: value, reason: "a revision cannot start with '-'")
        }
        if value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw CIContextError.invalidOverride(flag: flag, value: value, reason: "a revision cannot contain spaces or control characters")
        }
    }
}

extension CIContext {
    /// What is missing to publish (post the comment, set the status), one entry per missing piece,
    /// each saying how to provide it; empty when publishing can go ahead. Call it on the context
    /// after `apply(_:to:)` and after the caller has filled `headSHA` from the checkout if it
    /// wants a commit comment as the fallback target.
    public var missingForPublishing: [String] {
        guard let forge else {
            return ["no forge detected: pass --forge github|gitlab and --repo OWNER/NAME and --pr N, or run inside GitHub Actions / GitLab CI"]
        }
        var missing: [String] = []
        if apiURL == nil {
            missing.append("no API URL: pass --api-url URL")
        }
        switch forge {
        case .github where repository == nil:
            missing.append("no repository: pass --repo OWNER/NAME (GITHUB_REPOSITORY is not set)")
        case .gitlab where projectID == nil:
            missing.append("no project: pass --repo GROUP/PROJECT or the numeric project id (CI_PROJECT_ID is not set)")
        default:
            break
        }
        if pullRequest == nil && headSHA == nil {
            let what = forge == .github ? "pull request number" : "merge request iid"
            missing.append("nothing to comment on: pass --pr N (the \(what)), or --head SHA to comment on a commit")
        }
        return missing
    }

    /// Throws `CIContextError.notPublishable` listing `missingForPublishing` when it is not empty.
    public func requirePublishable() throws {
        let missing = missingForPublishing
        if !missing.isEmpty { throw CIContextError.notPublishable(missing: missing) }
    }
}
