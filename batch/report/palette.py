"""The report's colours, in one place: the stylesheet, the charts and the tests that hold
every pair to WCAG 2.1's contrast ratios read them here.

Text is always drawn on white (values sit beside their bar, never on it), so text needs
4.5:1 against white; a bar or a legend swatch is a graphical object and needs 3:1
against the white around it (WCAG 1.4.3 and 1.4.11).
"""

from __future__ import annotations

WHITE = "#ffffff"
INK = "#1f2933"  # text
SOFT = "#52606d"  # secondary text, axes
HEAD = "#f5f7fa"  # table headers
LINE = "#d9e2ec"  # table rules and grid lines (decoration, not information)
BLUE = "#2f6fb3"
GREEN = "#2e7d32"
RED = "#c0392b"
AMBER = "#b45309"  # darker than the usual amber: 5.0:1 on white
GREY = "#616e7c"

#: A status's kind (``html_bits.kind``) -> its bar colour.
KIND_COLORS = {"s-good": GREEN, "s-bad": RED, "s-warn": AMBER, "s-neutral": GREY}
#: Every colour text is drawn in, on the page and in the charts.
TEXT_COLORS = (INK, SOFT, RED, GREEN, AMBER, BLUE)
#: Every colour a bar, column or swatch is filled with.
BAR_COLORS = (BLUE, GREEN, RED, AMBER, GREY)
#: What text and bars are drawn on.
BACKGROUNDS = (WHITE, HEAD)
