#!/usr/bin/env python3
"""Times the same network, on the same weights, in PyTorch (CPU, eager), ONNX Runtime in fp32 and
ONNX Runtime in int8 (its own static quantization).

  python tools/bench_reference.py MODEL.safetensors WIDTH HEIGHT [--runs N] [--threads 2]
      [--data data] [--calibration-images 20] [--margin M]

WIDTH x HEIGHT is the network's input size (vidstyle bench's network=, the frame plus the
stylizer's margins). Prints
`reference: WxH pytorch_ms=<median> ort_ms=<median> ort_int8_ms=<median> int8_psnr_db=<dB>`.
The network is rebuilt from the file's own architecture metadata
(tools/vidstyle_tools/architecture.py), so all engines run exactly the same function. ONNX
Runtime gets every graph optimization (ORT_ENABLE_ALL) and the same thread count as PyTorch.

int8: the exported fp32 ONNX model goes through onnxruntime.quantization.quantize_static, QDQ
format, uint8 activations and int8 weights per output channel in 7 bits (reduce_range, the
setting for x86 CPUs without VNNI, where ORT's u8s8 kernels can otherwise saturate), MinMax
calibration with ranges averaged over the images (CalibMovingAverage: the plain extremes of all
images grow with the frame size and cost 4 dB at 1080p). Only convolutions are quantized, and of
those not the first (three-channel input: ORT's int8 kernel was about twice as slow as its fp32
one there) nor the last (the output layer); quantizing Add, Resize and DepthToSpace as well cost
2.5 dB for no clear gain in speed. The calibration images are those of tools/calibrate.py
(tools/vidstyle_tools/calibration.py): --calibration-images of its 20 training pictures, evenly
spaced (all of them by default), as frames of WIDTH-2*margin x HEIGHT-2*margin with mirrored margins, each with one style
in turn. int8_psnr_db compares the int8 output with ORT fp32's on the first calibration image,
first style. Without the calibration images (tools/fetch_data.sh data) the int8 fields print nan.
"""
import argparse
import math
import os
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import edge_margin  # noqa: E402
from vidstyle_tools.export import load_model  # noqa: E402


def median_ms(fn, runs):
    for _ in range(2):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def calibration_set(args, w, h, n_styles):
    """ORT feeds for calibration: the shared calibration frames, one style each in turn."""
    from vidstyle_tools.calibration import calibration_inputs
    fw, fh = w - 2 * args.margin, h - 2 * args.margin
    try:
        frames, _ = calibration_inputs(args.data, fw, fh, margin=args.margin,
                                       use=args.calibration_images)
    except FileNotFoundError as e:
        print(f"bench_reference: no int8 calibration: {e}", file=sys.stderr)
        return []
    feeds = []
    for i, frame in enumerate(frames):
        if tuple(frame.shape[2:]) != (h, w):  # a size the margins cannot make: plain cover crop
            frame = torch.nn.functional.interpolate(frame, size=(h, w), mode="bilinear",
                                                    align_corners=False)
        style = torch.zeros(1, n_styles)
        style[0, i % n_styles] = 1
        feeds.append({"image": frame.numpy(), "style_weights": style.numpy()})
    return feeds


def quantize(src, dst, feeds):
    """ORT's static int8 quantization of src (see the module docstring for the choices)."""
    import logging
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.pending = iter(feeds)

        def get_next(self):
            return next(self.pending, None)

    convs = [n.name for n in onnx.load(src).graph.node if n.op_type == "Conv"]
    logging.getLogger().setLevel(logging.ERROR)  # quantize_static's advice on pre-processing
    quantize_static(src, dst, Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    per_channel=True, reduce_range=True, op_types_to_quantize=["Conv"],
                    nodes_to_exclude=[convs[0], convs[-1]],
                    calibrate_method=CalibrationMethod.MinMax,
                    extra_options={"CalibMovingAverage": True})


def psnr(a, b):
    mse = float(((a.astype("float64") - b.astype("float64")) ** 2).mean())
    return 10 * math.log10(1 / mse) if mse > 0 else float("inf")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("width", type=int)
    p.add_argument("height", type=int)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default="data", help="holds content/, the calibration pictures")
    p.add_argument("--calibration-images", type=int, help="how many of calibration.py's images (default: all)")
    p.add_argument("--margin", type=int, help="FrameStylizer's mirrored margin (default: the model's, StyleModel.edgeMargin)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    net, _, _, styles = load_model(args.model)
    n_styles = len(styles)
    if args.margin is None:
        args.margin = edge_margin(net.arch)
    h, w = (args.height + 3) // 4 * 4, (args.width + 3) // 4 * 4
    x = torch.rand(1, 3, h, w)
    sw = torch.zeros(1, n_styles)
    sw[0, 0] = 1
    with torch.no_grad():
        pytorch_ms = median_ms(lambda: net(x, sw), args.runs)

    import onnxruntime as ort

    def session(path):
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = args.threads
        opts.inter_op_num_threads = 1
        return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])

    feeds = {"image": x.numpy(), "style_weights": sw.numpy()}
    int8_ms = int8_psnr = float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "net.onnx")
        torch.onnx.export(net, (x, sw), onnx_path, input_names=["image", "style_weights"],
                          output_names=["output"], opset_version=17, dynamo=False)
        sess = session(onnx_path)
        ort_ms = median_ms(lambda: sess.run(None, feeds), args.runs)
        inputs = calibration_set(args, w, h, n_styles)
        if inputs:
            int8_path = os.path.join(tmp, "net-int8.onnx")
            quantize(onnx_path, int8_path, inputs)
            qsess = session(int8_path)
            int8_ms = median_ms(lambda: qsess.run(None, feeds), args.runs)
            check = dict(inputs[0], style_weights=sw.numpy())
            int8_psnr = psnr(qsess.run(None, check)[0], sess.run(None, check)[0])
            del qsess
        del sess
    print(f"reference: {args.width}x{args.height} pytorch_ms={pytorch_ms:.1f} ort_ms={ort_ms:.1f} "
          f"ort_int8_ms={int8_ms:.1f} int8_psnr_db={int8_psnr:.2f}", flush=True)

if __name__ == "__main__":
    main()
