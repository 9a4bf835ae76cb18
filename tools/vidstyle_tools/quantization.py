"""int8 calibration helpers: which convolution inputs are signed, how to pick a clipping range,
and a fake-quantized forward pass that mirrors what the Swift engine computes in int8.

The engine (Sources/VidStyleKit/Engine/StyleNetwork.swift) quantizes a convolution's input with
one scale, levels / range, where levels is 255 for inputs known to be non-negative (the image,
a ReLU's output and what only moves those values) and 127 for any other input (s8), and its
weights per output channel to the largest magnitude of that channel mapped to 127 (63 on CPUs
without VNNI, where oneDNN's 16-bit pair sums would otherwise saturate). Everything else stays
fp32. The fake-quantized forward here does the same rounding and clipping in float, so the
calibration can say how far int8 is from fp32 before any Swift runs.
"""
from __future__ import annotations

import numpy as np
import torch

from .architecture import StyleNet

METADATA_KEY = "vidstyle.quantization"
FORMAT_VERSION = 1


def conv_input_signed(arch: dict) -> dict[str, bool]:
    """Per conv name: whether its input may be negative, by the engine's structural rule."""
    signed = {}
    non_negative = True  # the image, 0..1
    stack = []
    layers = arch["layers"]
    for i, layer in enumerate(layers):
        op = layer["op"]
        if op == "conv":
            signed[layer["name"]] = not non_negative
            fused_sigmoid = i + 1 < len(layers) and layers[i + 1]["op"] == "sigmoid"
            non_negative = fused_sigmoid
        elif op == "norm":
            non_negative = bool(layer["relu"])
        elif op == "save":
            stack.append(non_negative)
        elif op == "add":
            non_negative = non_negative and stack.pop()
        elif op == "sigmoid":
            non_negative = True
        # upsample and pixel_shuffle only move values
    return signed


def quantize_error(samples: np.ndarray, bound: float, levels: int, signed: bool) -> float:
    """Mean squared error of quantizing `samples` with range `bound` (clip + round)."""
    scale = levels / bound
    low = -levels if signed else 0
    q = np.clip(np.rint(samples * scale), low, levels) / scale
    return float(np.mean((q - samples) ** 2))


def choose_range(samples: np.ndarray, signed: bool, method: str, percentile: float) -> float:
    """The clipping range for one conv input from a sample of its values.

    percentile: that percentile of |x|. mse: the range, among candidates between the 99th
    percentile and the maximum of |x|, whose quantization error on the sample is least (clipping
    a few outliers against a finer step for everything else)."""
    magnitude = np.abs(samples)
    top = float(magnitude.max())
    if top <= 0:
        return 1.0
    if method == "percentile":
        return max(float(np.percentile(magnitude, percentile)), top * 1e-3)
    levels = 127 if signed else 255
    low = float(np.percentile(magnitude, 99.0))
    candidates = np.unique(np.concatenate([np.linspace(low, top, 64),
                                           np.percentile(magnitude, [99.5, 99.9, 99.95, 99.99, 99.999])]))
    candidates = candidates[candidates > 0]
    errors = [quantize_error(samples, float(c), levels, signed) for c in candidates]
    return float(candidates[int(np.argmin(errors))])


def fake_quantize_weight(w: torch.Tensor, weight_levels: int) -> torch.Tensor:
    largest = w.abs().flatten(1).max(dim=1).values
    scale = torch.where(largest > 0, weight_levels / largest, torch.ones_like(largest))[:, None, None, None]
    return torch.round(w * scale) / scale


@torch.no_grad()
def fake_quantized_forward(net: StyleNet, x: torch.Tensor, style_weights: torch.Tensor,
                           ranges: dict[str, float], weight_levels: int = 127) -> torch.Tensor:
    """StyleNet.forward with the convolutions in `ranges` computed as the engine does in int8:
    the input rounded to its u8/s8 grid and clipped, the weights to theirs, then the same padding
    (zeros or mirrored) and convolution in float."""
    signed = conv_input_signed(net.arch)

    def convolve(name: str, conv: torch.nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        if name not in ranges:
            return conv(x)
        levels = 127 if signed[name] else 255
        scale = levels / ranges[name]
        q = torch.clamp(torch.round(x * scale), -levels if signed[name] else 0, levels) / scale
        return conv._conv_forward(q, fake_quantize_weight(conv.weight, weight_levels), conv.bias)

    return net(x, style_weights, convolve)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two images in 0..1 (inf when identical)."""
    mse = float(((a - b) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(1 / mse)
