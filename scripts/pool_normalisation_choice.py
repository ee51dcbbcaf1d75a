#!/usr/bin/env python3
"""Scores, on the development pool, choosing each series' window normalisation between two pool
runs by the network's validation MASE (never the test part), against either run alone.

Usage: scripts/pool_normalisation_choice.py A.jsonl A_rescore.txt B.jsonl B_name
  A.jsonl         `forecast-bench accuracy --pool ... --pool-output A.jsonl` (e.g. the default, season)
  A_rescore.txt   the output of `... --pool-output A.jsonl --rescore 2` (A's fallback with today's rule)
  B.jsonl         the same pool run with `--normalization B_name` (its fallback is today's already)
Prints geometric-mean MASE by group, and counts against seasonal naive, for: seasonal naive, the
network of A, of B, of the per-series choice, and the fallback of each.
"""
import json, math, sys

a_path, a_rescore, b_path, b_name = sys.argv[1:5]
a = {r["name"]: r for r in map(json.loads, open(a_path))}
b = {r["name"]: r for r in map(json.loads, open(b_path))}
a_fallback = {}
for line in open(a_rescore):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if line.startswith("| ") and len(cells) > 6:
        try:
            a_fallback[cells[0]] = float(cells[6])
        except ValueError:
            pass
rows = []
for name in sorted(set(a) & set(b) & set(a_fallback)):
    ra, rb = a[name], b[name]
    picks_b = rb["validation"]["network"] < ra["validation"]["network"]
    rows.append({"name": name, "picks_b": picks_b,
                 "seasonal naive": ra["mase"]["seasonal_naive"],
                 "network A": ra["mase"]["network"], f"network {b_name}": rb["mase"]["network"],
                 "network, chosen": rb["mase"]["network"] if picks_b else ra["mase"]["network"],
                 "fallback A": a_fallback[name], f"fallback {b_name}": rb["mase"]["default"],
                 "fallback, chosen": rb["mase"]["default"] if picks_b else a_fallback[name]})
columns = [k for k in rows[0] if k not in ("name", "picks_b")]
groups = {"all": lambda n: True, "single series (not M4)": lambda n: not n.startswith("m4_"),
          "M4 hourly": lambda n: n.startswith("m4_hourly"), "M4 weekly": lambda n: n.startswith("m4_weekly")}
print("geometric-mean MASE")
print(f"{'group':24} {'n':>3} {'picks ' + b_name:>18} " + " ".join(f"{c:>20}" for c in columns))
for group, keep in groups.items():
    chosen = [r for r in rows if keep(r["name"])]
    if not chosen:
        continue
    geo = [math.exp(sum(math.log(r[c]) for r in chosen) / len(chosen)) for c in columns]
    print(f"{group:24} {len(chosen):>3} {sum(r['picks_b'] for r in chosen):>18} " + " ".join(f"{g:>20.3f}" for g in geo))
print("\nseries ahead of seasonal naive / more than 10% behind it, of", len(rows))
for c in columns[1:]:
    print(f"{c:20} {sum(r[c] < r['seasonal naive'] for r in rows):>3} / {sum(r[c] > 1.1 * r['seasonal naive'] for r in rows):>3}")
