"""How often the fallback's network gate passes a network with no real edge (docs/accuracy.md, "The network gate").

Each point's loss difference between a simple forecaster and the network is independent standard
normal (no edge); a window's difference is the mean over its h steps, consecutive windows overlap
by h - 1 steps, as the validation windows of one series do. The lead is computed as
ValidationForecasts.networkLead(over:) computes it (Newey-West, Bartlett weights up to lag h - 1);
the script prints the share of draws whose lead exceeds 2, the default gate.

    python3 scripts/gate_null_simulation.py      (numpy; about a minute)
"""
import numpy as np


def lead(d, h):
    n = len(d)
    e = d - d.mean()
    lags = min(h - 1, n - 1)
    v = (e @ e) / n
    for k in range(1, lags + 1):
        v += 2 * (1 - k / (lags + 1)) * (e[k:] @ e[:-k]) / n
    if v <= 0:
        return np.inf if d.mean() > 0 else -np.inf
    return d.mean() / np.sqrt(v / n)


def main():
    rng = np.random.default_rng(18)
    draws = 20000
    print("windows  horizon  share of leads > 2")
    for n, h in [(7, 12), (11, 12), (60, 12), (82, 48), (256, 24)]:
        passed = 0
        for _ in range(draws):
            points = rng.standard_normal(n + h - 1)
            windows = np.convolve(points, np.ones(h) / h, "valid")
            passed += lead(windows, h) > 2
        print(f"{n:7d}  {h:7d}  {passed / draws:.3f}")


if __name__ == "__main__":
    main()
