#!/usr/bin/env python3
"""Generate the PyTorch parity fixtures used by the Swift tests.

Run by hand from anywhere:  python3 scripts/make_parity_fixtures.py

Deterministic: torch.manual_seed(0) before every model initialisation and a
single numpy default_rng(0) stream consumed in a fixed order (A, C, D, E).
All references are computed in float64 from float32-representable inputs and
parameters (models are initialised in float32, then converted with .double()),
so they are the exact answers for the stored float32 values up to the final
rounding to float32 on storage.

Writes (paths relative to the repository root):
  A. Tests/ForecastNNTests/Fixtures/lstm_parity.safetensors   LSTM forward/backward
  G. Tests/ForecastNNTests/Fixtures/gru_parity.safetensors    GRU forward/backward (own rng, seed 12)
  B. Tests/ForecastNNTests/Fixtures/optim_parity.safetensors  Adam/AdamW/SGD/clipping
  C. Tests/ForecastNNTests/Fixtures/loss_parity.safetensors   MSE/MAE/Huber + grads
  D. Tests/ForecastTests/Fixtures/pytorch_export/             model dir via export_pytorch.py
     Tests/ForecastTests/Fixtures/pytorch_export_io.safetensors
  E. Tests/ForecastTests/Fixtures/swift_trained/            a model trained by `forecast train`
     (skipped with --no-swift, or when `swift` is not on PATH; the existing one is kept)
     Tests/ForecastTests/Fixtures/swift_trained_io.safetensors  PyTorch's outputs for it
  H. Tests/ForecastTests/Fixtures/pytorch_export_gru/       a GRUModel exported by export_pytorch.py
     Tests/ForecastTests/Fixtures/pytorch_export_gru_io.safetensors
     Tests/ForecastTests/Fixtures/swift_trained_gru/        a GRU model trained by `forecast train --cell gru`
     Tests/ForecastTests/Fixtures/swift_trained_gru_io.safetensors  PyTorch's outputs for it
  I. Tests/ForecastNNTests/Fixtures/encoder_decoder_parity.safetensors  EncoderDecoderModel
     forward/backward, LSTM and GRU encoders (own rng, seed 13)
  (G, H and I draw from their own generators, so adding them left A-E unchanged.)

  python3 scripts/make_parity_fixtures.py --only I   writes section I alone (the other sections
  share generators, so they are always written together).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

from lstm_model import EncoderDecoderModel, GRUModel, LSTMModel, make_model  # noqa: E402
from safetensors_io import read_safetensors, read_safetensors_with_metadata, write_safetensors  # noqa: E402

ROOT = SCRIPTS.parent
NN_FIXTURES = ROOT / "Tests" / "ForecastNNTests" / "Fixtures"
FORECAST_FIXTURES = ROOT / "Tests" / "ForecastTests" / "Fixtures"
PRODUCER = "swift-forecast scripts/make_parity_fixtures.py"

torch.set_num_threads(1)  # bitwise-reproducible float32 training in section D


# --------------------------------------------------------------------------- helpers

def f32(rng: np.random.Generator, *shape, scale: float = 1.0) -> np.ndarray:
    """Standard normal draws rounded to float32 (optionally scaled in float32)."""
    x = rng.standard_normal(shape).astype(np.float32)
    if scale != 1.0:
        x = (x * np.float32(scale)).astype(np.float32)
    return x


def t64(a: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
    t = torch.from_numpy(np.asarray(a, dtype=np.float32).astype(np.float64))
    return t.requires_grad_(requires_grad)


def out32(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def scalar32(t: torch.Tensor) -> np.ndarray:
    return np.array([t.detach().item()], dtype=np.float32)


def params32(model: nn.Module) -> "OrderedDict[str, np.ndarray]":
    return OrderedDict((k, out32(v)) for k, v in model.state_dict().items())


def save(path: Path, tensors, description: str, extra_meta=None) -> Path:
    meta = {"producer": PRODUCER, "description": description}
    if extra_meta:
        meta.update(extra_meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_safetensors(path, tensors, metadata=meta)
    back, back_meta = read_safetensors_with_metadata(path)
    assert list(back) == list(tensors), f"{path}: tensor order changed on round trip"
    for k, v in tensors.items():
        assert back[k].shape == v.shape and np.array_equal(back[k], v), f"{path}: {k} round trip"
    assert back_meta == meta
    return path


def make_reference_model(input_size, hidden_size, num_layers, output_size) -> LSTMModel:
    torch.manual_seed(0)
    model = LSTMModel(input_size, hidden_size, num_layers, output_size)  # float32 init
    return model.double()


def rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- A

def make_lstm_parity(rng):
    B, T, I, H, L, O = 4, 6, 3, 5, 2, 2
    model = make_reference_model(I, H, L, O)
    params = params32(model)
    names = list(params)
    lstm_names = [n for n in names if n.startswith("lstm.")]

    x_np = f32(rng, B, T, I)
    h0_np = f32(rng, L, B, H, scale=0.5)
    c0_np = f32(rng, L, B, H, scale=0.5)
    target_np = f32(rng, B, O)
    w_np = f32(rng, B, T, H)
    wh_np = f32(rng, L, B, H)
    wc_np = f32(rng, L, B, H)

    out = OrderedDict(params)
    out["input"] = x_np
    out["h0"] = h0_np
    out["c0"] = c0_np
    out["target"] = target_np

    # Forward with explicit state + MSE backward.
    model.zero_grad(set_to_none=True)
    x, h0, c0 = t64(x_np, True), t64(h0_np, True), t64(c0_np, True)
    y, (hn, cn) = model.lstm(x, (h0, c0))
    pred = model.fc(y[:, -1, :])
    assert torch.equal(pred, model(x, (h0, c0)))
    loss = nn.MSELoss()(pred, t64(target_np))
    loss.backward()
    out["lstm.output"] = out32(y)
    out["lstm.h_n"] = out32(hn)
    out["lstm.c_n"] = out32(cn)
    out["prediction"] = out32(pred)

    # Forward with zero state (state=None).
    with torch.no_grad():
        y0, _ = model.lstm(t64(x_np))
        p0 = model.fc(y0[:, -1, :])
        zeros = torch.zeros(L, B, H, dtype=torch.float64)
        y0b, _ = model.lstm(t64(x_np), (zeros, zeros))
        assert torch.equal(y0, y0b)
    out["lstm.output_zero_state"] = out32(y0)
    out["prediction_zero_state"] = out32(p0)

    out["loss.mse"] = scalar32(loss)
    named = dict(model.named_parameters())
    for n in names:
        out[f"grad.{n}"] = out32(named[n].grad)
    out["grad.input"] = out32(x.grad)
    out["grad.h0"] = out32(h0.grad)
    out["grad.c0"] = out32(c0.grad)

    # Second loss through every time step's hidden state and the final (h, c).
    model.zero_grad(set_to_none=True)
    x, h0, c0 = t64(x_np, True), t64(h0_np, True), t64(c0_np, True)
    y, (hn, cn) = model.lstm(x, (h0, c0))
    loss2 = (y * t64(w_np)).sum() + (hn * t64(wh_np)).sum() + (cn * t64(wc_np)).sum()
    loss2.backward()
    out["lstm_output_weights"] = w_np
    out["h_n_weights"] = wh_np
    out["c_n_weights"] = wc_np
    for n in lstm_names:
        out[f"grad2.{n}"] = out32(named[n].grad)
    assert named["fc.weight"].grad is None
    out["grad2.input"] = out32(x.grad)
    out["grad2.h0"] = out32(h0.grad)
    out["grad2.c0"] = out32(c0.grad)

    desc = ("LSTMModel(input_size=3, hidden_size=5, num_layers=2, output_size=2), B=4, T=6; "
            "float64 reference. loss.mse = MSELoss(prediction, target); "
            "loss2 = sum(lstm.output*lstm_output_weights) + sum(h_n*h_n_weights) + sum(c_n*c_n_weights)")
    path = save(NN_FIXTURES / "lstm_parity.safetensors", out, desc)
    return path, out


# --------------------------------------------------------------------------- G

def make_gru_parity(rng):
    """As make_lstm_parity, for GRUModel: the state is h alone."""
    B, T, I, H, L, O = 4, 6, 3, 5, 2, 2
    torch.manual_seed(0)
    model = GRUModel(I, H, L, O).double()
    params = params32(model)
    names = list(params)
    gru_names = [n for n in names if n.startswith("gru.")]

    x_np = f32(rng, B, T, I)
    h0_np = f32(rng, L, B, H, scale=0.5)
    target_np = f32(rng, B, O)
    w_np = f32(rng, B, T, H)
    wh_np = f32(rng, L, B, H)

    out = OrderedDict(params)
    out["input"] = x_np
    out["h0"] = h0_np
    out["target"] = target_np

    model.zero_grad(set_to_none=True)
    x, h0 = t64(x_np, True), t64(h0_np, True)
    y, hn = model.gru(x, h0)
    pred = model.fc(y[:, -1, :])
    assert torch.equal(pred, model(x, h0))
    loss = nn.MSELoss()(pred, t64(target_np))
    loss.backward()
    out["gru.output"] = out32(y)
    out["gru.h_n"] = out32(hn)
    out["prediction"] = out32(pred)

    with torch.no_grad():
        y0, _ = model.gru(t64(x_np))
        p0 = model.fc(y0[:, -1, :])
    out["gru.output_zero_state"] = out32(y0)
    out["prediction_zero_state"] = out32(p0)

    out["loss.mse"] = scalar32(loss)
    named = dict(model.named_parameters())
    for n in names:
        out[f"grad.{n}"] = out32(named[n].grad)
    out["grad.input"] = out32(x.grad)
    out["grad.h0"] = out32(h0.grad)

    model.zero_grad(set_to_none=True)
    x, h0 = t64(x_np, True), t64(h0_np, True)
    y, hn = model.gru(x, h0)
    loss2 = (y * t64(w_np)).sum() + (hn * t64(wh_np)).sum()
    loss2.backward()
    out["gru_output_weights"] = w_np
    out["h_n_weights"] = wh_np
    for n in gru_names:
        out[f"grad2.{n}"] = out32(named[n].grad)
    out["grad2.input"] = out32(x.grad)
    out["grad2.h0"] = out32(h0.grad)

    desc = ("GRUModel(input_size=3, hidden_size=5, num_layers=2, output_size=2), B=4, T=6; "
            "float64 reference. loss.mse = MSELoss(prediction, target); "
            "loss2 = sum(gru.output*gru_output_weights) + sum(h_n*h_n_weights)")
    path = save(NN_FIXTURES / "gru_parity.safetensors", out, desc)
    return path, out


# --------------------------------------------------------------------------- I

# (case, cell, future_size, outputs_per_step); B=4, T=6, I=3, H=5, L=2, horizon 4, context 3, decoder hidden 7.
ENCODER_DECODER_CASES = [
    ("lstm_q1", "lstm", 2, 1),
    ("gru_q1", "gru", 2, 1),
    ("lstm_q3", "lstm", 2, 3),
    ("gru_q3_nofuture", "gru", 0, 3),
]
ENCODER_DECODER_QUANTILES = [0.1, 0.5, 0.9]


def pinball(pred, target, quantiles):
    """swift-forecast's PinballLoss: pred [B, Q*horizon] quantile-major, target [B, horizon]; mean over pred."""
    B, horizon = target.shape
    q = torch.tensor(quantiles, dtype=pred.dtype).view(1, -1, 1)
    d = target.unsqueeze(1) - pred.view(B, len(quantiles), horizon)  # y - y_hat
    return torch.maximum(q * d, (q - 1) * d).mean()


