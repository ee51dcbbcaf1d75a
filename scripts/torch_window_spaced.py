#!/usr/bin/env python3
"""PyTorch's side of `forecast-bench window --interval-ms N`: one window of the tutorial's model
(nn.LSTM(1, hidden, layers) and nn.Linear on the last step) predicted after sleeping N ms, --calls
times, with torch.no_grad(), on 2 threads as torch_lstm_bench.py runs it. Prints one JSON line with
the median, 90th and 99th percentile and largest latency in microseconds, the first 20 calls left out.

Usage: python3 scripts/torch_window_spaced.py --interval-ms 20 --calls 520
"""
import argparse
import json
import time

import torch
import torch.nn as nn

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--interval-ms', type=float, required=True, help='milliseconds to sleep before each call')
p.add_argument('--calls', type=int, default=520, help='calls, the first 20 not counted')
p.add_argument('--hidden', type=int, default=64)
p.add_argument('--layers', type=int, default=2)
p.add_argument('--lookback', type=int, default=48)
p.add_argument('--threads', type=int, default=2)
a = p.parse_args()
if a.calls <= 20 or a.interval_ms <= 0:
    p.error('--calls must be more than 20 and --interval-ms more than 0')
torch.manual_seed(0)
torch.set_num_threads(a.threads)


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, a.hidden, a.layers, batch_first=True)
        self.fc = nn.Linear(a.hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


model = LSTMModel().eval()
window = torch.rand(1, a.lookback, 1) * 2 - 1
latencies = []
with torch.no_grad():
    for call in range(a.calls):
        time.sleep(a.interval_ms / 1000)
        start = time.perf_counter()
        model(window)
        if call >= 20:
            latencies.append((time.perf_counter() - start) * 1e6)
latencies.sort()
n = len(latencies)
print(json.dumps({
    'impl': 'pytorch', 'version': torch.__version__, 'hidden': a.hidden, 'layers': a.layers,
    'lookback': a.lookback, 'threads': a.threads, 'interval_ms': a.interval_ms, 'calls': n,
    'median_us': round(latencies[n // 2], 1), 'p90_us': round(latencies[n * 9 // 10], 1),
    'p99_us': round(latencies[n * 99 // 100], 1), 'max_us': round(latencies[-1], 1),
}))
