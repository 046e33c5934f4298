import Foundation

/// GitLab CI: everything is in predefined variables (forge-api.md §2.6). Merge-request pipelines
/// carry the MR; branch pipelines do not, and the MR is found later through the commit.
enum GitLabCIDetector {
    static let provider = "GitLab CI"

    static func detect(_ env: CIEnvironment) throws -> CIContext {
        var context = CIContext()
        context.provider = .gitlabCI
        context.forge = .gitlab
        context.event = env["CI_PIPELINE_SOURCE"]
        context.runURL = try env.url("CI_JOB_URL") ?? env.url("CI_PIPELINE_URL")

        let server = try env.url("CI_SERVER_URL")
        let api = try env.url("CI_API_V4_URL") ?? server.map(ForgeURLs.gitlabAPI(forServer:))
        context.apiURL = api
        context.serverURL = server ?? api.flatMap(ForgeURLs.gitlabServer(forAPI:))

        if let iid = try env.positiveInt("CI_MERGE_REQUEST_IID") {
            try fillMergeRequest(&context, env, iid: iid)
        } else {
            try fillBranchPipeline(&context, env)
        }
        return context
    }

    /// A merge-request pipeline (detached, merged results or merge train).
    private static func fillMergeRequest(_ context: inout CIContext, _ env: CIEnvironment, iid: Int) throws {
        context.pullRequest = iid
        context.baseSHA = try env.sha("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        // In merged-results and merge-train pipelines CI_COMMIT_SHA is the temporary merge of source
        // into target; the source head is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA, which GitLab leaves
        // empty in plain (detached) MR pipelines, where CI_COMMIT_SHA is the head itself.
        context.headSHA = try env.sha("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") ?? env.sha("CI_COMMIT_SHA")
        context.headRef = env["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"] ?? env["CI_COMMIT_REF_NAME"]
        context.baseRef = env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"]

        // The MR and its iid belong to the target project. For a fork MR the pipeline usually runs
        // in the fork, where CI_PROJECT_ID is the fork: notes posted there would land on the fork's
        // own MR with the same iid, or nowhere. So the MR project's variables win when present.
        if env["CI_MERGE_REQUEST_PROJECT_ID"] != nil || env["CI_MERGE_REQUEST_PROJECT_PATH"] != nil {
            fillProject(&context, id: env["CI_MERGE_REQUEST_PROJECT_ID"], path: env["CI_MERGE_REQUEST_PROJECT_PATH"])
        } else {
            fillProject(&context, id: env["CI_PROJECT_ID"], path: env["CI_PROJECT_PATH"])
        }
        context.headRepository = env["CI_MERGE_REQUEST_SOURCE_PROJECT_PATH"] ?? context.repository

        // A fork MR's pipeline normally runs in the fork, without the target project's variables
        // (so without its token): that is the degraded case `isFork` stands for. When a target
        // project member runs the pipeline in the target project instead (CI_PROJECT_ID is the
        // target), it has the target's variables and can publish normally.
        if let source = env["CI_MERGE_REQUEST_SOURCE_PROJECT_ID"], let target = env["CI_MERGE_REQUEST_PROJECT_ID"],
           source != target {
            context.isFork = (env["CI_PROJECT_ID"] ?? source) != target
        }
    }

    /// A branch or tag pipeline: the head is the pipeline's commit, the base what the branch pointed
    /// at before this push (zero for a new branch, a schedule or a manual run: then no base).
    private static func fillBranchPipeline(_ context: inout CIContext, _ env: CIEnvironment) throws {
        context.headSHA = try env.sha("CI_COMMIT_SHA")
        context.baseSHA = try env.nonZeroSHA("CI_COMMIT_BEFORE_SHA")
        context.headRef = env["CI_COMMIT_BRANCH"] ?? env["CI_COMMIT_TAG"] ?? env["CI_COMMIT_REF_NAME"]
        fillProject(&context, id: env["CI_PROJECT_ID"], path: env["CI_PROJECT_PATH"])
        // An open MR may still hold this commit (CML's commitPrs); the publisher asks
        // GET /projects/:id/repository/commits/:sha/merge_requests. A tag belongs to no MR.
        context.needsMergeRequestLookup = env["CI_COMMIT_TAG"] == nil
    }

    /// The numeric id when GitLab gives one (stable across renames, and no encoding to get wrong),
    /// else the encoded path.
    private static func fillProject(_ context: inout CIContext, id: String?, path: String?) {
        context.repository = path
        if let id, RepositoryName.isNumericID(id) {
            context.projectID = id
        } else {
            context.projectID = path.map(RepositoryName.gitlabEncoded)
        }
    }
}