def make_encoder_decoder_parity(rng):
    """EncoderDecoderModel (LSTM and GRU encoders): forward, MSE loss and every gradient; for Q = 3
    also the pinball loss (quantiles 0.1, 0.5, 0.9) and its gradients. Tensors are named <case>.<name>."""
    B, T, I, H, L, horizon, C, D = 4, 6, 3, 5, 2, 4, 3, 7
    out = OrderedDict()
    for case, cell, F, Q in ENCODER_DECODER_CASES:
        torch.manual_seed(0)
        model = EncoderDecoderModel(I, F, H, L, horizon, Q, C, D, cell=cell).double()
        params = params32(model)
        names = list(params)
        expected = [f"{cell}.{kind}_l{k}" for k in range(L) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        expected += ["context.weight", "context.bias", "decoder.0.weight", "decoder.0.bias",
                     "decoder.2.weight", "decoder.2.bias"]
        assert names == expected, names

        x_np = f32(rng, B, T, I)
        future_np = f32(rng, B, horizon, F)
        target_np = f32(rng, B, Q * horizon)
        quantile_target_np = f32(rng, B, horizon)
        for n, v in params.items():
            out[f"{case}.{n}"] = v
        out[f"{case}.input"] = x_np
        if F > 0:  # zero-size tensors are left out (the model reads no future values)
            out[f"{case}.future"] = future_np
        out[f"{case}.target"] = target_np

        named = dict(model.named_parameters())
        model.zero_grad(set_to_none=True)
        x, future = t64(x_np, True), t64(future_np, True)
        pred = model(x, future)
        # The quantile-major layout, element q*horizon + h = output q of step h, by hand for one window.
        with torch.no_grad():
            last = getattr(model, cell)(x[:1])[0][:, -1, :]
            c = model.context(last).view(horizon, C)
            for h in range(horizon):
                step = model.decoder(torch.cat([c[h], future[0, h]]))
                for q in range(Q):
                    assert torch.allclose(pred[0, q * horizon + h], step[q], rtol=0, atol=1e-12)
        # The decoder's pre-activations stay away from ReLU's kink, where float32 and float64 could disagree.
        with torch.no_grad():
            last = getattr(model, cell)(x)[0][:, -1, :]
            c = model.context(last).view(B, horizon, C)
            z = model.decoder[0](torch.cat([c, future], dim=-1))
            assert z.abs().min().item() > 1e-4, z.abs().min().item()
        loss = nn.MSELoss()(pred, t64(target_np))
        loss.backward()
        out[f"{case}.prediction"] = out32(pred)
        out[f"{case}.loss.mse"] = scalar32(loss)
        for n in names:
            out[f"{case}.grad.{n}"] = out32(named[n].grad)
        out[f"{case}.grad.input"] = out32(x.grad)
        if F > 0:
            out[f"{case}.grad.future"] = out32(future.grad)

        if Q == len(ENCODER_DECODER_QUANTILES):
            model.zero_grad(set_to_none=True)
            x, future = t64(x_np, True), t64(future_np, True)
            pred = model(x, future)
            diff = (t64(quantile_target_np).unsqueeze(1) - pred.view(B, Q, horizon)).abs()
            assert diff.min().item() > 1e-4, "keep away from the pinball kink"
            loss = pinball(pred, t64(quantile_target_np), ENCODER_DECODER_QUANTILES)
            loss.backward()
            out[f"{case}.quantile_target"] = quantile_target_np
            out[f"{case}.loss.pinball"] = scalar32(loss)
            for n in names:
                out[f"{case}.grad_pinball.{n}"] = out32(named[n].grad)

    desc = ("EncoderDecoderModel(input_size=3, future_size=F, hidden_size=5, num_layers=2, horizon=4, "
            "outputs_per_step=Q, context_size=3, decoder_hidden_size=7, cell=...), B=4, T=6; cases "
            + ", ".join(f"{case} (cell {cell}, F={F}, Q={Q})" for case, cell, F, Q in ENCODER_DECODER_CASES)
            + "; tensors <case>.<name> (future and grad.future only when F > 0); float64 reference. loss.mse = MSELoss(prediction, target); "
            "for Q=3 loss.pinball = mean pinball loss of prediction [B, Q*horizon] (quantile-major) against "
            "quantile_target [B, horizon], quantiles 0.1, 0.5, 0.9, with gradients grad_pinball.*")
    path = save(NN_FIXTURES / "encoder_decoder_parity.safetensors", out, desc)
    return path, out


# --------------------------------------------------------------------------- B

OPTIM_CONFIGS = OrderedDict([
    ("adam", "Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)"),
    ("adam_wd", "Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.1) (L2 added to grad)"),
    ("adamw", "AdamW(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.1) (decoupled)"),
    ("sgd", "SGD(lr=0.1, momentum=0.9, dampening=0, nesterov=False, weight_decay=0)"),
    ("adam_clip", "Adam(lr=0.01) with clip_grad_norm_(params, max_norm=0.1) before each step "
                  "(coef = max_norm / (total_norm + 1e-6), clamped to <= 1)"),
])


def make_optimizer(name, params):
    if name in ("adam", "adam_clip"):
        return torch.optim.Adam(params, lr=1e-2, foreach=False)
    if name == "adam_wd":
        return torch.optim.Adam(params, lr=1e-2, weight_decay=0.1, foreach=False)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=1e-2, weight_decay=0.1, foreach=False)
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, foreach=False)
    raise KeyError(name)


