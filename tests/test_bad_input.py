"""Bad input never becomes an internal error, a hang or a silent success.

The cases are generated: bad values for every typed option of every
subcommand (read from the argparse tables themselves), specs corrupted
from the grammar one mutation at a time, and TOML files with each key given
a value of the wrong type.  Each must give exit 2, one `chainrule: error:`
line, no traceback, within 10 s, and write nothing."""
from __future__ import annotations

import contextlib
import io
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chainrule.cli import build_parser, main

VALID = {"derive": ["mlp-2-3-1"], "codegen": ["mlp-2-3-1", "-o", "out.py"], "explore": ["mlp-2-3-1", "-o", "out.html"],
         "handout": ["mlp-2-3-1", "-o", "out.tex"], "train": ["mlp-2-3-1", "--data", "d.npz", "--epochs", "1",
                                                             "-o", "p.npz"],
         "exam": ["mlp-2-3-1", "--versions", "1", "-o", "e.xml"]}
BAD_VALUES = ["abc", "", "1e999999999", "-5", "ｘ", "9" * 60, "nan", "inf"]


def run(args, cwd):
    """main(args) in ``cwd``: (exit code, stderr, seconds, files created)."""
    before = set(os.listdir(cwd))
    old = os.getcwd()
    err, out = io.StringIO(), io.StringIO()
    os.chdir(cwd)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(args)
    finally:
        os.chdir(old)
    return code, err.getvalue(), time.perf_counter() - start, set(os.listdir(cwd)) - before


def assert_refused(args, cwd):
    code, err, seconds, created = run(args, cwd)
    lines = err.strip().splitlines()
    assert code == 2, (args, code, err)
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), (args, err)
    assert "Traceback" not in err and seconds < 10, (args, seconds)
    assert not created, (args, created)


