import CLibGit2

extension LibGit2Repository {
    /// The branch pull requests target, as far as a clone can tell without the network: what
    /// `origin/HEAD` points at (set by `git clone`), else `init.defaultBranch`, `main` or `master` —
    /// the remote-tracking branch first (it is what the PR will merge into), then a local one.
    /// Returns the name as a revision (`origin/main`, `main`), nil when none exists.
    public func defaultBranch() -> String? {
        var ref: OpaquePointer?
        if git_reference_lookup(&ref, pointer, "refs/remotes/origin/HEAD") == 0, let ref {
            defer { git_reference_free(ref) }
            if let target = git_reference_symbolic_target(ref).map({ String(cString: $0) }),
               target.hasPrefix("refs/remotes/"), referenceExists(target) {
                return String(target.dropFirst("refs/remotes/".count))
            }
        }
        var names = ["main", "master"]
        if let configured = configString("init.defaultBranch"), !configured.isEmpty {
            names.removeAll { $0 == configured }
            names.insert(configured, at: 0)
        }
        for name in names {
            if referenceExists("refs/remotes/origin/" + name) { return "origin/" + name }
            if referenceExists("refs/heads/" + name) { return name }
        }
        return nil
    }

    func referenceExists(_ name: String) -> Bool {
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, pointer, name) == 0, let ref else { return false }
        git_reference_free(ref)
        return true
    }

    /// A value from the repository's effective config (repository, global, system), nil if unset.
    func configString(_ key: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0, let config else { return nil }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
        return String(cString: value)
    }
}
