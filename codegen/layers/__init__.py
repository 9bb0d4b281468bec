"""The NumPy lines of each layer kind, one module per kind (as
``derive/layers/`` holds one value per kind).  ``build`` turns a network's
layer values into their code objects, recursing into residual blocks."""
from __future__ import annotations

from derive.layers import (BatchNorm, Conv, Dense, Dropout, Flatten, LayerNorm, Pool, Recurrent,
                           Residual)

from .base import Ctx, Grad, LayerCode, Rec, Upd
from .conv import ConvCode
from .dense import DenseCode
from .dropout import DropoutCode
from .norm import BatchNormCode, LayerNormCode
from .pool import PoolCode
from .recurrent import RecurrentCode
from .reshape import FlattenCode
from .residual import ResidualCode

KINDS = {Dense: DenseCode, Conv: ConvCode, Pool: PoolCode, Flatten: FlattenCode, BatchNorm: BatchNormCode,
         LayerNorm: LayerNormCode, Dropout: DropoutCode, Recurrent: RecurrentCode}


def build(layers, shape, ctx: Ctx, keep_last_z: bool = False, output: bool = True) -> list[LayerCode]:
    """The code objects of ``layers`` on input ``shape``.  ``output``: these
    layers end the network; ``keep_last_z``: the loss reads the last layer's
    pre-activation, so its activation must not overwrite it."""
    codes = []
    for i, layer in enumerate(layers):
        last = output and i == len(layers) - 1
        if isinstance(layer, Residual):
            r = ctx.next_res()   # blocks take their numbers in token order, outer first
            inner = build(layer.inner, shape, ctx, output=False)
            code = ResidualCode(layer, shape, ctx, inner, r, output=last, keep_z=last and keep_last_z)
        elif isinstance(layer, (Dense, Conv)):
            code = KINDS[type(layer)](layer, shape, ctx, output=last, keep_z=last and keep_last_z)
        else:
            code = KINDS[type(layer)](layer, shape, ctx, output=last)
        codes.append(code)
        shape = code.shape_out
    return codes


__all__ = ["Ctx", "Grad", "KINDS", "LayerCode", "Rec", "Upd", "build"]
