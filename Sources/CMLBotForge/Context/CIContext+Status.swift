extension CIContext {
    /// What is missing to set a commit status: the forge-side pieces `missingForPublishing` lists,
    /// and the head commit itself (a PR number is not enough: statuses sit on commits).
    public var missingForStatus: [String] {
        // Judge the forge side as if the head were known, then ask for the head on its own.
        var withHead = self
        withHead.headSHA = headSHA ?? "0000000000000000000000000000000000000000"
        var missing = withHead.missingForPublishing
        if headSHA == nil, forge != nil {
            missing.append("no commit to set the status on: pass --head REV (in CI the PR/MR head is detected)")
        }
        return missing
    }
}
