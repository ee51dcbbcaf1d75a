import Foundation

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// CPU time this thread has run, in seconds: unlike the wall clock, it does not count the time the
/// thread waited for a core that other programs held (on a shared machine, most of the difference).
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// CPU time all threads of this process have run (user and system), in seconds: the work done,
/// whatever the other programs sharing the cores took; it leaves out time a thread spent waiting idle.
func processCPUSeconds() -> Double {
    let usage = selfUsage()
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    return user + system
}

/// This process's resource usage so far (`getrusage` of itself).
private func selfUsage() -> rusage {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return usage
}

/// The peak resident set size of this process so far, in MiB (as Python's `resource.getrusage`).
func peakResidentMegabytes() -> Double {
    let usage = selfUsage()
    #if os(macOS)
    return Double(usage.ru_maxrss) / 1_048_576  // bytes
    #else
    return Double(usage.ru_maxrss) / 1024  // KiB
    #endif
}

/// One JSON object on one line, keys in the given order.
func printJSONLine(_ fields: KeyValuePairs<String, Any>) {
    let body = fields.map { key, value -> String in
        let rendered: String
        switch value {
        case let text as String: rendered = "\"\(text)\""
        case let number as Double: rendered = number.isFinite ? "\(number)" : "null"
        default: rendered = "\(value)"
        }
        return "\"\(key)\": \(rendered)"
    }
    print("{" + body.joined(separator: ", ") + "}")
}

/// `value` rounded to `places` decimals.
func rounded(_ value: Double, _ places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (value * scale).rounded() / scale
}

/// Rows as columns padded to a common width (left-aligned), trailing spaces trimmed.
func textTable(_ rows: [[String]]) -> String {
    let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
    return rows.map { row in
        row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
    }.joined(separator: "\n")
}

/// The middle of `values` (the upper one of the two middles for an even count).
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
