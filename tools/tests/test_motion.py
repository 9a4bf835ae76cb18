"""Checks of the random motions the temporal-consistency loss trains with (vidstyle_tools/motion.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import random
import sys
import unittest

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vidstyle_tools.motion import codec_artifacts, grain_stability, random_motion, valid_mask, warp  # noqa: E402

STILL = dict(max_shift=0, max_degrees=0, max_zoom=0, flow_probability=0)


class MotionTests(unittest.TestCase):
    def test_no_motion_is_the_identity(self):
        x = torch.rand(2, 3, 40, 56)
        grid = random_motion(2, 40, 56, random.Random(1), **STILL)
        self.assertLess(float((warp(x, grid) - x).abs().max()), 1e-5)

    def test_a_shift_moves_by_whole_pixels_exactly(self):
        x = torch.rand(1, 3, 32, 48)
        grid = random_motion(1, 32, 48, random.Random(1), **STILL)
        grid[..., 0] += 3 / (48 / 2)  # every output pixel samples 3 px to its right
        grid[..., 1] -= 2 / (32 / 2)  # and 2 px above
        moved = warp(x, grid)
        self.assertLess(float((moved[..., 2:, :-3] - x[..., :-2, 3:]).abs().max()), 1e-5)

    def test_motions_are_small_and_differ_per_sample(self):
        grid = random_motion(8, 128, 128, random.Random(3))
        still = random_motion(1, 128, 128, random.Random(3), **STILL)
        pixels = (grid - still) * 64
        largest = pixels.abs().amax(dim=(1, 2, 3))
        self.assertTrue(bool((largest > 0.05).all()), "every sample moves")
        self.assertLess(float(largest.max()), 12.0, "a frame-to-frame motion, not a jump")
        self.assertGreater(float(largest.std()), 0.0)

    def test_the_mask_leaves_out_edges_and_what_came_from_outside(self):
        grid = random_motion(1, 64, 64, random.Random(1), **STILL)
        grid[..., 0] += 10 / 32  # sampled 10 px to the right: the right 10 columns came from outside
        mask = valid_mask(grid, 4)[0, 0]
        self.assertEqual(float(mask[:4].sum()), 0.0)
        self.assertEqual(float(mask[:, :4].sum()), 0.0)
        self.assertEqual(float(mask[:, 64 - 14:].sum()), 0.0)
        self.assertEqual(float(mask[10:50, 10:40].min()), 1.0)

    def test_the_loss_tells_a_painter_that_moves_with_the_picture_from_one_that_does_not(self):
        rng = random.Random(5)
        x = F.avg_pool2d(torch.rand(2, 3, 96, 96), 5, stride=1, padding=2)
        grid = random_motion(2, 96, 96, rng)
        mask = valid_mask(grid, 8)

        def loss(paint):
            return float(((paint(warp(x, grid)) - warp(paint(x), grid)) ** 2 * mask).sum() / mask.sum())

        def steady(img):  # depends on the picture only
            return img.mean(dim=1, keepdim=True).expand_as(img) ** 2

        ramp = torch.linspace(0, 1, 96)[None, None, None, :]

        def pinned(img):  # a pattern fixed to the frame, as flicker is
            return img * 0.5 + 0.5 * torch.sin(ramp * 40)

        self.assertLess(loss(steady), 1e-4)
        self.assertGreater(loss(pinned), 100 * max(loss(steady), 1e-6))



class GrainStabilityTests(unittest.TestCase):
    def test_a_painter_that_ignores_its_input_has_no_grain_error(self):
        x = torch.rand(2, 3, 24, 24) * 0.5 + 0.25
        flat = torch.full_like(x, 0.4)
        self.assertEqual(float(grain_stability(lambda images: flat, x, flat, 0.05)), 0.0)

    def test_a_painter_that_copies_its_input_keeps_all_the_grain(self):
        torch.manual_seed(3)
        x = torch.rand(2, 3, 64, 64) * 0.5 + 0.25  # far from 0 and 1: the clamp changes nothing
        error = float(grain_stability(lambda images: images, x, x, 0.04))
        self.assertAlmostEqual(error, 0.04 ** 2, delta=0.04 ** 2 * 0.1)

    def test_the_error_passes_its_gradient_to_the_painter(self):
        gain = torch.tensor(2.0, requires_grad=True)
        x = torch.rand(1, 3, 16, 16) * 0.5 + 0.25
        grain_stability(lambda images: images * gain, x, (x * gain).detach(), 0.03).backward()
        self.assertIsNotNone(gain.grad)
        self.assertGreater(float(gain.grad.abs()), 0.0)

    def test_codec_artifacts_add_to_the_grain_a_painter_would_copy(self):
        torch.manual_seed(4)
        x = F.interpolate(torch.rand(2, 3, 8, 8), size=(64, 64), mode="bicubic", align_corners=False)
        x = (x * 0.5 + 0.25 + torch.rand(2, 3, 64, 64) * 0.2).clamp(0, 1)
        copy = lambda images: images  # noqa: E731
        torch.manual_seed(5)
        grain = float(grain_stability(copy, x, x, 0.01))
        torch.manual_seed(5)
        self.assertGreater(float(grain_stability(copy, x, x, 0.01, codec_quality=30)), grain * 1.5)


class CodecArtifactTests(unittest.TestCase):
    def picture(self) -> torch.Tensor:
        torch.manual_seed(6)
        smooth = F.interpolate(torch.rand(1, 3, 6, 6), size=(48, 64), mode="bicubic", align_corners=False)
        return (smooth * 0.6 + 0.2 + torch.rand(1, 3, 48, 64) * 0.15).clamp(0, 1)

    def test_the_picture_keeps_its_size_and_stays_close(self):
        x = self.picture()
        out = codec_artifacts(x, 50)
        self.assertEqual(out.shape, x.shape)
        self.assertEqual(out.dtype, x.dtype)
        self.assertLess(float((out - x).abs().mean()), 0.05)
        self.assertGreater(float((out - x).abs().mean()), 0.002)

    def test_lower_quality_changes_more(self):
        x = self.picture()
        self.assertGreater(float(((codec_artifacts(x, 30) - x) ** 2).mean()),
                           1.2 * float(((codec_artifacts(x, 90) - x) ** 2).mean()))

    def test_a_flat_picture_comes_back_flat(self):
        flat = torch.full((1, 3, 32, 32), 0.5)
        self.assertLess(float((codec_artifacts(flat, 30) - flat).abs().max()), 2.5 / 255)


if __name__ == "__main__":
    unittest.main()
