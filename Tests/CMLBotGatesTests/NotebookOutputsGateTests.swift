import CMLBotCore
import CMLBotEvidence
import Foundation
import Testing
import TestSupport
@testable import CMLBotGates

/// Notebooks written as nbformat writes them (one-space indent, sorted keys), small enough to read.
enum NotebookFixtures {
    static func cell(_ type: String = "code", id: String? = nil, source: String = "print(1)", count: String? = nil,
                     outputs: [String] = [], metadata: String = "{}") -> String {
        var fields: [String] = []
        if type == "code" { fields.append("\"execution_count\": \(count ?? "null")") }
        if let id { fields.append("\"id\": \"\(id)\"") }
        fields.append("\"metadata\": \(metadata)")
        if type == "code" { fields.append("\"outputs\": [\(outputs.joined(separator: ", "))]") }
        fields.append("\"source\": [\"\(source)\"]")
        return "{\n   \"cell_type\": \"\(type)\",\n   " + fields.joined(separator: ",\n   ") + "\n  }"
    }

    static func notebook(_ cells: [String], metadata: String = kernel, nbformat: Int = 4, minor: Int = 5) -> String {
        "{\n \"cells\": [\n  " + cells.joined(separator: ",\n  ") + "\n ],\n \"metadata\": \(metadata),\n \"nbformat\": \(nbformat),\n \"nbformat_minor\": \(minor)\n}\n"
    }

    static let kernel = #"{"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}, "language_info": {"name": "python"}}"#
    static let stream = #"{"name": "stdout", "output_type": "stream", "text": ["1\n"]}"#
    static let result = #"{"data": {"text/plain": ["2"]}, "execution_count": 2, "metadata": {}, "output_type": "execute_result"}"#
    static let resultNoCount = #"{"data": {"text/plain": ["2"]}, "execution_count": null, "metadata": {}, "output_type": "execute_result"}"#
    static let error = #"{"ename": "ValueError", "evalue": "x", "output_type": "error", "traceback": []}"#
    static let stderr = #"{"name": "stderr", "output_type": "stream", "text": ["warn\n"]}"#

    static let clean = notebook([cell(id: "0"), cell("markdown", id: "1", source: "# Title")])

    /// nbformat 3: worksheets, `input`, `prompt_number`, signature in the metadata.
    static func v3(promptNumber: String = "null", outputs: [String] = [], metadata: String = #"{"name": ""}"#) -> String {
        """
        {
         "metadata": \(metadata),
         "nbformat": 3,
         "nbformat_minor": 0,
         "worksheets": [
          {
           "cells": [
            {
             "cell_type": "code",
             "collapsed": false,
             "input": ["print(1)"],
             "language": "python",
             "metadata": {},
             "outputs": [\(outputs.joined(separator: ", "))],
             "prompt_number": \(promptNumber)
            }
           ],
           "metadata": {}
          }
         ]
        }

        """
    }

    static let v3Stream = #"{"output_type": "stream", "stream": "stdout", "text": ["1\n"]}"#

    /// The parity corpus: name, notebook bytes, nbstripout flags, and the same as gate options.
    struct Case {
        var name: String
        var contents: Data
        var flags: [String] = []
        var options: [(String, Value)] = []
        init(_ name: String, _ text: String, flags: [String] = [], options: [(String, Value)] = []) {
            self.name = name; self.contents = Data(text.utf8); self.flags = flags; self.options = options
        }
        init(_ name: String, bytes: Data) { self.name = name; self.contents = bytes }
    }

