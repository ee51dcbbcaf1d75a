import Forecast

/// The JSON bodies the server answers with, written by hand (``JSONText``) so that every number is
/// the text `forecast predict` writes for it.
enum Responses {
    /// `{"model": "air", "version": 1, "horizon": 3, "forecasts": [{"id": "a", "timestamps": [...], "forecast": [...]}]}`.
    /// Timestamps are written as the request wrote them (dates as strings, steps as numbers), and left
    /// out when the series had none or their frequency is unknown.
    static func forecast(_ forecast: PanelForecast, panel: Panel, model served: ServedModel, steps: Int) -> String {
        var json = JSONText(capacity: 64 + forecast.forecasts.count * (32 + steps * 12))
        json.raw("{\"model\":")
        json.string(served.name)
        json.raw(",\"version\":\(served.version),\"horizon\":\(steps),\"forecasts\":[")
        for (s, pointForecast) in forecast.forecasts.enumerated() {
            if s > 0 { json.raw(",") }
            json.raw("{\"id\":")
            json.string(forecast.ids[s])
            if let axis = panel.series[s].time, let stamps = forecast.timestamps(ofSeries: s, panel: panel, model: served.model) {
                json.raw(",\"timestamps\":[")
                for (t, stamp) in stamps.enumerated() {
                    if t > 0 { json.raw(",") }
                    if axis.format == .step { json.raw("\(stamp.seconds)") } else { json.string(axis.text(stamp)) }
                }
                json.raw("]")
            }
            json.raw(",\"forecast\":")
            json.numbers(pointForecast.values)
            for interval in pointForecast.intervals {
                let name = PredictionInterval.name(of: interval.level)
                json.raw(",\"lo-\(name)\":")
                json.numbers(interval.lower)
                json.raw(",\"hi-\(name)\":")
                json.numbers(interval.upper)
            }
            json.raw("}")
        }
        json.raw("]}")
        return json.text
    }

    /// The Open Inference Protocol's response: one FP32 output tensor `[B, H]`.
    static func inference(_ forecast: PanelForecast, model served: ServedModel, id: String?, steps: Int) -> String {
        var json = JSONText(capacity: 128 + forecast.forecasts.count * steps * 12)
        json.raw("{\"model_name\":")
        json.string(served.name)
        json.raw(",\"model_version\":\"\(served.version)\"")
        if let id {
            json.raw(",\"id\":")
            json.string(id)
        }
        json.raw(",\"outputs\":[{\"name\":\"forecast\",\"datatype\":\"FP32\",\"shape\":[\(forecast.forecasts.count),\(steps)],\"data\":")
        json.numbers(forecast.forecasts.lazy.flatMap(\.values))
        json.raw("}]}")
        return json.text
    }

    /// The Open Inference Protocol's model metadata, with the window sizes as parameters.
    static func metadata(_ served: ServedModel) -> String {
        let configuration = served.configuration
        let columns = 1 + configuration.features.count
        let inputShape = columns == 1 ? "[-1,\(configuration.lookback)]" : "[-1,\(configuration.lookback),\(columns)]"
        var json = JSONText()
        json.raw("{\"name\":")
        json.string(served.name)
        json.raw(",\"versions\":[\"\(served.version)\"],\"platform\":\"swift-forecast-lstm\",")
        json.raw("\"inputs\":[{\"name\":\"windows\",\"datatype\":\"FP32\",\"shape\":\(inputShape)}],")
        json.raw("\"outputs\":[{\"name\":\"forecast\",\"datatype\":\"FP32\",\"shape\":[-1,\(configuration.horizon)]}],")
        json.raw("\"parameters\":{\"lookback\":\(configuration.lookback),\"horizon\":\(configuration.horizon),\"target\":")
        json.string(configuration.target)
        json.raw(",\"features\":[")
        for (f, feature) in configuration.features.enumerated() {
            if f > 0 { json.raw(",") }
            json.string(feature)
        }
        json.raw("],\"frequency\":")
        if let frequency = configuration.frequency { json.string(frequency.name) } else { json.raw("null") }
        json.raw(",\"series_model\":\(configuration.scalesPerSeries),\"intervals\":false}}")
        return json.text
    }
}
