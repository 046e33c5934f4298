import CMLBotForge
import CMLBotKit
import Testing

/// `doctor`'s non-token decisions as pure functions (the token ones are in CMLBotForgeTests).
struct DoctorRulesTests {
    @Test func localRunWithoutFlagsFailsTheContextAndNamesTheFlags() {
        let check = DoctorRules.context(CIContext())
        #expect(check.status == .fail)
        #expect(check.detail.joined(separator: "\n").contains("--forge github|gitlab"))
        #expect(check.fix?.contains("--repo") == true)
    }

    @Test func pullRequestContextNamesTheHeadNotTheMergeCommit() {
        var c = CIContext()
        c.provider = .githubActions
        c.forge = .github
        c.event = "pull_request"
        c.apiURL = "https://api.github.com"
        c.repository = "acme/models"
        c.pullRequest = 7
        c.headSHA = String(repeating: "a", count: 40)
        c.baseSHA = String(repeating: "b", count: 40)
        c.baseRef = "main"
        let check = DoctorRules.context(c)
        #expect(check.status == .ok)
        #expect(check.detail.contains("head \(c.headSHA!) (the PR head; GITHUB_SHA is the test merge commit)"))
        #expect(check.detail.contains("base \(c.baseSHA!) (main)"))
        #expect(check.detail.contains("not from a fork"))
    }

    @Test func shallowCloneMissingTheBaseGetsTheFixForItsCI() {
        let fixes: [(CIContext.Provider, String)] = [
            (.githubActions, "fetch-depth: 0"), (.gitlabCI, "GIT_DEPTH: 0"), (.local, "git fetch --unshallow"),
        ]
        for (provider, fix) in fixes {
            let check = DoctorRules.history(provider: provider, base: "abc1234", origin: "the PR/MR base",
                                            lookup: .missing(shallow: true), isShallow: true, baseRef: "main")
            #expect(check.status == .fail)
            #expect(check.fix?.contains(fix) == true, "\(provider)")
        }
    }

    @Test func missingBaseInAFullCloneAsksForAFetchOfTheBranch() {
        let check = DoctorRules.history(provider: .gitlabCI, base: "abc1234", origin: "the PR/MR base",
                                        lookup: .missing(shallow: false), isShallow: false, baseRef: "main")
        #expect(check.status == .fail)
        #expect(check.fix?.hasPrefix("fetch it before cmlbot runs: `git fetch origin main`") == true)
    }

    @Test func shallowCloneHoldingTheBaseIsFine() {
        let check = DoctorRules.history(provider: .githubActions, base: "HEAD", origin: "the default base",
                                        lookup: .found(String(repeating: "c", count: 40)), isShallow: true, baseRef: nil)
        #expect(check.status == .ok)
        #expect(check.detail.last?.contains("shallow") == true)
    }

    static func plan(characters: Int, target: Result<String, DoctorRules.PlanError> = .success("pr/7")) -> DoctorRules.PublishPlan {
        DoctorRules.PublishPlan(forge: .github, target: target, key: "report", statusContext: "cmlbot",
                                headSHA: String(repeating: "a", count: 40), checkRun: true, summaryPath: nil,
                                reportCharacters: .success(characters), limit: 65_000)
    }

    @Test func reportOverTheCommentLimitIsAWarning() {
        #expect(DoctorRules.publish(Self.plan(characters: 64_999)).status == .ok)
        let over = DoctorRules.publish(Self.plan(characters: 70_123))
        #expect(over.status == .warn)
        #expect(over.detail.contains("report: 70,123 characters, over the 65,000 the comment allows: it will be cut at a clean line"))
        let noTarget = DoctorRules.publish(Self.plan(characters: 10, target: .failure(DoctorRules.PlanError("this run has no pull request: pass --pr N"))))
        #expect(noTarget.status == .fail)
    }

    @Test func exitCodeFollowsFailuresOnly() {
        let ok = DoctorCheck(id: "a", title: "a", status: .ok, detail: [])
        let warn = DoctorCheck(id: "b", title: "b", status: .warn, detail: [])
        let skip = DoctorCheck(id: "c", title: "c", status: .skip, detail: [])
        let fail = DoctorCheck(id: "d", title: "d", status: .fail, detail: [])
        #expect(DoctorRules.exitCode([ok, warn, skip]) == 0)
        #expect(DoctorRules.verdict([ok, warn, skip]) == "publishing would work (1 warning)")
        #expect(DoctorRules.exitCode([ok, fail]) == 1)
        #expect(DoctorRules.verdict([ok, fail]) == "publishing would not work: 1 check failed (d)")
    }

    @Test func configErrorsFail() {
        #expect(DoctorRules.config(source: nil, promotionRules: false, base: nil, error: ".cmlbot.yml: promote.metrics[0] needs metric: <key>").status == .fail)
        #expect(DoctorRules.config(source: ".cmlbot.yml", promotionRules: true, base: "main", error: nil).detail == [".cmlbot.yml loads, with promotion rules, base main"])
    }
}
