#!/usr/bin/env python3
"""Writes a synthetic long table for `forecast-bench load`: 2,000 hourly series of 500 points,
with dates and readable ids (1,000,000 rows, about 46 MB), or with --steps 10,000 series of 100
integer steps (about 15 MB). Fixed seed, so every run writes the same bytes.

    python3 scripts/make_long_table.py dates1m.csv
    python3 scripts/make_long_table.py --steps steps1m.csv
"""
import argparse
import datetime
import random

parser = argparse.ArgumentParser()
parser.add_argument("output")
parser.add_argument("--steps", action="store_true", help="integer steps instead of dates")
args = parser.parse_args()
random.seed(3)
with open(args.output, "w") as f:
    f.write("unique_id,ds,y\n")
    if args.steps:
        for s in range(10000):
            level = random.uniform(10, 1000)
            for t in range(100):
                f.write("S%d,%d,%.2f\n" % (s, t + 1, level * (1 + 0.1 * random.random())))
    else:
        base = datetime.datetime(2023, 1, 1)
        stamps = [(base + datetime.timedelta(hours=t)).strftime("%Y-%m-%d %H:%M:%S") for t in range(500)]
        for s in range(2000):
            level = random.uniform(10, 1000)
            sid = "store_%04d_item_%03d" % (s // 50, s % 50)
            for t in range(500):
                f.write("%s,%s,%.3f\n" % (sid, stamps[t], level * (1 + 0.1 * random.random())))
