#!/usr/bin/env python3
"""Export a PyTorch LSTMModel or GRUModel state_dict as a swift-forecast model directory.

Usage:
    python3 scripts/export_pytorch.py STATE_DICT.pt --lookback L --mean M --std S \\
        [--target NAME] [--horizon H] --output DIR [--force]

STATE_DICT.pt must have been written with ``torch.save(model.state_dict(), path)``
for the ``LSTMModel`` or ``GRUModel`` in scripts/lstm_model.py (nn.LSTM or nn.GRU
with batch_first=True, unidirectional, with biases, no projection; followed by
nn.Linear on the last time step). The cell is told by the tensor names:
``lstm.*`` or ``gru.*``. Only univariate models (input_size == 1) are supported, scaled with
x' = (x - mean) / std. The model's outputs are the next ``horizon`` values in
scaled units.

Writes DIR/config.json and DIR/model.safetensors (see docs/model-format.md).
The files are written into a temporary directory beside DIR and then renamed
into place. An existing non-empty DIR is only replaced with --force.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from safetensors_io import write_safetensors  # noqa: E402

FORMAT_VERSION = 1
PRODUCER = "swift-forecast export_pytorch.py"


class ExportError(Exception):
    pass


def config_json_text(config: dict) -> str:
    """Serialise a config the way swift-forecast does: sorted keys, 2-space indent."""
    return json.dumps(config, indent=2, sort_keys=True, separators=(",", " : "), ensure_ascii=False) + "\n"


def infer_architecture(state_dict):
    """Infer the cell and (input_size, hidden_size, num_layers, output_size) and validate all tensors.

    Returns (cell, dims, ordered list of (name, tensor)).
    """
    import torch

    if not isinstance(state_dict, (dict, OrderedDict)):
        raise ExportError(f"expected a state_dict (a dict of tensors), got {type(state_dict).__name__}; "
                          "save it with torch.save(model.state_dict(), path)")
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise ExportError(f"state_dict key {name!r} is not a string")
        if not isinstance(value, torch.Tensor):
            raise ExportError(f"state_dict entry {name!r} is a {type(value).__name__}, not a tensor")

    cell = "gru" if "gru.weight_ih_l0" in state_dict and "lstm.weight_ih_l0" not in state_dict else "lstm"
    gates = 4 if cell == "lstm" else 3
    for required in (f"{cell}.weight_ih_l0", f"{cell}.weight_hh_l0", "fc.weight"):
        if required not in state_dict:
            hint = ""
            if any(k.startswith("module.") for k in state_dict):
                hint = " (keys start with 'module.': unwrap DataParallel/DDP with model.module.state_dict())"
            raise ExportError(f"missing tensor {required!r}{hint}; found keys: {sorted(state_dict)}")

    w_ih0 = state_dict[f"{cell}.weight_ih_l0"]
    w_hh0 = state_dict[f"{cell}.weight_hh_l0"]
    fc_w = state_dict["fc.weight"]
    if w_ih0.dim() != 2 or w_hh0.dim() != 2 or fc_w.dim() != 2:
        raise ExportError(f"{cell}.weight_ih_l0, {cell}.weight_hh_l0 and fc.weight must be 2-D matrices")
    input_size = int(w_ih0.shape[1])
    hidden_size = int(w_hh0.shape[1])
    output_size = int(fc_w.shape[0])
    layer_re = re.compile(rf"^{cell}\.weight_ih_l(\d+)$")
    num_layers = sum(1 for k in state_dict if layer_re.match(k))
    if hidden_size <= 0 or input_size <= 0 or output_size <= 0:
        raise ExportError(f"degenerate sizes: input_size={input_size}, hidden_size={hidden_size}, "
                          f"output_size={output_size}")

    expected = []
    for k in range(num_layers):
        in_k = input_size if k == 0 else hidden_size
        expected += [
            (f"{cell}.weight_ih_l{k}", (gates * hidden_size, in_k)),
            (f"{cell}.weight_hh_l{k}", (gates * hidden_size, hidden_size)),
            (f"{cell}.bias_ih_l{k}", (gates * hidden_size,)),
            (f"{cell}.bias_hh_l{k}", (gates * hidden_size,)),
        ]
    expected += [("fc.weight", (output_size, hidden_size)), ("fc.bias", (output_size,))]

    problems = []
    expected_names = {name for name, _ in expected}
    for name, shape in expected:
        if name not in state_dict:
            problems.append(f"missing tensor {name!r} (expected shape {list(shape)})")
            continue
        actual = tuple(state_dict[name].shape)
        if actual != shape:
            problems.append(f"tensor {name!r} has shape {list(actual)}, expected {list(shape)}")
    extra = [k for k in state_dict if k not in expected_names]
    if extra:
        hints = []
        if any("_reverse" in k for k in extra):
            hints.append("bidirectional networks are not supported")
        if any("weight_hr" in k for k in extra):
            hints.append("LSTMs with proj_size are not supported")
        hint = f" ({'; '.join(hints)})" if hints else ""
        problems.append(f"unexpected tensors: {extra}{hint}")
    if problems:
        raise ExportError(
            f"state_dict does not match {'LSTMModel' if cell == 'lstm' else 'GRUModel'}(input_size={input_size}, hidden_size={hidden_size}, "
            f"num_layers={num_layers}, output_size={output_size}):\n  - " + "\n  - ".join(problems))

    tensors = []
    for name, _ in expected:
        t = state_dict[name]
        if not t.is_floating_point():
            raise ExportError(f"tensor {name!r} has non-floating dtype {t.dtype}")
        t = t.detach().to(device="cpu", dtype=torch.float32).contiguous()
        if not bool(torch.isfinite(t).all()):
            raise ExportError(f"tensor {name!r} contains NaN or infinite values")
        tensors.append((name, t.numpy()))
    return cell, (input_size, hidden_size, num_layers, output_size), tensors


def write_model_dir(output: Path, config: dict, tensors, force: bool) -> None:
    """Write config.json + model.safetensors into a temp dir beside `output`, then rename."""
    output = Path(os.path.abspath(output))
    if output.exists() or output.is_symlink():
        if not output.is_dir():
            raise ExportError(f"{output} exists and is not a directory")
        if any(output.iterdir()) and not force:
            raise ExportError(f"{output} already exists and is not empty (use --force to replace it)")
    parent = output.parent
    parent.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=parent))
    try:
        os.chmod(tmp, 0o755)
        write_safetensors(tmp / "model.safetensors", OrderedDict(tensors),
                          metadata={"format": "pt", "producer": PRODUCER})
        with open(tmp / "config.json", "w", encoding="utf-8") as f:
            f.write(config_json_text(config))
            f.flush()
            os.fsync(f.fileno())

        if output.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=parent))
            os.rmdir(backup)
            os.rename(output, backup)
            try:
                os.rename(tmp, output)
            except BaseException:
                os.rename(backup, output)
                raise
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.rename(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Export a PyTorch LSTMModel or GRUModel state_dict to a swift-forecast model directory.")
    p.add_argument("state_dict", help="file written by torch.save(model.state_dict(), path)")
    p.add_argument("--lookback", type=int, required=True, help="number of past points the model reads")
    p.add_argument("--mean", type=float, required=True, help="scaling center: x' = (x - mean) / std")
    p.add_argument("--std", type=float, required=True, help="scaling scale (> 0)")
    p.add_argument("--target", default="value", help="name of the target column (default: value)")
    p.add_argument("--horizon", type=int, default=None,
                   help="forecast horizon; defaults to (and must equal) the model's output_size")
    p.add_argument("--output", required=True, help="model directory to create")
    p.add_argument("--force", action="store_true", help="replace an existing non-empty output directory")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.lookback <= 0:
            raise ExportError(f"--lookback must be positive, got {args.lookback}")
        if not math.isfinite(args.mean):
            raise ExportError(f"--mean must be finite, got {args.mean}")
        if not math.isfinite(args.std) or args.std <= 0:
            raise ExportError(f"--std must be finite and > 0, got {args.std}")
        if not args.target:
            raise ExportError("--target must be a non-empty name")

        import torch

        try:
            state_dict = torch.load(args.state_dict, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise ExportError(f"no such file: {args.state_dict}") from None
        except Exception as e:  # pickle errors, weights_only refusals, corrupt files
            text = " ".join(str(e).split())
            marker = "WeightsUnpickler error:"
            if marker in text:
                detail = text.split(marker, 1)[1].split(" Check the documentation", 1)[0].strip()
            else:
                detail = text or repr(e)
            raise ExportError(f"could not load {args.state_dict} with torch.load(weights_only=True): {detail}\n"
                              "  (expected a file written by torch.save(model.state_dict(), path), "
                              "not a pickled model)") from None

        cell, (input_size, hidden_size, num_layers, output_size), tensors = infer_architecture(state_dict)
        if input_size != 1:
            raise ExportError(f"model has input_size={input_size}; only univariate models (input_size=1) "
                              "can be exported, since a single --mean/--std is applied")
        horizon = output_size if args.horizon is None else args.horizon
        if horizon != output_size:
            raise ExportError(f"--horizon {horizon} does not match the model's output_size {output_size}")

        config = {
            "features": [],
            "format_version": FORMAT_VERSION,
            "frequency": None,
            "horizon": horizon,
            "lookback": args.lookback,
            "model": {
                "dropout": 0.0,
                "hidden_size": hidden_size,
                "input_size": input_size,
                "num_layers": num_layers,
                "output_size": output_size,
                "type": cell,
            },
            "scaling": {"center": [float(args.mean)], "method": "standard", "scale": [float(args.std)]},
            "target": args.target,
            "training": None,
        }
        write_model_dir(Path(args.output), config, tensors, args.force)
    except ExportError as e:
        print(f"export_pytorch.py: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {cell.upper()} input_size={input_size} hidden_size={hidden_size} "
          f"num_layers={num_layers} output_size={output_size}, lookback={args.lookback}, horizon={horizon}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
