#!/usr/bin/env python3
"""The comparison of docs/serving.md: the same model served by ONNX Runtime from Python.

    python3 scripts/onnx_serve.py MODEL_DIR PORT

Reads a model directory of swift-forecast (config.json, model.safetensors; docs/model-format.md),
builds the network as an ONNX graph (the LSTM operator, PyTorch's gate order i, f, g, o rewritten as
ONNX's i, o, f, c; the Linear head as Gemm on the last step), and answers
`POST /v1/models/NAME/forecast` with the same JSON as `forecast serve` for a model of one series
without features: the same global scaling and window normalisation in NumPy, the network in ONNX
Runtime (one session, intra-op threads = cores). The HTTP server is the standard library's
ThreadingHTTPServer (one thread per connection, HTTP/1.1 keep-alive, Nagle off, a backlog of 256).
127.0.0.1 only.

Needs: pip install onnx onnxruntime numpy (scripts/load_test.sh --onnx makes a virtualenv).
"""
import json
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(raw[8 + length + start:8 + length + end], dtype="<f4").reshape(info["shape"])
    return tensors


def onnx_model(config, tensors):
    """[B, T, I] → [B, output_size]: the stacked LSTM, then the Linear head on the last step."""
    arch = config["model"]
    hidden, layers = arch["hidden_size"], arch["num_layers"]
    nodes, inits = [], []

    def reorder(w):  # PyTorch i, f, g, o → ONNX i, o, f, c
        i, f, g, o = np.split(w, 4, axis=0)
        return np.concatenate([i, o, f, g], axis=0)

    nodes.append(helper.make_node("Transpose", ["input"], ["x0"], perm=[1, 0, 2]))  # [T, B, I]
    current = "x0"
    for k in range(layers):
        w = reorder(tensors[f"lstm.weight_ih_l{k}"])[None]
        r = reorder(tensors[f"lstm.weight_hh_l{k}"])[None]
        b = np.concatenate([reorder(tensors[f"lstm.bias_ih_l{k}"]), reorder(tensors[f"lstm.bias_hh_l{k}"])])[None]
        for name, value in ((f"W{k}", w), (f"R{k}", r), (f"B{k}", b)):
            inits.append(helper.make_tensor(name, TensorProto.FLOAT, value.shape, value.astype(np.float32).ravel()))
        # Y: [T, 1, B, H] → squeeze the direction axis → [T, B, H]
        nodes.append(helper.make_node("LSTM", [current, f"W{k}", f"R{k}", f"B{k}"], [f"y{k}", f"h{k}"], hidden_size=hidden))
        inits.append(helper.make_tensor(f"axis1_{k}", TensorProto.INT64, [1], [1]))
        nodes.append(helper.make_node("Squeeze", [f"y{k}", f"axis1_{k}"], [f"x{k + 1}"]))
        current = f"x{k + 1}"
    # The last layer's final hidden state: h{last} is [1, B, H].
    inits.append(helper.make_tensor("axis0", TensorProto.INT64, [1], [0]))
    nodes.append(helper.make_node("Squeeze", [f"h{layers - 1}", "axis0"], ["last"]))
    fc_w, fc_b = tensors["fc.weight"], tensors["fc.bias"]
    inits.append(helper.make_tensor("fc_w", TensorProto.FLOAT, fc_w.shape, fc_w.ravel()))
    inits.append(helper.make_tensor("fc_b", TensorProto.FLOAT, fc_b.shape, fc_b.ravel()))
    nodes.append(helper.make_node("Gemm", ["last", "fc_w", "fc_b"], ["output"], transB=1))
    graph = helper.make_graph(
        nodes, "lstm_forecaster",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["B", "T", arch["input_size"]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["B", arch["output_size"]])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


class Forecaster:
    """The preprocessing of ForecastModel.predict(windows:scalers:) for a model of one series."""

    def __init__(self, directory):
        with open(f"{directory}/config.json") as f:
            self.config = json.load(f)
        c = self.config
        assert not c.get("features") and c.get("panel") is None, "one series without features only"
        assert c.get("strategy", "direct") == "direct", "direct models only"
        self.lookback, self.horizon = c["lookback"], c["horizon"]
        self.center = np.float32(c["scaling"]["center"][0])
        self.scale = np.float32(c["scaling"]["scale"][0])
        norm = c.get("window_normalization", {"method": "global", "period": 1})
        self.method, self.period = norm["method"], max(norm.get("period", 1), 1)
        if self.method not in ("global", "season", "seasonal_naive", "last", "revin"):
            raise SystemExit(f"{directory}: window normalisation {self.method!r} is not served here")
        used = [m["member"] for m in (c.get("combination") or {}).get("members", []) if m["weight"] > 0]
        if used and used != ["network"]:
            raise SystemExit(f"{directory}: the model blends the network with {', '.join(used)} (the fallback), "
                             "which is not served here; train it with --no-fallback")
        model = onnx_model(c, read_safetensors(f"{directory}/model.safetensors"))
        options = ort.SessionOptions()
        self.session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])

    def forecast(self, histories):
        windows = []
        for values in histories:
            w = np.asarray(values[-self.lookback:], dtype=np.float32)
            if len(w) < self.lookback:
                w = np.concatenate([np.full(self.lookback - len(w), w[0], dtype=np.float32), w])
            windows.append(w)
        x = (np.stack(windows) - self.center) / self.scale  # [B, L]
        if self.method == "global":
            center, spread = np.zeros((len(x), 1), np.float32), np.ones((len(x), 1), np.float32)
        elif self.method in ("season", "seasonal_naive"):
            center, spread = x[:, -min(self.period, x.shape[1]):].mean(axis=1, keepdims=True), np.ones((len(x), 1), np.float32)
        elif self.method == "last":
            center, spread = x[:, -1:], np.ones((len(x), 1), np.float32)
        else:  # revin
            center = x.mean(axis=1, keepdims=True)
            spread = np.maximum(x.std(axis=1, keepdims=True), np.float32(1e-3))
        out = self.session.run(["output"], {"input": ((x - center) / spread)[:, :, None].astype(np.float32)})[0]
        if self.method == "seasonal_naive" and x.shape[1] >= self.period:
            steps = np.arange(out.shape[1]) % self.period
            anchor = x[:, x.shape[1] - self.period + steps]
        else:
            anchor = center
        return (out * spread + anchor) * self.scale + self.center


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    forecaster = Forecaster(directory)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without this, the headers and the body leave in two segments and the client's delayed
        # ACK adds 40 ms to every answer.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def answer(self, status, payload):
            data = json.dumps(payload, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            try:
                body = json.loads(self.rfile.read(length))
                series = body["series"]
                steps = int(body.get("horizon", forecaster.horizon))
                outputs = forecaster.forecast([s["values"] for s in series])
            except Exception as error:  # the comparison server: no detailed messages
                self.answer(400, {"error": str(error)})
                return
            self.answer(200, {"forecasts": [{"id": s.get("id", str(i)), "forecast": [float(v) for v in o[:steps]]}
                                            for i, (s, o) in enumerate(zip(series, outputs))]})

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the listen backlog (5 by default refuses connections at 64)
        daemon_threads = True

    server = Server(("127.0.0.1", port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
