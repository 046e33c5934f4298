import CMLBotCore
import CMLBotEvidence
import CMLBotForge
import CMLBotGates
import CMLBotGit
import Foundation

/// `cmlbot doctor`: the preflight a pipeline runs before expensive training.
public struct DoctorRequest: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var workingDirectory: String
    /// `--config FILE`, as `report` takes it.
    public var configPath: String?
    /// `--base REV`: the base the report would compare against (default: the PR/MR base in CI,
    /// else `.cmlbot.yml`'s `base`, else HEAD).
    public var base: String?
    public var format: Format = .text

    public init(workingDirectory: String) { self.workingDirectory = workingDirectory }
}

/// Checks, without posting anything, whether `report --publish` would work here: the CI context,
/// the token and what it may write, the base commit in the clone, the config, and what would be
/// published. Every problem is a check with a fix, not a thrown error; only bad flags throw.
public enum DoctorCommand {
    public static func run(_ request: DoctorRequest, options: PublishOptions) async throws -> CommandOutcome {
        let masker = TokenMasker(environment: options.environment, tokenEnv: options.tokenEnv)
        var checks: [DoctorCheck] = []

        // 1. Context. Bad flags are usage errors; a malformed CI environment is a failed check.
        var context: CIContext?
        do {
            let detected = try CIContextDetector.detect(environment: options.environment) { FileManager.default.contents(atPath: $0) }
            let applied = try CIContextDetector.apply(options.overrides, to: detected)
            context = applied
            checks.append(DoctorRules.context(applied))
        } catch let error as CIContextError where error.kind != .usage {
            checks.append(DoctorRules.contextError(error.message))
        }

        // 2. Token and what it may write, read from the forge with GET requests only.
        var token: ResolvedToken?
        if let context, let forge = context.forge {
            token = TokenResolver.resolve(environment: options.environment, forge: forge, tokenEnv: options.tokenEnv)
            if let token {
                checks += await probe(context: context, forge: forge, token: token, options: options)
            } else {
                checks += ForgeAccessRules.missingToken(forge: forge, environment: options.environment, tokenEnv: options.tokenEnv)
            }
        } else {
            let reason = context == nil ? "the CI context could not be read" : "no forge: run in CI or pass --forge"
            checks.append(DoctorCheck.skipped(id: "token", title: ForgeAccessRules.tokenTitle, because: reason))
            checks += ForgeAccessRules.notChecked(because: reason)
        }

        // 3. The repository: config first (it can name the base), then the base commit.
        var repository: RepositoryContext?
        var config: CMLBotConfig?
        var repositoryError: String?
        do {
            repository = try RepositoryContext(workingDirectory: request.workingDirectory, configOverride: request.configPath)
        } catch let error as any UserFacingError {
            repositoryError = error.message
        }
        if let repository {
            do {
                let loaded = try repository.config(for: try repository.repository.workspace())
                let rules = try PromotionRules.parse(loaded.promotion, source: loaded.source ?? CMLBotConfig.fileName)
                config = loaded
                checks.append(DoctorRules.config(source: loaded.source, promotionRules: !rules.isEmpty, base: loaded.base, error: nil))
            } catch let error as any UserFacingError {
                checks.append(DoctorRules.config(source: nil, promotionRules: false, base: nil, error: error.message))
            }
        } else {
            checks.append(DoctorCheck.skipped(id: "config", title: "config", because: "no repository here"))
        }

        let (base, origin) = baseRevision(request: request, context: context, config: config, repository: repository)
        let lookup: DoctorRules.BaseLookup
        if let repository {
            do {
                lookup = .found(try repository.repository.resolveCommit(base).hex)
            } catch let error as GitError {
                switch error {
                case .unknownRevision(_, let shallow), .missingObject(_, _, let shallow): lookup = .missing(shallow: shallow)
                default: lookup = .failed(error.message)
                }
            }
        } else {
            lookup = .failed(repositoryError ?? "no repository")
        }
        checks.append(DoctorRules.history(provider: context?.provider ?? .local, base: base, origin: origin, lookup: lookup,
                                          isShallow: repository?.repository.isShallow ?? false, baseRef: context?.baseRef))

        // 4. What would be published, and whether the report fits.
        if let context, let forge = context.forge {
            checks.append(DoctorRules.publish(try await plan(context: context, forge: forge, token: token, request: request,
                                                            options: options, renderable: repository != nil && config != nil)))
        } else {
            checks.append(DoctorCheck.skipped(id: "publish", title: "what would be published", because: "no forge to publish to"))
        }

        // Forge and git messages never hold tokens; masking is the backstop.
        checks = checks.map { check in
            var c = check
            c.detail = c.detail.map(masker.mask)
            c.fix = c.fix.map(masker.mask)
            return c
        }
        let output = request.format == .json
            ? DoctorRenderer.json(checks, context: context, tokenVariable: token?.variable)
            : DoctorRenderer.text(checks)
        return CommandOutcome(output: output, diagnostics: [], exitCode: DoctorRules.exitCode(checks))
    }

