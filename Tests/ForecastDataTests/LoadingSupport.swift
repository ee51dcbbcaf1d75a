import ForecastData

// Helpers shared by the tests that load series from CSV text.

/// Reads `text` as the CSV file `test.csv` and loads it as a series.
func load(_ text: String, _ options: SeriesOptions = SeriesOptions()) throws(DataError)
    -> (series: TimeSeries, warnings: [String])
{
    try SeriesLoader.load(CSVReader.read(bytes: Array(text.utf8), source: "test.csv"), options: options)
}

/// The error that loading `text` throws, or nil when it loads.
func loadError(_ text: String, _ options: SeriesOptions = SeriesOptions()) -> DataError? {
    do {
        _ = try load(text, options)
        return nil
    } catch {
        return error
    }
}

/// The ``DataError`` that `body` throws, or nil when it throws none.
func thrownDataError(_ body: () throws -> Void) -> DataError? {
    do {
        try body()
        return nil
    } catch {
        return error as? DataError
    }
}