def make_optim_parity(lstm_fixture):
    init = OrderedDict((k, v) for k, v in lstm_fixture.items() if k.startswith(("lstm.weight", "lstm.bias", "fc.")))
    x_np, target_np = lstm_fixture["input"], lstm_fixture["target"]
    base = LSTMModel(3, 5, 2, 2).double()
    base.load_state_dict({k: t64(v) for k, v in init.items()}, strict=True)

    out = OrderedDict(init)
    out["input"] = x_np
    out["target"] = target_np
    x, target = t64(x_np), t64(target_np)
    for name in OPTIM_CONFIGS:
        model = copy.deepcopy(base)
        params = list(model.parameters())
        opt = make_optimizer(name, params)
        losses, norms = [], []
        for _ in range(5):
            opt.zero_grad(set_to_none=True)
            loss = nn.MSELoss()(model(x), target)  # zero initial state
            loss.backward()
            if name == "adam_clip":
                norms.append(torch.nn.utils.clip_grad_norm_(params, max_norm=0.1, foreach=False).item())
                assert norms[-1] > 0.1, "clipping should be active at every step"
            opt.step()
            losses.append(loss.item())
        for k, v in model.state_dict().items():
            out[f"{name}.{k}"] = out32(v)
        out[f"{name}.losses"] = np.array(losses, dtype=np.float32)
        if norms:
            out[f"{name}.grad_norms"] = np.array(norms, dtype=np.float32)

    desc = ("Same initial parameters/input/target as lstm_parity (stored here too); zero initial state, "
            "MSELoss; 5 steps of (zero_grad, forward, loss, backward, [clip], step); "
            "<config>.<param> after 5 steps, <config>.losses = loss before each step; "
            "adam_clip.grad_norms = total gradient 2-norm before clipping at each step; float64 reference")
    meta = {f"config.{k}": v for k, v in OPTIM_CONFIGS.items()}
    path = save(NN_FIXTURES / "optim_parity.safetensors", out, desc, meta)
    return path, out


