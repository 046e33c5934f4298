import CMLBotForge
import Foundation

/// `doctor`'s decisions that are not about the token (those are `ForgeAccessRules`): pure
/// functions of values the command gathered, so each case is a unit test.
public enum DoctorRules {
    // MARK: context

    static func providerName(_ provider: CIContext.Provider) -> String {
        switch provider {
        case .githubActions: return "GitHub Actions"
        case .gitlabCI: return "GitLab CI"
        case .local: return "no CI detected (GITHUB_ACTIONS and GITLAB_CI are unset): a local run"
        }
    }

    /// Where this run is and what it is about, and whether that is enough to know where to publish.
    public static func context(_ context: CIContext) -> DoctorCheck {
        var detail: [String] = []
        var first = providerName(context.provider)
        if let event = context.event { first += ", event \(event)" }
        detail.append(first)
        if let forge = context.forge {
            detail.append("forge \(forge.rawValue), API \(context.apiURL ?? "unknown")")
        }
        if let repository = context.repository {
            var line = (context.forge == .gitlab ? "project " : "repository ") + repository
            if context.forge == .gitlab, let id = context.projectID, id != repository, !id.contains("%") { line += " (id \(id))" }
            detail.append(line)
        } else if let id = context.projectID {
            detail.append("project id \(id)")
        }
        let pr = context.forge == .gitlab ? "merge request !" : "pull request #"
        if let number = context.pullRequest {
            detail.append("\(pr)\(number)")
        } else if context.needsMergeRequestLookup {
            detail.append("a branch pipeline: the open merge request of the head commit is looked up when publishing")
        } else if context.forge != nil {
            detail.append("no pull request / merge request in this run")
        }
        if let head = context.headSHA {
            var line = "head \(head)"
            if context.provider == .githubActions, context.pullRequest != nil, context.event?.hasPrefix("pull_request") == true {
                line += " (the PR head; GITHUB_SHA is the test merge commit)"
            }
            detail.append(line)
        }
        if let base = context.baseSHA {
            detail.append("base \(base)" + (context.baseRef.map { " (\($0))" } ?? ""))
        } else if context.provider != .local {
            detail.append("no base detected: the report compares against .cmlbot.yml's base, else HEAD")
        }
        if context.forge != nil {
            if context.isFork {
                detail.append("from a fork: this run's token is read-only")
            } else if let head = context.headRepository, let repository = context.repository, head.lowercased() != repository.lowercased() {
                detail.append("head branch in \(head); this run has the base repository's token")
            } else {
                detail.append("not from a fork")
            }
        }
        if let run = context.runURL { detail.append("run \(run)") }

        let missing = context.missingForPublishing
        if missing.isEmpty {
            return DoctorCheck(id: "context", title: "CI context", status: .ok, detail: detail)
        }
        return DoctorCheck(id: "context", title: "CI context", status: .fail, detail: detail + missing.map { "missing: \($0)" },
                           fix: context.forge == nil
                               ? "run in GitHub Actions or GitLab CI, or pass --forge github|gitlab, --repo and --pr (as report --publish needs)"
                               : "pass the missing values with the flags named above")
    }

    /// The CI environment itself is malformed (a broken event payload, a non-SHA in a SHA variable).
    public static func contextError(_ message: String) -> DoctorCheck {
        DoctorCheck(id: "context", title: "CI context", status: .fail, detail: [message],
                    fix: "fix the job's environment as the message says; every other check needs the context")
    }

    // MARK: history

    /// What resolving the base revision in the local repository gave.
    public enum BaseLookup: Equatable, Sendable {
        case found(String)
        /// Not in the object database; `shallow` when the clone is shallow (the usual reason in CI).
        case missing(shallow: Bool)
        /// No repository here, or another git failure: the message says which.
        case failed(String)
    }

    /// The exact fix for a shallow clone, for where this run is.
    public static func unshallowFix(_ provider: CIContext.Provider) -> String {
        switch provider {
        case .githubActions: return "set `fetch-depth: 0` on actions/checkout (`with: { fetch-depth: 0 }`) so the base commit is fetched"
        case .gitlabCI: return "set `GIT_DEPTH: 0` in the job's variables (or run `git fetch --unshallow` before cmlbot)"
        case .local: return "run `git fetch --unshallow`"
        }
    }

    /// Whether the base the report compares against is here. `base` is the revision as it will be
    /// resolved; `origin` says where it came from (the PR, `--base`, `.cmlbot.yml`, the default).
    public static func history(provider: CIContext.Provider, base: String, origin: String, lookup: BaseLookup,
                               isShallow: Bool, baseRef: String?) -> DoctorCheck {
        let title = "base commit"
        let what = "\(base) (\(origin))"
        switch lookup {
        case .found(let sha):
            var detail = ["\(what) is present" + (sha.hasPrefix(base) ? "" : ": \(sha)")]
            if isShallow { detail.append("a shallow clone, but the base is inside the fetched history") }
            return DoctorCheck(id: "history", title: title, status: .ok, detail: detail)
        case .missing(let shallow) where shallow || isShallow:
            return DoctorCheck(id: "history", title: title, status: .fail,
                               detail: ["\(what) is not in this clone", "the clone is shallow, so older commits and other branches are missing"],
                               fix: unshallowFix(provider))
        case .missing:
            let name = baseRef ?? base
            return DoctorCheck(id: "history", title: title, status: .fail,
                               detail: ["\(what) is not in this clone (not shallow: the branch was not fetched)"],
                               fix: "fetch it before cmlbot runs: `git fetch origin \(name)`"
                                   + (provider == .gitlabCI ? " (merge request pipelines fetch only the MR's own ref)" : ""))
        case .failed(let message):
            return DoctorCheck(id: "history", title: title, status: .fail, detail: [message],
                               fix: "run cmlbot doctor inside the checkout, or pass -C DIR")
        }
    }

