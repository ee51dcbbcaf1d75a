import CForecastKernels
import Foundation

/// The vector instructions the fast kernels run with.
///
/// Every fast kernel is compiled once for each set, in the C target `CForecastKernels`, with a
/// `target` attribute rather than a build flag, so that the package stays usable as a versioned
/// dependency; ``automatic`` picks the widest set the CPU supports when the program starts. A binary
/// built on an AVX-512 machine therefore still runs on any x86-64 CPU, through ``baseline``.
///
/// Results are repeatable bit for bit with one set. Between sets they differ in the last bits: AVX2,
/// AVX-512 and NEON fuse each multiply-add into one rounding, the baseline rounds twice on x86-64 (on
/// arm64 it fuses too, and gives the same bits as NEON).
public enum InstructionSet: String, CaseIterable, Sendable, CustomStringConvertible {
    /// 4-wide vectors and a small register tile: SSE2 without fused multiply-add on any x86-64 CPU,
    /// NEON with it on arm64.
    case baseline
    /// 8-wide vectors with fused multiply-add: x86-64 with AVX2 and FMA (Haswell, Zen and later).
    case avx2
    /// 16-wide vectors with fused multiply-add: x86-64 with AVX-512 F and VL.
    case avx512
    /// 4-wide vectors with fused multiply-add and a register tile for 32 registers: every arm64 CPU.
    case neon

    /// The widest set this CPU supports, chosen once; the environment variable
    /// `FORECAST_INSTRUCTION_SET` (`baseline`, `avx2`, `avx512`, `neon`) can name a narrower supported one.
    public static let automatic: InstructionSet = {
        if let name = ProcessInfo.processInfo.environment["FORECAST_INSTRUCTION_SET"],
           let chosen = InstructionSet(rawValue: name.lowercased()), chosen.isSupported {
            return chosen
        }
        return InstructionSet(fk_best_supported())
    }()

    /// The sets this CPU can run, narrowest first (always including ``baseline``).
    public static var supported: [InstructionSet] { allCases.filter(\.isSupported) }

    /// Whether this CPU and operating system can run the kernels compiled for this set.
    public var isSupported: Bool { fk_is_supported(kernelValue) != 0 }

    public var description: String { rawValue }

    /// The width of the panels a single window reads W_hhᵀ in with this set (``LSTMWindowLayer``):
    /// the columns its single-row product holds in registers.
    public var windowPanelWidth: Int { fk_window_panel_width(kernelValue) }

    init(_ value: fk_instruction_set) {
        switch value {
        case FK_AVX512: self = .avx512
        case FK_AVX2: self = .avx2
        case FK_NEON: self = .neon
        default: self = .baseline
        }
    }

    /// The value the C kernels take.
    var kernelValue: fk_instruction_set {
        switch self {
        case .baseline: FK_BASELINE
        case .avx2: FK_AVX2
        case .avx512: FK_AVX512
        case .neon: FK_NEON
        }
    }
}
