#!/usr/bin/env python3
"""Peer benchmark: PyTorch nn.LSTM (or nn.GRU, --cell gru) + Linear (the seed tutorial's model) on the CPU.

A copy of ../shared/bench/torch_lstm_bench.py with a --cell option; with --cell lstm it runs exactly
the original workload. `forecast-bench speed --cell gru` runs the same one on the Swift engine.

Prints one JSON line with training throughput (windows/s, forward+backward+Adam), single-window
predict latency (us) and batch predict throughput (windows/s), for the same workload the project's
own benchmark runs, so the two can be compared as a ratio in one session.

Needs torch (pip install torch); it is not part of the project and not needed by CI.
Example: python3 scripts/torch_lstm_bench.py --cell gru --hidden 64 --layers 2 --lookback 48 --batch 64 --threads 2
"""
import argparse, json, resource, time
import numpy as np, torch, torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument('--cell', choices=['lstm', 'gru'], default='lstm')
p.add_argument('--hidden', type=int, default=64)
p.add_argument('--layers', type=int, default=2)
p.add_argument('--lookback', type=int, default=48)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--windows', type=int, default=20000, help='training windows per epoch')
p.add_argument('--threads', type=int, default=2)
a = p.parse_args()
torch.manual_seed(0); torch.set_num_threads(a.threads)

class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = (nn.LSTM if a.cell == 'lstm' else nn.GRU)(1, a.hidden, a.layers, batch_first=True)
        self.fc = nn.Linear(a.hidden, 1)
    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])

n, T, B = a.windows, a.lookback, a.batch
t = np.arange(n + T + 1, dtype=np.float32)
y = (np.sin(t * 2 * np.pi / 24) + 0.5 * np.sin(t * 2 * np.pi / 168)
     + 0.1 * np.random.default_rng(0).standard_normal(len(t))).astype(np.float32)
X = torch.tensor(np.lib.stride_tricks.sliding_window_view(y[:-1], T)[:n].copy()).unsqueeze(-1)
Y = torch.tensor(y[T:T + n].copy()).unsqueeze(-1)
model = LSTMModel(); opt = torch.optim.Adam(model.parameters(), 1e-3); loss_fn = nn.MSELoss()

def epoch():
    perm = torch.randperm(n)
    for i in range(0, n - B + 1, B):
        idx = perm[i:i + B]
        opt.zero_grad(); loss = loss_fn(model(X[idx]), Y[idx]); loss.backward(); opt.step()
    return loss.item()

epoch()
t0 = time.perf_counter(); loss = epoch(); train_s = time.perf_counter() - t0
model.eval()
with torch.no_grad():
    x1 = X[:1]
    for _ in range(50): model(x1)
    k = 1000; t0 = time.perf_counter()
    for _ in range(k): model(x1)
    latency_us = (time.perf_counter() - t0) / k * 1e6
    t0 = time.perf_counter(); model(X); batch_s = time.perf_counter() - t0
gates = 4 if a.cell == 'lstm' else 3
flops_fwd = sum(2 * gates * a.hidden * ((1 if l == 0 else a.hidden) + a.hidden) for l in range(a.layers)) * T
print(json.dumps({
    'impl': 'pytorch', 'cell': a.cell, 'version': torch.__version__, 'hidden': a.hidden, 'layers': a.layers,
    'lookback': T, 'batch': B, 'threads': a.threads,
    'train_windows_per_s': round(n / train_s, 1),
    'train_gflops': round(3 * flops_fwd * n / train_s / 1e9, 2),
    'predict_latency_us': round(latency_us, 1),
    'predict_windows_per_s': round(n / batch_s, 1),
    'final_loss': round(loss, 5),
    'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
