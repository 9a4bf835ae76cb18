"""Where a clip's warping error comes from: the pixels the reference flow moves, or the rest.

tools/temporal_eval.py's warping error mixes two things. On a standing surface a frame-to-frame
difference is flicker, the network's own; where things move, the reference flow often fails
(people walking, occlusions the forward-backward check misses) and even the input frames
themselves warp badly there, so no painting that follows the input can score far below the
input's own error. Splitting the error by the reference flow's motion, and measuring the input
frames the same way, tells the flicker from that floor (docs/model.md, "Model v2").
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

MOVING_PX = 0.5


def error_by_motion(frames: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]],
                    moving_px: float = MOVING_PX) -> dict[str, float]:
    """Pools per-pixel warping differences over a clip, split by motion.

    `frames` yields, per consecutive pair, the squared difference summed over the colour
    channels (H, W), the boolean mask of pixels the evaluation trusts (H, W), and the
    reference flow's length in pixels (H, W). Pixels moving more than `moving_px` count as
    moving. Returns the mean difference over trusted moving pixels and over trusted still
    ones (0 where there are none), the moving pixels' share of the trusted ones, and the
    moving pixels' share of the summed difference (0 when the clip has no difference at all).
    """
    moving_sum = still_sum = 0.0
    moving_count = still_count = 0
    for difference, trusted, motion in frames:
        if not (difference.shape == trusted.shape == motion.shape):
            raise ValueError(f"error_by_motion: shapes differ: {difference.shape}, {trusted.shape}, {motion.shape}")
        moving = trusted & (motion > moving_px)
        still = trusted & ~(motion > moving_px)
        moving_sum += float(difference[moving].sum())
        still_sum += float(difference[still].sum())
        moving_count += int(moving.sum())
        still_count += int(still.sum())
    total = moving_sum + still_sum
    return {
        "moving": moving_sum / moving_count if moving_count else 0.0,
        "still": still_sum / still_count if still_count else 0.0,
        "moving_pixels": moving_count / max(1, moving_count + still_count),
        "moving_error_share": moving_sum / total if total > 0 else 0.0,
    }
