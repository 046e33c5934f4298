import CMLBotCore
import Foundation
import Testing
@testable import CMLBotForge

/// Event payloads and CI environments under `Fixtures/`, found next to this file so the package
/// needs no test resources.
enum ContextFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// Where the runner writes the payload; the fixtures' env files name this path.
    static let eventPath = "/home/runner/work/_temp/_github_workflow/event.json"

    static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(relativePath))
    }

    /// `KEY=value` lines; the value is everything after the first `=`, and may be empty.
    static func environment(_ relativePath: String) throws -> [String: String] {
        let text = String(decoding: try data(relativePath), as: UTF8.self)
        var env: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            env[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return env
    }

    /// A GitHub fixture: `github/NAME.env` with `github/NAME.json` as the event payload.
    static func github(_ name: String, adjust: (inout [String: String]) -> Void = { _ in }) throws -> CIContext {
        var env = try environment("github/\(name).env")
        adjust(&env)
        let payload = try data("github/\(name).json")
        return try CIContextDetector.detect(environment: env) { $0 == eventPath ? payload : nil }
    }

    static func gitlab(_ name: String, adjust: (inout [String: String]) -> Void = { _ in }) throws -> CIContext {
        var env = try environment("gitlab/\(name).env")
        adjust(&env)
        return try CIContextDetector.detect(environment: env) { _ in nil }
    }
}

private func expected(_ configure: (inout CIContext) -> Void) -> CIContext {
    var context = CIContext()
    configure(&context)
    return context
}

/// What every fixture of `octo-org/model-zoo` on github.com shares.
private func githubDotCom(_ configure: (inout CIContext) -> Void) -> CIContext {
    expected {
        $0.provider = .githubActions
        $0.forge = .github
        $0.apiURL = "https://api.github.com"
        $0.serverURL = "https://github.com"
        $0.repository = "octo-org/model-zoo"
        $0.stepSummaryPath = "/home/runner/work/_temp/_runner_file_commands/step_summary_6f1c"
        $0.outputPath = "/home/runner/work/_temp/_runner_file_commands/set_output_6f1c"
        configure(&$0)
    }
}

/// What every fixture of `ml-team/churn-model` on gitlab.com shares.
private func gitlabDotCom(_ configure: (inout CIContext) -> Void) -> CIContext {
    expected {
        $0.provider = .gitlabCI
        $0.forge = .gitlab
        $0.apiURL = "https://gitlab.com/api/v4"
        $0.serverURL = "https://gitlab.com"
        $0.repository = "ml-team/churn-model"
        $0.projectID = "48213377"
        configure(&$0)
    }
}

// MARK: - GitHub Actions

@Suite("CIContext: GitHub Actions fixtures")
struct GitHubActionsContextTests {
    @Test func pullRequestUsesTheHeadAndBaseCommitsNotTheMergeCommit() throws {
        let context = try ContextFixtures.github("pull_request")
        #expect(context == githubDotCom {
            $0.event = "pull_request"
            $0.pullRequest = 42
            $0.headSHA = "f79bb8034388e1bef4540265292927f020fdeb1c"
            $0.baseSHA = "cc40b4860159ed66fe2f7d518168203bffad040e"
            $0.headRef = "feature/cosine-lr"
            $0.baseRef = "main"
            $0.headRepository = "octo-org/model-zoo"
            $0.isFork = false
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
        // GITHUB_SHA is refs/pull/42/merge, a commit nobody reviewed.
        #expect(context.headSHA != "5b35595db3a4e0e268ef5cd40048fdd8edf1c90c")
    }

    @Test func pullRequestFromAForkHasAReadOnlyToken() throws {
        #expect(try ContextFixtures.github("pull_request_fork") == githubDotCom {
            $0.event = "pull_request"
            $0.pullRequest = 57
            $0.headSHA = "788ad4e119eea2a0b0879cd9ca19f6c4d67c4f49"
            $0.baseSHA = "ebd6f7eb7b3fea4d67bf7ff8857c9a18852e1356"
            $0.headRef = "patch-1"
            $0.baseRef = "main"
            $0.headRepository = "mallory-fork/model-zoo"
            $0.isFork = true
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
    }

    @Test func pullRequestTargetFromAForkHasAWriteToken() throws {
        // GITHUB_SHA is the base branch tip here; the head still comes from the payload.
        #expect(try ContextFixtures.github("pull_request_target_fork") == githubDotCom {
            $0.event = "pull_request_target"
            $0.pullRequest = 57
            $0.headSHA = "788ad4e119eea2a0b0879cd9ca19f6c4d67c4f49"
            $0.baseSHA = "ebd6f7eb7b3fea4d67bf7ff8857c9a18852e1356"
            $0.headRef = "patch-1"
            $0.baseRef = "main"
            $0.headRepository = "mallory-fork/model-zoo"
            $0.isFork = false
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
    }

    @Test func forkInsideTheSameOrganisationIsAFork() throws {
        // Owner ids are equal, so reviewdog's test alone would miss it.
        let context = try ContextFixtures.github("pull_request_same_owner_fork")
        #expect(context == githubDotCom {
            $0.event = "pull_request"
            $0.pullRequest = 61
            $0.headSHA = "ea1a9aae327d7872377562df641154c57e4be67a"
            $0.baseSHA = "c578bda67b6c2b873b2733c7850ad9bbc7c5644c"
            $0.headRef = "exp/augment"
            $0.baseRef = "main"
            $0.headRepository = "octo-org/model-zoo-experiments"
            $0.isFork = true
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
    }

    @Test func deletedForkCountsAsAFork() throws {
        #expect(try ContextFixtures.github("pull_request_deleted_fork") == githubDotCom {
            $0.event = "pull_request"
            $0.pullRequest = 63
            $0.headSHA = "b0fbe0389999f653c61853f500d530d02ca85d64"
            $0.baseSHA = "4d5268f729554df5868abb8bfe17b0e39ea86aab"
            $0.headRef = "fix-typo"
            $0.baseRef = "main"
            $0.headRepository = nil
            $0.isFork = true
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
    }

    @Test func pushComparesBeforeWithAfter() throws {
        #expect(try ContextFixtures.github("push") == githubDotCom {
            $0.event = "push"
            $0.headSHA = "2930b3439ae5342b581f4f6346eff6f80b9d8202"
            $0.baseSHA = "5c18a5d359ffc05c241fe9b59be98b68ca5358fe"
            $0.headRef = "main"
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
    }

