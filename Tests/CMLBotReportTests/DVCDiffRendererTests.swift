import CMLBotCompare
import CMLBotCore
import Testing
@testable import CMLBotReport

@Suite struct DVCDiffRendererTests {
    let files = [
        FileComparison(path: "metrics.json", changes: [
            ValueChange(key: "acc", old: .double(0.9), new: .double(0.95)),
            ValueChange(key: "flag", old: .bool(true), new: .bool(false)),
            ValueChange(key: "tiny", old: .double(1e-7), new: .double(2e-7)),
            ValueChange(key: "name", old: .string("a"), new: nil),
            ValueChange(key: "日本", old: nil, new: .int(3)),
        ]),
    ]

    @Test func markdownIsTabulateGithubWithWideCharacters() {
        let md = DVCDiffRenderer(kind: .metrics, oldLabel: "HEAD", newLabel: "workspace").render(files, style: .markdown)
        #expect(md == """
        | Path         | Metric   | HEAD   | workspace   | Change   |
        |--------------|----------|--------|-------------|----------|
        | metrics.json | acc      | 0.9    | 0.95        | 0.05     |
        | metrics.json | flag     | True   | False       | -1       |
        | metrics.json | tiny     | 0.0    | 0.0         | 0.0      |
        | metrics.json | name     | a      | -           | -        |
        | metrics.json | 日本     | -      | 3           | -        |


        """)
    }

    @Test func precisionZeroMeansFiveForMetricsAndParamsAreUnrounded() {
        let one = [FileComparison(path: "p", changes: [ValueChange(key: "x", old: .double(0.123456789), new: .double(2.675))])]
        let zero = DVCDiffRenderer(kind: .metrics, oldLabel: "a", newLabel: "b", precision: 0).rows(one).rows
        #expect(zero == [["p", "x", "0.12346", "2.675", "2.55154"]])
        let two = DVCDiffRenderer(kind: .metrics, oldLabel: "a", newLabel: "b", precision: 2).rows(one).rows
        #expect(two == [["p", "x", "0.12", "2.67", "2.55"]])
        let params = DVCDiffRenderer(kind: .params, oldLabel: "a", newLabel: "b").rows(one)
        #expect(params.headers == ["Path", "Param", "a", "b"])
        #expect(params.rows == [["p", "x", "0.123456789", "2.675"]])
    }

    @Test func jsonIsPythonJsonDumps() {
        let json = DVCDiffRenderer(kind: .metrics, oldLabel: "a", newLabel: "b").render(files, style: .json)
        #expect(json == #"{"metrics.json": {"acc": {"old": 0.9, "new": 0.95, "diff": 0.04999999999999993}, "flag": {"old": true, "new": false, "diff": -1}, "tiny": {"old": 1e-07, "new": 2e-07, "diff": 1e-07}, "name": {"old": "a", "new": null}, "\u65e5\u672c": {"old": null, "new": 3}}}"# + "\n")
    }

    @Test func plainTableHasNoTrailingSpacesAndNoPathDropsTheColumn() {
        let plain = DVCDiffRenderer(kind: .metrics, oldLabel: "HEAD", newLabel: "workspace", noPath: true).render(Array(files), style: .table)
        #expect(plain.hasPrefix("Metric    HEAD    workspace    Change\nacc       0.9     0.95         0.05\n"))
        #expect(!plain.split(separator: "\n").contains { $0.hasSuffix(" ") })
    }

    @Test func controlCharactersCannotAddTableRows() {
        let hostile = [FileComparison(path: "m\n.json", changes: [ValueChange(key: "a\nb|c", old: .string("x\ty"), new: .int(1))])]
        let md = DVCDiffRenderer(kind: .metrics, oldLabel: "a", newLabel: "b").render(hostile, style: .markdown)
        #expect(md.split(separator: "\n").count == 3)
        #expect(md.contains(#"a\nb|c"#))
    }
}

@Suite struct MarkdownEscapingTests {
    @Test func inlineTextIsInert() {
        #expect(MarkdownEscaping.inline("<b>&") == "&lt;b&gt;&amp;")
        #expect(MarkdownEscaping.inline("a|b") == "a\\|b")
        #expect(MarkdownEscaping.inline("[x](y)") == "\\[x\\](y)")
        #expect(MarkdownEscaping.inline("/close\nnext") == "\\/close next")
        #expect(MarkdownEscaping.inline("@team") == "\\@team")
        #expect(MarkdownEscaping.inline("a\u{202E}b") == "a\u{FFFD}b")
        #expect(MarkdownEscaping.inline("see https://x.io and www.y.io/z") == "see https\\://x.io and www\\.y.io/z")
        #expect(MarkdownEscaping.inline("metrics/eval.json:acc") == "metrics/eval.json:acc")
    }

    @Test func codeSpansFenceBackticksAndPipes() {
        #expect(MarkdownEscaping.code("acc") == "`acc`")
        #expect(MarkdownEscaping.code("a`b") == "``a`b``")
        #expect(MarkdownEscaping.code("`x") == "`` `x ``")
        #expect(MarkdownEscaping.code("a|b") == "`a\\|b`")
        #expect(MarkdownEscaping.code("a\nb") == "`a\u{FFFD}b`")
    }
}

@Suite struct TextWidthTests {
    @Test func wideAndZeroWidthCharacters() {
        #expect(TextWidth.columns("abc") == 3)
        #expect(TextWidth.columns("日本") == 4)
        #expect(TextWidth.columns("🚀") == 2)
        #expect(TextWidth.columns("e\u{301}") == 1)
        #expect(TextWidth.padRight("日", to: 4) == "日  ")
    }
}