# --------------------------------------------------------------------------- C

def make_loss_parity(rng):
    target_np = f32(rng, 4, 3)
    noise = f32(rng, 4, 3)
    pred_np = (target_np + np.float32(2.0) * noise).astype(np.float32)
    diff = np.abs(pred_np.astype(np.float64) - target_np.astype(np.float64))
    assert (diff < 1).any() and (diff > 1).any(), "need both |d| < 1 and |d| > 1 for Huber"
    assert (diff != 0).all() and (diff != 1).all(), "avoid kinks of MAE/Huber"

    out = OrderedDict()
    out["prediction"] = pred_np
    out["target"] = target_np
    losses = OrderedDict([("mse", nn.MSELoss()), ("mae", nn.L1Loss()), ("huber", nn.HuberLoss(delta=1.0))])
    grads = OrderedDict()
    for name, fn in losses.items():
        p = t64(pred_np, True)
        loss = fn(p, t64(target_np))
        loss.backward()
        out[name] = scalar32(loss)
        grads[f"grad.{name}"] = out32(p.grad)
    out.update(grads)
    desc = ("nn.MSELoss, nn.L1Loss, nn.HuberLoss(delta=1.0), reduction='mean'; grad.* = d loss / d prediction; "
            "float64 reference")
    path = save(NN_FIXTURES / "loss_parity.safetensors", out, desc)
    return path, out


