"""Writes Tests/ForecastTests/Fixtures/holt_winters.json: statsmodels' additive Holt-Winters
(level and season, no trend) on two bundled series, with fixed smoothing parameters and the simple
start (the mean of the first season; its points less that mean) given as known, for HoltWintersTests (swift test reads the JSON; it needs no Python).

    pip install statsmodels
    python3 scripts/make_holt_winters_fixture.py
"""
import json
import os

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [
    ("airpassengers.csv", "passengers", 12, [(0.3, 0.1), (0.9, 0.4), (0.05, 0.0)]),
    ("wineind.csv", "sales", 12, [(0.2, 0.05), (0.5, 0.2)]),
]
HORIZON = 24

cases = []
for file, column, season, parameters in CASES:
    y = pd.read_csv(os.path.join(ROOT, "data", file))[column].to_numpy(dtype=float)
    for alpha, gamma in parameters:
        # The simple start: the mean of the first season, and each of its points less that mean.
        level0 = float(np.mean(y[:season]))
        seasons0 = y[:season] - level0
        model = ExponentialSmoothing(y, trend=None, seasonal="add", seasonal_periods=season,
                                     initialization_method="known", initial_level=level0, initial_seasonal=seasons0)
        fit = model.fit(smoothing_level=alpha, smoothing_seasonal=gamma, optimized=False)
        cases.append({
            "series": file, "column": column, "season": season, "alpha": alpha, "gamma": gamma,
            "initial_level": float(fit.params["initial_level"]),
            "initial_seasons": [float(v) for v in np.asarray(fit.params["initial_seasons"])],
            "fitted": [float(v) for v in fit.fittedvalues],
            "forecast": [float(v) for v in fit.forecast(HORIZON)],
            "sse": float(fit.sse),
            "values": [float(v) for v in y],
        })

import statsmodels
out = {"producer": f"statsmodels {statsmodels.__version__} ExponentialSmoothing(trend=None, seasonal='add', "
                   "initialization_method='known' with the simple start).fit(optimized=False)", "horizon": HORIZON, "cases": cases}
path = os.path.join(ROOT, "Tests", "ForecastTests", "Fixtures", "holt_winters.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {path}: {len(cases)} cases")
