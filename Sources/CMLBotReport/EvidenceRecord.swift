import CMLBotCore
import CMLBotGates

/// `cmlbot gate --evidence FILE`: the decision and everything it rested on — revisions, digests of
/// every evidence file read, each rule with its inputs and verdict, the config digest, the cmlbot
/// version and the commit it was built from. What a promotion (or a later rollback investigation) needs to trust the verdict.
/// Deterministic: no timestamps, no host names; the same inputs give the same bytes.
public struct EvidenceRecord: Sendable {
    public static let schemaVersion = 1

    public struct FileDigest: Equatable, Sendable {
        public var side: String
        public var path: String
        public var sha256: String
        public init(side: String, path: String, sha256: String) {
            self.side = side
            self.path = path
            self.sha256 = sha256
        }
    }

    public var toolVersion: String
    /// The commit cmlbot was built from (`BuildInfo.commit`): two records made by different builds
    /// of the same version can then be told apart.
    public var toolCommit: String
    public var base: RevisionInfo
    public var head: RevisionInfo
    public var config: FileDigest?
    public var files: [FileDigest]
    public var evaluations: [RuleEvaluation]
    public var decision: String
    public var failOn: String

    public init(toolVersion: String, toolCommit: String, base: RevisionInfo, head: RevisionInfo, config: FileDigest?, files: [FileDigest],
                evaluations: [RuleEvaluation], decision: String, failOn: String) {
        self.toolVersion = toolVersion
        self.toolCommit = toolCommit
        self.base = base
        self.head = head
        self.config = config
        self.files = files
        self.evaluations = evaluations
        self.decision = decision
        self.failOn = failOn
    }

    public func render() -> String {
        func revision(_ r: RevisionInfo) -> Value {
            .object(OrderedObject([("revision", .string(r.label)), ("commit", r.commit.map(Value.string) ?? .null)]))
        }
        var root = OrderedObject()
        root["schema_version"] = .int(Self.schemaVersion)
        root["tool"] = .object(OrderedObject([("name", .string("cmlbot")), ("version", .string(toolVersion)), ("commit", .string(toolCommit))]))
        root["base"] = revision(base)
        root["head"] = revision(head)
        root["config"] = config.map { .object(OrderedObject([("path", .string($0.path)), ("sha256", .string($0.sha256))])) } ?? .null
        root["evidence"] = .array(files.map { f in
            .object(OrderedObject([("side", .string(f.side)), ("path", .string(f.path)), ("sha256", .string(f.sha256))]))
        })
        root["rules"] = .array(evaluations.map { e in
            var o = OrderedObject()
            o["gate"] = .string(e.gate)
            o["rule"] = .string(e.rule)
            o["inputs"] = .object(e.inputs)
            o["verdict"] = .string(e.passed ? "pass" : "fail")
            o["severity"] = e.finding.map { .string($0.severity.rawValue) } ?? .null
            o["message"] = e.finding.map { .string($0.message) } ?? .null
            return .object(o)
        })
        root["fail_on"] = .string(failOn)
        root["decision"] = .string(decision)
        return JSONWriter.pretty.string(.object(root)) + "\n"
    }
}