    // MARK: config

    /// `.cmlbot.yml` (or `--config FILE`) as the report would load it, promotion rules included.
    public static func config(source: String?, promotionRules: Bool, base: String?, error: String?) -> DoctorCheck {
        if let error {
            return DoctorCheck(id: "config", title: "config", status: .fail, detail: [error],
                               fix: "fix the file as the message says; `cmlbot gate` reports the same error")
        }
        guard let source else {
            return DoctorCheck(id: "config", title: "config", status: .ok, detail: ["no .cmlbot.yml: defaults apply, no promotion gates"])
        }
        var line = "\(source) loads"
        line += promotionRules ? ", with promotion rules" : ", no promotion rules (the status is always success)"
        if let base { line += ", base \(base)" }
        return DoctorCheck(id: "config", title: "config", status: .ok, detail: [line])
    }

    // MARK: what would be published

    public struct PublishPlan: Equatable, Sendable {
        public var forge: ForgeKind
        /// `pr/7`, or a sentence for lookups; an error message when the target cannot be known.
        public var target: Result<String, PlanError>
        public var key: String
        public var statusContext: String
        public var headSHA: String?
        /// Whether `report --publish` would also create a check run (GitHub Actions' own token).
        public var checkRun: Bool
        public var summaryPath: String?
        /// Characters of the comment body the report makes (marker included), or why unknown.
        public var reportCharacters: Result<Int, PlanError>
        /// The forge client's comment limit.
        public var limit: Int

        public init(forge: ForgeKind, target: Result<String, PlanError>, key: String, statusContext: String, headSHA: String?,
                    checkRun: Bool, summaryPath: String?, reportCharacters: Result<Int, PlanError>, limit: Int) {
            self.forge = forge
            self.target = target
            self.key = key
            self.statusContext = statusContext
            self.headSHA = headSHA
            self.checkRun = checkRun
            self.summaryPath = summaryPath
            self.reportCharacters = reportCharacters
            self.limit = limit
        }
    }

    public struct PlanError: Error, Equatable, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }

    /// Where the comment and status go, and whether the report fits the forge's comment limit.
    public static func publish(_ plan: PublishPlan) -> DoctorCheck {
        var detail: [String] = []
        var status = DoctorCheck.Status.ok
        var fix: String?
        switch plan.target {
        case .success(let target):
            detail.append("comment on \(target), key \(CommentBody.normalizedKey(plan.key)) (\(CommentBody.marker(key: plan.key)))")
        case .failure(let error):
            detail.append("comment target: \(error.message)")
            status = .fail
            fix = "pass --target (auto, pr/N, commit/SHA or issue/N) or --pr N"
        }
        if let sha = plan.headSHA {
            detail.append("commit status \(plan.statusContext) on \(sha.prefix(12))")
        } else {
            detail.append("no commit status: the head commit is unknown (pass --head REV)")
        }
        if plan.forge == .github {
            detail.append(plan.checkRun ? "a check run with the report (GitHub Actions' GITHUB_TOKEN)"
                                        : "no check run (only the Actions GITHUB_TOKEN may create one); the status carries the verdict")
        }
        if let path = plan.summaryPath { detail.append("the job summary at \(path)") }
        switch plan.reportCharacters {
        case .success(let count) where count > plan.limit:
            detail.append("report: \(grouped(count)) characters, over the \(grouped(plan.limit)) the comment allows: it will be cut at a clean line")
            if status == .ok {
                status = .warn
                fix = "nothing is lost: the cut comment links to the job summary, which holds the full report (as does report.md with --out)"
            }
        case .success(let count):
            detail.append("report: \(grouped(count)) characters of the \(grouped(plan.limit)) the comment allows")
        case .failure(let error):
            detail.append("report not measured: \(error.message)")
            if status == .ok {
                status = .warn
                fix = "fix the base commit or config check above; report --publish needs the same"
            }
        }
        return DoctorCheck(id: "publish", title: "what would be published", status: status, detail: detail, fix: fix)
    }

    // MARK: outcome

    /// 0 when publishing would work (warnings included), 1 when any check failed.
    public static func exitCode(_ checks: [DoctorCheck]) -> Int32 {
        checks.contains { $0.status == .fail } ? 1 : 0
    }

    public static func verdict(_ checks: [DoctorCheck]) -> String {
        let failed = checks.filter { $0.status == .fail }
        let warnings = checks.filter { $0.status == .warn }.count
        if !failed.isEmpty {
            return "publishing would not work: \(failed.count) check\(failed.count == 1 ? "" : "s") failed (\(failed.map(\.id).joined(separator: ", ")))"
        }
        return "publishing would work" + (warnings == 0 ? "" : " (\(warnings) warning\(warnings == 1 ? "" : "s"))")
    }
}
