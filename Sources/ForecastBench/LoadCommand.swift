import ArgumentParser
import Forecast
import Foundation

/// Loading speed on a file of the user's: the CSV streamed into a panel, timed in wall and CPU
/// seconds, with the peak resident memory against the file's size.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time loading a CSV file into a panel: seconds (wall and CPU), rows/s, MB/s, CPU seconds per 50 MB, peak memory.",
        discussion: """
        The file is loaded --repeats times in one process; the figures are the median run. CPU \
        seconds count only this thread's time, so a busy machine changes them less than the wall clock.

        Examples:
          swift run -c release forecast-bench load --file data/m4_hourly_20.csv
          swift run -c release forecast-bench load --file big.csv --id store --repeats 5
        """
    )

    @Option(help: "The CSV file (long format with an id column, or one series).")
    var file: String

    @Option(help: "The id column (detected as in `forecast` when not given).")
    var id: String?

    @Option(help: "How many times to load the file.")
    var repeats = 3

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
    }

    func run() throws {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        var options = SeriesOptions()
        options.id = id
        var walls: [Double] = [], cpus: [Double] = [], rows = 0, series = 0
        for _ in 0..<repeats {
            let wall = monotonicSeconds(), cpu = threadCPUSeconds()
            let panel = try PanelLoader.load(path: file, options: options).panel
            cpus.append(threadCPUSeconds() - cpu)
            walls.append(monotonicSeconds() - wall)
            rows = panel.pointCount
            series = panel.count
        }
        let wall = median(walls), cpu = median(cpus), megabytes = Double(bytes) / 1_048_576
        printJSONLine([
            "benchmark": "load", "file": file, "file_mb": rounded(megabytes, 1), "rows": rows, "series": series,
            "repeats": repeats, "wall_seconds": rounded(wall, 3), "cpu_seconds": rounded(cpu, 3),
            "rows_per_s": rounded(Double(rows) / cpu, 0), "mb_per_s": rounded(megabytes / cpu, 1),
            "cpu_seconds_per_50_mb": rounded(cpu * 50 / max(megabytes, 1e-9), 3),
            "peak_rss_mb": rounded(peakResidentMegabytes(), 1),
        ])
    }
}