    /// The base as `report --publish` picks it: `--base`, the PR/MR base, the config's, else where
    /// HEAD left the default branch (`ReviewPipeline`'s order).
    static func baseRevision(request: DoctorRequest, context: CIContext?, config: CMLBotConfig?,
                             repository: RepositoryContext?) -> (String, String) {
        var notes: [Diagnostic] = []
        let base = RepositoryContext.base(explicit: request.base, ci: context?.baseSHA, config: config, in: repository, notes: &notes)
        return (base.spec, base.origin)
    }

    /// GET requests that show what the token may do; nothing is written.
    static func probe(context: CIContext, forge: ForgeKind, token: ResolvedToken, options: PublishOptions) async -> [DoctorCheck] {
        let transport = RetryingTransport(wrapping: CurlTransport(environment: options.environment), log: { _ in })
        let client: any ForgeClient
        do {
            client = try Publisher.makeClient(forge: forge, context: context, token: token, transport: transport)
        } catch {
            // The repository is unknown: the context check already says which flag to pass.
            let reason = (error as? any UserFacingError)?.message ?? "\(error)"
            return [DoctorCheck(id: "token", title: ForgeAccessRules.tokenTitle, status: .ok,
                                detail: ["$\(token.variable) (value not shown)", "not tried: \(reason)"])]
                + ForgeAccessRules.notChecked(because: "the repository is unknown")
        }
        switch client {
        case let github as GitHubClient:
            let answer = await forgeResult { try await github.repositoryAccess() }
            return ForgeAccessRules.github(answer, token: token, context: context, requireComment: options.requireComment)
        case let gitlab as GitLabClient:
            let project = await forgeResult { try await gitlab.projectAccess() }
            let user = await forgeResult { try await gitlab.currentUser() }
            return ForgeAccessRules.gitlab(project: project, user: user, token: token, context: context, requireComment: options.requireComment)
        default:
            return ForgeAccessRules.notChecked(because: "no probe for this forge")
        }
    }

    static func plan(context: CIContext, forge: ForgeKind, token: ResolvedToken?, request: DoctorRequest,
                     options: PublishOptions, renderable: Bool) async throws -> DoctorRules.PublishPlan {
        // The publisher's own target rules, on the recording transport: nothing is sent.
        var dryOptions = options
        dryOptions.dryRun = true
        let publisher = Publisher(options: dryOptions, context: context)
        let placeholder = ResolvedToken(value: "", variable: token?.variable ?? "(none)")
        let target: Result<String, DoctorRules.PlanError>
        let limit: Int
        do {
            let client = try Publisher.makeClient(forge: forge, context: context, token: placeholder, transport: DryRunTransport())
            limit = client.commentBodyLimit
            do {
                let resolved = try await publisher.resolveTarget(client)
                if case .commit(let sha) = resolved, options.target == "auto", context.needsMergeRequestLookup || forge == .github {
                    target = .success("the open \(forge == .github ? "pull" : "merge") request of commit \(sha.prefix(12)) if there is one, else the commit")
                } else {
                    target = .success(resolved.description)
                }
            } catch let error as PublishError where error.kind == .usage {
                throw error
            } catch let error as any UserFacingError {
                target = .failure(DoctorRules.PlanError(error.message))
            }
        } catch let error as PublishError where error.kind == .usage {
            throw error
        } catch {
            return DoctorRules.PublishPlan(forge: forge, target: .failure(DoctorRules.PlanError("\(error)")), key: options.key,
                                           statusContext: options.statusContext, headSHA: context.headSHA, checkRun: false,
                                           summaryPath: context.stepSummaryPath, reportCharacters: .failure(DoctorRules.PlanError("no client")), limit: 0)
        }

        let characters: Result<Int, DoctorRules.PlanError>
        if renderable {
            do {
                var report = ReportRequest(workingDirectory: request.workingDirectory)
                report.configPath = request.configPath
                report.base = request.base
                let markdown = try ReportCommand.render(report, defaultBase: context.baseSHA).outcome.output
                characters = .success(CommentBody.marker(key: options.key).count + 1 + markdown.count)
            } catch let error as any UserFacingError {
                characters = .failure(DoctorRules.PlanError(error.message))
            }
        } else {
            characters = .failure(DoctorRules.PlanError("the repository or its config could not be read"))
        }
        let checkRun = forge == .github && token.map { Publisher.isActionsToken($0, context: context) } == true
        return DoctorRules.PublishPlan(forge: forge, target: target, key: options.key, statusContext: options.statusContext,
                                       headSHA: context.headSHA, checkRun: checkRun, summaryPath: context.stepSummaryPath,
                                       reportCharacters: characters, limit: limit)
    }
}

/// The outcome of a forge call; anything that is not a `ForgeError` counts as a transport failure.
func forgeResult<T>(_ body: () async throws -> T) async -> Result<T, ForgeError> {
    do { return .success(try await body()) }
    catch let error as ForgeError { return .failure(error) }
    catch { return .failure(.transport(operation: "the request", detail: "\(error)")) }
}