    @Test func pushCreatingABranchHasNoBase() throws {
        #expect(try ContextFixtures.github("push_new_branch") == githubDotCom {
            $0.event = "push"
            $0.headSHA = "bf869e5d630478db17c22ec503036776763fc202"
            $0.baseSHA = nil
            $0.headRef = "exp/dropout-0.3"
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023987651"
        })
    }

    @Test func pushWithoutAnEventFileFallsBackToGitHubSHA() throws {
        let context = try ContextFixtures.github("push") { $0["GITHUB_EVENT_PATH"] = nil }
        #expect(context.headSHA == "2930b3439ae5342b581f4f6346eff6f80b9d8202")
        #expect(context.baseSHA == nil)
        #expect(context.headRef == "main")
    }

    @Test func workflowDispatchOnALaterAttemptLinksThatAttempt() throws {
        #expect(try ContextFixtures.github("workflow_dispatch") == githubDotCom {
            $0.event = "workflow_dispatch"
            $0.headSHA = "05b145cfb6fbc24d08a8e01155c0aa2bf8460c87"
            $0.headRef = "release/2025.05"
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14023999999/attempts/3"
        })
    }

    @Test func scheduleNeedsNoPayload() throws {
        let expectedContext = githubDotCom {
            $0.event = "schedule"
            $0.headSHA = "11e9ba26c91a2db7452a5ef9ff7051e19b6b377a"
            $0.headRef = "main"
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14024000001"
        }
        #expect(try ContextFixtures.github("schedule") == expectedContext)
        // The payload is never read for a schedule, so an unreadable one does not matter.
        var env = try ContextFixtures.environment("github/schedule.env")
        env["GITHUB_EVENT_PATH"] = "/nonexistent/event.json"
        #expect(try CIContextDetector.detect(environment: env) { _ in nil } == expectedContext)
    }

    @Test func workflowRunTakesThePullRequestOfThisRepository() throws {
        // The first entry is a PR of another repository with the same head branch.
        #expect(try ContextFixtures.github("workflow_run") == githubDotCom {
            $0.event = "workflow_run"
            $0.pullRequest = 42
            $0.headSHA = "75e18fb672faeb9d85f38c826686b677f4c43ff7"
            $0.baseSHA = "8edbc25757e609915e978a6fa6dd084854c0a2e0"
            $0.headRef = "feature/cosine-lr"
            $0.baseRef = "main"
            $0.headRepository = "octo-org/model-zoo"
            $0.isFork = false
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14024011111"
        })
    }

    @Test func workflowRunAfterAForkPullRequestHasNoNumberButTheHeadToLookItUp() throws {
        #expect(try ContextFixtures.github("workflow_run_fork") == githubDotCom {
            $0.event = "workflow_run"
            $0.pullRequest = nil
            $0.headSHA = "444c0726bb8dec0b9d92f72140e3c5aac57ca245"
            $0.baseSHA = nil
            $0.headRef = "patch-1"
            $0.headRepository = "mallory-fork/model-zoo"
            $0.isFork = false
            $0.runURL = "https://github.com/octo-org/model-zoo/actions/runs/14024022222/attempts/2"
        })
    }

    @Test func gitHubEnterpriseServerURLsComeFromTheEnvironment() throws {
        #expect(try ContextFixtures.github("pull_request_ghes") == expected {
            $0.provider = .githubActions
            $0.forge = .github
            $0.apiURL = "https://ghe.example.com/api/v3"
            $0.serverURL = "https://ghe.example.com"
            $0.repository = "ml-platform/forecasting"
            $0.event = "pull_request"
            $0.pullRequest = 7
            $0.headSHA = "d7af7b4941b98dbadc7b4b3ae35e0fe30064e08f"
            $0.baseSHA = "b098a9ef7480bea0dfea2c61c41e18f1cdd69312"
            $0.headRef = "bob/feature-store"
            $0.baseRef = "develop"
            $0.headRepository = "ml-platform/forecasting"
            $0.runURL = "https://ghe.example.com/ml-platform/forecasting/actions/runs/88231"
            $0.stepSummaryPath = "/home/runner/work/_temp/_runner_file_commands/step_summary_6f1c"
            $0.outputPath = "/home/runner/work/_temp/_runner_file_commands/set_output_6f1c"
        })
    }

    @Test(arguments: [
        // (GITHUB_API_URL, GITHUB_SERVER_URL) → (apiURL, serverURL)
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/", "https://ghe.example.com/api/v3", "https://ghe.example.com"),
        (nil, "https://ghe.example.com", "https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("https://ghe.example.com/api/v3", nil, "https://ghe.example.com/api/v3", "https://ghe.example.com"),
        (nil, "https://octo.ghe.com", "https://api.octo.ghe.com", "https://octo.ghe.com"),
        ("https://api.octo.ghe.com", nil, "https://api.octo.ghe.com", "https://octo.ghe.com"),
        (nil, nil, "https://api.github.com", "https://github.com"),
    ] as [(String?, String?, String, String)])
    func apiAndServerURLs(api: String?, server: String?, expectedAPI: String, expectedServer: String) throws {
        let context = try ContextFixtures.github("push") {
            $0["GITHUB_API_URL"] = api
            $0["GITHUB_SERVER_URL"] = server
        }
        #expect(context.apiURL == expectedAPI)
        #expect(context.serverURL == expectedServer)
    }

    @Test func runURLNeedsTheRunID() throws {
        #expect(try ContextFixtures.github("push") { $0["GITHUB_RUN_ID"] = nil }.runURL == nil)
        #expect(try ContextFixtures.github("push") { $0["GITHUB_RUN_ATTEMPT"] = "1" }.runURL
            == "https://github.com/octo-org/model-zoo/actions/runs/14023987651")
    }

    @Test func repositoryFallsBackToThePayload() throws {
        let context = try ContextFixtures.github("pull_request") { $0["GITHUB_REPOSITORY"] = nil }
        #expect(context.repository == "octo-org/model-zoo")
        #expect(context.runURL == "https://github.com/octo-org/model-zoo/actions/runs/14023987651")
    }

    @Test func emptyVariablesCountAsUnset() throws {
        let context = try ContextFixtures.github("push") {
            $0["GITHUB_STEP_SUMMARY"] = ""
            $0["GITHUB_API_URL"] = ""
        }
        #expect(context.stepSummaryPath == nil)
        #expect(context.apiURL == "https://api.github.com")
    }
}

