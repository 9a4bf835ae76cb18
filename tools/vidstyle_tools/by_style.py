"""Which styles tools/temporal_eval.py paints, and how steady each one came out.

A stability loss reaches each style differently: the network of issue 28 (step 22204) met 0.7x
of the shipped model's warping error on vtest.avi with starry-night (style 0, 0.72) but stayed at
0.94 with great-wave and composition-vii (docs/model.md, "Model v2"). A figure taken with
one style says little about the others, so the evaluation can paint several and lay them side
by side.
"""
from __future__ import annotations


def parse_style_list(spec: str, count: int) -> list[int]:
    """`all`, or comma-separated indices below `count`, in the order given, each once."""
    if spec.strip() == "all":
        return list(range(count))
    chosen: list[int] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        if not item.isdigit() or int(item) >= count:
            raise ValueError(f"--style {item!r} is not a style index from 0 to {count - 1}, or 'all' "
                             "(vidstyle styles lists them)")
        if int(item) not in chosen:
            chosen.append(int(item))
    if not chosen:
        raise ValueError("--style names no style: give indices such as 0,4 or 'all'")
    return chosen


def style_summary(results: list[dict], labels: list[str], names: dict[int, str]) -> list[str]:
    """For each run after the first, a table of its warping error as a ratio to the first run's:
    one row per style, one column per clip, and the worst clip. Rows of `results` carry
    'clip', 'style' and one entry per label with 'warping_error'."""
    clips: list[str] = []
    styles: list[int] = []
    for row in results:
        if row["clip"] not in clips:
            clips.append(row["clip"])
        if row["style"] not in styles:
            styles.append(row["style"])
    by_key = {(row["clip"], row["style"]): row for row in results}
    first = labels[0]
    lines: list[str] = []
    for label in labels[1:]:
        lines += [f"Warping error of {label} against {first}, per style:", "",
                  "| style | " + " | ".join(clips) + " | worst |", "|---|" + "---|" * (len(clips) + 1)]
        for style in styles:
            ratios = []
            for clip in clips:
                row = by_key.get((clip, style))
                ratios.append(None if row is None else
                              row[label]["warping_error"] / max(row[first]["warping_error"], 1e-9))
            known = [r for r in ratios if r is not None]
            cells = ["–" if r is None else f"{r:.2f}" for r in ratios]
            worst = f"{max(known):.2f}" if known else "–"
            lines.append(f"| {style} {names.get(style, '')}".rstrip() + " | " + " | ".join(cells) + f" | {worst} |")
        lines.append("")
    return lines[:-1] if lines else lines
