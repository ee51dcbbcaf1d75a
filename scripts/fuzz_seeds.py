#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/TARGET/ (run from the repository root).

Seeds are the real data (data/*.csv and the heads of ../shared/data when present), the model files
in the test fixtures, and the malformed cases the tests already feed the parsers: every one-line
Swift string literal in the tests of that parser, with its escapes (\\n, \\r, \\t, \\", \\u{...}) decoded.
"""
import glob, hashlib, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
LIMIT = 4096  # libFuzzer's default -max_len: longer seeds would be cut anyway

def put(target, data, prefix=""):
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data[:LIMIT]
    folder = os.path.join("fuzz", "corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = prefix + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

def literals(paths):
    """One-line Swift string literals, escapes decoded."""
    found = []
    for path in paths:
        text = open(path, encoding="utf-8").read()
        for match in re.finditer(r'(?<![#\\])"((?:[^"\\\n]|\\.)*)"', text):
            raw = match.group(1)
            def unescape(m):
                e = m.group(1)
                if e.startswith("u{"):
                    return chr(int(e[2:-1], 16))
                return {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "0": "\0", "'": "'"}.get(e, e)
            if "\\(" in raw:
                continue  # interpolation: not a literal input
            found.append(re.sub(r'\\(u\{[0-9a-fA-F]+\}|.)', unescape, raw))
    return found

csv_files = sorted(glob.glob("data/*.csv"))
shared = os.path.join(root, "..", "shared", "data")
csv_files += sorted(glob.glob(os.path.join(shared, "**", "*.csv"), recursive=True))
for path in csv_files:
    data = open(path, "rb").read()
    # Whole lines only, so the head of a large file is still a valid CSV.
    head = data[:LIMIT]
    if len(data) > LIMIT and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]
    for target, first in (("csv", b"\x07"), ("series", b"\x00")):
        put(target, first + head, "data-")

csv_tests = glob.glob("Tests/ForecastDataTests/*.swift")
for text in literals(csv_tests):
    if "\n" in text or "," in text or ";" in text:
        put("csv", "\x00" + text, "test-")
        put("csv", "\x00" + text, "test-")
        put("series", "\x00" + text, "test-")
        put("series", "\x03" + text, "test-")

for text in literals(["Tests/ForecastDataTests/TimestampTests.swift", "Tests/ForecastDataTests/FrequencyTests.swift"]):
    if re.match(r"^[-+0-9]", text):
        put("timestamp", text, "test-")

for path in glob.glob("Tests/**/*.safetensors", recursive=True):
    put("safetensors", open(path, "rb").read(), "fixture-")
for path in glob.glob("Tests/**/config.json", recursive=True):
    put("config", open(path, "rb").read(), "fixture-")
for text in literals(["Tests/ForecastTests/ForecastModelTests.swift"]):
    if text.lstrip().startswith("{"):
        put("config", text, "test-")

for target in sorted(os.listdir("fuzz/corpus")):
    print(target, len(os.listdir(os.path.join("fuzz/corpus", target))), "seeds", file=sys.stderr)
