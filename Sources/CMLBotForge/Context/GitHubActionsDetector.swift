import Foundation

/// GitHub Actions: the environment names the event and the repository; the event payload at
/// `GITHUB_EVENT_PATH` holds the PR and its commits. Variables and payload fields used:
/// forge-api.md §1.6; fork semantics: §1.7.
enum GitHubActionsDetector {
    static let provider = "GitHub Actions"

    static func detect(_ env: CIEnvironment, readFile: (String) -> Data?) throws -> CIContext {
        guard let event = env["GITHUB_EVENT_NAME"] else {
            throw CIContextError.missingEnvironment(variable: "GITHUB_EVENT_NAME", provider: provider,
                                                    needed: "knowing which event started the workflow")
        }
        var context = CIContext()
        context.provider = .githubActions
        context.forge = .github
        context.event = event
        context.stepSummaryPath = env["GITHUB_STEP_SUMMARY"]
        context.outputPath = env["GITHUB_OUTPUT"]
        try fillURLs(&context, env)

        // Only the events that need the payload read it: a scheduled or manual run must not fail
        // because of a file it has no use for.
        func payload(needed: String) throws -> EventPayload {
            guard let path = env["GITHUB_EVENT_PATH"] else {
                throw CIContextError.missingEnvironment(variable: "GITHUB_EVENT_PATH", provider: provider, needed: needed)
            }
            return try EventPayload(path: path, event: event, readFile: readFile)
        }

        var payloadRepository: String?
        switch event {
        case "pull_request", "pull_request_target":
            let payload = try payload(needed: "the pull request's head and base commits")
            try fillPullRequest(&context, payload, event: event)
            payloadRepository = payload.optionalString("repository.full_name")
        case "workflow_run":
            let payload = try payload(needed: "the commit and pull request of the workflow run that triggered this one")
            try fillWorkflowRun(&context, payload)
            payloadRepository = payload.optionalString("repository.full_name")
        case "push":
            if env["GITHUB_EVENT_PATH"] != nil {
                let payload = try payload(needed: "the pushed commits")
                try fillPush(&context, payload, env)
                payloadRepository = payload.optionalString("repository.full_name")
            } else {
                context.headSHA = try env.sha("GITHUB_SHA")
            }
            context.headRef = refName(env) ?? context.headRef
        default:
            // workflow_dispatch, schedule, and any other event: the checked-out commit is
            // GITHUB_SHA, on GITHUB_REF; there is no base and no PR.
            context.headSHA = try env.sha("GITHUB_SHA")
            context.headRef = refName(env)
        }

        if let repository = env["GITHUB_REPOSITORY"] {
            guard RepositoryName.isValidGitHub(repository) else {
                throw CIContextError.invalidEnvironment(variable: "GITHUB_REPOSITORY", value: repository, expected: "OWNER/NAME")
            }
            context.repository = repository
        } else if let repository = payloadRepository, RepositoryName.isValidGitHub(repository) {
            context.repository = repository
        }

        // The run link uses GITHUB_REPOSITORY, the repository the workflow runs in, whatever --repo
        // later says about where to publish.
        if let server = context.serverURL, let repository = context.repository,
           let runID = env["GITHUB_RUN_ID"], RepositoryName.isNumericID(runID) {
            var url = "\(server)/\(repository)/actions/runs/\(runID)"
            // After "Re-run jobs" the plain run URL shows the newest attempt, so a status or footer
            // written by attempt 2 would point at attempt 3's logs once someone re-runs again. Name
            // the attempt from 2 on; attempt 1 keeps the canonical URL everyone recognises.
            if let attempt = env["GITHUB_RUN_ATTEMPT"], let number = Int(attempt), number > 1 {
                url += "/attempts/\(number)"
            }
            context.runURL = url
        }
        return context
    }

    /// API and web bases: taken from the environment (they are right for github.com, GitHub
    /// Enterprise Server and ghe.com alike); derived from each other only when one is missing, as
    /// in runners that emulate Actions.
    private static func fillURLs(_ context: inout CIContext, _ env: CIEnvironment) throws {
        let server = try env.url("GITHUB_SERVER_URL")
        let api = try env.url("GITHUB_API_URL") ?? ForgeURLs.githubAPI(forServer: server ?? ForgeURLs.githubDotCom)
        context.apiURL = api
        context.serverURL = server ?? ForgeURLs.githubServer(forAPI: api)
    }