# --------------------------------------------------------------------------- D

def make_pytorch_export(rng, cell="lstm"):
    suffix = "" if cell == "lstm" else f"_{cell}"
    lookback, horizon, mean, std = 10, 3, 5.0, 2.0
    n = 120
    t = np.arange(n, dtype=np.float64)
    raw = mean + std * (np.sin(2 * np.pi * t / 16.0) + 0.1 * rng.standard_normal(n))
    # Quantise to multiples of 2^-10 so raw values and (raw - 5) / 2 are exact in float32.
    raw = np.round(raw * 1024.0) / 1024.0
    scaled = ((raw - mean) / std).astype(np.float32)
    assert np.array_equal(scaled.astype(np.float64), (raw - mean) / std)

    train = scaled[:100]
    starts = range(0, len(train) - lookback - horizon + 1)
    X = np.stack([train[i:i + lookback] for i in starts])[:, :, None]
    Y = np.stack([train[i + lookback:i + lookback + horizon] for i in starts])

    torch.manual_seed(0)
    model = make_model(cell, 1, 8, 2, horizon)  # float32
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    first_loss = last_loss = None
    for step in range(50):
        opt.zero_grad()
        loss = nn.MSELoss()(model(Xt), Yt)
        loss.backward()
        opt.step()
        first_loss = loss.item() if first_loss is None else first_loss
        last_loss = loss.item()

    out_dir = FORECAST_FIXTURES / f"pytorch_export{suffix}"
    with tempfile.TemporaryDirectory() as tmp:
        sd_path = os.path.join(tmp, "lstm_state_dict.pt")
        torch.save(model.state_dict(), sd_path)
        cmd = [sys.executable, str(SCRIPTS / "export_pytorch.py"), sd_path,
               "--lookback", str(lookback), "--mean", str(mean), "--std", str(std),
               "--target", "value", "--output", str(out_dir), "--force"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            sys.stderr.write(res.stdout + res.stderr)
            raise SystemExit(f"export_pytorch.py failed with exit code {res.returncode}")

    # Check the exported directory against the in-memory model.
    config = json.loads((out_dir / "config.json").read_text())
    assert config["lookback"] == lookback and config["horizon"] == horizon
    assert config["model"] == {"dropout": 0.0, "hidden_size": 8, "input_size": 1, "num_layers": 2,
                               "output_size": 3, "type": cell}
    assert config["scaling"] == {"center": [mean], "method": "standard", "scale": [std]}
    exported, meta = read_safetensors_with_metadata(out_dir / "model.safetensors")
    assert meta == {"format": "pt", "producer": "swift-forecast export_pytorch.py"}
    sd = model.state_dict()
    assert list(exported) == list(sd), (list(exported), list(sd))
    for k, v in sd.items():
        assert np.array_equal(exported[k], v.numpy()), k

    # Reference outputs in float64 from the exported float32 weights.
    ref = make_model(cell, 1, 8, 2, horizon).double()
    ref.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in exported.items()}, strict=True)
    window_starts = [90, 100, 110]  # 90 overlaps training data; the others are held out
    raw_windows = np.stack([raw[s:s + lookback] for s in window_starts]).astype(np.float32)[:, :, None]
    inp = np.stack([scaled[s:s + lookback] for s in window_starts])[:, :, None]
    with torch.no_grad():
        y64 = ref(t64(inp))
        y32 = model(torch.from_numpy(inp))
    assert torch.allclose(y64.float(), y32, atol=1e-5), (y64, y32)
    io = OrderedDict()
    io["input"] = inp
    io["output"] = out32(y64)
    io["raw_input"] = raw_windows
    io["raw_output"] = out32(y64 * std + mean)
    desc = (f"Inputs/outputs for Tests/ForecastTests/Fixtures/pytorch_export{suffix}. input = scaled windows "
            "(x - 5) / 2 [3,10,1]; output = model output in scaled units [3,3] (float64 reference from the "
            "float32 weights); raw_input/raw_output = the same in original units (y = y' * 2 + 5)")
    path = save(FORECAST_FIXTURES / f"pytorch_export{suffix}_io.safetensors", io, desc)
    return out_dir, path, io, (first_loss, last_loss)


