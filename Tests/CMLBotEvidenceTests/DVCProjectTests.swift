import CMLBotCore
import Foundation
import TestSupport
import Testing
@testable import CMLBotEvidence

/// What DVC 3.67.1 collects from dvc.yaml files: checked against `Repo(".").index.stages` (their
/// `metrics` and params deps) and DVC's `_merge_params` / `_collect_params` /
/// `dvc/parsing/__init__.py`.
@Suite struct DVCProjectTests {
    func read(_ files: [String: String], label: String = "HEAD") throws -> (DVCDeclarations, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let declarations = try DVCProjectReader.read(InMemoryFileTree(label: label, files), diagnostics: &diagnostics)
        return (declarations, diagnostics)
    }

    /// Params declarations as `path: "key1,key2"`, or `path: "*"` for a whole file.
    func params(_ declarations: DVCDeclarations) -> [String: String] {
        Dictionary(uniqueKeysWithValues: declarations.params.map { ($0.path, $0.keys?.joined(separator: ",") ?? "*") })
    }

    @Test func stageMetricsAsStringsAndMappings() throws {
        let (d, diagnostics) = try read(["dvc.yaml": """
            stages:
              train:
                cmd: python train.py
                metrics:
                  - metrics/train.json
                  - summary.json:
                      cache: false
              eval:
                cmd: python eval.py
                metrics:
                  - {eval/scores.yaml: {cache: false}}
            """])
        #expect(d.metrics == ["eval/scores.yaml", "metrics/train.json", "summary.json"])
        #expect(d.dvcFiles == ["dvc.yaml"])
        #expect(diagnostics.isEmpty)
    }

    @Test func topLevelMetricsAndParams() throws {
        let (d, _) = try read(["dvc.yaml": "metrics:\n  - m/top.json\nparams:\n  - config/tune.json\n"])
        #expect(d.metrics == ["m/top.json"])
        #expect(params(d) == ["config/tune.json": "*"])
    }

