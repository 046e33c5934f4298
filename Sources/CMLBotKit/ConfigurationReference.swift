import CMLBotEvidence
import CMLBotGates
import CMLBotReport

/// docs/configuration.md, generated from the declarations the loaders check keys against
/// (ConfigLoader, PromotionRules, GateRegistry, FindingsFormatRegistry). A test fails when the
/// committed file differs; `make docs` rewrites it.
public enum ConfigurationReference {
    public static func markdown() -> String {
        var out = """
        # `.cmlbot.yml` reference

        <!-- Generated from the code by `make docs` (ConfigurationReference.swift); do not edit by hand. -->

        Read from the head revision (the workspace by default), or from `--config FILE` (for rules a
        pull request must not be able to weaken). Every key is optional except `version`. Unknown
        keys are an error (exit 2) with a "did you mean" suggestion, so a typo cannot silently switch
        a check off.

        """
        for section in ConfigLoader.reference { out += table(section) }

        out += """

        ## Hygiene gates (`gates:`, run by `cmlbot check`)

        Each gate has its own mapping under `gates.<id>`. Every gate takes these keys:

        | key | meaning |
        |---|---|

        """
        for option in GateSettings.commonKeys { out += "| `\(option.name)` | \(cell(option.help)) |\n" }
        for gate in GateRegistry.hygiene {
            out += "\n### `\(gate.id)`\n\n\(capitalised(gate.summary)). Default severity: `\(gate.defaultSeverity.rawValue)`.\n\n"
            guard !gate.options.isEmpty else { continue }
            out += "| key | meaning |\n|---|---|\n"
            for option in gate.options { out += "| `\(option.name)` | \(cell(option.help)) |\n" }
        }

        out += "\n## Promotion rules (`promote:`, run by `cmlbot gate` and shown first in `cmlbot report`)\n"
        for section in PromotionRules.reference { out += table(section) }

        out += """

        ## Output formats of `cmlbot check` and `cmlbot gate` (`--format`)

        | format | what it is |
        |---|---|

        """
        for format in FindingsFormatRegistry.all { out += "| `\(format.name)` | \(cell(format.summary)) |\n" }

        out += """

        ## Example

        ```yaml
        version: 1
        base: origin/main
        metrics:
          files: [reports/eval.json]
          directions:
            accuracy: higher
            "*loss": lower
        params:
          files: [configs/train.yaml]
        gates:
          large_files: {max_kb: 1000}
          secrets: {allow: ["tests/fixtures/*"]}
        promote:
          metrics:
            - {metric: accuracy, min: 0.85, max_drop: "1%"}
            - {metric: latency_ms, max_increase: "10%", severity: warning}
          data: {params_changed_requires_lock_match: true}
          require: [reports/model_card.md]
        ```

        """
        return out
    }

    static func table(_ section: ConfigSection) -> String {
        let title = section.path.isEmpty ? "Top level" : "`\(section.path)`"
        var out = "\n### \(title)\n\n| key | type | default | meaning |\n|---|---|---|---|\n"
        for key in section.keys {
            out += "| `\(key.name)` | \(cell(key.type)) | \(key.defaultValue.isEmpty ? "" : cell(key.defaultValue)) | \(cell(key.help)) |\n"
        }
        return out
    }

    /// A table cell: pipes escaped, one line.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func capitalised(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }
}
