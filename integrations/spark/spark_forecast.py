#!/usr/bin/env python3
"""Forecast and score a long table of many series on Apache Spark with the `forecast` binary.

Training stays on one machine (`forecast train`, one global model); this module takes that model to
the data, wherever Spark runs. The table is split into buckets by a hash of the series id, so every
series arrives whole in exactly one task, and a task starts the native binary once for all the
series of its bucket (as mlforecast's "coarse" partitioning does): the bucket's rows go to the
binary's standard input as CSV (`--data -`) and its forecasts come back on standard output
(`--output -`).

    python3 spark_forecast.py predict  --model DIR --input PATH --output PATH [--id COL] [--time COL]
                                       [--target COL] [--level 80,95] [--buckets N]
    python3 spark_forecast.py backtest --model DIR --input PATH --output PATH [... same ...]

From Python:

    from spark_forecast import ForecastJob
    job = ForecastJob(model="m4-model", binary="/opt/forecast/bin/forecast")
    forecasts = job.predict(spark.read.parquet("s3://bucket/sales/"), id_column="unique_id")

How the binary and the model reach the executors: by default they are shipped with the job
(`SparkContext.addFile`, the model directory recursively) and found on each executor with
`SparkFiles.get`; with `--installed`, the paths given are used as they are on every executor (an
image or a shared mount that holds them). The binary must run where the executors run: build it
with `swift build -c release --static-swift-stdlib --product forecast` so that it needs no Swift
toolchain there (see integrations/spark/README.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Iterable, Optional

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.csv as pa_csv
from pyspark import SparkFiles
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

BUCKET_COLUMN = "__forecast_bucket"
ID_NAMES = ("unique_id", "series_id", "series", "id")


class ForecastTaskError(RuntimeError):
    """The binary refused a bucket: its message, with the series a bad row belongs to."""


def bucket_of(id_column: str, buckets: int):
    """The bucket of each row: a hash of its series id modulo `buckets` (Spark's Murmur3 `hash`).

    A function of the id alone, so all rows of a series share a bucket, whatever partition they
    come from: a series cannot be split across tasks.
    """
    return F.pmod(F.hash(F.col(id_column).cast("string")), F.lit(buckets))


def detect_id_column(columns: Iterable[str], given: Optional[str]) -> str:
    """The id column: `given`, else the first column named as `forecast` detects one."""
    columns = list(columns)
    if given is not None:
        if given not in columns:
            raise ValueError(f"no id column '{given}'; the columns are {', '.join(columns)}")
        return given
    for name in ID_NAMES:
        for column in columns:
            if column.lower() == name:
                return column
    raise ValueError(f"no id column (named {', '.join(ID_NAMES)}); name it with --id; the columns are {', '.join(columns)}")


def explain_failure(stderr: str, rows: pa.Table, id_column: str, returncode: int) -> str:
    """The binary's error, naming the series of the line it reports (the bucket's CSV starts with a
    header line, so its line n is row n − 2)."""
    message = stderr.strip().splitlines()[-1] if stderr.strip() else f"exited with status {returncode} and no message"
    match = re.search(r", line (\d+)", message)
    if match:
        row = int(match.group(1)) - 2
        if 0 <= row < rows.num_rows:
            return f"series '{rows.column(id_column)[row].as_py()}': {message} (exit {returncode})"
    return f"{message} (exit {returncode})"


@dataclass
class ForecastJob:
    """What every task needs: the binary, the model, and the options passed to the binary.

    `installed` says that `binary` and `model` are paths valid on every executor; otherwise they
    are shipped with the job (`addFile`) and found there with `SparkFiles.get`.
    """

    model: str
    binary: str = "forecast"
    installed: bool = False
    buckets: Optional[int] = None
    extra_arguments: list[str] = field(default_factory=list)
    #: How many of the first rows the driver reads to run the binary once before the job.
    sample_rows: int = 5_000

    # -- the two jobs --------------------------------------------------------------------------

    def predict(self, data: DataFrame, id_column: Optional[str] = None, time_column: Optional[str] = None,
                target_column: Optional[str] = None, levels: Optional[str] = None) -> DataFrame:
        """The forecasts of every series, as `forecast predict` writes them (one row per series and
        step; the id, the time and `forecast` columns, text exactly as the binary printed it)."""
        arguments = ["predict", "--output", "-"] + self._column_arguments(id_column, time_column, target_column)
        if levels:
            arguments += ["--level", levels]
        return self._run(data, arguments, id_column, output_flag=None)

    def backtest(self, data: DataFrame, id_column: Optional[str] = None, time_column: Optional[str] = None,
                 target_column: Optional[str] = None, test_size: Optional[str] = None,
                 season: Optional[int] = None, levels: Optional[str] = None) -> DataFrame:
        """Each series' figures (model and baselines; with `levels`, each interval's coverage and
        MSIS too) from `forecast evaluate --per-series`: the model forecasts the last points of
        each series from the real history before them."""
        arguments = ["evaluate", "--json"] + self._column_arguments(id_column, time_column, target_column)
        if levels:
            arguments += ["--level", levels]
        if test_size:
            arguments += ["--test-size", test_size]
        if season:
            arguments += ["--season", str(season)]
        return self._run(data, arguments, id_column, output_flag="--per-series")

    # -- how a job runs ------------------------------------------------------------------------

    def _column_arguments(self, id_column, time_column, target_column) -> list[str]:
        arguments = []
        for flag, value in (("--time", time_column), ("--target", target_column)):
            if value:
                arguments += [flag, value]
        return arguments + list(self.extra_arguments)

    def _run(self, data: DataFrame, arguments: list[str], id_column: Optional[str], output_flag: Optional[str]) -> DataFrame:
        spark = data.sparkSession
        id_column = detect_id_column(data.columns, id_column)
        arguments = arguments + ["--id", id_column]
        # Every column as text: the binary reads exactly what the file holds.
        text = data.select([F.col(c).cast("string").alias(c) for c in data.columns])
        local = _BucketRunner(binary=self._local_binary(), model=self.model, arguments=arguments, id_column=id_column,
                              output_flag=output_flag, columns=list(data.columns), shipped=False)
        schema = self._output_schema(text, local, id_column)
        binary, model = self._paths(spark)
        # The tasks unpickle the runner by this module's name: ship the module with the job.
        spark.sparkContext.addPyFile(os.path.abspath(__file__))
        runner = _BucketRunner(binary=binary, model=model, arguments=arguments, id_column=id_column,
                               output_flag=output_flag, columns=list(data.columns), shipped=not self.installed)
        buckets = self.buckets or max(2 * spark.sparkContext.defaultParallelism, 1)
        spark.conf.set("spark.sql.shuffle.partitions", str(buckets))

        def run_bucket(rows: pa.Table) -> pa.Table:  # a plain function: Spark reads its arity
            return runner(rows)

        # Arrow tables in and out: the cells go from Spark to the binary's CSV without becoming
        # Python objects.
        return (text.withColumn(BUCKET_COLUMN, bucket_of(id_column, buckets))
                .groupBy(BUCKET_COLUMN)
                .applyInArrow(run_bucket, schema=schema))

    def _local_binary(self) -> str:
        """The binary on the driver."""
        binary = shutil.which(self.binary) or self.binary
        if not os.path.isfile(binary):
            raise FileNotFoundError(f"{self.binary}: no such binary (build it with swift build -c release --static-swift-stdlib)")
        return binary

    def _paths(self, spark: SparkSession) -> tuple[str, str]:
        """The binary and the model as tasks will name them: shipped with the job, or installed."""
        if self.installed:
            return self.binary, self.model
        binary = self._local_binary()
        if not os.path.isdir(self.model):
            raise FileNotFoundError(f"{self.model}: no such model directory")
        context = spark.sparkContext
        context.addFile(os.path.abspath(binary))
        context.addFile(os.path.abspath(self.model), recursive=True)
        return os.path.basename(binary), os.path.basename(os.path.normpath(self.model))

    def _output_schema(self, text: DataFrame, runner: "_BucketRunner", id_column: str) -> StructType:
        """The columns the binary writes, learnt by running it on the driver on the first series
        (which also checks the binary and the model before any task starts; a model directory that
        does not load fails here, with the binary's message)."""
        # The first rows, not a scan of the whole table: a long table is usually grouped by series, and
        # a model of many series forecasts even a series cut short.
        head = text.limit(self.sample_rows).toArrow()
        ids = [value for value in head.column(id_column).to_pylist() if value is not None]
        if not ids:
            raise ValueError("the input has no rows with a series id")
        result = runner(head.filter(pa.compute.equal(head.column(id_column), ids[0])))
        return StructType([StructField(name, StringType()) for name in result.column_names])


@dataclass
class _BucketRunner:
    """Runs the binary on one bucket's rows (a pandas frame) and returns its table, as text."""

    binary: str
    model: str
    arguments: list[str]
    id_column: str
    output_flag: Optional[str]
    columns: list[str]
    shipped: bool

    def __call__(self, rows: pa.Table) -> pa.Table:
        rows = rows.select(self.columns)
        binary, model = self._resolve()
        with tempfile.TemporaryDirectory(prefix="spark-forecast-") as folder:
            command = [binary] + self.arguments[:1] + ["--model", model, "--data", "-"] + self.arguments[1:]
            result_path = None
            if self.output_flag:
                result_path = os.path.join(folder, "result.csv")
                command += [self.output_flag, result_path]
            process = subprocess.run(command, input=to_csv_bytes(rows), capture_output=True)
            if process.returncode != 0:
                stderr = process.stderr.decode("utf-8", errors="replace")
                raise ForecastTaskError(explain_failure(stderr, rows, self.id_column, process.returncode))
            output = open(result_path, "rb").read() if result_path else process.stdout
        return from_csv_bytes(output)

    def _resolve(self) -> tuple[str, str]:
        if not self.shipped:
            return self.binary, self.model
        binary = SparkFiles.get(self.binary)
        mode = os.stat(binary).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(binary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return binary, SparkFiles.get(self.model)


def to_csv_bytes(rows: pa.Table) -> bytes:
    """The rows as CSV with a header, every cell as text (empty for a missing one), by Arrow's
    CSV writer."""
    table = rows.cast(pa.schema([pa.field(name, pa.string()) for name in rows.column_names]))
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink)
    return sink.getvalue().to_pybytes()


def from_csv_bytes(data: bytes) -> pa.Table:
    """A CSV table with a header, every column as text exactly as written."""
    if not data.strip():
        return pa.table({})
    names = next(csv.reader(io.StringIO(data.split(b"\n", 1)[0].decode("utf-8"))))
    table = pa_csv.read_csv(pa.py_buffer(data),
                            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in names},
                                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    return table


# -- the command ---------------------------------------------------------------------------------

def read_table(spark: SparkSession, path: str) -> DataFrame:
    """A CSV file or folder with a header (every column as text), or Parquet (by its extension or
    a folder of .parquet files)."""
    if is_parquet(path):
        return spark.read.parquet(path)
    return spark.read.option("header", True).option("inferSchema", False).option("mode", "FAILFAST").csv(path)


def is_parquet(path: str) -> bool:
    if path.endswith(".parquet"):
        return True
    return os.path.isdir(path) and any(name.endswith(".parquet") for name in os.listdir(path))


def write_table(table: DataFrame, path: str, parquet: bool) -> None:
    """Writes through Spark's commit protocol: the folder is complete (with `_SUCCESS`) or, when
    the job fails, not there at all."""
    existed = os.path.exists(path)
    try:
        if parquet:
            numeric = [c for c in table.columns if c == "forecast" or c.startswith(("lo-", "hi-", "model_")) or c.endswith(("_smape", "_mase"))]
            table = table.select([F.col(c).cast("double").alias(c) if c in numeric else F.col(c) for c in table.columns])
            table.write.mode("errorifexists").parquet(path)
        else:
            table.write.mode("errorifexists").option("header", True).csv(path)
    except Exception:
        if not existed and os.path.isdir(path) and not os.path.exists(os.path.join(path, "_SUCCESS")):
            shutil.rmtree(path, ignore_errors=True)
        raise


def task_message(error: Exception) -> str:
    """The one line that says what went wrong, out of a Spark exception's text."""
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "ForecastTaskError:" in line:
            return line.split("ForecastTaskError:", 1)[1].strip()
    # A Python worker's traceback ends with the exception's own line; a JVM error starts with it.
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception): ", line):
            return line
    return lines[0] if lines else type(error).__name__


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spark_forecast.py",
        description="Forecast or score a long table of many series on Spark with the forecast binary.",
        epilog="examples:\n"
               "  spark-submit spark_forecast.py predict --model m4-model --input m4.csv --output forecasts --buckets 64\n"
               "  python3 spark_forecast.py backtest --model m4-model --input m4.parquet --output scores.parquet\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", choices=["predict", "backtest"], help="predict: forecasts; backtest: each series' figures and their means")
    parser.add_argument("--model", required=True, help="the model directory written by `forecast train`")
    parser.add_argument("--input", required=True, help="a long table: CSV with a header, or Parquet")
    parser.add_argument("--output", required=True, help="the output folder (Parquet when it ends in .parquet, else CSV with a header)")
    parser.add_argument("--id", help="the series id column (default: unique_id, series_id, series or id)")
    parser.add_argument("--time", help="the time column (default: detected by the binary)")
    parser.add_argument("--target", help="the column to forecast (default: the only numeric column)")
    parser.add_argument("--level", help="prediction interval levels, e.g. 80,95: bounds (predict) or their coverage (backtest)")
    parser.add_argument("--test-size", help="backtest: the points scored at the end of each series (default: the model's)")
    parser.add_argument("--season", type=int, help="backtest: the seasonal period of MASE (default: from the frequency)")
    parser.add_argument("--buckets", type=int, help="hash buckets of series, one binary run each (default: 2 per core)")
    parser.add_argument("--binary", default=None, help="the forecast binary (default: forecast on PATH, or .build/release/forecast)")
    parser.add_argument("--installed", action="store_true", help="--binary and --model are paths on every executor: do not ship them")
    parser.add_argument("--master", default=None, help="the Spark master when not run by spark-submit (default: local[*])")
    args = parser.parse_args(argv)
    if args.buckets is not None and args.buckets < 1:
        parser.error("--buckets must be at least 1")

    binary = args.binary or shutil.which("forecast") or os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "forecast")
    # Local workers run the interpreter running this command (with its PySpark, pandas and Arrow)
    # unless told otherwise; a cluster's come from its own configuration.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    existing = SparkSession.getActiveSession()
    builder = SparkSession.builder.appName(f"forecast {args.job}").config("spark.ui.showConsoleProgress", "false")
    if args.master or "SPARK_HOME" not in os.environ:
        builder = builder.master(args.master or "local[*]")
    spark = builder.getOrCreate()
    # Spark's own log would repeat a failing task's error many times over; the command says it once.
    spark.sparkContext.setLogLevel("OFF")
    job = ForecastJob(model=args.model, binary=binary, installed=args.installed, buckets=args.buckets)
    try:
        data = read_table(spark, args.input)
        if args.job == "predict":
            result = job.predict(data, args.id, args.time, args.target, args.level)
        else:
            result = job.backtest(data, args.id, args.time, args.target, args.test_size, args.season, args.level)
        write_table(result, args.output, parquet=args.output.endswith(".parquet"))
        if args.job == "backtest":
            scores = spark.read.parquet(args.output) if args.output.endswith(".parquet") else \
                spark.read.option("header", True).csv(args.output)
            print_means(scores)
    except Exception as error:  # one line on stderr, never a stack trace
        print(f"spark_forecast.py: {args.input}: {task_message(error)}", file=sys.stderr)
        return 1
    finally:
        if existing is None:
            spark.stop()
    return 0


def print_means(scores: DataFrame) -> None:
    """The mean of every figure over series, as `forecast evaluate` prints them."""
    metrics = [c for c in scores.columns if c.startswith("model_") or c.endswith(("_smape", "_mase"))]
    row = scores.select([F.mean(F.col(c).cast("double")).alias(c) for c in metrics] + [F.count(F.lit(1)).alias("series")]).first()
    print(f"{row['series']} series; means over series:")
    for metric in metrics:
        print(f"  {metric:<24} {row[metric]:.4f}")


if __name__ == "__main__":
    sys.exit(main())