    @Test func stageParams() throws {
        let (d, _) = try read([
            "dvc.yaml": """
                stages:
                  train:
                    cmd: x
                    params:
                      - train.lr
                      - seed
                      - config/tune.json:
                          - batch
                          - opt.momentum
                      - whole_a.yaml:
                      - whole_b.yaml: []
                  other:
                    cmd: y
                    params:
                      - config/tune.json: [epochs]
                      - whole_a.yaml: [only]
                """,
        ])
        // No params.yaml file: bare keys still name it (DVC reads it and reports it missing).
        #expect(params(d) == [
            "params.yaml": "seed,train.lr",
            "config/tune.json": "batch,epochs,opt.momentum",
            // `- file:` (None) and `- file: []` track the whole file, and win over keys elsewhere.
            "whole_a.yaml": "*",
            "whole_b.yaml": "*",
        ])
    }

    @Test func rootParamsFileIsAlwaysWhole() throws {
        let (d, _) = try read([
            "params.yaml": "train: {lr: 0.1}\nseed: 1\n",
            "dvc.yaml": "stages:\n  t:\n    cmd: x\n    params: [seed]\n",
        ])
        #expect(params(d) == ["params.yaml": "*"])
        let (none, _) = try read(["params.yaml": "seed: 1\n"])     // no dvc.yaml at all
        #expect(params(none) == ["params.yaml": "*"])
        #expect(none.dvcFiles.isEmpty)
    }

    @Test func wdirAndSubdirectoryPipelines() throws {
        let (d, diagnostics) = try read([
            "params.yaml": "seed: 1\n",
            "sub/params.yaml": "inner: 5\nother: 6\n",
            "sub/dvc.yaml": """
                metrics:
                  - top.json
                stages:
                  s:
                    cmd: x
                    params: [inner]
                    metrics: [out/m.json]
                  w:
                    cmd: y
                    wdir: ../elsewhere
                    params: [k]
                    metrics: [m.json]
                """,
            "dvc.yaml": "stages:\n  r:\n    cmd: x\n    wdir: sub\n    metrics: [deep/r.json]\n    params: [inner]\n",
        ])
        #expect(d.metrics == ["elsewhere/m.json", "sub/deep/r.json", "sub/out/m.json", "sub/top.json"])
        // A params.yaml below the root is tracked by its keys only; the root one is whole.
        #expect(params(d) == ["params.yaml": "*", "sub/params.yaml": "inner", "elsewhere/params.yaml": "k"])
        #expect(d.dvcFiles == ["dvc.yaml", "sub/dvc.yaml"])
        #expect(diagnostics.isEmpty)
    }

    @Test func foreachOverAListAndAMapping() throws {
        let (d, diagnostics) = try read(["dvc.yaml": """
            stages:
              per_fold:
                foreach: [1, 2]
                do:
                  cmd: train ${item}
                  metrics: ["folds/${item}.json"]
              per_model:
                foreach:
                  cnn: {lr: 0.1, dir: c}
                  rnn: {lr: 0.2, dir: r}
                do:
                  cmd: train ${key}
                  metrics: ["models/${key}/${item.dir}.json"]
                  params:
                    - models.${key}.lr
            """])
        #expect(d.metrics == ["folds/1.json", "folds/2.json", "models/cnn/c.json", "models/rnn/r.json"])
        #expect(params(d) == ["params.yaml": "models.cnn.lr,models.rnn.lr"])
        #expect(diagnostics.isEmpty)
    }

    @Test func foreachFromParams() throws {
        let (d, _) = try read([
            "params.yaml": "folds: [a, b]\nmodels: {x: {n: 1}}\n",
            "dvc.yaml": """
                stages:
                  f:
                    foreach: ${folds}
                    do: {cmd: x, metrics: ["f/${item}.json"]}
                  m:
                    foreach: ${models}
                    do: {cmd: x, metrics: ["m/${key}-${item.n}.json"]}
                """,
        ])
        #expect(d.metrics == ["f/a.json", "f/b.json", "m/x-1.json"])
    }

    @Test func matrixBindsItemAndKey() throws {
        // DVC generates mx@cnn-cfg0-true ... with metrics m/cnn-cfg0-true/cnn.json (checked with DVC).
        let (d, diagnostics) = try read(["dvc.yaml": """
            stages:
              mx:
                matrix:
                  model: [cnn, rnn]
                  cfg: [{d: 1}, {d: 2}]
                  on: [true, 0.5]
                cmd: echo
                metrics:
                  - m/${key}/${item.model}.json
            """])
        #expect(d.metrics.count == 8)
        #expect(d.metrics.contains("m/cnn-cfg0-true/cnn.json"))
        #expect(d.metrics.contains("m/rnn-cfg1-0.5/rnn.json"))
        #expect(diagnostics.isEmpty)
    }

    @Test func matrixThatWouldExplodeIsSkipped() throws {
        let axes = (0..<8).map { "  a\($0): [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" }.joined(separator: "\n")
        let (d, diagnostics) = try read(["dvc.yaml": "stages:\n  big:\n    matrix:\n" + axes.replacingOccurrences(of: "  a", with: "      a") + "\n    cmd: x\n    metrics: [\"m/${key}.json\"]\n"])
        #expect(d.metrics.isEmpty)
        #expect(diagnostics.contains { $0.message.contains("matrix generates more than") })
    }

    @Test func templatingFromParamsAndVars() throws {
        // Checked with DVC 3.67.1: f/k1-1-true-0.001-b-1e-05-7-fromvars.json.
        let (d, diagnostics) = try read([
            "params.yaml": "flag: true\nlr: 0.001\nnames: [a, b]\nbig: 1e-5\n",
            "conf/extra.yaml": "x: fromvars\ny: other\n",
            "dvc.yaml": """
                vars:
                  - conf/extra.yaml:x
                  - inline: 7
                stages:
                  fe:
                    foreach:
                      k1: {x: 1}
                    do:
                      cmd: echo
                      metrics:
                        - f/${key}-${item.x}-${flag}-${lr}-${names[1]}-${big}-${inline}-${x}.json
                  esc:
                    cmd: echo
                    metrics:
                      - e/\\${literal}.json
                  selected:
                    cmd: echo
                    metrics: ["s/${y}.json"]
                """,
        ])
        #expect(d.metrics == ["e/${literal}.json", "f/k1-1-true-0.001-b-1e-05-7-fromvars.json"])
        // `conf/extra.yaml:x` brings in x only, so ${y} does not resolve.
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("${y}") == true)
    }

    @Test func stageVarsAreReadFromTheStageWdir() throws {
        let (d, diagnostics) = try read([
            "sub/local.yaml": "name: here\n",
            "dvc.yaml": """
                stages:
                  sv:
                    wdir: sub
                    vars:
                      - local.yaml
                      - inline: fromstage
                    cmd: echo
                    metrics: ["s/${inline}-${name}.json"]
                  other:
                    cmd: echo
                    metrics: ["o/${inline}.json"]
                """,
        ])
        #expect(d.metrics == ["sub/s/fromstage-here.json"])
        // Stage vars do not leak into other stages.
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("o/${inline}.json") == true)
    }

    @Test func interpolatedVariablesFromFilesAreTrackedParams() throws {
        // Checked with DVC 3.67.1 (`dvc.repo.params.show`): conf/v.yaml shows model.lr, opt,
        // model.depth, models.cnn.lr, models.rnn.lr, folds.0, folds.1, axis.0, axis.1; params.yaml
        // is shown whole, inline vars are not files.
        let (d, diagnostics) = try read([
            "params.yaml": "flag: true\n",
            "conf/v.yaml": """
                model: {lr: 0.1, depth: 3, unused: 9}
                opt: adam
                models:
                  cnn: {lr: 0.5, n: 1}
                  rnn: {lr: 0.6, n: 2}
                folds: [f0, f1]
                axis: [x, y]
                """,
            "dvc.yaml": """
                vars:
                  - conf/v.yaml
                  - inline: 3
                stages:
                  t:
                    cmd: python train.py --lr ${model.lr} --opt ${opt} ${flag} ${inline}
                    deps: ["data/${model.depth}"]
                  fe:
                    foreach: ${models}
                    do:
                      cmd: echo ${item.lr} ${key}
                  fl:
                    foreach: ${folds}
                    do:
                      cmd: echo ${item}
                  mx:
                    matrix:
                      a: ${axis}
                      b: [1, 2]
                    cmd: echo ${item.a} ${item.b} ${key}
                """,
        ])
        #expect(params(d) == [
            "params.yaml": "*",
            "conf/v.yaml": "axis.0,axis.1,folds.0,folds.1,model.depth,model.lr,models.cnn.lr,models.rnn.lr,opt",
        ])
        #expect(diagnostics.isEmpty)
    }

    @Test func trackedVariablesDoNotNarrowAFileListedElsewhere() throws {
        let (d, _) = try read([
            "sub/params.yaml": "a: 1\nb: 2\n",
            "sub/dvc.yaml": "stages:\n  t:\n    cmd: echo ${a}\n  u:\n    cmd: echo ${b}\n    params: [{params.yaml: }]\n",
            "other/dvc.yaml": "stages:\n  s:\n    cmd: echo ${c}\n",
            "other/params.yaml": "c: 3\n",
        ])
        // sub/params.yaml is tracked whole by a stage; other/params.yaml only by interpolation.
        #expect(params(d) == ["sub/params.yaml": "*", "other/params.yaml": "c"])
    }

    @Test func unresolvableTemplatesWarnAndSkipTheEntry() throws {
        let (d, diagnostics) = try read(["dvc.yaml": """
            stages:
              t:
                cmd: x
                metrics: [ok.json, "m/${nope}.json", "m/${list}.json"]
                params: ["${missing}", {cfg.yaml: ["${gone}"]}]
              u:
                cmd: y
                wdir: ${nowhere}
                metrics: [skipped.json]
              v:
                foreach: ${undefined}
                do: {cmd: z, metrics: [v.json]}
            vars:
              - list: [1, 2]
            """])
        #expect(d.metrics == ["ok.json"])
        // A key list whose only key fails to resolve does not become "the whole file".
        #expect(d.params.isEmpty)
        #expect(diagnostics.count == 6)
        #expect(diagnostics.allSatisfy { $0.path == "dvc.yaml" && $0.revision == "HEAD" && $0.severity == .warning })
        #expect(diagnostics.contains { $0.message.contains("m/${nope}.json") })
        #expect(diagnostics.contains { $0.message.contains("stage 'u'") })
        #expect(diagnostics.contains { $0.message.contains("stage 'v'") })
    }

    @Test func corruptPipelineWarnsAndOthersAreStillRead() throws {
        let (d, diagnostics) = try read([
            "a/dvc.yaml": "stages:\n  t:\n    cmd: x\n    metrics: [m.json]\n  t:\n    cmd: dup\n",
            "b/dvc.yaml": "stages: [oops\n",
            "c/dvc.yaml": "- just\n- a list\n",
            "d/dvc.yaml": "stages:\n  t:\n    cmd: x\n    metrics: [m.json]\n",
            "e/dvc.yaml": "",
        ])
        #expect(d.metrics == ["d/m.json"])
        #expect(d.dvcFiles == ["d/dvc.yaml"])
        #expect(diagnostics.count == 3)
        #expect(diagnostics.contains { $0.path == "a/dvc.yaml" && $0.message.contains("duplicate key") })
        #expect(diagnostics.contains { $0.path == "b/dvc.yaml" && $0.message.contains("cannot read DVC pipeline") })
        #expect(diagnostics.contains { $0.path == "c/dvc.yaml" && $0.message.contains("not a DVC pipeline") })
    }

    @Test func pathsEscapingTheRepositoryAreIgnored() throws {
        let (d, diagnostics) = try read([
            "dvc.yaml": "metrics: [../outside.json, ok.json]\nparams: [../../etc/passwd]\nstages:\n  t:\n    cmd: x\n    wdir: ..\n    metrics: [m.json]\n",
            "sub/dvc.yaml": "metrics: [../fine.json, ../../bad.json]\n",
        ])
        #expect(d.metrics == ["fine.json", "ok.json"])
        #expect(d.params.isEmpty)
        #expect(diagnostics.count == 4)
        #expect(diagnostics.allSatisfy { $0.message.contains("outside the repository") })
    }

    @Test func pipelinesWithoutStagesOrWithOddShapes() throws {
        let (d, diagnostics) = try read(["dvc.yaml": "stages:\n  a: just a string\n  b:\n    cmd: x\n    metrics: oops\n    params: [1, {f.yaml: 3}]\n"])
        #expect(d.metrics.isEmpty)
        #expect(d.params.isEmpty)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains("must be a list of keys") == true)
    }
}
