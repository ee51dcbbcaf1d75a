#!/usr/bin/env python3
"""Writes data/promotions.csv and data/promotions_plan.csv: a small SYNTHETIC panel for trying
future-known and static covariates (README, "What the future holds").

Four stores, daily sales from 2023-01-02 (a Monday) for 364 days. A store sells its type's level
(a mall more than a street shop) plus a weekly pattern (weekends higher) plus a lift on the days
of a planned promotion (about one day in six, drawn in advance), plus noise. The plan file holds
the promotions of the 14 days after the data. Everything is drawn from a fixed seed, so running
this script again writes the same bytes.

    python3 scripts/make_promotions.py
"""
import csv
import datetime
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORES = [("S1", "mall", 120.0), ("S2", "street", 60.0), ("S3", "mall", 100.0), ("S4", "street", 45.0)]
DAYS, PLAN_DAYS, LIFT = 364, 14, 0.35
WEEKLY = [0.00, -0.05, -0.03, 0.02, 0.10, 0.35, 0.25]  # Monday … Sunday, relative to the level
START = datetime.date(2023, 1, 2)


def main() -> None:
    rng = random.Random(12)
    rows, plan = [], []
    for store, kind, level in STORES:
        for t in range(DAYS + PLAN_DAYS):
            day = START + datetime.timedelta(days=t)
            promo = 1 if rng.random() < 1 / 6 else 0
            if t >= DAYS:
                plan.append((store, day.isoformat(), promo))
                continue
            trend = 1 + 0.10 * t / DAYS
            sales = level * trend * (1 + WEEKLY[day.weekday()] + LIFT * promo) + rng.gauss(0, 0.04 * level)
            rows.append((store, day.isoformat(), f"{sales:.1f}", promo, kind))
    with open(ROOT / "data" / "promotions.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["store", "date", "sales", "promo", "type"])
        writer.writerows(rows)
    with open(ROOT / "data" / "promotions_plan.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["store", "date", "promo"])
        writer.writerows(plan)


if __name__ == "__main__":
    main()
