"""Times forecasting a long table through Spark (local mode) for docs/scale.md.

    python3 integrations/spark/bench_spark.py --input p100k.csv --model m12 --binary .build-static/release/forecast

Prints the session's start, the whole job (read, shuffle into buckets, the binary on each bucket,
write as CSV), and apart from it: scanning the input, and the shuffle with the transfer of each
bucket to Python as Arrow (without the binary).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyarrow as pa  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

import spark_forecast as sf  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--input", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--binary", required=True)
parser.add_argument("--buckets", type=int, default=4)
parser.add_argument("--master", default="local[2]")
args = parser.parse_args()

start = time.time()
spark = (SparkSession.builder.master(args.master).config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "4g").getOrCreate())
spark.sparkContext.setLogLevel("OFF")
print(f"session start: {time.time() - start:.1f} s")

output = os.path.join(tempfile.mkdtemp(prefix="bench-spark-"), "forecasts")
start = time.time()
job = sf.ForecastJob(model=args.model, binary=args.binary, buckets=args.buckets)
sf.write_table(job.predict(sf.read_table(spark, args.input)), output, parquet=False)
seconds = time.time() - start
rows = spark.read.option("header", True).csv(output).count()
print(f"job: {seconds:.1f} s, {rows} forecast rows")
shutil.rmtree(os.path.dirname(output), ignore_errors=True)

table = sf.read_table(spark, args.input)
start = time.time()
count = table.count()
print(f"scan: {time.time() - start:.1f} s, {count} rows")


def rows_only(bucket: pa.Table) -> pa.Table:
    return pa.table({"rows": [str(bucket.num_rows)]})


id_column = sf.detect_id_column(table.columns, None)
start = time.time()
(table.withColumn(sf.BUCKET_COLUMN, sf.bucket_of(id_column, args.buckets)).groupBy(sf.BUCKET_COLUMN)
 .applyInArrow(rows_only, schema="rows string").collect())
print(f"shuffle into {args.buckets} buckets and transfer as Arrow: {time.time() - start:.1f} s")
spark.stop()