def typed_options():
    """(command, option, choices) for every option that takes a checked value."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for command, p in sub.choices.items():
        for action in p._actions:
            if not action.option_strings or action.nargs == 0:
                continue
            if action.type is not None or action.choices is not None:
                yield command, action.option_strings[-1], action.choices


@pytest.mark.parametrize("command, option, choices", list(typed_options()))
def test_every_typed_option_refuses_bad_values(command, option, choices, tmp_path):
    if command not in VALID:
        return
    values = ["nope-not-a-choice"] if choices is not None else BAD_VALUES
    for value in values:
        if choices is not None and value in choices:
            continue
        assert_refused([command, *VALID[command], option, value], tmp_path)


# --------------------------------------------------------------- specs --

BASES = ["2-3:sigmoid-1/mse", "2-4:relu-4:relu-3:softmax/ce", "1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce",
         "4-8:relu-bn-3:softmax/ce", "4-res(4:relu-4):relu-2/mse/l2(0.01)", "2-3:relu-dropout(0.5)-1/se",
         "3x1-rnn(2)-1/mse", "5x3-gru(4)-2/mse"]


def corrupt(spec: str, how: str, rng_index: int) -> str:
    head, _, rest = spec.partition("-")
    body, slash, items = rest.partition("/")
    if how == "zero_width":
        return "0-" + rest
    if how == "huge_width":
        return f"{head}-{10 ** 12}-{rest}"
    if how == "unknown_layer":
        return f"{head}-dense9-{rest}"
    if how == "unknown_activation":
        return f"{head}-3:sigmod-{rest}"
    if how == "open_paren":
        return spec.replace(")", "", 1) if ")" in spec else spec + "-res(2"
    if how == "stray":
        pos = 1 + rng_index % (len(spec) - 1)
        return spec[:pos] + "@" + spec[pos:]
    if how == "dense_after_conv":
        return "1x6x6-conv(2,3)-3/mse"
    if how == "pool_too_big":
        return "1x3x3-maxpool(4)-flatten-2/mse"
    if how == "dropout_p":
        return f"{head}-dropout(1.5)-{rest}"
    if how == "l2_negative":
        return spec + "/l2(-1)"
    if how == "ce_without_softmax":
        return f"{head}-{body}" + "/ce" if "softmax" not in spec else spec.replace("softmax", "tanh")
    if how == "empty":
        return "   "
    if how == "too_many_layers":
        return "-".join(["2"] * 205)
    if how == "too_long":
        return "2-" + "3-" * 6000 + "1"
    if how == "fullwidth":
        return "２-３:ｓｉｇｍｏｉｄ-１/ｍｓｅ-→"
    if how == "res_changes_shape":
        return "4-res(3:relu)-2/mse"
    if how == "recurrent_on_flat":
        return "4-rnn(3)-2/mse"
    if how == "sequence_to_dense":
        return "3x2-4-1/mse"
    if how == "two_losses":
        return spec + "/mse/se"
    raise ValueError(how)


MUTATIONS = ["zero_width", "huge_width", "unknown_layer", "unknown_activation", "open_paren", "stray",
             "dense_after_conv", "pool_too_big", "dropout_p", "l2_negative", "ce_without_softmax", "empty",
             "too_many_layers", "too_long", "fullwidth", "res_changes_shape", "recurrent_on_flat",
             "sequence_to_dense", "two_losses"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(BASES), how=st.sampled_from(MUTATIONS), index=st.integers(0, 1000),
       command=st.sampled_from(["derive", "codegen", "handout", "train", "explore", "exam", "check"]))
def test_corrupted_specs_are_refused(tmp_path_factory, base, how, index, command):
    cwd = tmp_path_factory.mktemp("bad")
    spec = corrupt(base, how, index)
    args = {"derive": ["derive", spec], "codegen": ["codegen", spec, "-o", "o.py"],
            "handout": ["handout", spec, "-o", "o.tex"], "explore": ["explore", spec, "-o", "o.html"],
            "train": ["train", spec, "--data", "d.npz", "--epochs", "1", "-o", "p.npz"],
            "exam": ["exam", spec, "--versions", "1", "-o", "e.xml"],
            "check": ["check", spec, "--grad", "W1", "--answer", "X"]}[command]
    assert_refused(args, cwd)


# ---------------------------------------------------------------- TOML --

GOOD_NETWORK = 'layers = [2, 3, 1]\nactivations = ["tanh", "identity"]\nloss = "mse"\n'
GOOD_EXAMPLE = 'x = [[1.0, 2.0]]\ny = [[0.5]]\nW1 = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]\nb1 = [0.0, 0.0, 0.0]\n' \
               'W2 = [[1.0, -1.0, 0.5]]\nb2 = [0.0]\n'
WRONG = {"layers": ["3", '"2-3"', "[]", "[2]", "[2, 0, 1]", "[2, true]", "[[2]]"],
         "activations": ["3", '["nope", "identity"]', "[1, 2]"],
         "loss": ["3", '"msee"', "[]"], "bias": ['"yes"', "1"], "reduction": ['"avg"', "2"],
         "x": ["[]", "[[]]", '"x"', "[[1.0]]", "[[1e400, 2.0]]", "[[1.0, 2.0], [3.0, 4.0]]"],
         "y": ["[]", '[["a"]]', "[[1.0, 2.0]]"],
         "lr": ["0", "-0.1", '"fast"', "1e999", "[0.1]"], "steps": ["-1", "10000000", "1.5", '"3"'],
         "W1": ["[[0.1]]", '"w"', "[[0.1, 0.2], [0.3, 0.4], [0.5]]"], "w1_9_9": ["0.5"],
         "description": ["3", "[]"]}


def toml_cases():
    for key, values in WRONG.items():
        for value in values:
            table = "network" if key in ("layers", "activations", "loss", "bias", "reduction") else "example"
            network = "\n".join(line for line in GOOD_NETWORK.splitlines() if not line.startswith(key + " "))
            example = "\n".join(line for line in GOOD_EXAMPLE.splitlines() if not line.startswith(key + " "))
            if table == "network":
                network += f"\n{key} = {value}"
            else:
                example += f"\n{key} = {value}"
            yield f"{key}={value}", f"[network]\n{network}\n[example]\n{example}\n"


@pytest.mark.parametrize("label, text", list(toml_cases()))
def test_toml_values_of_the_wrong_kind(label, text, tmp_path):
    (tmp_path / "net.toml").write_text(text, encoding="utf-8")
    assert_refused(["derive", "net.toml", "--numbers"], tmp_path)


def test_toml_bytes_that_are_not_utf8(tmp_path):
    (tmp_path / "net.toml").write_bytes(b"[network]\nlayers = [2, 1]\nname = \"\xff\xfe\"\n")
    assert_refused(["derive", "net.toml"], tmp_path)


def test_bare_command_prints_usage_and_one_error_line(tmp_path):
    code, err, _, _ = run([], tmp_path)
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("chainrule: error: ")
    assert sum(line.startswith("chainrule: error:") for line in err.splitlines()) == 1


SATURATED = ('[network]\nspec = "1-1:sigmoid/bce"\n[example]\nx = [[1.0]]\ny = [[0.0]]\nW1 = [[{w}]]\n'
             'b1 = [0.0]\nsteps = 2\n')


@pytest.mark.parametrize("weight, args, says", [
    # sigmoid(1000) is 1 to far more than 30 digits, so the bce loss is log 0 already in the example
    ("1000.0", ["derive", "net.toml", "--numbers"], "numbers cannot be computed: log of 0"),
    ("1000.0", ["handout", "net.toml", "-o", "h.tex"], "numbers cannot be computed: log of 0"),
    ("1000.0", ["explore", "net.toml", "-o", "e.html", "--numbers"], "numbers cannot be computed: log of 0"),
    # the example is fine; Adam with lr 1000 saturates it after two steps
    ("3.0", ["derive", "net.toml", "--steps", "5", "--lr", "1000", "--optimizer", "adam"],
     "after 2 steps of gradient descent with learning rate 1000: log of 0"),
])
def test_a_saturated_example_is_bad_input_not_an_internal_error(tmp_path, weight, args, says):
    (tmp_path / "net.toml").write_text(SATURATED.format(w=weight))
    code, err, seconds, created = run(args, tmp_path)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("chainrule: error: ") and says in err
    assert "smaller --lr" in err and not created and seconds < 10
