"""Spec strings, keyword construction, TOML files and presets."""
from fractions import Fraction

import pytest

import derive
from derive import Act, Network, SpecError


@pytest.mark.parametrize("text, spec", [
    ("2-3:sigmoid-1/mse", "2-3:sigmoid-1:identity/mse"),
    ("2-3-1", "2-3:sigmoid-1:identity/mse"),
    (" 2 - 3 : tanh - 1 / sum ", "2-3:tanh-1:identity/mse/sum"),
    ("1-1/se/nobias", "1-1:identity/se/nobias"),
    ("2-4:relu-4:relu-3:softmax/ce", "2-4:relu-4:relu-3:softmax/ce"),
    ("2-3:leaky_relu(1e-3)-1", "2-3:leaky_relu(0.001)-1:identity/mse"),
    ("2-3:elu-1:sigmoid/bce", "2-3:elu(1.0)-1:sigmoid/bce"),
])
def test_parse_normalises(text, spec):
    net = Network.parse(text)
    assert net.spec == spec
    assert Network.parse(net.spec) == net


def test_keyword_construction():
    net = Network.dense((2, 3, 1))
    assert net == Network.parse("2-3-1")
    net = Network.dense([2, 3, 1], activations=["relu", "leaky_relu(0.2)"], loss="se", bias=False)
    assert net.spec == "2-3:relu-1:leaky_relu(0.2)/se/nobias"
    assert net.act(2) == Act("leaky_relu", 0.2)
    assert net.n_params == 9 and len(net.param_names()) == 9