    /// The PR's own head and base commits, never GITHUB_SHA: for these events that is the test
    /// merge commit `refs/pull/N/merge`, which no reviewer has seen and no status can sit on.
    private static func fillPullRequest(_ context: inout CIContext, _ payload: EventPayload, event: String) throws {
        guard payload.object("pull_request") != nil else {
            throw payload.fieldError("pull_request", "is missing")
        }
        guard let number = payload.optionalInt("pull_request.number") ?? payload.optionalInt("number") else {
            let problem = payload.value("pull_request.number") == nil ? "is missing" : "is not an integer"
            throw payload.fieldError("pull_request.number", problem)
        }
        guard number > 0 else { throw payload.fieldError("pull_request.number", "is not a positive number") }
        context.pullRequest = number
        context.headSHA = try payload.requiredSHA("pull_request.head.sha")
        context.baseSHA = try payload.requiredSHA("pull_request.base.sha")
        context.headRef = payload.optionalString("pull_request.head.ref")
        context.baseRef = payload.optionalString("pull_request.base.ref")
        context.headRepository = payload.optionalString("pull_request.head.repo.full_name")
        context.isFork = event != "pull_request_target" && isFromFork(payload)
    }

    /// Whether the PR's head lives in another repository, which is what makes GitHub hand the job a
    /// read-only token and no secrets. reviewdog's test (the repositories' owners differ) misses a
    /// fork inside the same organisation, so a different full name, a `fork: true` head, and a
    /// deleted head repository (`head.repo: null`, only possible for a fork) count too.
    private static func isFromFork(_ payload: EventPayload) -> Bool {
        guard payload.object("pull_request.head.repo") != nil else { return true }
        let headOwner = payload.optionalInt("pull_request.head.repo.owner.id")
        let baseOwner = payload.optionalInt("pull_request.base.repo.owner.id")
        if let headOwner, let baseOwner, headOwner != baseOwner { return true }
        let headName = payload.optionalString("pull_request.head.repo.full_name")
        let baseName = payload.optionalString("pull_request.base.repo.full_name")
        if let headName, let baseName, headName.lowercased() != baseName.lowercased() { return true }
        return false
    }

    /// The privileged half of the two-workflow pattern: this run has a write token and the base
    /// repository's code; the commit and PR under review are those of the run that triggered it.
    /// GitHub leaves `workflow_run.pull_requests` empty when the head is in a fork, so then there is
    /// no PR number here; `headRepository` and `headRef` allow a `head=OWNER:BRANCH` lookup, or the
    /// first workflow can pass the number on in an artifact for `--pr`.
    private static func fillWorkflowRun(_ context: inout CIContext, _ payload: EventPayload) throws {
        guard payload.object("workflow_run") != nil else {
            throw payload.fieldError("workflow_run", "is missing")
        }
        context.headSHA = try payload.requiredSHA("workflow_run.head_sha")
        context.headRef = payload.optionalString("workflow_run.head_branch")
        context.headRepository = payload.optionalString("workflow_run.head_repository.full_name")
        // This workflow runs in the base repository with its own token, whoever wrote the code.
        context.isFork = false

        let raw = payload.value("workflow_run.pull_requests")
        guard raw != nil else { return }
        guard let entries = raw as? [Any] else {
            throw payload.fieldError("workflow_run.pull_requests", "is not an array")
        }
        // The list can name PRs of other repositories whose head is this branch; take ours.
        let repositoryID = payload.optionalInt("repository.id")
        let candidates = entries.enumerated().compactMap { offset, entry -> (Int, [String: Any])? in
            guard let object = entry as? [String: Any] else { return nil }
            if let repositoryID, let baseID = payload.optionalInt("base.repo.id", in: object), baseID != repositoryID {
                return nil
            }
            return (offset, object)
        }
        guard let (index, entry) = candidates.first else { return }
        let prefix = "workflow_run.pull_requests[\(index)]."
        let number = try payload.requiredInt("number", in: entry, prefix: prefix)
        guard number > 0 else { throw payload.fieldError(prefix + "number", "is not a positive number") }
        context.pullRequest = number
        if payload.value("base.sha", in: entry) != nil {
            context.baseSHA = try payload.requiredSHA("base.sha", in: entry, prefix: prefix)
        }
        context.baseRef = payload.optionalString("base.ref", in: entry)
        context.headRef = payload.optionalString("head.ref", in: entry) ?? context.headRef
    }

    /// A push compares what the branch pointed at before with what it points at now; a push that
    /// created the branch has `before` = 000…0 and so no base.
    private static func fillPush(_ context: inout CIContext, _ payload: EventPayload, _ env: CIEnvironment) throws {
        let after = try payload.requiredSHA("after")
        let before = try payload.requiredSHA("before")
        // `after` is zero only for a deleted branch, which runs no workflow; fall back to GITHUB_SHA.
        context.headSHA = CommitID.isZero(after) ? try env.sha("GITHUB_SHA") : after
        context.baseSHA = CommitID.isZero(before) ? nil : before
        context.headRef = payload.optionalString("ref").map(shortRef)
    }

    private static func refName(_ env: CIEnvironment) -> String? {
        env["GITHUB_REF_NAME"] ?? env["GITHUB_REF"].map(shortRef)
    }

    private static func shortRef(_ ref: String) -> String {
        for prefix in ["refs/heads/", "refs/tags/"] where ref.hasPrefix(prefix) {
            return String(ref.dropFirst(prefix.count))
        }
        return ref
    }
}
