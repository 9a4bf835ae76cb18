"""The losses a painting is judged by in training, shared by the full training (tools/train.py)
and a user style's learning (tools/learn_style.py), so both optimise the figures that
tools/evaluate.py reports.

Style is judged by Gram matrices of VGG16 features (Johnson et al.) as a *ratio*: the output's
distance to the painting over the unstylized crop's own distance. A raw Gram distance depends
on how far the photo already was from the painting (a dark green plant starts 20 times nearer
to some paintings than an orange fruit), so the ratio is what lets one weight serve every photo
and every painting.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .vgg import gram

STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
CONTENT_LAYER = "relu3_3"


def gram_distances(features: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per sample and layer, the squared distance between the features' Gram matrix and the
    painting's ([N] per layer); `target` holds [C, C] or [N, C, C] Gram matrices."""
    return {l: ((gram(features[l]) - target[l]) ** 2).sum(dim=(1, 2)) for l in STYLE_LAYERS}


def style_ratios(out_distances: dict[str, torch.Tensor],
                 in_distances: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Two per-sample ratios of the painted crop's Gram distance to the photo's: the summed one
    (the evaluation's figure, ruled by relu3_3, whose distances are ten times relu1_2's) and the
    mean of each layer's own ratio, which gives the colour layers an equal say: trained on the
    summed ratio alone the outputs kept muted average colours."""
    summed = sum(out_distances.values()) / sum(in_distances.values()).clamp_min(1e-12)
    per_layer = sum(out_distances[l] / in_distances[l].clamp_min(1e-12) for l in STYLE_LAYERS) / len(STYLE_LAYERS)
    return summed, per_layer


def content_distance(out_features: torch.Tensor, photo_features: torch.Tensor) -> torch.Tensor:
    """Per sample, mean((F_out - F_photo)^2) / mean(F_photo^2) at the content layer: relative,
    so a dark photo's small features count as much as a bright one's (evaluate.py's content)."""
    return ((out_features - photo_features) ** 2).mean(dim=(1, 2, 3)) / (photo_features ** 2).mean(dim=(1, 2, 3))


def luminance_layout(rgb: torch.Tensor, cell: int = 8) -> torch.Tensor:
    """Where a picture is light and where dark, in blocks of cell x cell pixels, as a per-image
    standard score: the palette may change with the style, the layout of its masses may not.
    The 0.05 floor keeps a nearly flat picture's noise from being blown up."""
    y = (0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2])[:, None]
    y = F.avg_pool2d(y, cell)
    mean = y.mean(dim=(2, 3), keepdim=True)
    std = y.std(dim=(2, 3), keepdim=True)
    return (y - mean) / (std + 0.05)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring pixels, down and across: a small pull against
    single-pixel speckle in the painting."""
    return (((images[:, :, 1:, :] - images[:, :, :-1, :]) ** 2).mean()
            + ((images[:, :, :, 1:] - images[:, :, :, :-1]) ** 2).mean())


def paint_with_margin(net: torch.nn.Module, images: torch.Tensor, style_weights: torch.Tensor,
                      margin: int) -> torch.Tensor:
    """The network as the engine runs it: the input mirrored by `margin` pixels on every side,
    painted, and cropped back, so the losses judge what users see. Judged with its border, the
    zero-padded network learned to paint a frame of the painting's colours there (the-scream's
    red), which the engine crops away: step 15064's the-scream scored 0.138 with it, 0.346 without."""
    if margin == 0:
        return net(images, style_weights)
    m = margin
    return net(F.pad(images, (m, m, m, m), mode="reflect"), style_weights)[:, :, m:-m, m:-m]


def at_loss_scale(images: torch.Tensor, scale: float) -> torch.Tensor:
    """The crops as the loss network sees them: resized by `scale` (the evaluation judges 640 px
    paintings at 512 px, so its strokes are 0.8 times the size they were painted at)."""
    if scale == 1:
        return images
    return F.interpolate(images, scale_factor=scale, mode="bilinear", antialias=True)
