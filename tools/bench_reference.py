#!/usr/bin/env python3
"""Times the same network, on the same weights, in PyTorch (CPU, eager) and ONNX Runtime.

  python tools/bench_reference.py MODEL.safetensors WIDTH HEIGHT [--runs N] [--threads 2]

Prints `reference: WxH pytorch_ms=<median> ort_ms=<median>`. The network is rebuilt from the
file's own architecture metadata (tools/vidstyle_tools/architecture.py), so all three engines
run exactly the same function. ONNX Runtime gets every graph optimization
(ORT_ENABLE_ALL) and the same thread count as PyTorch.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import StyleNet  # noqa: E402


def load(path):
    with safe_open(path, "pt") as f:
        meta = f.metadata()
        arch = json.loads(meta["vidstyle.architecture"])
        styles = json.loads(meta["vidstyle.styles"])
        net = StyleNet(arch, len(styles))
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    with torch.no_grad():
        for name, conv in net.convs.items():
            conv.weight.copy_(tensors[f"{name}.weight"])
            if conv.bias is not None:
                conv.bias.copy_(tensors[f"{name}.bias"])
        for name in net.scales:
            net.scales[name].copy_(tensors[f"{name}.scale"])
            net.shifts[name].copy_(tensors[f"{name}.shift"])
    return net.eval(), len(styles)


def median_ms(fn, runs):
    for _ in range(2):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("width", type=int)
    p.add_argument("height", type=int)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    net, n_styles = load(args.model)
    h, w = (args.height + 3) // 4 * 4, (args.width + 3) // 4 * 4
    x = torch.rand(1, 3, h, w)
    sw = torch.zeros(1, n_styles)
    sw[0, 0] = 1
    with torch.no_grad():
        pytorch_ms = median_ms(lambda: net(x, sw), args.runs)

    import onnxruntime as ort
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "net.onnx")
        torch.onnx.export(net, (x, sw), onnx_path, input_names=["image", "style_weights"],
                          output_names=["output"], opset_version=17, dynamo=False)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = args.threads
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
        feeds = {"image": x.numpy(), "style_weights": sw.numpy()}
        ort_ms = median_ms(lambda: sess.run(None, feeds), args.runs)
    print(f"reference: {args.width}x{args.height} pytorch_ms={pytorch_ms:.1f} ort_ms={ort_ms:.1f}", flush=True)


if __name__ == "__main__":
    main()
