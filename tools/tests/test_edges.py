"""Checks of the edge test's geometry (vidstyle_tools/edges.py, used by tools/edge_check.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vidstyle_tools.edges import band_differences, mirror_extend  # noqa: E402


class EdgeTests(unittest.TestCase):
    def test_mirroring_does_not_repeat_the_edge_pixel(self):
        picture = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
        large = mirror_extend(picture, 2)
        self.assertEqual(large.shape, (7, 8, 1))
        self.assertTrue(np.array_equal(large[2:5, 2:6], picture))
        self.assertEqual(list(large[2, :, 0]), [2, 1, 0, 1, 2, 3, 2, 1])

    def test_a_streak_along_one_side_shows_on_that_side_only(self):
        rng = np.random.default_rng(0)
        large = rng.integers(0, 256, (100, 120, 3), dtype=np.uint8)
        small = large[10:90, 10:110].copy()
        top = (slice(0, 8), slice(8, -8))  # the top 8 rows, clear of the side bands' corners
        small[top] = np.clip(small[top].astype(int) + 12, 0, 255).astype(np.uint8)
        d = band_differences(small, large, offset=10)
        self.assertGreater(d["top"], 9.0)
        for side in ("bottom", "left", "right", "inside"):
            self.assertEqual(d[side], 0.0, side)
        # the four sides pooled: the top's 8 of 80 rows, minus the corners the sides share
        self.assertGreater(d["all"], 0.0)
        self.assertLess(d["all"], d["top"])

    def test_the_inside_keeps_clear_of_every_edge(self):
        large = np.zeros((100, 100, 3), np.uint8)
        small = np.zeros((80, 80, 3), np.uint8)
        small[8:32, 8:72] = 30         # between the top band and the inside: neither counts it
        small[40, 40] = 200            # one of the inside's 16 x 16 pixels
        d = band_differences(small, large, offset=10)
        self.assertEqual(d["top"], 0.0)
        self.assertAlmostEqual(d["inside"], 200 / 256)

    def test_a_picture_that_does_not_fit_is_refused(self):
        with self.assertRaises(ValueError):
            band_differences(np.zeros((50, 50, 3), np.uint8), np.zeros((60, 60, 3), np.uint8), offset=20)


if __name__ == "__main__":
    unittest.main()
