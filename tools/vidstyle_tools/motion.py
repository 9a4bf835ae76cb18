"""Small random camera-like motions of training crops, for the temporal-consistency loss.

Video frames differ from their neighbours by a little motion (a pan, a slight turn or zoom, things
moving on their own) and fresh sensor noise. A network that paints the moved frame as the moved
painting of the original frame does not flicker, and that can be asked of single photographs: no
video or optical flow is needed in training (compound regularization, Wang et al. AAAI 2020;
ReCoNet's output-level loss). `random_motion` draws such a motion as a sampling grid; `warp`
moves a batch of pictures by it; `valid_mask` says which pixels of the moved picture have a
counterpart well inside the original, where the two paintings can be compared.
"""
from __future__ import annotations

import io
import math
import random

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def random_motion(batch: int, height: int, width: int, rng: random.Random, *, max_shift: float = 4.0,
                  max_degrees: float = 2.0, max_zoom: float = 0.03, flow_pixels: float = 1.5,
                  flow_probability: float = 0.5, device: torch.device | None = None) -> torch.Tensor:
    """A sampling grid [N, H, W, 2] (grid_sample's normalized coordinates, align_corners=False):
    for each output pixel, where in the original picture it comes from. Each sample gets its own
    sub-pixel shift, rotation about the centre and zoom, and with `flow_probability` a smooth
    random flow field of up to about `flow_pixels` on top (objects moving apart from the camera)."""
    ys = (torch.arange(height, dtype=torch.float32, device=device) + 0.5) - height / 2
    xs = (torch.arange(width, dtype=torch.float32, device=device) + 0.5) - width / 2
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    grids = []
    for _ in range(batch):
        angle = math.radians(rng.uniform(-max_degrees, max_degrees))
        zoom = 1.0 + rng.uniform(-max_zoom, max_zoom)
        tx, ty = rng.uniform(-max_shift, max_shift), rng.uniform(-max_shift, max_shift)
        c, s = math.cos(angle) / zoom, math.sin(angle) / zoom
        # Source position (pixels from the centre) of each output pixel.
        sx = c * gx - s * gy + tx
        sy = s * gx + c * gy + ty
        if rng.random() < flow_probability:
            cells = 4
            g = torch.Generator(device="cpu").manual_seed(rng.getrandbits(62))
            coarse = torch.randn(1, 2, cells, cells, generator=g).to(gx.device) * (flow_pixels / 2)
            flow = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)[0]
            sx = sx + flow[0]
            sy = sy + flow[1]
        grids.append(torch.stack((sx / (width / 2), sy / (height / 2)), dim=-1))
    return torch.stack(grids)


def warp(images: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """The pictures moved by `grid` (bilinear; outside the picture its edge is repeated)."""
    return F.grid_sample(images, grid.to(images.dtype), mode="bilinear", padding_mode="border",
                         align_corners=False)


def valid_mask(grid: torch.Tensor, inset: int) -> torch.Tensor:
    """[N, 1, H, W] of 1 where a moved pixel lies at least `inset` pixels from every edge of both
    the moved picture and the original it was sampled from; else 0. Near the edges the network
    sees mirrored margins that differ between the two, which is not flicker."""
    n, h, w, _ = grid.shape
    px = (grid[..., 0] + 1) * (w / 2)  # source x in pixels from the original's left edge
    py = (grid[..., 1] + 1) * (h / 2)
    inside = (px >= inset) & (px <= w - inset) & (py >= inset) & (py <= h - inset)
    border = torch.zeros(h, w, dtype=torch.bool, device=grid.device)
    border[inset:h - inset, inset:w - inset] = True
    return (inside & border).to(torch.float32)[:, None]


def codec_artifacts(images: torch.Tensor, quality: int) -> torch.Tensor:
    """The pictures after a JPEG round trip at `quality` (1-95) with 4:2:0 chroma, as a stand-in
    for a video codec's blocks and ringing, which differ from frame to frame on the same surface
    of an MPEG-1/2 or MPEG-4 clip. Not differentiable; meant for the network's input."""
    out = torch.empty_like(images)
    for i, picture in enumerate(images):
        rgb = (picture.detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255 + 0.5).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="JPEG", quality=int(quality), subsampling=2)
        decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), dtype=np.float32) / 255
        out[i] = torch.from_numpy(decoded).permute(2, 0, 1).to(images.device, images.dtype)
    return out


def grain_stability(paint, images: torch.Tensor, painted: torch.Tensor, sigma: float,
                    codec_quality: int | None = None) -> torch.Tensor:
    """How much the painting changes when only sensor noise of standard deviation `sigma` (0..1
    scale) is added to a still picture (and, with `codec_quality`, a codec's artifacts on top):
    the mean squared difference between `paint` of the degraded `images` and their clean
    painting `painted`. No resampling is involved, so the term measures grain alone; the motion
    term's target is resampled, and its interpolation differences drowned the noise there
    (docs/model.md, 'Model v2')."""
    noisy = (images + torch.randn_like(images) * sigma).clamp(0, 1)
    if codec_quality is not None:
        noisy = codec_artifacts(noisy, codec_quality)
    return F.mse_loss(paint(noisy), painted)
