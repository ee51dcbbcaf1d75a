import ForecastData

// Forecasting several panels in one pass: what a server needs when requests arrive together. Each
// panel's numbers are those of `Forecaster.predict(_:horizon:)` on it alone, to the bit: the network's
// outputs do not depend on which windows share its batch (LSTMThreadingTests), and the windows and
// scalers are made exactly as for one panel.

extension Forecaster {
    /// The number of steps a forecast of `panel` will have, after the checks ``predict(_:horizon:)``
    /// makes: the horizon is at least 1, the columns are the model's, every series is long enough,
    /// and a model with features is not asked beyond its output.
    ///
    /// - Throws: ``DataError`` (usage) saying what does not fit.
    public func checkedHorizon(for panel: Panel, horizon: Int? = nil) throws(DataError) -> Int {
        try trainedModel.checkedSteps(horizon, panel: panel)
    }

    /// Forecasts every series of every panel, the panels asking for the same number of steps going
    /// through the network together; forecast `i` is that of `panels[i]`, the same numbers as
    /// `predict(panels[i], horizon: horizons[i])`.
    ///
    /// - Precondition: each horizon passed ``checkedHorizon(for:horizon:)`` for its panel.
    public func predict(_ panels: [Panel], horizons: [Int]) -> [PanelForecast] {
        precondition(panels.count == horizons.count, "one horizon per panel")
        let model = trainedModel
        var results = [PanelForecast?](repeating: nil, count: panels.count)
        for steps in Set(horizons).sorted() {
            let members = panels.indices.filter { horizons[$0] == steps }
            var series: [TimeSeries] = [], requests: [ForecastRequest] = [], ids: [String] = []
            for p in members {
                for (s, one) in panels[p].series.enumerated() {
                    requests.append(ForecastRequest(series: series.count, end: one.count))
                    series.append(one)
                    ids.append(panels[p].hasIDs ? panels[p].ids[s] : "")
                }
            }
            // A series without an id (a table of one series) has none of its own: "" is never a panel id.
            let (values, blocks) = model.forecast(series, requests: requests, steps: steps,
                                                  ids: model.configuration.seriesCombinations == nil ? nil : ids)
            let beyondHorizon = model.configuration.strategy == .direct
                ? blocks - 1 : (steps > model.configuration.horizon ? blocks - model.configuration.horizon : 0)
            var next = 0
            for p in members {
                let forecasts = panels[p].series.map { one in
                    defer { next += 1 }
                    return PointForecast(values: values[next], timestamps: one.time?.future(steps), recursiveBlocks: beyondHorizon)
                }
                results[p] = PanelForecast(ids: panels[p].ids, forecasts: forecasts)
            }
        }
        return results.map { $0! }
    }

    /// Checks prediction-interval `levels` for a forecast of `steps` points of `panel`: each in
    /// (0, 100) and given once, and the model able to give them that far.
    ///
    /// - Throws: ``DataError`` (usage) saying what does not fit and how to get intervals.
    public func checkLevels(_ levels: [Double], steps: Int, panel: Panel) throws(DataError) {
        try trainedModel.checkLevels(levels, steps: steps, source: panel.source)
    }

    /// `forecast` (of `panel`, from ``predict(_:horizons:)``) with the prediction intervals at
    /// `levels` around each series' forecast: the same bounds as `predict(panel, horizon:, levels:)`.
    ///
    /// - Precondition: the levels passed ``checkLevels(_:steps:panel:)``.
    public func addingIntervals(_ levels: [Double], to forecast: PanelForecast, of panel: Panel) -> PanelForecast {
        guard !levels.isEmpty else { return forecast }
        let requests = panel.series.indices.map { ForecastRequest(series: $0, end: panel.series[$0].count) }
        let intervals = trainedModel.intervals(trainedModel.inputSeries(panel.series), requests: requests, forecasts: forecast.forecasts.map(\.values), levels: levels)
        var result = forecast
        for s in result.forecasts.indices { result.forecasts[s].intervals = intervals[s] }
        return result
    }

    private var trainedModel: ForecastModel {
        guard let model else { preconditionFailure("fit(_:) or a model comes before using the forecaster") }
        return model
    }
}

extension PanelForecast {
    /// The times of series `index`'s forecast points: its own frequency continued, else (a series too
    /// short to show one) the model's; nil when neither is known or the series has no time axis. The
    /// same timestamps as the forecast table's (``ForecastTables/forecastCSV(_:panel:model:)``).
    public func timestamps(ofSeries index: Int, panel: Panel, model: ForecastModel) -> [Timestamp]? {
        if let timestamps = forecasts[index].timestamps { return timestamps }
        guard var axis = panel.series[index].time, let frequency = model.configuration.frequency else { return nil }
        axis.frequency = frequency
        return axis.future(forecasts[index].values.count)
    }
}
