import ArgumentParser

@main
struct ForecastBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast-bench",
        abstract: "Benchmarks of swift-forecast, each printing one JSON line per measurement.",
        discussion: """
        Build with -c release. Compare with PyTorch by running ../shared/bench/torch_lstm_bench.py \
        with the same options in the same session (see docs/performance.md).

        Examples:
          swift run -c release forecast-bench speed --hidden 64 --layers 2 --lookback 48 --batch 64 --threads 2
          swift run -c release forecast-bench kernels
          swift run -c release forecast-bench window --hidden 64 --layers 2 --lookback 48
          swift run -c release forecast-bench inference --hidden 64 --layers 2 --lookback 48 --threads 2
          swift run -c release forecast-bench accuracy
          swift run -c release forecast-bench panel-accuracy --data-directory ../shared/data/m4
          swift run -c release forecast-bench panel --series 100000 --length 120
          swift run -c release forecast-bench load --file data/m4_hourly_20.csv
        """,
        subcommands: [SpeedCommand.self, KernelsCommand.self, WindowCommand.self, InferenceCommand.self, AccuracyCommand.self,
                      PanelAccuracyCommand.self, PanelCommand.self, LoadCommand.self]
    )
}
