"""Checks of the style learner's self-setting style weight (tools/learn_style.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from learn_style import steered_style_weight  # noqa: E402


class SteeredStyleWeightTests(unittest.TestCase):
    def test_more_style_while_the_content_is_well_kept_less_when_it_drifts_out(self):
        self.assertAlmostEqual(steered_style_weight(1.0, 1.0, 1.8), 1.02)
        self.assertAlmostEqual(steered_style_weight(1.0, 2.0, 1.8), 0.97)
        self.assertEqual(steered_style_weight(1.0, 1.7, 1.8), 1.0)  # between 85% and the limit

    def test_bounds(self):
        self.assertEqual(steered_style_weight(4.0, 0.1, 1.8), 4.0)
        self.assertEqual(steered_style_weight(0.5, 9.0, 1.8), 0.5)

    def test_boldness_widens_the_limit_and_the_ceiling(self):
        # A content figure past the plain limit still earns more style at boldness 2.
        self.assertAlmostEqual(steered_style_weight(1.0, 2.5, 1.8, boldness=2.0), 1.02)
        self.assertAlmostEqual(steered_style_weight(1.0, 2.5, 1.8, boldness=1.0), 0.97)
        self.assertAlmostEqual(steered_style_weight(4.0, 0.1, 1.8, boldness=2.0), 4.08)
        self.assertEqual(steered_style_weight(8.0, 0.1, 1.8, boldness=2.0), 8.0)


if __name__ == "__main__":
    unittest.main()
