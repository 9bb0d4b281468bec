"""Where the parts of a stack of feature maps go, in centimetres, for any
printer that draws a Diagram (TikZ here; SVG likewise): the size of each
map from its height and width, the stack's outline, and the window of a
conv or pooling layer on the previous stack with the output entry it makes.

A stack is centred on (x, 0).  Its maps are rectangles offset up and to
the right, the front one (drawn last) at the bottom left."""
from __future__ import annotations

import math
from dataclasses import dataclass

STEP = 0.18      # offset between two maps of a stack, both ways
LARGEST = 2.4    # side of the largest map of the diagram
SMALLEST = 0.6   # no map drawn smaller
GRID = 8         # the front map of a stack shows its entries when neither side is longer


def is_maps(item) -> bool:
    return type(item).__name__ == "FeatureMaps"


def is_empty(item) -> bool:
    return type(item).__name__ == "Empty"


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float


class Stacks:
    """The geometry of every stack of one diagram: sides scale with the
    square root of the map's size against the diagram's largest map."""

    def __init__(self, columns):
        sizes = [max(n.height, n.width) for c in columns for n in c.neurons if is_maps(n)]
        self.largest = max(sizes, default=1)

    def side(self, n: int) -> float:
        return max(SMALLEST, LARGEST * math.sqrt(n / self.largest))

    def size(self, maps) -> tuple[float, float]:
        """Width and height of the whole stack."""
        extra = (maps.drawn - 1) * STEP
        return self.side(maps.width) + extra, self.side(maps.height) + extra

    def maps(self, maps, x: float) -> list[Rect]:
        """The drawn maps, back first (the order to draw them in)."""
        w, h = self.size(maps)
        sw, sh = self.side(maps.width), self.side(maps.height)
        out = []
        for k in reversed(range(maps.drawn)):
            x0, y0 = x - w / 2 + k * STEP, -h / 2 + k * STEP
            out.append(Rect(x0, y0, x0 + sw, y0 + sh))
        return out

    def more(self, maps, x: float) -> tuple[float, float] | None:
        """Where the dots go that stand for the maps not drawn (None: all drawn)."""
        if maps.channels <= maps.drawn:
            return None
        back = self.maps(maps, x)[0]
        return back.x1 + STEP / 2, back.y1 + STEP / 2

    def grid(self, maps, x: float) -> list[tuple[float, float, float, float]]:
        """The lines between the entries of the front map, (x0, y0, x1, y1) each;
        none for a large map."""
        if max(maps.height, maps.width) > GRID:
            return []
        f = self.maps(maps, x)[-1]
        cx, cy = (f.x1 - f.x0) / maps.width, (f.y1 - f.y0) / maps.height
        return ([(f.x0 + j * cx, f.y0, f.x0 + j * cx, f.y1) for j in range(1, maps.width)] +
                [(f.x0, f.y0 + i * cy, f.x1, f.y0 + i * cy) for i in range(1, maps.height)])

    def window(self, src, x_src: float, dst, x_dst: float) -> tuple[Rect, Rect]:
        """The window (kernel or pooling) on the front map of ``src`` and the
        entry of the front map of ``dst`` it makes: the top right output entry,
        so the window sits in the top right of the input (padding may put part
        of it outside the map, as the padding does)."""
        front, out = self.maps(src, x_src)[-1], self.maps(dst, x_dst)[-1]
        cx, cy = (front.x1 - front.x0) / src.width, (front.y1 - front.y0) / src.height
        j = (dst.width - 1) * dst.stride - dst.pad     # first input column of the window
        i = -dst.pad                                   # first input row (output row 0)
        win = Rect(front.x0 + j * cx, front.y1 - (i + dst.kernel) * cy,
                   front.x0 + (j + dst.kernel) * cx, front.y1 - i * cy)
        ox, oy = (out.x1 - out.x0) / dst.width, (out.y1 - out.y0) / dst.height
        cell = Rect(out.x1 - ox, out.y1 - oy, out.x1, out.y1)
        return win, cell
