import ArgumentParser
import Forecast

@main
struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Time-series forecasting with LSTM networks, numerically the same as PyTorch's.",
        discussion: """
        Models are directories with config.json and model.safetensors, readable by PyTorch \
        (see docs/model-format.md). Data goes to standard output, messages to standard error.

        Examples:
          forecast demo
          forecast train --data sales.csv --target sales --lookback 36 --horizon 12 --output sales-model
          forecast predict --model sales-model --data sales.csv --output -
          forecast evaluate --model sales-model --data sales.csv
          forecast backtest --data sales.csv --target sales --lookback 36 --horizon 12 --origins 2
          forecast report --model sales-model --data sales.csv --output report.html
          forecast serve --model sales-model --port 8080
        """,
        version: forecastVersion,
        subcommands: [DemoCommand.self, TrainCommand.self, PredictCommand.self, EvaluateCommand.self, BacktestCommand.self, ReportCommand.self, ServeCommand.self]
    )
}