// MARK: - GitLab CI

@Suite("CIContext: GitLab CI fixtures")
struct GitLabCIContextTests {
    @Test func mergeRequestPipeline() throws {
        #expect(try ContextFixtures.gitlab("mr_pipeline") == gitlabDotCom {
            $0.event = "merge_request_event"
            $0.pullRequest = 18
            $0.headSHA = "c49d3bee5ce0d1508c24b107ddab8a8135820191"
            $0.baseSHA = "6aa58d0373890c28f39f4744bf8954a0ac20d117"
            $0.headRef = "feature/grad-clip"
            $0.baseRef = "main"
            $0.headRepository = "ml-team/churn-model"
            $0.runURL = "https://gitlab.com/ml-team/churn-model/-/jobs/7712340091"
        })
    }

    @Test func mergedResultsPipelineReviewsTheSourceHeadNotTheMergeResult() throws {
        let context = try ContextFixtures.gitlab("merged_results")
        #expect(context == gitlabDotCom {
            $0.event = "merge_request_event"
            $0.pullRequest = 19
            $0.headSHA = "5ad2ee40b77f7e23b051382fbd5259d4f0a86c3b"
            $0.baseSHA = "e4533657f5fd7e8dc328684cb26e426ff982da44"
            $0.headRef = "feature/early-stop"
            $0.baseRef = "main"
            $0.headRepository = "ml-team/churn-model"
            $0.runURL = "https://gitlab.com/ml-team/churn-model/-/jobs/7712340091"
        })
        #expect(context.headSHA != "4feac3c6781df98c465eb5924c2861979e9ca26e")
    }

    @Test func mergeTrainPipeline() throws {
        #expect(try ContextFixtures.gitlab("merge_train") == gitlabDotCom {
            $0.event = "merge_request_event"
            $0.pullRequest = 20
            $0.headSHA = "24436bb6250dd5dcac790268e5bbb44cd4b4e77d"
            $0.baseSHA = "cb8692ad5249866bb3839682f3a9ba089fb0ade3"
            $0.headRef = "feature/mixup"
            $0.baseRef = "main"
            $0.headRepository = "ml-team/churn-model"
            $0.runURL = "https://gitlab.com/ml-team/churn-model/-/jobs/7712340091"
        })
    }

    @Test func branchPipelineLooksTheMergeRequestUpThroughTheCommit() throws {
        #expect(try ContextFixtures.gitlab("branch_pipeline") == gitlabDotCom {
            $0.event = "push"
            $0.headSHA = "8b8642cd5038505314433f03e8a1394a3afb4cd4"
            $0.baseSHA = "2674d809813f571d39cf1c990e4a447b7db297d2"
            $0.headRef = "feature/grad-clip"
            $0.needsMergeRequestLookup = true
            $0.runURL = "https://gitlab.com/ml-team/churn-model/-/jobs/7712340091"
        })
    }

    @Test func tagPipelineBelongsToNoMergeRequest() throws {
        #expect(try ContextFixtures.gitlab("tag_pipeline") == gitlabDotCom {
            $0.event = "push"
            $0.headSHA = "2370c225288e9433a3722c1288720d22fb245962"
            $0.baseSHA = nil
            $0.headRef = "v2.3.0"
            $0.needsMergeRequestLookup = false
            $0.runURL = "https://gitlab.com/ml-team/churn-model/-/jobs/7712340091"
        })
    }

    @Test func forkMergeRequestInTheForkPostsToTheTargetProject() throws {
        #expect(try ContextFixtures.gitlab("fork_mr") == gitlabDotCom {
            $0.event = "merge_request_event"
            $0.pullRequest = 23
            $0.headSHA = "ca78d045ad102936c6a30adfe08e960594733a03"
            $0.baseSHA = "70e285bdca1fe0852c35acac152c192f5741f846"
            $0.headRef = "fix/leakage"
            $0.baseRef = "main"
            $0.headRepository = "erin/churn-model"
            $0.isFork = true
            $0.runURL = "https://gitlab.com/erin/churn-model/-/jobs/7712340091"
        })
    }

    @Test func forkMergeRequestRunInTheParentProjectIsNotDegraded() throws {
        #expect(try ContextFixtures.gitlab("fork_mr_parent_pipeline") == gitlabDotCom {
            $0.event = "merge_request_event"
            $0.pullRequest = 23
            $0.headSHA = "ca78d045ad102936c6a30adfe08e960594733a03"
            $0.baseSHA = "70e285bdca1fe0852c35acac152c192f5741f846"
            $0.headRef = "fix/leakage"
            $0.baseRef = "main"
            $0.headRepository = "erin/churn-model"
            $0.isFork = false
            $0.runURL = "https://gitlab.com/ml-team/churn-model/-/jobs/7712340091"
        })
    }

    @Test func subgroupsOnASelfManagedInstance() throws {
        #expect(try ContextFixtures.gitlab("subgroup_self_managed") == expected {
            $0.provider = .gitlabCI
            $0.forge = .gitlab
            $0.apiURL = "https://gitlab.example.com/api/v4"
            $0.serverURL = "https://gitlab.example.com"
            $0.repository = "research/vision/detector-v2"
            $0.projectID = "311"
            $0.event = "merge_request_event"
            $0.pullRequest = 5
            $0.headSHA = "8d074a2611317ae013bd908f0f28e3aafa023344"
            $0.baseSHA = "c8ba0e9275642722cbcc81c6f553dac7b1bc0876"
            $0.headRef = "exp/lora"
            $0.baseRef = "develop"
            $0.headRepository = "research/vision/detector-v2"
            $0.runURL = "https://gitlab.example.com/research/vision/detector-v2/-/jobs/7712340091"
        })
    }

    @Test func withoutANumericIDTheProjectIsItsPathEncodedOnce() throws {
        let context = try ContextFixtures.gitlab("branch_pipeline") {
            $0["CI_PROJECT_ID"] = nil
            $0["CI_PROJECT_PATH"] = "research/vision/detector-v2"
        }
        #expect(context.projectID == "research%2Fvision%2Fdetector-v2")
        #expect(context.repository == "research/vision/detector-v2")
        let mergeRequest = try ContextFixtures.gitlab("subgroup_self_managed") { $0["CI_MERGE_REQUEST_PROJECT_ID"] = nil }
        #expect(mergeRequest.projectID == "research%2Fvision%2Fdetector-v2")
    }

    @Test func apiURLFallsBackToTheServerURL() throws {
        let context = try ContextFixtures.gitlab("branch_pipeline") {
            $0["CI_API_V4_URL"] = nil
            $0["CI_SERVER_URL"] = "https://gitlab.example.com"
        }
        #expect(context.apiURL == "https://gitlab.example.com/api/v4")
        #expect(context.serverURL == "https://gitlab.example.com")
    }

    @Test func malformedVariablesAreErrorsNamingTheVariable() throws {
        #expect(throws: CIContextError.invalidEnvironment(variable: "CI_MERGE_REQUEST_IID", value: "!18", expected: "a positive integer")) {
            try ContextFixtures.gitlab("mr_pipeline") { $0["CI_MERGE_REQUEST_IID"] = "!18" }
        }
        #expect(throws: CIContextError.invalidEnvironment(variable: "CI_COMMIT_SHA", value: "HEAD", expected: "a commit SHA (40 or 64 hex digits)")) {
            try ContextFixtures.gitlab("branch_pipeline") { $0["CI_COMMIT_SHA"] = "HEAD" }
        }
        #expect(throws: CIContextError.invalidEnvironment(variable: "CI_API_V4_URL", value: "gitlab.example.com/api/v4", expected: "an http(s) URL")) {
            try ContextFixtures.gitlab("branch_pipeline") { $0["CI_API_V4_URL"] = "gitlab.example.com/api/v4" }
        }
    }
}