# --------------------------------------------------------------------------- E

def make_swift_trained_io(rng, model_dir: Path, out_path: Path):
    weights = model_dir / "model.safetensors"
    if not weights.exists():
        return None
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("format_version") not in (1, 2):  # the network's tensors are the same in both
        raise SystemExit(f"{model_dir}/config.json: unsupported format_version {config.get('format_version')!r}")
    m = config["model"]
    cell = m.get("type", "lstm")
    if cell not in ("lstm", "gru"):
        raise SystemExit(f"{model_dir}/config.json: unsupported model type {m.get('type')!r}")
    I, H, L, O = m["input_size"], m["hidden_size"], m["num_layers"], m["output_size"]
    lookback = config["lookback"]
    state = read_safetensors(weights)
    model = make_model(cell, I, H, L, O)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    model = model.double().eval()
    inp = f32(rng, 3, lookback, I)
    with torch.no_grad():
        y = model(t64(inp))
    io = OrderedDict([("input", inp), ("output", out32(y))])
    desc = (f"PyTorch {type(model).__name__}({I}, {H}, {L}, {O}) loaded from {rel(model_dir)} with load_state_dict(strict=True); "
            "input standard normal (model units, already scaled); output = model output (scaled units), "
            "float64 reference")
    save(out_path, io, desc)
    return io


