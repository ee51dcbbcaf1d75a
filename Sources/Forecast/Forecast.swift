// The library applications import: `import Forecast` brings the model, its files and the
// layers and kernels beneath it.
@_exported import ForecastKernels
@_exported import ForecastNN
@_exported import ForecastData
@_exported import ForecastPlot

/// The library's version, as `forecast --version` prints it.
public let forecastVersion = "0.1.0"