// MARK: - Local runs and malformed GitHub payloads

@Suite("CIContext: local runs and malformed input")
struct CIContextDetectionErrorTests {
    @Test func localRunHasNoForge() throws {
        let env = ["HOME": "/home/dana", "PATH": "/usr/bin", "CI": "true", "GITHUB_ACTIONS": "false"]
        #expect(try CIContextDetector.detect(environment: env) { _ in nil } == CIContext())
        #expect(try CIContextDetector.detect(environment: [:]) { _ in nil }.provider == .local)
    }

    private func detect(event: String = "pull_request", payload: Data?) throws -> CIContext {
        var env = try ContextFixtures.environment("github/pull_request.env")
        env["GITHUB_EVENT_NAME"] = event
        return try CIContextDetector.detect(environment: env) { $0 == ContextFixtures.eventPath ? payload : nil }
    }

    /// The pull_request fixture with one edit applied to its JSON object.
    private func editedPayload(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: ContextFixtures.data("github/pull_request.json")) as? [String: Any])
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    private func set(_ object: inout [String: Any], _ path: [String], _ value: Any?) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var child = object[first] as? [String: Any] ?? [:]
        set(&child, Array(path.dropFirst()), value)
        object[first] = child
    }

    private let path = ContextFixtures.eventPath

    @Test func missingEventFile() throws {
        #expect(throws: CIContextError.eventFileUnreadable(path: path, event: "pull_request")) {
            try detect(payload: nil)
        }
    }

    @Test func missingEventPathVariable() throws {
        var env = try ContextFixtures.environment("github/pull_request.env")
        env["GITHUB_EVENT_PATH"] = nil
        #expect(throws: CIContextError.missingEnvironment(variable: "GITHUB_EVENT_PATH", provider: "GitHub Actions",
                                                         needed: "the pull request's head and base commits")) {
            try CIContextDetector.detect(environment: env) { _ in nil }
        }
    }

    @Test func missingEventName() throws {
        var env = try ContextFixtures.environment("github/push.env")
        env["GITHUB_EVENT_NAME"] = nil
        #expect(throws: CIContextError.self) { try CIContextDetector.detect(environment: env) { _ in nil } }
    }

    @Test func notJSON() throws {
        #expect(throws: CIContextError.eventNotJSON(path: path, event: "pull_request", detail: "it does not parse as JSON")) {
            try detect(payload: Data("{\"pull_request\": ".utf8))
        }
        #expect(throws: CIContextError.eventNotJSON(path: path, event: "pull_request", detail: "the file is empty")) {
            try detect(payload: Data())
        }
        #expect(throws: CIContextError.eventNotJSON(path: path, event: "pull_request", detail: "the top level is not an object")) {
            try detect(payload: Data("[1, 2]".utf8))
        }
    }

    @Test func pushPayloadOfTheWrongEvent() throws {
        // A pull_request job whose payload is a push payload: no pull_request object.
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request",
                                                  problem: "is missing")) {
            try detect(payload: ContextFixtures.data("github/push.json"))
        }
    }

    @Test func missingOrMistypedFields() throws {
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request.head.sha", problem: "is missing")) {
            try detect(payload: editedPayload { set(&$0, ["pull_request", "head", "sha"], nil) })
        }
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request.base.sha", problem: "is not a non-empty string")) {
            try detect(payload: editedPayload { set(&$0, ["pull_request", "base", "sha"], 12) })
        }
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request.head.sha",
                                                  problem: "is 'main', not a commit SHA (40 or 64 hex digits)")) {
            try detect(payload: editedPayload { set(&$0, ["pull_request", "head", "sha"], "main") })
        }
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request.number", problem: "is missing")) {
            try detect(payload: editedPayload {
                set(&$0, ["pull_request", "number"], nil)
                $0["number"] = nil
            })
        }
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request.number", problem: "is not an integer")) {
            try detect(payload: editedPayload {
                set(&$0, ["pull_request", "number"], "42")
                $0["number"] = nil
            })
        }
        #expect(throws: CIContextError.eventField(path: path, event: "pull_request", field: "pull_request.head.sha", problem: "is missing")) {
            try detect(payload: editedPayload { set(&$0, ["pull_request", "head"], NSNull()) })
        }
    }

    @Test func pullRequestNumberFallsBackToTheTopLevelNumber() throws {
        let context = try detect(payload: editedPayload { set(&$0, ["pull_request", "number"], nil) })
        #expect(context.pullRequest == 42)
    }

    @Test func sha256RepositoriesAreAccepted() throws {
        let sha256 = String(repeating: "ab", count: 32)
        let context = try detect(payload: editedPayload { set(&$0, ["pull_request", "head", "sha"], sha256) })
        #expect(context.headSHA == sha256)
    }

    @Test func malformedPushAndWorkflowRunPayloads() throws {
        var push = try ContextFixtures.environment("github/push.env")
        #expect(throws: CIContextError.eventField(path: path, event: "push", field: "before", problem: "is missing")) {
            try CIContextDetector.detect(environment: push) { _ in Data("{\"after\": \"\(String(repeating: "1", count: 40))\"}".utf8) }
        }
        push["GITHUB_EVENT_NAME"] = "workflow_run"
        #expect(throws: CIContextError.eventField(path: path, event: "workflow_run", field: "workflow_run",
                                                  problem: "is missing")) {
            try CIContextDetector.detect(environment: push) { _ in Data("{}".utf8) }
        }
        let badEntry = Data("""
            {"workflow_run": {"head_sha": "\(String(repeating: "2", count: 40))", "pull_requests": [{"id": 1}]}}
            """.utf8)
        #expect(throws: CIContextError.eventField(path: path, event: "workflow_run", field: "workflow_run.pull_requests[0].number",
                                                  problem: "is missing")) {
            try CIContextDetector.detect(environment: push) { _ in badEntry }
        }
    }

    @Test func invalidEnvironmentValues() throws {
        #expect(throws: CIContextError.invalidEnvironment(variable: "GITHUB_REPOSITORY", value: "model-zoo", expected: "OWNER/NAME")) {
            try ContextFixtures.github("push") { $0["GITHUB_REPOSITORY"] = "model-zoo" }
        }
        #expect(throws: CIContextError.invalidEnvironment(variable: "GITHUB_SHA", value: "abc", expected: "a commit SHA (40 or 64 hex digits)")) {
            try ContextFixtures.github("schedule") { $0["GITHUB_SHA"] = "abc" }
        }
        // A URL with credentials is refused without echoing them.
        let error = #expect(throws: CIContextError.self) {
            try ContextFixtures.github("push") { $0["GITHUB_API_URL"] = "https://bot:hunter2secret@ghe.example.com/api/v3" }
        }
        #expect(error?.message.contains("hunter2secret") == false)
    }

    @Test func messagesSayWhatWhereAndHow() {
        #expect(CIContextError.eventFileUnreadable(path: "/e.json", event: "pull_request").message
            == "cannot read the pull_request event payload at /e.json (GITHUB_EVENT_PATH); the runner writes it for each job, "
            + "so run cmlbot in a step of that job, and if the step starts its own container, mount the file and pass GITHUB_EVENT_PATH in")
        #expect(CIContextError.eventField(path: "/e.json", event: "pull_request", field: "pull_request.head.sha", problem: "is missing").message
            == "the pull_request event payload at /e.json (GITHUB_EVENT_PATH): pull_request.head.sha is missing; "
            + "GitHub always sends it for this event, so a step of this job must have replaced the file (or GITHUB_EVENT_NAME)")
        #expect(CIContextError.invalidEnvironment(variable: "CI_MERGE_REQUEST_IID", value: "x", expected: "a positive integer").message
            == "CI_MERGE_REQUEST_IID='x' is not a positive integer; check the job's env block (the CI service sets this variable itself)")
        #expect(CIContextError.invalidOverride(flag: "--pr", value: "0", reason: "r").kind == .usage)
        #expect(CIContextError.eventFileUnreadable(path: "/e", event: "push").kind == .operational)
    }
}