# --------------------------------------------------------------------------- main

def train_swift_model(model_dir: Path, cell: str = "lstm") -> None:
    """Trains a small model with this project's own `forecast train` on the bundled data set."""
    cmd = ["swift", "run", "-c", "release", "forecast", "train", "--data", str(ROOT / "data" / "airpassengers.csv"),
           *([] if cell == "lstm" else ["--cell", cell]),
           "--lookback", "12", "--horizon", "3", "--hidden-size", "8", "--layers", "2", "--epochs", "20",
           "--seed", "7", "--quiet", "--no-fallback", "--output", str(model_dir)]  # the network alone, which PyTorch loads
    subprocess.run(cmd, check=True, cwd=ROOT)


def describe(path: Path, tensors) -> str:
    size = Path(path).stat().st_size
    lines = [f"{rel(path)} ({size} bytes, {len(tensors)} tensors)"]
    for k, v in tensors.items():
        lines.append(f"    {k} {list(v.shape)}")
    return "\n".join(lines)


def main() -> int:
    if "--only" in sys.argv:
        sections = sys.argv[sys.argv.index("--only") + 1:][:1]
        if sections != ["I"]:
            raise SystemExit("--only takes I (the encoder-decoder fixture); the other sections are written together")
        path, tensors = make_encoder_decoder_parity(np.random.default_rng(13))
        print(describe(path, tensors))
        return 0

    rng = np.random.default_rng(0)
    summary = []

    path, lstm = make_lstm_parity(rng)
    summary.append(describe(path, lstm))

    path, optim = make_optim_parity(lstm)
    summary.append(describe(path, optim))

    path, loss = make_loss_parity(rng)
    summary.append(describe(path, loss))

    out_dir, path, io, (l0, l1) = make_pytorch_export(rng)
    summary.append(f"{rel(out_dir)}/ (config.json, model.safetensors; trained 50 Adam steps, "
                   f"train MSE {l0:.4f} -> {l1:.4f})")
    summary.append(describe(path, io))

    swift_dir = FORECAST_FIXTURES / "swift_trained"
    if "--no-swift" not in sys.argv and shutil.which("swift"):
        train_swift_model(swift_dir)
    swift_io_path = FORECAST_FIXTURES / "swift_trained_io.safetensors"
    swift_io = make_swift_trained_io(rng, swift_dir, swift_io_path)
    if swift_io is None:
        summary.append(f"note: {rel(swift_dir)}/model.safetensors not found; skipped swift_trained_io "
                       "(run the Swift test that writes it, then re-run this script)")
    else:
        summary.append(describe(swift_io_path, swift_io))

    # G and H: the GRU, from generators of their own so that A-E stay as they were.
    gru_rng = np.random.default_rng(12)
    path, gru = make_gru_parity(gru_rng)
    summary.append(describe(path, gru))
    out_dir, path, io, (l0, l1) = make_pytorch_export(gru_rng, cell="gru")
    summary.append(f"{rel(out_dir)}/ (config.json, model.safetensors; trained 50 Adam steps, "
                   f"train MSE {l0:.4f} -> {l1:.4f})")
    summary.append(describe(path, io))
    swift_gru_dir = FORECAST_FIXTURES / "swift_trained_gru"
    if "--no-swift" not in sys.argv and shutil.which("swift"):
        train_swift_model(swift_gru_dir, cell="gru")
    swift_gru_io = make_swift_trained_io(gru_rng, swift_gru_dir, FORECAST_FIXTURES / "swift_trained_gru_io.safetensors")
    if swift_gru_io is not None:
        summary.append(describe(FORECAST_FIXTURES / "swift_trained_gru_io.safetensors", swift_gru_io))

    # I: the encoder-decoder network, from a generator of its own.
    path, tensors = make_encoder_decoder_parity(np.random.default_rng(13))
    summary.append(describe(path, tensors))

    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
