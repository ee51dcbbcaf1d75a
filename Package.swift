// swift-tools-version: 6.0
import PackageDescription

// Arrows point one way: ForecastKernels ← ForecastNN; ForecastData stands alone; Forecast builds on both; the command line on top.
let package = Package(
    name: "swift-forecast",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Forecast", targets: ["Forecast"]),
        .executable(name: "forecast", targets: ["ForecastCommand"]),
        .executable(name: "forecast-bench", targets: ["ForecastBench"]),
        .executable(name: "forecast-fuzz", targets: ["ForecastFuzz"]),
        // The HTTP server behind `forecast serve`, for applications that embed it; `Forecast` does not link it.
        .library(name: "ForecastServer", targets: ["ForecastServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The innermost fast kernels in C, compiled for AVX-512, AVX2 and a baseline and chosen at run time.
        .target(name: "CForecastKernels"),
        // Dense Float32 storage and the hot loops: matrix products, activations, reductions.
        .target(name: "ForecastKernels", dependencies: ["CForecastKernels"]),
        // Layers with PyTorch semantics (LSTM, Linear, dropout), losses, optimisers, the seeded generator.
        .target(name: "ForecastNN", dependencies: ["ForecastKernels", "ForecastText"]),
        // CSV reading, the panel of many series, time columns and frequencies, missing values, scalers, windows, splits (no network code).
        // One line of printable text from anything a user or a file can put in a message.
        .target(name: "ForecastText"),
        .target(name: "ForecastData", dependencies: ["ForecastText"]),
        // SVG charts (forecast, training, backtest) and the HTML report, drawn from plain arrays and dates.
        .target(name: "ForecastPlot", dependencies: ["ForecastData"]),
        // What applications import: the forecaster, metrics, baselines, model files, and (re-exported) the parts beneath.
        .target(name: "Forecast", dependencies: ["ForecastNN", "ForecastData", "ForecastPlot"]),
        // `forecast serve`: routes, JSON, the model store, batching, metrics (Hummingbird); calls the
        // orchestrator and holds no forecasting logic of its own.
        .target(
            name: "ForecastServer",
            dependencies: [
                "Forecast",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The `forecast` command: parse, call the library, print, exit codes.
        .executableTarget(
            name: "ForecastCommand",
            dependencies: [
                "Forecast",
                "ForecastServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The `forecast-bench` command: speed and kernel benchmarks (one file per subcommand).
        .executableTarget(
            name: "ForecastBench",
            dependencies: [
                "Forecast",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `forecast-fuzz`: libFuzzer targets for every parser input can reach (scripts/fuzz.sh); built
        // normally it replays files through a target. Nothing depends on it.
        .executableTarget(name: "ForecastFuzz", dependencies: ["Forecast"]),
        .testTarget(name: "ForecastKernelsTests", dependencies: ["ForecastKernels"]),
        .testTarget(name: "ForecastNNTests", dependencies: ["ForecastNN"], exclude: ["Fixtures"]),
        .testTarget(name: "ForecastDataTests", dependencies: ["ForecastData", "ForecastText"]),
        .testTarget(name: "ForecastPlotTests", dependencies: ["ForecastPlot"]),
        .testTarget(name: "ForecastTests", dependencies: ["Forecast"], exclude: ["Fixtures"]),
        // Runs the built `forecast` executable end to end.
        .testTarget(name: "ForecastCommandTests", dependencies: ["ForecastCommand"]),
        .testTarget(
            name: "ForecastServerTests",
            dependencies: [
                "ForecastServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