// MARK: - Overrides

@Suite("CIContext: explicit flags")
struct ContextOverrideTests {
    private func local() -> CIContext { CIContext() }

    @Test func emptyOverridesChangeNothing() throws {
        let detected = try ContextFixtures.github("pull_request")
        #expect(ContextOverrides().isEmpty)
        #expect(try CIContextDetector.apply(ContextOverrides(), to: detected) == detected)
        #expect(try CIContextDetector.apply(ContextOverrides(), to: local()) == local())
    }

    @Test func localWithAllFlagsIsPublishableOnGitHubDotCom() throws {
        let context = try CIContextDetector.apply(ContextOverrides(forge: .github, repo: "octo-org/model-zoo", pr: 42), to: local())
        #expect(context == expected {
            $0.provider = .local
            $0.forge = .github
            $0.apiURL = "https://api.github.com"
            $0.serverURL = "https://github.com"
            $0.repository = "octo-org/model-zoo"
            $0.pullRequest = 42
        })
        #expect(context.missingForPublishing.isEmpty)
        try context.requirePublishable()
    }

    @Test func localGitLabWithPathAndAPIURL() throws {
        let context = try CIContextDetector.apply(
            ContextOverrides(forge: .gitlab, repo: "research/vision/detector-v2", pr: 5, apiURL: "https://gitlab.example.com/api/v4/",
                             base: "origin/develop", head: "HEAD"),
            to: local())
        #expect(context == expected {
            $0.forge = .gitlab
            $0.apiURL = "https://gitlab.example.com/api/v4"
            $0.serverURL = "https://gitlab.example.com"
            $0.repository = "research/vision/detector-v2"
            $0.projectID = "research%2Fvision%2Fdetector-v2"
            $0.pullRequest = 5
            $0.baseSHA = "origin/develop"
            $0.headSHA = "HEAD"
        })
    }

    @Test func gitLabRepoForms() throws {
        let gitlab = ContextOverrides(forge: .gitlab)
        var numeric = gitlab
        numeric.repo = "48213377"
        #expect(try CIContextDetector.apply(numeric, to: local()).projectID == "48213377")
        #expect(try CIContextDetector.apply(numeric, to: local()).repository == nil)
        var encoded = gitlab
        encoded.repo = "group%2Fsub%2Fproject"
        let fromEncoded = try CIContextDetector.apply(encoded, to: local())
        #expect(fromEncoded.projectID == "group%2Fsub%2Fproject")
        #expect(fromEncoded.repository == "group/sub/project")
    }

    @Test func sameRepositoryKeepsTheDetectedPullRequestAndNumericID() throws {
        let github = try ContextFixtures.github("pull_request")
        #expect(try CIContextDetector.apply(ContextOverrides(repo: "Octo-Org/Model-Zoo"), to: github) == github)
        let gitlab = try ContextFixtures.gitlab("mr_pipeline")
        #expect(try CIContextDetector.apply(ContextOverrides(forge: .gitlab, repo: "ml-team/churn-model"), to: gitlab) == gitlab)
    }

    @Test func anotherRepositoryDropsTheDetectedPullRequest() throws {
        let detected = try ContextFixtures.github("pull_request_fork")
        let context = try CIContextDetector.apply(ContextOverrides(repo: "octo-org/model-zoo-mirror"), to: detected)
        var want = detected
        want.repository = "octo-org/model-zoo-mirror"
        want.pullRequest = nil
        want.headRepository = nil
        #expect(context == want)
        // The run URL still names where the job runs, and the token is still a fork run's.
        #expect(context.runURL == detected.runURL)
        #expect(context.isFork)
        #expect(context.missingForPublishing.isEmpty) // the head commit remains a target
    }

    @Test func prOverridesTheDetectedOneAndTheLookup() throws {
        let branch = try ContextFixtures.gitlab("branch_pipeline")
        let context = try CIContextDetector.apply(ContextOverrides(pr: 18), to: branch)
        var want = branch
        want.pullRequest = 18
        want.needsMergeRequestLookup = false
        #expect(context == want)

        let workflowRun = try ContextFixtures.github("workflow_run_fork")
        let withNumber = try CIContextDetector.apply(ContextOverrides(pr: 57), to: workflowRun)
        #expect(withNumber.pullRequest == 57)
        #expect(withNumber.headSHA == workflowRun.headSHA)
        #expect(withNumber.headRepository == "mallory-fork/model-zoo")
    }

    @Test func baseAndHeadOverrideEverything() throws {
        let detected = try ContextFixtures.github("pull_request")
        let context = try CIContextDetector.apply(ContextOverrides(base: "v1.0", head: "feature~2"), to: detected)
        var want = detected
        want.baseSHA = "v1.0"
        want.headSHA = "feature~2"
        #expect(context == want)
    }

    @Test func anotherForgeDropsTheDetectedForgeFacts() throws {
        let detected = try ContextFixtures.github("pull_request")
        let context = try CIContextDetector.apply(
            ContextOverrides(forge: .gitlab, repo: "mirror/model-zoo", pr: 9, apiURL: "https://gitlab.example.com/api/v4"), to: detected)
        #expect(context == expected {
            $0.provider = .githubActions
            $0.forge = .gitlab
            $0.apiURL = "https://gitlab.example.com/api/v4"
            $0.serverURL = "https://gitlab.example.com"
            $0.repository = "mirror/model-zoo"
            $0.projectID = "mirror%2Fmodel-zoo"
            $0.pullRequest = 9
            $0.event = "pull_request"
            $0.headSHA = detected.headSHA
            $0.baseSHA = detected.baseSHA
            $0.headRef = "feature/cosine-lr"
            $0.baseRef = "main"
            $0.runURL = detected.runURL
            $0.stepSummaryPath = detected.stepSummaryPath
            $0.outputPath = detected.outputPath
        })
    }

    @Test func apiURLOverrideAgainstATestServerKeepsTheWebBase() throws {
        let detected = try ContextFixtures.github("pull_request_ghes")
        let context = try CIContextDetector.apply(ContextOverrides(apiURL: "http://127.0.0.1:8123"), to: detected)
        #expect(context.apiURL == "http://127.0.0.1:8123")
        #expect(context.serverURL == "https://ghe.example.com")
    }

    @Test(arguments: [
        (ContextOverrides(forge: .github, repo: "model-zoo"), "--repo", "model-zoo"),
        (ContextOverrides(forge: .github, repo: "octo-org/model-zoo/extra"), "--repo", "octo-org/model-zoo/extra"),
        (ContextOverrides(forge: .github, repo: "octo-org/../x"), "--repo", "octo-org/../x"),
        (ContextOverrides(forge: .github, repo: "octo org/zoo"), "--repo", "octo org/zoo"),
        (ContextOverrides(forge: .gitlab, repo: "churn-model"), "--repo", "churn-model"),
        (ContextOverrides(forge: .gitlab, repo: "group//project"), "--repo", "group//project"),
        (ContextOverrides(forge: .github, pr: 0), "--pr", "0"),
        (ContextOverrides(forge: .gitlab, pr: -3), "--pr", "-3"),
        (ContextOverrides(forge: .github, apiURL: "api.github.com"), "--api-url", "api.github.com"),
        (ContextOverrides(forge: .github, apiURL: "ftp://ghe.example.com/api/v3"), "--api-url", "ftp://ghe.example.com/api/v3"),
        (ContextOverrides(base: ""), "--base", ""),
        (ContextOverrides(head: "--help"), "--head", "--help"),
        (ContextOverrides(head: "main\nHEAD"), "--head", "main\nHEAD"),
        (ContextOverrides(repo: "octo-org/model-zoo"), "--repo", "octo-org/model-zoo"),
        (ContextOverrides(pr: 4), "--pr", "4"),
    ])
    func nonsenseIsAUsageErrorNamingTheFlag(overrides: ContextOverrides, flag: String, value: String) throws {
        let error = #expect(throws: CIContextError.self) { try CIContextDetector.apply(overrides, to: CIContext()) }
        guard case .invalidOverride(let gotFlag, let gotValue, _)? = error else {
            Issue.record("expected invalidOverride, got \(String(describing: error))")
            return
        }
        #expect(gotFlag == flag)
        #expect(gotValue == value)
        #expect(error?.kind == .usage)
    }

    @Test func overrideMessages() throws {
        #expect(throws: CIContextError.invalidOverride(flag: "--repo", value: "model-zoo",
                                                       reason: "a GitHub repository is OWNER/NAME (letters, digits, '-', '_', '.'), e.g. octo-org/model-zoo")) {
            try CIContextDetector.apply(ContextOverrides(forge: .github, repo: "model-zoo"), to: CIContext())
        }
        #expect(throws: CIContextError.invalidOverride(flag: "--pr", value: "0",
                                                       reason: "must be a positive pull request number (on GitLab the merge request iid, !N)")) {
            try CIContextDetector.apply(ContextOverrides(forge: .gitlab, pr: 0), to: CIContext())
        }
        #expect(throws: CIContextError.invalidOverride(flag: "--repo", value: "o/r",
                                                       reason: "there is no forge to use it with: pass --forge github|gitlab too (or run inside GitHub Actions / GitLab CI)")) {
            try CIContextDetector.apply(ContextOverrides(repo: "o/r"), to: CIContext())
        }
        let error = #expect(throws: CIContextError.self) {
            try CIContextDetector.apply(ContextOverrides(forge: .github, apiURL: "https://x-access-token:s3cr3tvalue@ghe.example.com/api/v3"), to: CIContext())
        }
        #expect(error?.message.contains("s3cr3tvalue") == false)
        #expect(error?.message.contains("--token-env") == true)
    }

    @Test func missingForPublishingLocally() throws {
        #expect(CIContext().missingForPublishing
            == ["no forge detected: pass --forge github|gitlab and --repo OWNER/NAME and --pr N, or run inside GitHub Actions / GitLab CI"])
        #expect(throws: CIContextError.notPublishable(missing: CIContext().missingForPublishing)) { try CIContext().requirePublishable() }
        #expect(CIContextError.notPublishable(missing: CIContext().missingForPublishing).message
            == "cannot publish: no forge detected: pass --forge github|gitlab and --repo OWNER/NAME and --pr N, or run inside GitHub Actions / GitLab CI")

        let githubOnly = try CIContextDetector.apply(ContextOverrides(forge: .github), to: CIContext())
        #expect(githubOnly.missingForPublishing == [
            "no repository: pass --repo OWNER/NAME (GITHUB_REPOSITORY is not set)",
            "nothing to comment on: pass --pr N (the pull request number), or --head SHA to comment on a commit",
        ])
        let gitlabOnly = try CIContextDetector.apply(ContextOverrides(forge: .gitlab), to: CIContext())
        #expect(gitlabOnly.missingForPublishing == [
            "no project: pass --repo GROUP/PROJECT or the numeric project id (CI_PROJECT_ID is not set)",
            "nothing to comment on: pass --pr N (the merge request iid), or --head SHA to comment on a commit",
        ])
        let commitTarget = try CIContextDetector.apply(ContextOverrides(forge: .github, repo: "o/r", head: "abc1234"), to: CIContext())
        #expect(commitTarget.missingForPublishing.isEmpty)
    }

    @Test func everyDetectedFixtureIsPublishable() throws {
        for name in ["pull_request", "pull_request_fork", "pull_request_target_fork", "pull_request_same_owner_fork",
                     "pull_request_deleted_fork", "push", "push_new_branch", "workflow_dispatch", "schedule",
                     "workflow_run", "workflow_run_fork", "pull_request_ghes"] {
            #expect(try ContextFixtures.github(name).missingForPublishing == [], "\(name)")
        }
        for name in ["mr_pipeline", "merged_results", "merge_train", "branch_pipeline", "tag_pipeline", "fork_mr",
                     "fork_mr_parent_pipeline", "subgroup_self_managed"] {
            #expect(try ContextFixtures.gitlab(name).missingForPublishing == [], "\(name)")
        }
    }
}

