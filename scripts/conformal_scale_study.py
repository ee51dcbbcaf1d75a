#!/usr/bin/env python3
"""Which scale should conformal errors be measured in? A study with a stand-in forecaster.

Split conformal intervals on an M4 set (../shared/data/m4, PANEL.md's protocol): each series'
last horizon of training data is its one calibration window, the test file scores the intervals.
The forecaster is naive (weekly) or seasonal naive (hourly), not the LSTM: the study compares
the *scales* the errors are divided by, which is a property of the data more than of the model.
It printed the figures quoted in docs/accuracy.md ("Each step's scale, chosen on the validation
windows"); the project's own figures come from `forecast-bench panel-accuracy`.

    python3 scripts/conformal_scale_study.py m4_weekly 13 S52,S1,lagh,lagh156
    python3 scripts/conformal_scale_study.py m4_hourly 48 S24,lagh336

Scales: S52 / S24 / S1 = mean |y_t - y_(t-k)| over the whole history (k = 52, 24, 1: one scale
for every step); lagh[W] = per step h, mean |y_t - y_(t-h)| over the last W points (all without
W); slagh[W] = per step, the seasonal lag P*ceil(h/P); min[W] = the smaller of the two.
"""
import sys

import numpy as np
import pandas as pd

name = sys.argv[1] if len(sys.argv) > 1 else "m4_weekly"
H = int(sys.argv[2]) if len(sys.argv) > 2 else 13
kinds = sys.argv[3].split(",") if len(sys.argv) > 3 else ["S52", "S1", "lagh", "lagh156"]
data = sys.argv[4] if len(sys.argv) > 4 else "../shared/data/m4"
m = 1 if "weekly" in name else 24          # MSIS scale, as PANEL.md
P = 52 if m == 1 else 24                   # the seasonal period
train = pd.read_csv(f"{data}/{name}_train.csv")
test = pd.read_csv(f"{data}/{name}_test.csv")
ids = train.unique_id.unique()
S = [g.y.values for _, g in train.groupby("unique_id", sort=False)]
T = [test[test.unique_id == i].y.values for i in ids]


def forecast(y, o):
    if m == 1:
        return np.repeat(y[o - 1], H)
    return np.array([y[o - P + (h % P)] for h in range(H)])


def mad(x, k):
    return np.mean(np.abs(x[k:] - x[:-k])) if len(x) > k else np.inf


def scale(y, o, kind):
    h = y[:o]
    if kind[0] == "S":
        return np.repeat(mad(h, int(kind[1:])), H)
    for prefix, lag in (("slagh", lambda j: P * ((j + P - 1) // P)), ("lagh", lambda j: j),
                        ("min", None)):
        if kind.startswith(prefix):
            W = int(kind[len(prefix):]) if len(kind) > len(prefix) else None
            x = h if W is None else h[-W:]
            if lag is None:
                r = np.array([min(mad(x, j), mad(x, P * ((j + P - 1) // P))) for j in range(1, H + 1)])
            else:
                r = np.array([mad(x, lag(j)) for j in range(1, H + 1)])
            r[~np.isfinite(r)] = mad(h, 1)
            return r
    raise SystemExit(f"unknown scale {kind}")


def run(kind, levels=(0.8, 0.95)):
    scores = []
    for y in S:
        o = len(y) - H
        scores.append(np.abs(y[o:o + H] - forecast(y, o)) / scale(y, o, kind))
    scores = np.array(scores)
    n = len(scores)
    q = {l: np.array([np.sort(scores[:, h])[min(n - 1, int(np.ceil((n + 1) * l)) - 1)] for h in range(H)])
         for l in levels}
    coverage = {l: [] for l in levels}
    msis = []
    for y, t in zip(S, T):
        f, s, d = forecast(y, len(y)), scale(y, len(y), kind), mad(y, m)
        for l in levels:
            coverage[l].append(np.mean((t >= f - q[l] * s) & (t <= f + q[l] * s)))
        lo, hi = f - q[0.95] * s, f + q[0.95] * s
        msis.append(np.mean((hi - lo) + 40 * (lo - t) * (t < lo) + 40 * (t - hi) * (t > hi)) / d)
    print(f"{name} {kind:10s} cov80 {np.mean(coverage[0.8]):.3f} cov95 {np.mean(coverage[0.95]):.3f} MSIS {np.mean(msis):.3f}")


for k in kinds:
    run(k)
