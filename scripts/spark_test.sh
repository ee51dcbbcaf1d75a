#!/usr/bin/env bash
# The Spark integration's test (integrations/spark): Spark in local mode against the binary alone.
#
# Needs Java 17 or later (PySpark 4); without Java it says so and skips. Makes a virtual environment
# in .build-spark/venv with integrations/spark/requirements.txt, builds the `forecast` binary with
# the Swift standard library linked in (--static-swift-stdlib, as executors without a Swift toolchain
# need it) in .build-static, checks that it links no Swift library dynamically, and runs the tests
# with that binary. About 10 minutes on 2 cores, most of it the static build and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1; then
    echo "spark_test.sh: skipped: no Java on this machine (PySpark 4 needs Java 17 or later)"
    exit 0
fi
java -version 2>&1 | head -1

venv=.build-spark/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r integrations/spark/requirements.txt
"$venv/bin/python" -c "import pyspark; print('pyspark', pyspark.__version__)"

swift build -c release --static-swift-stdlib --product forecast --scratch-path .build-static
binary=.build-static/release/forecast
if ldd "$binary" | grep -q "libswift\|libFoundation"; then
    echo "spark_test.sh: $binary still links the Swift runtime dynamically:" >&2
    ldd "$binary" >&2
    exit 1
fi
echo "static binary: $(du -h "$binary" | cut -f1), dynamic libraries: $(ldd "$binary" | awk '{print $1}' | tr '\n' ' ')"

# The tests run in a folder of their own, with Spark's Python workers on the same interpreter.
export PYSPARK_PYTHON="$PWD/$venv/bin/python" PYSPARK_DRIVER_PYTHON="$PWD/$venv/bin/python"
FORECAST_BINARY="$PWD/$binary" "$venv/bin/python" integrations/spark/test_spark_forecast.py -v
