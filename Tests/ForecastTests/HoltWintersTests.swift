import Foundation
import Testing
@testable import Forecast

/// Holt–Winters against statsmodels: Fixtures/holt_winters.json, written by
/// scripts/make_holt_winters_fixture.py (statsmodels' `ExponentialSmoothing(trend=None,
/// seasonal="add")` with fixed α, γ and the simple start given as known). Tolerance 1e-9 relative.
@Suite struct HoltWintersTests {
    struct Case: Decodable {
        var series: String, season: Int, alpha: Double, gamma: Double
        var initial_level: Double, initial_seasons: [Double], fitted: [Double], forecast: [Double], sse: Double, values: [Double]
    }
    struct Fixture: Decodable { var horizon: Int, cases: [Case] }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/holt_winters.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    private func isClose(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    @Test func theSimpleStartIsStatsmodelsKnownStart() throws {
        for c in try Self.fixture().cases {
            let (level, season) = HoltWinters(alpha: c.alpha, gamma: c.gamma, season: c.season).initialState(c.values)
            #expect(isClose(level, c.initial_level))
            #expect(zip(season, c.initial_seasons).allSatisfy { isClose($0, $1) })
        }
    }

    @Test func oneStepErrorsMatchStatsmodels() throws {
        for c in try Self.fixture().cases {
            let model = HoltWinters(alpha: c.alpha, gamma: c.gamma, season: c.season)
            let (_, _, squaredError) = model.smooth(c.values, initialLevel: c.initial_level, initialSeason: c.initial_seasons)
            #expect(isClose(squaredError, c.sse), "\(c.series) α \(c.alpha) γ \(c.gamma)")
            // The fitted values, one prefix at a time: the one-step forecast from each history.
            for end in stride(from: 2 * c.season, to: c.values.count, by: 17) {
                let next = model.forecast(history: Array(c.values[..<end]), horizon: 1)[0]
                #expect(isClose(next, c.fitted[end]), "\(c.series) fitted[\(end)]")
            }
        }
    }

    /// statsmodels forecasts step m (and every m-th after it) with the seasonal term of the season
    /// before the last (its `s[nobs + m − 1:]` reassignment drops the last update); every other step
    /// is compared, and those steps against the formula ŷ_{T+h} = ℓ_T + s_{T+h−m}.
    @Test func forecastsMatchStatsmodels() throws {
        let fixture = try Self.fixture()
        for c in fixture.cases {
            let model = HoltWinters(alpha: c.alpha, gamma: c.gamma, season: c.season)
            let forecast = model.forecast(history: c.values, horizon: fixture.horizon)
            let (level, season, _) = model.smooth(c.values, initialLevel: c.initial_level, initialSeason: c.initial_seasons)
            for h in 0..<fixture.horizon {
                if h % c.season != c.season - 1 {
                    #expect(isClose(forecast[h], c.forecast[h]), "\(c.series) step \(h + 1)")
                }
                #expect(isClose(forecast[h], level + season[h % c.season]))
            }
        }
    }

    @Test func fitPicksTheGridPointWithTheLeastSquaredError() throws {
        let values = try Self.fixture().cases[0].values
        let fitted = HoltWinters.fit(values, season: 12)
        func error(_ model: HoltWinters) -> Double {
            let (level, season) = model.initialState(values)
            return model.smooth(values, initialLevel: level, initialSeason: season).squaredError
        }
        for alpha in HoltWinters.alphaGrid {
            for gamma in HoltWinters.gammaGrid { #expect(error(fitted) <= error(HoltWinters(alpha: alpha, gamma: gamma, season: 12))) }
        }
    }

    @Test func shortHistoryIsSimpleExponentialSmoothing() {
        // Fewer than two seasons: no season; α 1 repeats the last value.
        let model = HoltWinters(alpha: 1, gamma: 0.3, season: 12)
        #expect(model.forecast(history: [1, 2, 3, 5], horizon: 3) == [5, 5, 5])
    }
}
