import Forecast
import Foundation

/// Shows training progress on standard error: one live line on a terminal, one plain line per
/// epoch otherwise, nothing when quiet.
struct ProgressPrinter {
    let quiet: Bool
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast

    init(quiet: Bool) {
        self.quiet = quiet
    }

    mutating func report(_ progress: TrainingProgress) {
        guard !quiet else { return }
        let validation = progress.validationLoss.map { String(format: "%.5f", $0) } ?? "–"
        let epochWidth = String(progress.epochs).count
        let candidate = progress.candidate.map { "[\($0.normalization.rawValue) \($0.number)/\($0.count)] " } ?? ""
        let epoch = candidate + (progress.phase == .refitting ? "refit epoch " : "epoch ")
            + String(repeating: " ", count: epochWidth - String(progress.epoch).count) + "\(progress.epoch)/\(progress.epochs)"
        if isTerminal {
            let now = Date()
            guard progress.isEndOfEpoch || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let line = "\(epoch)  batch \(progress.batch)/\(progress.batches)  train \(String(format: "%.5f", progress.trainingLoss))"
                + "  val \(validation)  \(Int(progress.windowsPerSecond)) windows/s  \(duration(progress.remaining)) left"
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
        } else if progress.isEndOfEpoch {
            printError("\(epoch)  train \(String(format: "%.5f", progress.trainingLoss))  val \(validation)"
                       + "  \(Int(progress.windowsPerSecond)) windows/s  \(duration(progress.remaining)) left")
        }
    }

    /// Ends the live line.
    func finish() {
        if !quiet && isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}

/// 75 → "1m15s", 4.2 → "4.2s".
func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    return whole < 3600 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole / 3600)h\(String(format: "%02d", whole / 60 % 60))m"
}
