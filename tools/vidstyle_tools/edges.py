"""The edge test's geometry in numpy (Tests/VidStyleKitTests/EdgeMarginTests.swift): a painted
frame's outer band against the same pixels painted deep inside a mirror-extended frame.

A network paints streaks along its input's edges unless the stylizer's mirrored margin keeps
them outside the picture; comparing each side with the same pixels painted far from any edge
shows a streak as a side that differs much more than the picture's inside does (the inside
moves a little too: instance norm sees a different amount of mirrored picture).
"""
from __future__ import annotations

import numpy as np


def mirror_extend(picture: np.ndarray, extra: int) -> np.ndarray:
    """The picture with `extra` mirrored pixels on every side, the edge pixel not repeated
    (PlanarImage.mirror's rule)."""
    return np.pad(picture, ((extra, extra), (extra, extra), (0, 0)), mode="reflect")


def band_differences(small: np.ndarray, large: np.ndarray, offset: int, band: int = 8,
                     inside: int = 32) -> dict[str, float]:
    """Mean absolute difference in levels of 255 between `small` and the same pixels of `large`
    (where `small` sits at (offset, offset)): over each side's outer `band` pixels, all four
    together, and the inside more than `inside` pixels from every edge."""
    h, w = small.shape[:2]
    same = large[offset:offset + h, offset:offset + w]
    if same.shape != small.shape:
        raise ValueError(f"band_differences: {small.shape} does not fit in {large.shape} at {offset}")
    diff = np.abs(small.astype(np.int32) - same.astype(np.int32)).astype(np.float64)
    rows, cols = np.mgrid[0:h, 0:w]
    regions = {
        "top": rows < band, "bottom": rows >= h - band, "left": cols < band, "right": cols >= w - band,
    }
    regions["all"] = regions["top"] | regions["bottom"] | regions["left"] | regions["right"]
    regions["inside"] = (rows >= inside) & (rows < h - inside) & (cols >= inside) & (cols < w - inside)
    return {name: float(diff[mask].mean()) for name, mask in regions.items()}