// MARK: - Tokens

/// Made-up token values (not the shape of any real credential, so no scanner flags this file).
private enum FakeToken {
    static let github = "test-github-token-0001"
    static let gitlab = "test-gitlab-token-0002"
    static let cmlbot = "test-cmlbot-token-0003"
    static let repo = "test-repo-token-0004"
    static let custom = "test-custom-token-0005"
    static let job = "test-job-token-0006"
}

@Suite("Tokens: resolution, redaction, masking")
struct TokenResolverTests {
    private let everything = [
        "GITHUB_TOKEN": FakeToken.github, "GITLAB_TOKEN": FakeToken.gitlab, "CMLBOT_TOKEN": FakeToken.cmlbot,
        "REPO_TOKEN": FakeToken.repo, "MY_BOT_TOKEN": FakeToken.custom, "CI_JOB_TOKEN": FakeToken.job,
    ]

    private func resolve(_ env: [String: String], _ forge: ForgeKind, _ tokenEnv: String? = nil) -> ResolvedToken? {
        TokenResolver.resolve(environment: env, forge: forge, tokenEnv: tokenEnv)
    }

    @Test func precedenceExplicitThenCMLBotThenCMLThenForge() {
        var env = everything
        #expect(resolve(env, .github, "MY_BOT_TOKEN") == ResolvedToken(value: FakeToken.custom, variable: "MY_BOT_TOKEN"))
        #expect(resolve(env, .github) == ResolvedToken(value: FakeToken.cmlbot, variable: "CMLBOT_TOKEN"))
        #expect(resolve(env, .gitlab) == ResolvedToken(value: FakeToken.cmlbot, variable: "CMLBOT_TOKEN"))
        env["CMLBOT_TOKEN"] = nil
        #expect(resolve(env, .github) == ResolvedToken(value: FakeToken.repo, variable: "REPO_TOKEN"))
        #expect(resolve(env, .gitlab) == ResolvedToken(value: FakeToken.repo, variable: "REPO_TOKEN"))
        env["REPO_TOKEN"] = nil
        env["repo_token"] = "test-lowercase-repo-token"
        #expect(resolve(env, .github)?.variable == "repo_token")
        env["repo_token"] = nil
        #expect(resolve(env, .github) == ResolvedToken(value: FakeToken.github, variable: "GITHUB_TOKEN"))
        #expect(resolve(env, .gitlab) == ResolvedToken(value: FakeToken.gitlab, variable: "GITLAB_TOKEN"))
        #expect(TokenResolver.candidates(forge: .github, tokenEnv: nil) == ["CMLBOT_TOKEN", "REPO_TOKEN", "repo_token", "GITHUB_TOKEN"])
        #expect(TokenResolver.candidates(forge: .gitlab, tokenEnv: nil) == ["CMLBOT_TOKEN", "REPO_TOKEN", "repo_token", "GITLAB_TOKEN"])
    }

