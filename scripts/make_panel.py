#!/usr/bin/env python3
"""Writes a synthetic long table of many series (unique_id,ds,y; integer steps), each with its own
level, seasonal amplitude and phase (season 12) and noise, as `forecast-bench panel` makes them.
Fixed seed: the same arguments write the same bytes. For docs/scale.md.

    python3 scripts/make_panel.py --series 100000 --length 120 panel.csv
"""
import argparse
import math
import random

parser = argparse.ArgumentParser()
parser.add_argument("output")
parser.add_argument("--series", type=int, default=10000)
parser.add_argument("--length", type=int, default=120)
args = parser.parse_args()
random.seed(11)
with open(args.output, "w") as f:
    f.write("unique_id,ds,y\n")
    for s in range(args.series):
        level, amplitude = random.uniform(10, 1000), random.uniform(0, 0.3)
        noise, phase = random.uniform(0.01, 0.1), random.uniform(0, 12)
        f.write("".join("S%d,%d,%.2f\n" % (s, t + 1, level * (1 + amplitude * math.sin((t + phase) * math.pi / 6)
                                                             + noise * random.uniform(-1, 1)))
                        for t in range(args.length)))
