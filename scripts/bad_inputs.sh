#!/usr/bin/env bash
# Feeds the forecast command every kind of bad input we know of and prints a Markdown table of what
# it did: the exit status and the one line on standard error. Fails if any case exits 0, dies on a
# signal or a trap, prints a stack trace, prints more or less than one line, or leaves an output behind.
# (A usage error caught by the argument parser, exit 64, is its one `Error:` line followed by the usage.)
#
#   scripts/bad_inputs.sh [FORECAST]     (default .build/debug/forecast); docs/reliability.md holds its output
set -uo pipefail
cd "$(dirname "$0")/.."
forecast="$(realpath "${1:-.build/debug/forecast}")"
data="$(realpath data/airpassengers.csv)"
promotions="$(realpath data/promotions.csv)"
plan="$(realpath data/promotions_plan.csv)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# A good model to damage, trained quickly.
"$forecast" train --data "$data" --epochs 2 --hidden-size 8 --quiet --output good >/dev/null 2>&1 || { echo "cannot train the reference model" >&2; exit 1; }
model() { rm -rf "$1"; cp -r good "$1"; }
# And one that reads a planned promotion, a store type and the calendar.
"$forecast" train --data "$promotions" --id store --target sales --future-features promo --static-features type --calendar auto \
    --epochs 1 --max-steps 5 --hidden-size 8 --quiet --output promo >/dev/null 2>&1 || { echo "cannot train the covariate model" >&2; exit 1; }

# The files.
printf '' > empty.csv
printf 'month,passengers\n' > header-only.csv
printf 'month,passengers\n1949-01,112\n1949-02,abc\n1949-03,132\n' > not-a-number.csv
printf 'month,passengers\n1949-01,112\n1949-02,"118\n1949-03,132\n' > unclosed-quote.csv
printf 'month,passengers\n1949-01,112\n1949-02,118,7\n' > extra-field.csv
printf 'month,month\n1949-01,112\n' > duplicate-name.csv
printf 'month,passengers\n1949-01,112\n1949-01,118\n' > duplicate-time.csv
printf 'month,passengers\n1949-02,112\n1949-01,118\n' > unordered-time.csv
printf 'time,load\n1012-01-01 10:00,1\n2024-01-01 11:00,2\n2024-01-01 12:00,3\n' > century-gap.csv
printf 'month,passengers\n1949-01,112\n1949-02,inf\n' > infinite.csv
printf 'month,passengers\n1949-01,\n1949-02,NA\n' > no-values.csv
head -c 4096 "$forecast" > binary.csv   # the first 4 KB of an executable
{ printf 'a,b\n1,'; head -c 1073741824 /dev/zero | tr '\0' '7'; printf '\n'; } > one-gigabyte-line.csv
head -c 2097152 /dev/zero | tr '\0' 'h' > two-megabyte-header.csv
mkdir a-directory.csv
printf 'unique_id,ds,y\nA,1,1\nB,1,2\nA,1,3\n' > panel-duplicate.csv
printf 'unique_id,ds,y\nA,1,1\n,2,2\n' > panel-empty-id.csv
printf 'unique_id,ds,y\nA,1,1\nA,2,2\nB,1,\nB,2,NA\n' > panel-empty-series.csv
printf 'id,date,y\nA,2024-01-01,1\nA,2024-01-02,2\nA,2024-01-03,3\nB,2024-01-01,1\nB,2024-02-01,2\nB,2024-03-01,3\n' > panel-frequency.csv
cp "$plan" plan.csv
grep -v '^S4,2024-01-0[3-9]' "$plan" > plan-short.csv
printf 'store,type\nS1,mall\nS2,street\nS3,mall\nS4,kiosk\n' > types-kiosk.csv
sed 's/^S2,2023-03-01,\(.*\),street$/S2,2023-03-01,\1,mall/' "$promotions" > promotions-varying.csv
printf 't,value\n1,5\n2,6\n3,7\n4,8\n5,9\n6,10\n' > steps.csv
model bad-json; printf '{"format_version": 2, "model": ' > bad-json/config.json
model huge-config; sed -i 's/"hidden_size" : 8/"hidden_size" : 1000000000/' huge-config/config.json
model truncated; head -c 100 good/model.safetensors > truncated/model.safetensors
model huge-header; printf '\xff\xff\xff\xff\xff\x00\x00\x00{}' > huge-header/model.safetensors
header='{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}'
model overflow-shape; { printf "\\x$(printf %02x ${#header})\\x00\\x00\\x00\\x00\\x00\\x00\\x00"; printf '%s' "$header"; } > overflow-shape/model.safetensors
model no-weights; rm no-weights/model.safetensors
model big-file; truncate -s 5G big-file/model.safetensors   # sparse: no disk used