    @Test func eachForgeReadsOnlyItsOwnVariable() {
        #expect(resolve(["GITLAB_TOKEN": FakeToken.gitlab], .github) == nil)
        #expect(resolve(["GITHUB_TOKEN": FakeToken.github], .gitlab) == nil)
    }

    @Test func tokenEnvMeansOnlyThatVariable() throws {
        #expect(resolve(everything, .github, "UNSET_TOKEN") == nil)
        #expect(throws: TokenError.namedVariableUnset("UNSET_TOKEN")) {
            try TokenResolver.require(environment: everything, forge: .github, tokenEnv: "UNSET_TOKEN")
        }
        #expect(throws: TokenError.invalidVariableName("my-token")) {
            try TokenResolver.require(environment: everything, forge: .github, tokenEnv: "my-token")
        }
    }

    @Test func emptyAndWhitespaceValuesCountAsUnsetAndValuesAreTrimmed() {
        let env = ["CMLBOT_TOKEN": "", "REPO_TOKEN": "  \n", "GITHUB_TOKEN": FakeToken.github + "\n"]
        #expect(resolve(env, .github) == ResolvedToken(value: FakeToken.github, variable: "GITHUB_TOKEN"))
    }

    @Test func gitLabJobTokenAloneIsExplained() throws {
        let env = ["CI_JOB_TOKEN": FakeToken.job, "GITLAB_CI": "true"]
        #expect(resolve(env, .gitlab) == nil)
        let error = #expect(throws: TokenError.gitlabJobTokenOnly) {
            try TokenResolver.require(environment: env, forge: .gitlab, tokenEnv: nil)
        }
        #expect(error?.message == "only CI_JOB_TOKEN is available, and GitLab's job token cannot create notes, commit statuses or uploads; "
            + "create a project access token with the api scope (Settings > Access tokens), store it as a masked CI/CD variable "
            + "named GITLAB_TOKEN (or REPO_TOKEN), and run the pipeline again")
        #expect(error?.message.contains(FakeToken.job) == false)
        // Naming it explicitly gets the same answer, not a token that fails at the first POST.
        #expect(resolve(env, .gitlab, "CI_JOB_TOKEN") == nil)
        #expect(throws: TokenError.gitlabJobTokenOnly) {
            try TokenResolver.require(environment: env, forge: .gitlab, tokenEnv: "CI_JOB_TOKEN")
        }
        // With a real token present the job token is simply ignored.
        #expect(try TokenResolver.require(environment: env.merging(["GITLAB_TOKEN": FakeToken.gitlab]) { $1 }, forge: .gitlab, tokenEnv: nil).variable
            == "GITLAB_TOKEN")
    }

    @Test func missingTokenMessages() {
        #expect(throws: TokenError.missing(forge: .github, looked: ["CMLBOT_TOKEN", "REPO_TOKEN", "repo_token", "GITHUB_TOKEN"])) {
            try TokenResolver.require(environment: [:], forge: .github, tokenEnv: nil)
        }
        #expect(TokenError.missing(forge: .github, looked: ["CMLBOT_TOKEN", "GITHUB_TOKEN"]).message
            == "no GitHub token: none of CMLBOT_TOKEN, GITHUB_TOKEN is set; GITHUB_TOKEN is not exported by default, "
            + "so add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step (or name another variable with --token-env NAME)")
        #expect(TokenError.missing(forge: .gitlab, looked: ["GITLAB_TOKEN"]).message.hasPrefix("no GitLab token: none of GITLAB_TOKEN is set; create a project access token"))
        #expect(TokenError.invalidVariableName("x").kind == .usage)
        #expect(TokenError.gitlabJobTokenOnly.kind == .operational)
    }

    @Test func tokenEnvGivenTheTokenItselfIsNotEchoed() {
        let pasted = "ghx_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"
        #expect(!TokenError.namedVariableUnset(pasted).message.contains(pasted))
        #expect(!TokenError.invalidVariableName(pasted + "-x").message.contains(pasted))
        #expect(TokenError.namedVariableUnset("MY_BOT_TOKEN").message.contains("MY_BOT_TOKEN"))
    }

    @Test func resolvedTokenNeverPrintsItsValue() {
        let token = ResolvedToken(value: FakeToken.custom, variable: "MY_BOT_TOKEN")
        var dumped = ""
        dump(token, to: &dumped)
        var debugPrinted = ""
        debugPrint(token, to: &debugPrinted)
        var printed = ""
        print(token, to: &printed)
        let renderings = [
            "\(token)", String(describing: token), String(reflecting: token), token.description, token.debugDescription,
            dumped, debugPrinted, printed, "\([token])", String(reflecting: [token]), "\(Optional(token) as Any)",
            String(describing: Mirror(reflecting: token).children.map { "\($0.label ?? ""): \($0.value)" }),
        ]
        for rendering in renderings {
            #expect(!rendering.contains(FakeToken.custom), "leaked in: \(rendering.replacingOccurrences(of: FakeToken.custom, with: "<value>"))")
            #expect(rendering.contains("MY_BOT_TOKEN"))
        }
        #expect("\(token)" == "token from $MY_BOT_TOKEN")
        #expect(String(reflecting: token) == "ResolvedToken(variable: MY_BOT_TOKEN, value: <redacted>)")
        #expect(token.value == FakeToken.custom)
    }

    @Test func maskerReplacesEveryOccurrence() {
        let masker = TokenMasker(secrets: [FakeToken.github, "", FakeToken.gitlab])
        let text = "Authorization: Bearer \(FakeToken.github)\nPRIVATE-TOKEN: \(FakeToken.gitlab) and again \(FakeToken.github)"
        #expect(masker.mask(text) == "Authorization: Bearer ***\nPRIVATE-TOKEN: *** and again ***")
        #expect(masker.mask("nothing secret here") == "nothing secret here")
    }

    @Test func maskerPrefersTheLongestSecretAndMasksEncodedForms() {
        let masker = TokenMasker(secrets: ["abc", "abcdef", "a+b/c="])
        #expect(masker.mask("x abcdef y abc") == "x *** y ***")
        #expect(masker.mask("?job_token=a%2Bb%2Fc%3D&x=1") == "?job_token=***&x=1")
    }

    @Test func maskerFromTheEnvironmentCoversTokensNotChosen() {
        var env = everything
        env["GITHUB_TOKEN"] = " " + FakeToken.github + "\n"
        let masker = TokenMasker(environment: env, tokenEnv: "MY_BOT_TOKEN")
        let text = [FakeToken.github, FakeToken.gitlab, FakeToken.cmlbot, FakeToken.repo, FakeToken.custom, FakeToken.job].joined(separator: " ")
        #expect(masker.mask(text) == "*** *** *** *** *** ***")
        #expect(TokenMasker(tokens: [ResolvedToken(value: FakeToken.repo, variable: "REPO_TOKEN")]).mask("t=\(FakeToken.repo)") == "t=***")
    }
}
