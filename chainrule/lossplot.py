"""The picture `chainrule train --plot` draws: the mean training loss of each
epoch, as PNG bytes (matplotlib, Agg backend: no display needed).

matplotlib is the optional extra [plot]; ``require`` says so in one line
before any training starts.
"""
from __future__ import annotations

import io

from derive.errors import ChainruleError

from .files import PNG_SOFTWARE

INSTALL = 'pip install "chainrule[plot]"'


def require() -> None:
    """ChainruleError unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ChainruleError(f"--plot needs matplotlib: {INSTALL}") from None


def png_bytes(history: list[float], title: str, subtitle: str) -> bytes:
    """The loss curve as a PNG.  The same history gives the same bytes: the
    only metadata is Software=chainrule (which also marks the file as ours)."""
    import matplotlib
    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    epochs = range(1, len(history) + 1)
    fig = Figure(figsize=(6.4, 4.0), dpi=100)
    ax = fig.add_subplot()
    ax.plot(epochs, history, color="tab:blue", linewidth=1.5, marker="o" if len(history) <= 30 else None,
            markersize=3)
    positive = all(h > 0 for h in history)
    # A loss that falls by orders of magnitude is only readable on a log scale.
    if positive and max(history) > 10 * min(history):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss J")
    ax.set_title(f"{title}\n{subtitle}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    if len(history) <= 10:
        ax.set_xticks(list(epochs))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": PNG_SOFTWARE})
    return buffer.getvalue()