cases=(
    "missing file|train --data nowhere.csv --output m"
    "a directory as data|train --data a-directory.csv --output m"
    "empty file|train --data empty.csv --output m"
    "header only|train --data header-only.csv --output m"
    "a cell that is not a number|train --data not-a-number.csv --output m"
    "an unclosed quote|train --data unclosed-quote.csv --output m"
    "a row with an extra field|train --data extra-field.csv --output m"
    "a column name twice|train --data duplicate-name.csv --output m"
    "a timestamp twice|train --data duplicate-time.csv --output m"
    "timestamps out of order|train --data unordered-time.csv --output m"
    "year 1012 for 2024 in an hourly series|train --data century-gap.csv --output m"
    "an infinite value|train --data infinite.csv --output m"
    "a column with no values|train --data no-values.csv --output m"
    "a binary file (4 KB of an executable)|train --data binary.csv --output m"
    "one line of 1 GiB|train --data one-gigabyte-line.csv --output m"
    "a 2 MiB header line, no newline|train --data two-megabyte-header.csv --output m"
    "many series: a (series, time) twice|train --data panel-duplicate.csv --output m"
    "many series: an empty id|train --data panel-empty-id.csv --output m"
    "many series: a series without target values|train --data panel-empty-series.csv --output m"
    "many series: a series of another frequency|train --data panel-frequency.csv --output m"
    "many series: --id names no column|train --data panel-duplicate.csv --id store --output m"
    "an unknown target column|train --data $data --target sales --output m"
    "lookback longer than the series|train --data $data --lookback 500 --output m"
    "learning rate 1e30 (NaN in training)|train --data $data --learning-rate 1e30 --epochs 3 --quiet --output m"
    "model folder missing|predict --model nowhere --data $data"
    "config.json not valid JSON|predict --model bad-json --data $data"
    "config.json: hidden_size 10^9|predict --model huge-config --data $data"
    "model.safetensors truncated|predict --model truncated --data $data"
    "safetensors header length 1 TB|predict --model huge-header --data $data"
    "safetensors shape of 2^62 floats|predict --model overflow-shape --data $data"
    "model.safetensors missing|predict --model no-weights --data $data"
    "model.safetensors of 5 GB|predict --model big-file --data $data"
    "output in a missing folder|predict --model good --data $data --output no/such/folder.csv"
    "output is a directory|predict --model good --data $data --output a-directory.csv"
    "horizon 0|predict --model good --data $data --horizon 0"
    "covariates: no future values given|predict --model promo --data $promotions --id store"
    "covariates: a series lacks a future step|predict --model promo --data $promotions --id store --future plan-short.csv"
    "covariates: a category not seen in training|predict --model promo --data $promotions --id store --future plan.csv --static types-kiosk.csv --static-features type"
    "covariates: a static that varies within a series|train --data promotions-varying.csv --id store --target sales --static-features type --output m"
    "covariates: calendar features on integer time|train --data steps.csv --time t --calendar auto --lookback 2 --horizon 1 --output m"
)

status=0
echo "| bad input | command | exit | standard error |"
echo "| --- | --- | --- | --- |"
for case in "${cases[@]}"; do
    name="${case%%|*}"
    read -r -a args <<< "${case#*|}"
    "$forecast" "${args[@]}" >stdout.txt 2>stderr.txt
    code=$?
    lines=$(wc -l < stderr.txt)
    message=$(head -c 400 stderr.txt | tr -d "\0" | head -n 1 | sed "s|$work/||g; s|$data|data/airpassengers.csv|g; s|$promotions|data/promotions.csv|g; s/|/\\\\|/g")
    shown="${case#*|}"
    shown="${shown//$data/data/airpassengers.csv}"
    shown="${shown//$promotions/data/promotions.csv}"
    problem=""
    (( code == 0 )) && problem="exit 0"
    (( code >= 128 )) && problem="killed by signal $((code - 128))"
    grep -qE "Fatal error|Stack dump|Current stack trace|Illegal instruction|Segmentation" stderr.txt && problem="a trap or stack trace"
    if (( lines != 1 )) && ! (( code == 64 )) || ! head -n 1 stderr.txt | grep -qE '^(error|Error): '; then
        problem="${problem:+$problem; }$lines lines on stderr, the first not an error line"
    fi
    [[ -e m || -e no ]] && problem="${problem:+$problem; }an output was left behind"
    echo "| $name | \`forecast $shown\` | $code | $message |"
    if [[ -n "$problem" ]]; then echo "bad_inputs: '$name': $problem" >&2; status=1; fi
    rm -rf m
done
exit $status