@pytest.mark.parametrize("text, message", [
    ("2-3:sigmod-1", "unknown activation 'sigmod' (did you mean 'sigmoid'?) at position 5"),
    ("2-3-1/ce", "ce needs a softmax output"),
    ("2-1/bce", "bce needs a sigmoid output"),
    ("2-3:softmax-1", "softmax is for the output layer only"),
    ("2-3:relu-3:softmax/mse", "a softmax output goes with ce"),
    ("2-1:softmax/ce", "softmax needs at least 2 outputs"),
    ("2-", "expected a layer (a width or conv"),
    ("2-3x", "only the input may be T x F or C x H x W at position 3"),
    ("2", "has only an input layer"),
    ("0-1", "the input size 0 must be at least 1"),
    ("2-0-1", "a layer width 0 must be at least 1"),
    ("2:relu-1", "the input layer takes no activation"),
    ("2-1:relu(0.1)", "takes no parameter"),
    ("2-1:leaky_relu(x)", "'x' in 'leaky_relu(x)'"),
    ("2-1:leaky_relu(-1)", "positive finite alpha"),
    ("2-3-1/nobais", "unknown loss or option 'nobais' (did you mean 'nobias'?)"),
    ("2-3-1/mse/se", "two losses"),
    ("2-3-1/sum/sum", "'sum' is given twice"),
    ("mlp-2-3-2", "not a preset, a TOML file or a spec (did you mean 'mlp-2-3-1'?)"),
    ("", "empty spec"),
])
def test_errors_name_the_problem(text, message):
    with pytest.raises(SpecError) as err:
        derive.load(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_check_param():
    net = Network.parse("2-3-1")
    assert net.check_param("w1_2_1") == "w1_2_1"
    with pytest.raises(SpecError, match="has no parameter 'w1_4_1'"):
        net.check_param("w1_4_1")
    with pytest.raises(SpecError, match="did you mean 'w1_2_1'"):
        net.check_param("w1_2_1x")
    with pytest.raises(SpecError, match="no biases"):
        Network.parse("2-1/nobias").check_param("b1_1")


def test_presets_have_examples_matching_their_specs():
    specs = {"single-weight": "1-1/se/nobias", "relu-square": "1-2:relu-1/half_se",
             "mlp-2-3-1": "2-3:sigmoid-1/mse", "softmax-2hidden": "2-4:relu-4:relu-3:softmax/ce",
             "logistic": "2-1:sigmoid/bce",
             "small-cnn": "1x4x4-conv(2,3):relu-maxpool(2)-flatten-2:softmax/ce",
             "bn-mlp": "3-4:relu-bn-2:softmax/ce", "residual-mlp": "2-res(2:relu-2)-1/mse",
             "tiny-rnn": "3x1-rnn(2)-1/mse"}
    assert list(derive.PRESETS) == list(specs)
    for name, spec in specs.items():
        net = derive.load(name)
        assert net == Network.parse(spec) and net.name == name
        ex = net.example
        assert len(ex.X) == len(ex.Y) and [p for p, _ in ex.params] == net.param_names()
    sw = derive.load("single-weight").example
    assert (float(sw.X[0][0]), float(sw.Y[0][0]), float(sw.params[0][1]), float(sw.lr)) == (1.5, 0.5, 0.8, 0.1)
    assert derive.load("mlp-2-3-1").example.m == 4


def test_toml(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('[network]\nlayers = [2, 2, 1]\nactivations = ["tanh", "sigmoid"]\nloss = "bce"\n'
                    '[example]\nx = [[1.0, 2.0]]\ny = [[1.0]]\nW1 = [[0.1, 0.2], [0.3, 0.4]]\n'
                    'b1 = [0.0, 0.1]\nW2 = [[0.5, -0.5]]\nb2 = [0.25]\nlr = 0.5\nsteps = 2\n')
    net = derive.load(str(path))
    assert net.spec == "2-2:tanh-1:sigmoid/bce"
    assert dict(net.example.params)["w1_2_1"] == Fraction(3, 10) and net.example.steps == 2


@pytest.mark.parametrize("body, message", [
    ("[network]\nlayers = [2, 1]\nloss = 'msee'\n", "unknown loss 'msee' (did you mean 'mse'?)"),
    ("[network]\nlayer = [2, 1]\n", "unknown key 'layer' in [network] (did you mean 'layers'?)"),
    ("[netwrk]\n", "unknown table [netwrk]"),
    ("[network\n", "is not valid TOML"),
    ("[network]\nlayers = [2, 1]\n[example]\nx = [[1.0]]\ny = [[1.0]]\n", "example 1 has 1 numbers but the shape 2 needs 2"),
    ("[network]\nlayers = [2, 1]\n[example]\nx = [[1.0, 1.0]]\ny = [[1.0]]\nw1_1_1 = 1\n",
     "gives no value for w1_1_2"),
])
def test_toml_errors(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(SpecError) as err:
        derive.load(str(path))
    assert message in str(err.value)


def test_missing_toml_file():
    with pytest.raises(SpecError, match="cannot read 'nope.toml'"):
        derive.load("nope.toml")


def test_toml_layer_kinds_flat_image_rows_and_l2(tmp_path):
    """The TOML form takes the spec's tokens, l2 as a key, and an image
    example as flat rows (row-major, as torch.flatten) or nested: the two
    give the same example, and its gradients are torch's."""
    import numpy as np
    from derive.graph import Graph
    from derive.worked import evaluate
    from .test_graph import arrays
    from ..torch_reference import loss_and_grads
    head = ('[network]\nlayers = ["1x3x3", "conv(1,2):relu", "maxpool(2)", "flatten", "2:softmax"]\n'
            'loss = "ce"\nl2 = 0.25\n[example]\ny = [[1, 0], [0, 1]]\n'
            'W1 = [[[[0.5, -0.5], [0.25, 0.1]]]]\nb1 = [0.1]\nW4 = [[0.3], [-0.2]]\nb4 = [0.0, 0.1]\n')
    flat, nested = tmp_path / "flat.toml", tmp_path / "nested.toml"
    flat.write_text(head + "x = [[1, 0, 2, 0, 1, 0, 2, 0, 1], [0, 1, 0, 1, 0, 1, 0, 1, 0]]\n")
    nested.write_text(head + "x = [[[[1, 0, 2], [0, 1, 0], [2, 0, 1]]], [[[0, 1, 0], [1, 0, 1], [0, 1, 0]]]]\n")
    a, b = derive.load(str(flat)), derive.load(str(nested))
    assert a.spec == "1x3x3-conv(1,2):relu-maxpool(2)-flatten-2:softmax/ce/l2(0.25)"
    assert a.example.X == b.example.X and a.example.X[0][2] == 2
    ev = evaluate(Graph(a), a.example)
    J, grads = loss_and_grads(a, *arrays(a, a.example))
    assert float(ev.loss) == pytest.approx(J, rel=1e-12)
    for p in a.param_names():
        key, idx = derive.names.locate(p, a.param_shapes())
        assert float(ev.gradients[p]) == pytest.approx(grads[key][idx], rel=1e-10, abs=1e-14), p
    l2 = tmp_path / "l2.toml"
    l2.write_text('[network]\nlayers = [2, 3, 1]\nl2 = 0.5\n')
    assert derive.load(str(l2)).spec == "2-3:sigmoid-1:identity/mse/l2(0.5)"
    for body, message in [('spec = "2-1"\nl2 = 0.5\n', "give l2 inside spec"),
                          ('layers = [2, 1]\nl2 = -1\n', "l2 must be a number >= 0")]:
        l2.write_text("[network]\n" + body)
        with pytest.raises(SpecError, match=message):
            derive.load(str(l2))