    static var corpus: [Case] {
        let outputs = notebook([cell(id: "0", count: "1", outputs: [stream, result])])
        let tagged = notebook([cell(id: "0", outputs: [stream], metadata: #"{"tags": ["keep_output"]}"#)])
        return [
            Case("clean", clean),
            Case("clean-4.4-without-ids", notebook([cell(), cell("markdown", source: "text")], minor: 4)),
            Case("outputs", outputs),
            Case("stream-output-only", notebook([cell(id: "0", outputs: [stream])])),
            Case("execution-count-only", notebook([cell(id: "0", count: "7")])),
            Case("execute-time", notebook([cell(id: "0", metadata: #"{"ExecuteTime": {"end_time": "2024-01-01T00:00:00"}}"#)])),
            Case("collapsed-and-scrolled", notebook([cell(id: "0", metadata: #"{"collapsed": true, "scrolled": "auto"}"#)])),
            Case("execution-metadata", notebook([cell(id: "0", metadata: #"{"execution": {"iopub.status.busy": "x"}}"#)])),
            Case("markdown-hidden", notebook([cell("markdown", id: "0", source: "# x", metadata: #"{"hidden": true, "heading_collapsed": true}"#)])),
            Case("widgets", notebook([cell(id: "0")], metadata: #"{"widgets": {"application/vnd.jupyter.widget-state+json": {}}}"#)),
            Case("signature-v4-is-dropped-on-read", notebook([cell(id: "0")], metadata: #"{"signature": "sha256:abc", "orig_nbformat": 3}"#)),
            Case("trusted-v4-is-dropped-on-read", notebook([cell(id: "0", metadata: #"{"trusted": true}"#)])),
            Case("other-cell-metadata-is-fine", notebook([cell(id: "0", metadata: #"{"tags": ["parameters"], "jupyter": {"source_hidden": true}}"#)])),
            Case("keep-output-tag", tagged),
            Case("keep-output-tag-with-count", notebook([cell(id: "0", outputs: [result], metadata: #"{"tags": ["keep_output"]}"#)])),
            Case("keep-output-tag-without-count", notebook([cell(id: "0", outputs: [resultNoCount], metadata: #"{"tags": ["keep_output"]}"#)])),
            Case("keep-output-metadata", notebook([cell(id: "0", outputs: [stream], metadata: #"{"keep_output": true}"#)])),
            Case("keep-output-false-contradicts-tag", notebook([cell(id: "0", metadata: #"{"keep_output": false, "tags": ["keep_output"]}"#)])),
            Case("init-cell", notebook([cell(id: "0", outputs: [stream], metadata: #"{"init_cell": true}"#)])),
            Case("notebook-keep-output", notebook([cell(id: "0", outputs: [stream])], metadata: #"{"keep_output": true}"#)),
            Case("random-ids", notebook([cell(id: "a1b2c3d4"), cell(id: "1")])),
            Case("ids-out-of-order", notebook([cell(id: "1"), cell(id: "0")])),
            Case("missing-ids-4.5", notebook([cell(), cell()])),
            Case("no-cells", notebook([])),
            Case("no-nbformat-key", #"{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "x"}], "metadata": {}}"#),
            Case("v3-clean", v3()),
            Case("v3-prompt-number", v3(promptNumber: "3")),
            Case("v3-outputs", v3(outputs: [v3Stream])),
            Case("v3-signature", v3(metadata: #"{"name": "", "signature": "sha256:abc"}"#)),
            Case("empty-file", bytes: Data()),
            Case("invalid-json", "{\"cells\": [\n"),
            Case("byte-order-mark", bytes: Data([0xEF, 0xBB, 0xBF]) + Data(clean.utf8)),
            Case("nbformat-5", notebook([], nbformat: 5, minor: 0)),
            Case("no-metadata", #"{"cells": [], "nbformat": 4, "nbformat_minor": 5}"#),
            Case("cell-without-metadata", #"{"cells": [{"cell_type": "code", "id": "0", "execution_count": null, "outputs": [], "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#),
            Case("top-level-array", "[]"),
            Case("nbformat-minor-not-a-number", #"{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": "5"}"#),
            Case("tags-null", notebook([cell(id: "0", metadata: #"{"tags": null}"#)])),
            Case("keep-output-tag-as-string", notebook([cell(id: "0", outputs: [stream], metadata: #"{"tags": "keep_output,other"}"#)])),
            Case("duplicate-key-last-wins", #"{"cells": [{"cell_type": "code", "execution_count": 1, "execution_count": null, "id": "0", "metadata": {}, "outputs": [], "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#),
            Case("v3-code-cell-without-outputs", #"{"metadata": {}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [{"cell_type": "code", "input": "x", "metadata": {}}]}]}"#),
            Case("v3-two-worksheets", #"{"metadata": {}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}, {"cells": [{"cell_type": "code", "input": "x", "outputs": [], "prompt_number": 2, "metadata": {}}]}]}"#),
            // Options, as nbstripout flags and as gate settings.
            Case("keep-output-option", outputs, flags: ["--keep-output"], options: [("keep_output", .bool(true))]),
            Case("keep-output-option-stream", notebook([cell(id: "0", outputs: [stream])]), flags: ["--keep-output"], options: [("keep_output", .bool(true))]),
            Case("keep-count-option", notebook([cell(id: "0", count: "7")]), flags: ["--keep-count"], options: [("keep_count", .bool(true))]),
            Case("keep-output-and-count", outputs, flags: ["--keep-output", "--keep-count"], options: [("keep_output", .bool(true)), ("keep_count", .bool(true))]),
            Case("keep-id-option", notebook([cell(id: "a1b2c3d4")]), flags: ["--keep-id"], options: [("keep_id", .bool(true))]),
            Case("extra-keys-present", notebook([cell(id: "0")], metadata: #"{"foo": {"bar": 1}}"#),
                 flags: ["--extra-keys", "metadata.foo.bar"], options: [("extra_keys", .array([.string("metadata.foo.bar")]))]),
            Case("extra-keys-absent", clean, flags: ["--extra-keys", "metadata.foo cell.metadata.bar"],
                 options: [("extra_keys", .array([.string("metadata.foo"), .string("cell.metadata.bar")]))]),
            Case("keep-metadata-keys", notebook([cell(id: "0", metadata: #"{"scrolled": true}"#)]),
                 flags: ["--keep-metadata-keys", "cell.metadata.scrolled"], options: [("keep_metadata_keys", .array([.string("cell.metadata.scrolled")]))]),
            Case("keep-output-type-kept", notebook([cell(id: "0", outputs: [stream])]),
                 flags: ["--keep-output-type", "stream"], options: [("keep_output_types", .array([.string("stream")]))]),
            Case("keep-output-type-other", notebook([cell(id: "0", outputs: [stream, error])]),
                 flags: ["--keep-output-type", "stream:stdout"], options: [("keep_output_types", .array([.string("stream:stdout")]))]),
            Case("drop-output-type", notebook([cell(id: "0", outputs: [stream, stderr])]),
                 flags: ["--keep-output", "--drop-output-type", "stream:stderr"],
                 options: [("keep_output", .bool(true)), ("drop_output_types", .array([.string("stream:stderr")]))]),
            Case("max-size-keeps-small", notebook([cell(id: "0", outputs: [stream])]), flags: ["--max-size", "1K"], options: [("max_size", .string("1K"))]),
            Case("max-size-too-small", notebook([cell(id: "0", outputs: [stream])]), flags: ["--max-size", "10"], options: [("max_size", .int(10))]),
            Case("drop-empty-cells", notebook([cell(id: "0"), cell(id: "1", source: "  ")]), flags: ["--drop-empty-cells"], options: [("drop_empty_cells", .bool(true))]),
            Case("drop-empty-cells-unicode-space", notebook([cell(id: "0"), cell("markdown", id: "1", source: "\u{00A0}\\t")]),
                 flags: ["--drop-empty-cells"], options: [("drop_empty_cells", .bool(true))]),
            Case("drop-empty-cells-none", clean, flags: ["--drop-empty-cells"], options: [("drop_empty_cells", .bool(true))]),
            Case("drop-tagged-cells", notebook([cell(id: "0"), cell(id: "1", metadata: #"{"tags": ["scratch"]}"#)]),
                 flags: ["--drop-tagged-cells", "scratch"], options: [("drop_tagged_cells", .array([.string("scratch")]))]),
            Case("strip-init-cells", notebook([cell(id: "0", outputs: [stream], metadata: #"{"init_cell": true}"#)]),
                 flags: ["--strip-init-cells"], options: [("strip_init_cells", .bool(true))]),
        ]
    }
}

@Suite struct NotebookOutputsGateTests {
    typealias F = NotebookFixtures

    static func input(_ files: [String: Data], changes: [String: CandidateFile.Change] = [:], scope: CheckInput.Scope = .staged) -> CheckInput {
        let candidates = files.keys.sorted(by: RepoPath.precedes).map {
            CandidateFile(path: $0, size: Int64(files[$0]?.count ?? 0), change: changes[$0] ?? .modified)
        }
        return CheckInput(scope: scope, files: candidates, tree: InMemoryFileTree(data: files), allPaths: Set(files.keys))
    }

    static func input(_ files: [String: String]) -> CheckInput {
        input(files.mapValues { Data($0.utf8) })
    }

    func gate(_ values: [(String, Value)] = []) throws -> NotebookOutputsGate {
        try NotebookOutputsGate(settings: GateSettings(gate: "notebook_outputs", values: OrderedObject(values)))
    }

    func findings(_ text: String, _ values: [(String, Value)] = []) throws -> [Finding] {
        try gate(values).check(Self.input(["nb.ipynb": text]))
    }

    @Test func cleanNotebooksPass() throws {
        #expect(try findings(F.clean).isEmpty)
        #expect(try findings(F.notebook([F.cell(), F.cell("markdown", source: "x")], minor: 4)).isEmpty)
        #expect(try findings(F.v3()).isEmpty)
    }

    @Test func outputsAndCountsNameTheCellAndItsLine() throws {
        let text = F.notebook([F.cell(id: "0"), F.cell(id: "1", count: "3", outputs: [F.stream, F.result])])
        let found = try findings(text)
        #expect(found.count == 1)
        let finding = try #require(found.first)
        #expect(finding.message == "nb.ipynb: cells[1] (code) has 2 outputs, execution_count 3")
        #expect(finding.severity == .error)
        #expect(finding.path == "nb.ipynb")
        // The second cell object starts on the line after the first one's closing brace.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(finding.line)
        #expect(lines[line - 1].trimmingCharacters(in: .whitespaces).hasPrefix("{"))
        #expect(lines[line].contains("\"cell_type\": \"code\""))
        #expect(lines[line + 1].contains("\"execution_count\": 3"))
        #expect(finding.hint == "strip it with `nbstripout nb.ipynb`, or run `nbstripout --install` once so git strips notebooks on every commit")
    }

    @Test func volatileMetadataIsReported() throws {
        let cellMeta = try findings(F.notebook([F.cell(id: "0", metadata: #"{"ExecuteTime": {}, "scrolled": true, "tags": []}"#)]))
        #expect(cellMeta.map(\.message) == ["nb.ipynb: cells[0] (code) has metadata.ExecuteTime, metadata.scrolled"])
        let widgetsText = F.notebook([F.cell(id: "0")], metadata: #"{"widgets": {}}"#)
        let widgets = try findings(widgetsText)
        #expect(widgets.map(\.message) == ["nb.ipynb: notebook metadata has metadata.widgets"])
        let metadataLine = widgetsText.components(separatedBy: "\n").firstIndex { $0.hasPrefix(#" "metadata": {"widgets""#) }.map { $0 + 1 }
        #expect(metadataLine != nil && widgets.first?.line == metadataLine)
        // nbformat 4 drops the signature while reading; nbformat 3 keeps it, so nbstripout strips it.
        #expect(try findings(F.notebook([F.cell(id: "0")], metadata: #"{"signature": "x"}"#)).isEmpty)
        #expect(try findings(F.v3(metadata: #"{"signature": "x"}"#)).map(\.message) == ["nb.ipynb: notebook metadata has metadata.signature"])
        #expect(try findings(F.v3(promptNumber: "4")).map(\.message) == ["nb.ipynb: worksheets[0].cells[0] (code) has prompt_number 4"])
    }

    @Test func cellIDsMustBeTheirIndex() throws {
        #expect(try findings(F.notebook([F.cell(id: "abc")])).map(\.message)
            == [#"nb.ipynb: cells[0] (code) has id "abc" (nbstripout renumbers cell ids as "0"; keep_id keeps them)"#])
        #expect(try findings(F.notebook([F.cell(id: "abc")]), [("keep_id", .bool(true))]).isEmpty)
        #expect(try findings(F.notebook([F.cell()])).first?.message.contains("no id") == true)
        #expect(try findings(F.notebook([F.cell()], minor: 4)).isEmpty)
        // Dropped cells do not count: the next cell takes their index.
        let dropped = F.notebook([F.cell(id: "0", source: " "), F.cell(id: "0")])
        #expect(try findings(dropped, [("drop_empty_cells", .bool(true))]).map(\.message) == ["nb.ipynb: cells[0] (code) must be removed (drop_empty_cells: its source is blank)"])
    }

    @Test func keepOutputComesFromTagsMetadataAndOptions() throws {
        let tagged = F.notebook([F.cell(id: "0", outputs: [F.stream, F.result], metadata: #"{"tags": ["keep_output"]}"#)])
        // Kept outputs still lose their execution counts.
        #expect(try findings(tagged).map(\.message) == ["nb.ipynb: cells[0] (code) has execution_count in 1 output"])
        #expect(try findings(tagged, [("keep_count", .bool(true))]).isEmpty)
        let plain = F.notebook([F.cell(id: "0", outputs: [F.stream])])
        #expect(try findings(plain, [("keep_output", .bool(true))]).isEmpty)
        #expect(try findings(F.notebook([F.cell(id: "0", outputs: [F.stream])], metadata: #"{"keep_output": 1}"#)).isEmpty)
        let initCell = F.notebook([F.cell(id: "0", outputs: [F.stream], metadata: #"{"init_cell": true}"#)])
        #expect(try findings(initCell).isEmpty)
        #expect(try findings(initCell, [("strip_init_cells", .bool(true))]).count == 1)
        let contradiction = try findings(F.notebook([F.cell(id: "0", metadata: #"{"keep_output": false, "tags": ["keep_output"]}"#)]))
        #expect(contradiction.map(\.severity) == [.warning])
        #expect(contradiction.first?.message.contains("metadata.keep_output is false but the cell is tagged keep_output") == true)
    }

    @Test func outputTypeAndSizeOptions() throws {
        let mixed = F.notebook([F.cell(id: "0", outputs: [F.stream, F.error])])
        #expect(try findings(mixed, [("keep_output_types", .array([.string("stream")]))]).map(\.message) == ["nb.ipynb: cells[0] (code) has 1 output"])
        #expect(try findings(mixed, [("keep_output_types", .array([.string("stream"), .string("error")]))]).isEmpty)
        #expect(try findings(mixed, [("keep_output", .bool(true)), ("drop_output_types", .array([.string("error")]))]).map(\.message)
            == ["nb.ipynb: cells[0] (code) has 1 output of a type in drop_output_types"])
        // get_size of the stream output: "stdout" + "stream" + "1\n" = 14 characters.
        let stream = F.notebook([F.cell(id: "0", outputs: [F.stream])])
        #expect(try findings(stream, [("max_size", .int(14))]).isEmpty)
        #expect(try findings(stream, [("max_size", .int(13))]).count == 1)
        #expect(try findings(stream, [("max_size", .string("1k"))]).isEmpty)
        let tagged = F.notebook([F.cell(id: "0"), F.cell(id: "1", metadata: #"{"tags": ["a", "scratch"]}"#)])
        #expect(try findings(tagged, [("drop_tagged_cells", .array([.string("scratch")]))]).map(\.message)
            == ["nb.ipynb: cells[1] (code) must be removed (drop_tagged_cells: it is tagged 'scratch')"])
    }

    @Test func extraAndKeptMetadataKeys() throws {
        let text = F.notebook([F.cell(id: "0", metadata: #"{"collapsed": true, "foo": {"bar": 1}}"#)], metadata: #"{"a": {"b": 2}}"#)
        let found = try findings(text, [("extra_keys", .array([.string("metadata.a.b"), .string("cell.metadata.foo.bar")])),
                                        ("keep_metadata_keys", .array([.string("cell.metadata.collapsed")]))])
        #expect(found.map(\.message) == ["nb.ipynb: notebook metadata has metadata.a.b", "nb.ipynb: cells[0] (code) has metadata.foo.bar"])
        #expect(NotebookOutputsGate.wouldPop(.object(OrderedObject([("a.b", .int(1))])), key: "a.b"))
        #expect(!NotebookOutputsGate.wouldPop(.object(OrderedObject([("a", .int(1))])), key: "a.b"))
    }

    @Test func unreadableNotebooksWarnInsteadOfCrashing() throws {
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "nb.ipynb is not a notebook nbstripout can read: not valid JSON"),
            ("truncated", Data("{\"cells\": [\n".utf8), "nb.ipynb is not a notebook nbstripout can read: not valid JSON"),
            ("bom", Data([0xEF, 0xBB, 0xBF]) + Data(F.clean.utf8), "nb.ipynb is not a notebook nbstripout can read: it starts with a UTF-8 byte-order mark"),
            ("array", Data("[1]".utf8), "nb.ipynb is not a notebook nbstripout can read: the top level is not a JSON object"),
            ("v5", Data(F.notebook([], nbformat: 5).utf8), "nb.ipynb is not a notebook nbstripout can read: nbformat 5 is not a version nbformat reads (1–4)"),
            ("no metadata", Data(#"{"cells": [], "nbformat": 4, "nbformat_minor": 5}"#.utf8), "nb.ipynb is not a notebook nbstripout can read: it has no metadata object"),
            ("binary", Data([0x00, 0xFF, 0xFE, 0x7B]), "nb.ipynb is not a notebook nbstripout can read: not valid JSON"),
            ("deep", Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8), "nb.ipynb is not a notebook nbstripout can read: not valid JSON"),
        ]
        for (name, data, prefix) in cases {
            let found = try gate().check(Self.input(["nb.ipynb": data]))
            #expect(found.count == 1, "\(name)")
            #expect(found.first?.severity == .warning, "\(name)")
            #expect(found.first?.message.hasPrefix(prefix) == true, "\(name): \(found.first?.message ?? "")")
        }
        #expect(try gate().check(Self.input(["nb.ipynb": Data("{\n\"cells\": [}".utf8)])).first?.line == 2)
    }

    @Test func onlyNotebooksInScopeAndNotPointersOrExcluded() throws {
        let dirty = F.notebook([F.cell(id: "0", count: "1")])
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 123\n"
        let input = Self.input(["a.ipynb": dirty, "b.json": dirty, "lfs.ipynb": pointer, "vendor/x.ipynb": dirty, "NB.IPYNB": dirty])
        let found = try gate([("exclude", .array([.string("vendor/*")]))]).check(input)
        #expect(found.map(\.path) == ["a.ipynb"])
        var tracked = Self.input(["data/nb.ipynb": dirty])
        tracked.dvcTrackedPaths = ["data/"]
        #expect(try gate().check(tracked).isEmpty)
    }

    @Test func manyDirtyCellsAreSummedUp() throws {
        let text = F.notebook((0..<25).map { F.cell(id: String($0), count: String($0 + 1)) })
        let found = try findings(text)
        #expect(found.count == NotebookOutputsGate.maximumCellFindings + 1)
        #expect(found.last?.message == "nb.ipynb: 5 more cells have outputs, execution counts or volatile metadata")
    }

    @Test func settingsAreValidated() throws {
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.notebook_outputs: unknown key 'keep_outputs'; did you mean 'keep_output'?")) {
            try gate([("keep_outputs", .bool(true))])
        }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.notebook_outputs: extra_keys: 'foo' must start with 'metadata.' or 'cell.'")) {
            try gate([("extra_keys", .array([.string("foo")]))])
        }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.notebook_outputs: max_size must be a size such as 100, 10K or 1M")) {
            try gate([("max_size", .string("big"))])
        }
        #expect(throws: ConfigError(path: ".cmlbot.yml", detail: "gates.notebook_outputs: output type 'a:b:c' must be `type` or `type:name`")) {
            try gate([("keep_output_types", .array([.string("a:b:c")]))])
        }
        #expect(try gate([("max_size", .string("2M"))]).maxSize == 2_000_000)
        #expect(try gate([("severity", .string("warning"))]).check(Self.input(["n.ipynb": F.notebook([F.cell(id: "0", count: "1")])])).first?.severity == .warning)
        #expect(GateRegistry.hygieneGate(id: "notebook_outputs") != nil)
    }

    // MARK: Parity with nbstripout --verify

    /// The pinned nbstripout from scripts/test-tools.sh (`CMLBOT_NBSTRIPOUT`); nil to skip, an error
    /// when CMLBOT_REQUIRE_TOOLS=1 and it is missing.
    static func nbstripout() throws -> String? {
        if let path = ProcessInfo.processInfo.environment["CMLBOT_NBSTRIPOUT"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ReferenceTools.Missing(tool: "nbstripout (CMLBOT_NBSTRIPOUT=\(path) is not executable; run scripts/test-tools.sh)")
            }
            return path
        }
        if ReferenceTools.required { throw ReferenceTools.Missing(tool: "nbstripout (CMLBOT_NBSTRIPOUT; eval \"$(scripts/test-tools.sh --env)\")") }
        return nil
    }

    @Test func verdictsMatchNbstripoutVerify() throws {
        guard let tool = try Self.nbstripout() else { return }
        let dir = try TemporaryDirectory("cmlbot-nbstripout")
        // Outside any repository and without user config: nbstripout would otherwise add the
        // extra keys of `git config filter.nbstripout.extrakeys`.
        var env = GitRepoBuilder.environment
        env["HOME"] = dir.path
        var mismatches: [String] = []
        for testCase in NotebookFixtures.corpus {
            let path = dir.file(testCase.name + ".ipynb")
            try testCase.contents.write(to: URL(fileURLWithPath: path))
            // The path goes first: --keep-output-type and --drop-output-type take one or more values.
            let theirs = try Shell.run(tool, ["--verify", path] + testCase.flags, in: dir.path, environment: env)
            let ours = try gate(testCase.options).check(Self.input([testCase.name + ".ipynb": testCase.contents]))
            // --verify leaves the file alone; the byte comparison guards the corpus itself.
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == testCase.contents)
            if (theirs.status != 0) != !ours.isEmpty {
                mismatches.append("\(testCase.name): nbstripout exit \(theirs.status) \(theirs.stderr.split(separator: "\n").last ?? ""), cmlbot \(ours.map(\.message))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// Notebooks as Jupyter writes them (nbformat's own writer, random cell ids, an image output),
    /// before and after `nbstripout` itself strips them: dirty, then clean, for both tools.
    @Test func notebooksWrittenByNbformatThenStrippedByNbstripout() throws {
        guard let tool = try Self.nbstripout() else { return }
        // The pinned venv that holds nbstripout also holds nbformat.
        let python = URL(fileURLWithPath: tool).deletingLastPathComponent().appendingPathComponent("python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { return }
        let dir = try TemporaryDirectory("cmlbot-nbformat")
        var env = GitRepoBuilder.environment
        env["HOME"] = dir.path
        let script = """
        import nbformat
        from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_output
        cells = [new_markdown_cell("# Results"),
                 new_code_cell("print(1)", execution_count=1, outputs=[new_output("stream", name="stdout", text="1\\n")]),
                 new_code_cell("plot()", execution_count=2, outputs=[new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})])]
        nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), "executed.ipynb")
        nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), "fresh.ipynb")
        """
        let written = try Shell.run(python, ["-c", script], in: dir.path, environment: env)
        try #require(written.status == 0, "\(written.stderr)")
        for name in ["executed.ipynb", "fresh.ipynb"] {
            let path = dir.file(name)
            for stage in ["as written", "after nbstripout"] {
                if stage == "after nbstripout" {
                    let stripped = try Shell.run(tool, [path], in: dir.path, environment: env)
                    try #require(stripped.status == 0, "\(stripped.stderr)")
                }
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                let theirs = try Shell.run(tool, ["--verify", path], in: dir.path, environment: env)
                let ours = try gate().check(Self.input([name: data]))
                #expect((theirs.status != 0) == !ours.isEmpty, "\(name) \(stage): nbstripout exit \(theirs.status), cmlbot \(ours.map(\.message))")
                #expect((stage == "as written") == !ours.isEmpty, "\(name) \(stage)")
            }
        }
    }

    // MARK: End to end

    @Test func stagedCheckOnARealRepository() throws {
        let repo = try GitRepoBuilder()
        try repo.commit("base", files: ["README.md": "hi\n", "old.ipynb": NotebookFixtures.notebook([NotebookFixtures.cell(id: "0", count: "1")])])
        try repo.write("clean.ipynb", NotebookFixtures.clean)
        try repo.write("analysis/dirty.ipynb", NotebookFixtures.notebook([NotebookFixtures.cell(id: "0", count: "2", outputs: [NotebookFixtures.stream])]))
        try repo.write("broken.ipynb", "{ not json")
        try repo.git("add", "-A")
        let result = try CMLBotBinary.run(["check", "--staged", "--format", "json"], in: repo.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        let findings = (object["findings"] as? [[String: Any]] ?? []).filter { $0["gate"] as? String == "notebook_outputs" }
        // old.ipynb is committed already and unchanged: a staged check does not look at it.
        #expect(findings.compactMap { $0["path"] as? String } == ["analysis/dirty.ipynb", "broken.ipynb"])
        #expect(findings.compactMap { $0["severity"] as? String } == ["error", "warning"])
        #expect(findings.first?["line"] as? Int == 3)
        #expect(result.status == 1)

        let all = try CMLBotBinary.run(["check", "--all", "--gate", "notebook_outputs", "--format", "json"], in: repo.path)
        #expect(all.stdout.contains("old.ipynb"))
        // Strip it the way the hint says and the check passes.
        try repo.write("analysis/dirty.ipynb", NotebookFixtures.notebook([NotebookFixtures.cell(id: "0")]))
        try repo.remove("broken.ipynb")
        try repo.git("add", "-A")
        let fixed = try CMLBotBinary.run(["check", "--staged", "--gate", "notebook_outputs"], in: repo.path)
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
    }
}
