"""The preset networks, each with its worked example."""
from __future__ import annotations

from dataclasses import replace

from .example import example_from_table
from .spec import parse_spec

_TABLES = {
    "single-weight": (
        "1-1/se/nobias",
        "One weight, no bias, no activation: yhat = x*w, J = (yhat - y)^2. "
        "Gradient descent walks w towards y/x = 1/3.",
        {"x": [[1.5]], "y": [[0.5]], "w1_1_1": 0.8, "lr": 0.1, "steps": 6},
    ),
    "relu-square": (
        "1-2:relu-1/half_se",
        "A 1-2-1 ReLU network fitting y = x^2 from four points, with half squared "
        "error. The ReLU derivative switches paths on and off.",
        {"x": [[-1.0], [0.5], [1.0], [2.0]], "y": [[1.0], [0.25], [1.0], [4.0]],
         "W1": [[1.0], [-1.0]], "b1": [0.5, 0.25], "W2": [[1.0, 1.0]], "b2": [0.0],
         "lr": 0.05, "steps": 3},
    ),
    "mlp-2-3-1": (
        "2-3:sigmoid-1/mse",
        "A [2, 3, 1] sigmoid network on a batch of 4 examples (XOR): the "
        "lesson is the shape of every gradient.",
        {"x": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
         "y": [[0.0], [1.0], [1.0], [0.0]],
         "W1": [[0.5, -0.5], [0.3, 0.8], [-0.7, 0.2]], "b1": [0.1, -0.1, 0.0],
         "W2": [[0.6, -0.4, 0.9]], "b2": [0.05], "lr": 0.5, "steps": 3},
    ),
    "softmax-2hidden": (
        "2-4:relu-4:relu-3:softmax/ce",
        "Two ReLU hidden layers and a softmax output with cross-entropy: the "
        "classification case, where the output delta is yhat - y.",
        {"x": [[1.0, 0.5], [-0.5, 1.0], [0.0, -1.0]],
         "y": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
         "W1": [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.6], [0.2, 0.1]], "b1": [0.1, 0.0, 0.1, -0.1],
         "W2": [[0.3, -0.1, 0.2, 0.4], [-0.2, 0.5, 0.1, 0.0], [0.4, 0.2, -0.3, 0.1],
                [0.1, 0.3, 0.2, -0.4]], "b2": [0.0, 0.1, -0.1, 0.05],
         "W3": [[0.2, -0.3, 0.5, 0.1], [-0.1, 0.4, -0.2, 0.3], [0.3, 0.1, 0.2, -0.5]],
         "b3": [0.0, 0.0, 0.0], "lr": 0.5, "steps": 3},
    ),
    "logistic": (
        "2-1:sigmoid/bce",
        "Logistic regression, the network with no hidden layer: the output "
        "error yhat - y is known directly.",
        {"x": [[1.0, 2.0], [2.0, -1.0], [-1.0, -0.5], [0.5, 1.5]],
         "y": [[1.0], [0.0], [0.0], [1.0]],
         "W1": [[0.5, -0.3]], "b1": [0.1], "lr": 0.5, "steps": 3},
    ),
    "small-cnn": (
        "1x4x4-conv(2,3):relu-maxpool(2)-flatten-2:softmax/ce",
        "A small CNN on two 4x4 images: two 3x3 kernels, ReLU, 2x2 max pooling, "
        "then a softmax classifier. The kernel gradient is a correlation of the "
        "input with the error, and pooling routes the error to each window's maximum.",
        {"x": [[[[0.0, 1.0, 0.0, 0.5], [1.0, 0.5, -0.5, 0.0], [0.0, -0.5, 1.0, 0.5], [0.5, 0.0, 0.5, 1.0]]],
               [[[1.0, 0.0, -1.0, 0.0], [0.5, 1.0, 0.0, -0.5], [0.0, 0.5, 1.0, 0.0], [-0.5, 0.0, 0.5, 1.0]]]],
         "y": [[1.0, 0.0], [0.0, 1.0]],
         "W1": [[[[0.2, -0.1, 0.3], [0.1, 0.4, -0.2], [-0.3, 0.2, 0.1]]],
                [[[-0.2, 0.3, 0.1], [0.4, -0.1, 0.2], [0.1, 0.1, -0.3]]]],
         "b1": [0.1, 0.0], "W4": [[0.5, -0.4], [-0.3, 0.6]], "b4": [0.0, 0.1], "lr": 0.5, "steps": 2},
    ),
    "bn-mlp": (
        "3-4:relu-bn-2:softmax/ce",
        "Batch norm between a ReLU layer and a softmax classifier, on a batch of "
        "four: each unit is normalised over the batch, so the examples' "
        "gradients are coupled through the mean and the variance.",
        {"x": [[1.0, 0.5, -0.5], [0.0, 1.0, 0.5], [-1.0, 0.5, 1.0], [0.5, -0.5, 0.0]],
         "y": [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]],
         "W1": [[0.5, -0.3, 0.2], [0.1, 0.4, -0.2], [-0.3, 0.2, 0.6], [0.2, 0.1, 0.3]],
         "b1": [0.1, 0.0, 0.2, 0.1], "gamma2": [1.0, 1.0, 1.0, 1.0], "beta2": [0.0, 0.0, 0.0, 0.0],
         "W3": [[0.3, -0.2, 0.1, 0.4], [-0.1, 0.2, 0.3, -0.4]], "b3": [0.0, 0.0], "lr": 0.5, "steps": 2},
    ),
    "residual-mlp": (
        "2-res(2:relu-2)-1/mse",
        "A residual block x + F(x) on two inputs, then a linear output: the "
        "gradient reaches x along the skip and through the block, and the two add up.",
        {"x": [[1.0, -0.5], [0.5, 1.0], [-1.0, 0.5]], "y": [[1.0], [0.5], [-0.5]],
         "W1": [[0.5, -0.2], [0.3, 0.4]], "b1": [0.1, 0.0], "W2": [[0.2, 0.1], [-0.3, 0.5]],
         "b2": [0.0, 0.1], "W3": [[0.6, -0.4]], "b3": [0.0], "lr": 0.1, "steps": 2},
    ),
    "tiny-rnn": (
        "3x1-rnn(2)-1/mse",
        "A tanh RNN with two hidden units over three time steps: the shared "
        "weights' gradients are sums over time, and the error flows back "
        "through a product of Jacobians (backpropagation through time).",
        {"x": [[[1.0], [0.5], [-0.5]], [[0.0], [1.0], [0.5]]], "y": [[0.5], [-0.5]],
         "Wx1": [[0.5], [-0.3]], "Wh1": [[0.4, -0.2], [0.1, 0.6]], "b1": [0.0, 0.1],
         "W2": [[0.7, -0.5]], "b2": [0.0], "lr": 0.1, "steps": 2},
    ),}


def _preset(name: str):
    spec, description, table = _TABLES[name]

    def build():
        net = parse_spec(spec)
        example = example_from_table(net, {**table, "description": description}, f"preset {name}")
        return replace(net, name=name, example=example)
    build.spec = spec
    build.description = description
    build.summary = description.split(". ")[0].split(":")[0].split(";")[0].rstrip(".")
    return build


PRESETS = {name: _preset(name) for name in _TABLES}
