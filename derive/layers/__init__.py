"""Layer kinds, one file each; every kind is a small frozen value."""
from .base import IDENTITY, Act, Layer, Shape, input_shapes, shape_kind, shape_text
from .conv import Conv
from .dense import Dense
from .dropout import Dropout
from .norm import BatchNorm, LayerNorm
from .pool import Pool
from .recurrent import Recurrent
from .reshape import Flatten
from .residual import Residual

__all__ = ["Act", "BatchNorm", "Conv", "Dense", "Dropout", "Flatten", "IDENTITY", "Layer", "LayerNorm",
           "Pool", "Recurrent", "Residual", "Shape", "input_shapes", "shape_kind", "shape_text"]
