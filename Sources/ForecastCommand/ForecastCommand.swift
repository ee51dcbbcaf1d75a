import ArgumentParser
import Forecast

@main
struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Time-series forecasting with LSTM networks, numerically the same as PyTorch's.",
        discussion: """
        Models are directories with config.json and model.safetensors, readable by PyTorch \
        (see docs/model-format.md).

        Examples:
          forecast --version
          forecast --help
        """,
        version: forecastVersion
    )
}
