import ArgumentParser
import Testing
@testable import ForecastCommand

/// Every command line in a `--help` page's examples is one the parser accepts: the options exist,
/// their values parse and pass each command's checks (nothing runs; no file is read).
@Suite struct HelpExamplesTests {
    /// The `forecast …` lines after "Examples:" in `discussion`, continuation lines joined, without
    /// what precedes `forecast` (such as `cat sales.csv |`); other commands (`curl`) left out.
    static func examples(in discussion: String) -> [[String]] {
        guard let start = discussion.range(of: "Examples:") else { return [] }
        var commands: [String] = [], pending = ""
        for line in discussion[start.upperBound...].split(separator: "\n") {
            let text = pending + line.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("\\") {
                pending = String(text.dropLast()) + " "
                continue
            }
            pending = ""
            if text.hasPrefix("forecast ") || text == "forecast" {
                commands.append(text)
            } else if let piped = text.range(of: "| forecast ") {
                commands.append(String(text[text.index(piped.lowerBound, offsetBy: 2)...]))
            }
        }
        return commands.map { $0.split(separator: " ").map(String.init).dropFirst().map { $0 } }
    }

    static let pages: [(name: String, discussion: String)] =
        [("forecast", ForecastCommand.configuration.discussion)]
        + ForecastCommand.configuration.subcommands.map { ($0.configuration.commandName ?? "?", $0.configuration.discussion) }

    @Test func everyPageHasExamples() {
        for page in Self.pages { #expect(!Self.examples(in: page.discussion).isEmpty, "\(page.name)") }
        // A continued line is one command.
        let joined = Self.examples(in: "Examples:\n  forecast train --data a.csv \\\n      --horizon 3\n  curl -s host/forecast -d @r.json\n  cat a | forecast demo\n")
        #expect(joined == [["train", "--data", "a.csv", "--horizon", "3"], ["demo"]])
    }

    @Test func everyExampleParses() {
        for page in Self.pages {
            for arguments in Self.examples(in: page.discussion) {
                #expect(throws: Never.self, "\(page.name): forecast \(arguments.joined(separator: " "))") {
                    _ = try ForecastCommand.parseAsRoot(arguments)
                }
            }
        }
    }
}
