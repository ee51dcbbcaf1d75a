"""Spark in local mode (local[2]) against the binary alone, on M4 hourly series.

Run by scripts/spark_test.sh, which makes the virtual environment and the static binary:

    FORECAST_BINARY=.build-static/release/forecast python3 -m unittest integrations/spark/test_spark_forecast.py
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

sys.path.insert(0, os.path.dirname(__file__))
import spark_forecast  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED_HOURLY = os.path.join(ROOT, "..", "shared", "data", "m4", "m4_hourly_train.csv")
BUNDLED_HOURLY = os.path.join(ROOT, "data", "m4_hourly_20.csv")
SERIES = 60  # of the 414 M4 hourly series, for speed


def run_binary(*arguments: str, stdin: str | None = None) -> str:
    process = subprocess.run([BINARY, *arguments], input=stdin, capture_output=True, text=True)
    if process.returncode != 0:
        raise AssertionError(f"forecast {' '.join(arguments)} failed: {process.stderr}")
    return process.stdout


def rows_of(text: str) -> list[tuple[str, ...]]:
    return [tuple(row) for row in csv.reader(io.StringIO(text))][1:]


def read_csv_folder(folder: str) -> tuple[list[str], list[tuple[str, ...]]]:
    header, rows = [], []
    for name in sorted(os.listdir(folder)):
        if name.startswith("part-") and name.endswith(".csv"):
            lines = [tuple(row) for row in csv.reader(open(os.path.join(folder, name)))]
            if lines:
                header = list(lines[0])
                rows += lines[1:]
    return header, rows


BINARY = os.environ.get("FORECAST_BINARY", os.path.join(ROOT, ".build", "release", "forecast"))


class SparkForecastTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # py4j leaves sockets to the garbage collector; their warnings are not the command's output.
        warnings.simplefilter("ignore", ResourceWarning)
        cls.folder = tempfile.mkdtemp(prefix="spark-forecast-test-")
        # The first SERIES series of M4 hourly (../shared), or the 20 bundled with the repository.
        source = SHARED_HOURLY if os.path.exists(SHARED_HOURLY) else BUNDLED_HOURLY
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
        keep = list(dict.fromkeys(table["unique_id"]))[:SERIES]
        cls.table = table[table["unique_id"].isin(keep)]
        cls.ids = keep
        cls.data = os.path.join(cls.folder, "hourly.csv")
        cls.table.to_csv(cls.data, index=False)
        cls.model = os.path.join(cls.folder, "model")
        run_binary("train", "--data", cls.data, "--horizon", "48", "--season", "24", "--max-steps", "30",
                   "--hidden-size", "16", "--layers", "1", "--output", cls.model, "--quiet")
        cls.spark = (SparkSession.builder.master("local[2]").appName("spark_forecast tests")
                     .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
        cls.spark.sparkContext.setLogLevel("ERROR")

    @classmethod
    def tearDownClass(cls):
        cls.spark.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def output(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def test_predict_equals_the_binary_on_the_whole_file_row_for_row(self):
        expected = rows_of(run_binary("predict", "--model", self.model, "--data", self.data, "--output", "-"))
        out = self.output("forecasts")
        code = spark_forecast.main(["predict", "--model", self.model, "--input", self.data, "--output", out,
                                    "--buckets", "7", "--binary", BINARY, "--master", "local[2]"])
        self.assertEqual(code, 0)
        self.assertTrue(os.path.exists(os.path.join(out, "_SUCCESS")))
        header, rows = read_csv_folder(out)
        self.assertEqual(header, ["unique_id", "ds", "forecast"])
        self.assertEqual(sorted(rows), sorted(expected))
        # Every series exactly once, with its 48 steps.
        counts = pd.Series([row[0] for row in rows]).value_counts()
        self.assertEqual(sorted(counts.index), sorted(self.ids))
        self.assertTrue((counts == 48).all())

    def test_parquet_in_and_out_with_the_installed_binary(self):
        parquet_in = self.output("hourly.parquet")
        self.spark.read.option("header", True).csv(self.data).write.parquet(parquet_in)
        out = self.output("forecasts.parquet")
        code = spark_forecast.main(["predict", "--model", self.model, "--input", parquet_in, "--output", out,
                                    "--buckets", "3", "--binary", BINARY, "--installed", "--master", "local[2]"])
        self.assertEqual(code, 0)
        got = pd.read_parquet(out).sort_values(["unique_id", "ds"], key=lambda c: c if c.name == "unique_id" else c.astype(int))
        expected = pd.read_csv(io.StringIO(run_binary("predict", "--model", self.model, "--data", self.data, "--output", "-")),
                               dtype={"unique_id": str, "ds": str})
        expected = expected.sort_values(["unique_id", "ds"], key=lambda c: c if c.name == "unique_id" else c.astype(int))
        self.assertEqual(list(got.columns), ["unique_id", "ds", "forecast"])
        self.assertEqual(len(got), len(expected))
        self.assertTrue((got["forecast"].to_numpy() == expected["forecast"].to_numpy()).all())

    def test_levels_give_the_binary_s_interval_columns(self):
        expected = run_binary("predict", "--model", self.model, "--data", self.data, "--output", "-", "--level", "80,95")
        out = self.output("forecasts-levels")
        code = spark_forecast.main(["predict", "--model", self.model, "--input", self.data, "--output", out,
                                    "--buckets", "3", "--level", "80,95", "--binary", BINARY, "--master", "local[2]"])
        self.assertEqual(code, 0)
        header, rows = read_csv_folder(out)
        self.assertEqual(header, ["unique_id", "ds", "forecast", "lo-80", "hi-80", "lo-95", "hi-95"])
        self.assertEqual(sorted(rows), sorted(rows_of(expected)))

    def test_a_series_never_spans_buckets(self):
        frame = self.spark.read.option("header", True).csv(self.data)
        for buckets in (1, 2, 5, 13):
            per_series = (frame.withColumn("b", spark_forecast.bucket_of("unique_id", buckets))
                          .groupBy("unique_id").agg(F.countDistinct("b").alias("buckets"), F.count(F.lit(1)).alias("rows")))
            self.assertEqual(per_series.where(F.col("buckets") != 1).count(), 0)
            self.assertEqual(per_series.count(), len(self.ids))
        # And each task sees whole series: the rows a task receives per id equal the file's.
        seen = []

        def record(rows: pd.DataFrame) -> pd.DataFrame:
            return rows.groupby("unique_id").size().reset_index(name="rows").astype(str)

        got = (frame.withColumn("b", spark_forecast.bucket_of("unique_id", 4)).groupBy("b")
               .applyInPandas(record, schema="unique_id string, rows string").toPandas())
        seen = dict(zip(got["unique_id"], got["rows"].astype(int)))
        self.assertEqual(len(got), len(self.ids))  # each id reported by one task only
        self.assertEqual(seen, self.table.groupby("unique_id").size().to_dict())

    def test_a_bad_row_fails_the_job_naming_its_series_and_writes_nothing(self):
        bad = self.table.copy()
        victim = self.ids[7]
        row = bad.index[bad["unique_id"] == victim][10]
        bad.loc[row, "y"] = "12x"
        path = self.output("bad.csv")
        bad.to_csv(path, index=False)
        out = self.output("bad-forecasts")
        error = io.StringIO()
        stderr, sys.stderr = sys.stderr, error
        try:
            code = spark_forecast.main(["predict", "--model", self.model, "--input", path, "--output", out,
                                        "--buckets", "4", "--binary", BINARY, "--master", "local[2]"])
        finally:
            sys.stderr = stderr
        message = error.getvalue()
        self.assertEqual(code, 1)
        self.assertIn(f"series '{victim}'", message)
        self.assertIn("'12x' in column 'y' is not a number", message)
        self.assertEqual(message.count("\n"), 1, message)
        self.assertFalse(os.path.exists(out))

    def test_a_binary_failure_carries_its_stderr(self):
        broken = self.output("broken-model")
        shutil.copytree(self.model, broken)
        with open(os.path.join(broken, "config.json"), "w") as config:
            config.write("{ not json")
        job = spark_forecast.ForecastJob(model=broken, binary=BINARY, buckets=2)
        with self.assertRaises(spark_forecast.ForecastTaskError) as caught:
            job.predict(self.spark.read.option("header", True).csv(self.data)).collect()
        self.assertIn("config.json", str(caught.exception))

    def test_a_task_failure_surfaces_in_spark_with_the_binary_message(self):
        # A series that only fails inside a task (not the driver's first-series check): a missing
        # value in a model trained with --missing error semantics is not needed; an empty target is.
        bad = self.table.copy()
        victim = self.ids[-1]
        bad.loc[bad["unique_id"] == victim, "y"] = ""
        job = spark_forecast.ForecastJob(model=self.model, binary=BINARY, buckets=3)
        frame = self.spark.createDataFrame(bad)
        with self.assertRaises(Exception) as caught:
            job.predict(frame).collect()
        self.assertIn(f"series '{victim}' has no values in column 'y'", spark_forecast.task_message(caught.exception))

    def test_backtest_equals_the_binary_per_series(self):
        expected_path = self.output("per-series.csv")
        run_binary("evaluate", "--model", self.model, "--data", self.data, "--per-series", expected_path, "--json")
        expected = rows_of(open(expected_path).read())
        out = self.output("scores")
        code = spark_forecast.main(["backtest", "--model", self.model, "--input", self.data, "--output", out,
                                    "--buckets", "5", "--binary", BINARY, "--master", "local[2]"])
        self.assertEqual(code, 0)
        header, rows = read_csv_folder(out)
        self.assertEqual(header[:4], ["unique_id", "origins", "points", "model_mae"])
        self.assertEqual(sorted(rows), sorted(expected))


if __name__ == "__main__":
    unittest.main()
