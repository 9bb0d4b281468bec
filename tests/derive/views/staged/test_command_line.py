"""``chainrule derive --expr`` on the command line: the formats, LaTeX that
compiles, and bad input swept from the expression grammar and the option
table.  Every bad case must give exit 2, one ``chainrule: error:`` line, no
traceback, within 10 s, and write nothing."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chainrule.cli import NETWORK_ONLY, build_parser
from tests.test_bad_input import assert_refused, run

from .reference import ISSUE, ISSUE_AT

ISSUE_ARGS = ["derive", "--expr", ISSUE, "--wrt", "w1,b1", *[a for k, v in ISSUE_AT.items() for a in ("--at", f"{k}={v}")]]


def test_the_issue_example_in_every_format(tmp_path):
    outputs = {}
    for fmt in ("text", "latex", "markdown", "json"):
        code, out, err = _run_capture(ISSUE_ARGS + ["--format", fmt], tmp_path)
        assert code == 0 and not err, err
        outputs[fmt] = out
    assert "(forward 3) t3 = σ(t2) = 0.622459   [sigmoid gate]" in outputs["text"]
    assert r"\sigma\left(t_{2}\right)" in outputs["latex"] and "**backward 6**" in outputs["markdown"]
    assert json.loads(outputs["json"])["gradients"]["w1"]["value"].startswith("0.3812839657")
    code, out, _ = _run_capture(ISSUE_ARGS + ["--lang", "en"], tmp_path)
    assert code == 0 and out == outputs["text"]


def test_gelu_and_silu_with_numbers(tmp_path):
    code, out, err = _run_capture(["derive", "--expr", "gelu(w*x)", "--wrt", "w", "--at", "x=1", "--at", "w=0.5"],
                                  tmp_path)
    assert code == 0 and "(backward 1) ∂J/∂w = ∂J/∂t1 · x = 0.867495" in out, err
    code, out, err = _run_capture(["derive", "--expr", "silu(w*x)", "--wrt", "w", "--at", "x=1", "--at", "w=0.5"],
                                  tmp_path)
    assert code == 0 and "(forward 2) J = silu(t1) = 0.31123" in out, err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles_with_pdflatex(tmp_path):
    expr = ("(w2*sigmoid(w1*x + b1) - y)**2/2 + gelu(w1) + leaky_relu(x - w1, 0.2) + max(x, y, b1) "
            "+ abs(w1)**0.5 + 1/x")
    code, out, err = _run_capture(["derive", "--expr", expr, "--wrt", "w1,b1", "--format", "latex",
                                   *[a for k, v in ISSUE_AT.items() for a in ("--at", f"{k}={v}")]], tmp_path)
    assert code == 0, err
    (tmp_path / "d.tex").write_text(out, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "d.tex"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    log = (tmp_path / "d.log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-2000:]
    assert "Overfull" not in log


def _run_capture(args, cwd):
    import contextlib
    import io
    import os
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        from chainrule.cli import main
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


# -------------------------------------------------------------- bad input --

def network_options():
    """Every network-only option of `derive`, from the parser's own table, with a valid value."""
    derive = build_parser()._subparsers._group_actions[0].choices["derive"]
    for action in derive._actions:
        name = action.dest
        if name in NETWORK_ONLY or name == "view":
            flag = action.option_strings[-1]
            if action.nargs == 0:
                yield [flag]
            elif action.choices:
                yield [flag, next(c for c in action.choices if c != action.default)]
            else:
                yield [flag, {"param": "w1_1_1", "lr": "0.1"}.get(name, "3")]


@pytest.mark.parametrize("option", list(network_options()), ids=lambda o: o[0])
def test_network_options_with_expr_are_refused_naming_what_applies(option, tmp_path):
    assert_refused(["derive", "--expr", "w*x", "--wrt", "w", *option], tmp_path)
    _, err, _, _ = run(["derive", "--expr", "w*x", "--wrt", "w", *option], tmp_path)
    assert f"{option[0]} apply to a network SPEC, not to --expr" in err and "--wrt, --at" in err


def test_every_network_only_option_is_in_the_sweep():
    assert {o[0].lstrip("-") for o in network_options()} == set(NETWORK_ONLY) | {"view"}


# Valid expressions from the grammar: names, numbers, the operators, the functions.
NAMES = ["x", "y", "w1", "b"]
FUNCTIONS = ["exp", "log", "sqrt", "sin", "cos", "abs", "sigmoid", "tanh", "relu", "gelu", "silu", "softplus"]


@st.composite
def expressions(draw, depth=2):
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(NAMES + ["2", "0.5"]))
    kind = draw(st.sampled_from(["+", "-", "*", "/", "**", "f", "neg", "max"]))
    a = draw(expressions(depth=depth - 1))
    if kind == "f":
        return f"{draw(st.sampled_from(FUNCTIONS))}({a})"
    if kind == "neg":
        return f"-({a})"
    if kind == "**":
        return f"({a})**2"
    b = draw(expressions(depth=depth - 1))
    if kind == "max":
        return f"max({a}, {b})"
    return f"({a}) {kind} ({b})"


def _variable(text):
    return next((n for n in NAMES if n in text.replace("exp", "").replace("abs", "")), None)


@st.composite
def bad_expressions(draw):
    """A valid expression made bad in one way the grammar or the bounds forbid."""
    base = draw(expressions())
    how = draw(st.sampled_from(["nest_minus", "nest_parens", "nest_calls", "huge_power", "tower",
                                "huge_literal", "long_literal", "non_ascii", "forbidden", "unknown_function",
                                "arity", "unbalanced", "empty", "constant", "too_long", "too_many_gates",
                                "undefined_constant", "reserved_name", "function_as_name", "nest_activation",
                                "deep_tower"]))
    n = draw(st.integers(101, 1500))
    if how == "nest_minus":
        return "-" * n + f"({base})"
    if how == "nest_parens":
        return "(" * n + base + ")" * n
    if how == "nest_calls":
        f = draw(st.sampled_from(FUNCTIONS))
        return f"{f}(" * (n % 400 + 101) + base + ")" * (n % 400 + 101)
    if how == "nest_activation":   # within the text's limits, but huge once written out
        f = draw(st.sampled_from(["sigmoid", "relu", "elu", "gelu", "silu", "leaky_relu"]))
        k = draw(st.integers(40, 99))
        return f"{f}(" * k + base + ")" * k
    if how == "deep_tower":        # its gradient written out grows as the cube of the height
        return "**".join(["x"] * draw(st.integers(50, 99)))
    if how == "huge_power":
        return f"({base})**{draw(st.integers(1001, 10 ** 9))}"
    if how == "tower":
        return "**".join([f"({base})"] * draw(st.integers(2, 5)) + [str(draw(st.integers(1001, 99999)))])
    if how == "huge_literal":
        return f"({base}) * 1e{draw(st.integers(301, 10 ** 12))}"
    if how == "long_literal":
        return f"({base}) + " + "9" * draw(st.integers(302, 1200))
    if how == "non_ascii":
        char = draw(st.sampled_from(["²", "−", "×", "·", "α", "é", "\u200b", "√", "∂", "😀", "ⅹ"]))
        pos = draw(st.integers(0, len(base)))
        return base[:pos] + char + base[pos:]
    if how == "forbidden":
        bad = draw(st.sampled_from(["@ x", "% 2", "// 2", "[0]", ".real", " if x else y", " and y", " == y",
                                    " < 2", ", y", "; x"]))
        return f"({base}){bad}"
    if how == "unknown_function":
        return f"{draw(st.sampled_from(['sigmod', 'softmax', '__import__', 'eval', 'open', 'Sigmoid']))}({base})"
    if how == "arity":
        return draw(st.sampled_from([f"exp({base}, x)", f"max({base})", f"leaky_relu({base}, y)",
                                     f"elu({base}, -1)", f"gelu({base}, 2)", f"log()"]))
    if how == "unbalanced":
        return f"({base}"
    if how == "empty":
        return draw(st.sampled_from(["", "   ", "\t"]))
    if how == "constant":
        return draw(st.sampled_from(["2 + 3", "exp(1)", "(2)**2", "max(1, 2)"]))
    if how == "too_long":
        return " + ".join([f"({base})"] * (2001 // (len(base) + 5) + 2))
    if how == "too_many_gates":
        return " + ".join(f"x*{k}*y" for k in range(2, 50))
    if how == "undefined_constant":
        return f"({base}) + {draw(st.sampled_from(['log(0)', '1/0', 'sqrt(-1)', '0**-1', '2**10**10', 'exp(10**7)']))}"
    if how == "reserved_name":
        return f"({base}) + {draw(st.sampled_from(['Symbol', 'Integer', '_x', '__class__']))}"
    return f"({base}) + exp"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(text=bad_expressions(), fmt=st.sampled_from(["text", "latex", "json", "markdown"]))
def test_bad_expressions_are_refused(tmp_path_factory, text, fmt):
    cwd = tmp_path_factory.mktemp("bad")
    wrt = _variable(text) or "x"
    assert_refused(["derive", f"--expr={text}", "--wrt", wrt, "--format", fmt], cwd)


@st.composite
def bad_wrt_or_at(draw):
    """A valid expression with --wrt or --at made bad."""
    base = draw(expressions().filter(lambda e: _variable(e) is not None))
    used = [n for n in NAMES if n in base.replace("exp", "").replace("abs", "")]
    values = {n: str(draw(st.sampled_from(["1", "-0.5", "3/2", "2"]))) for n in used}
    how = draw(st.sampled_from(["unknown_wrt", "empty_wrt", "non_ascii_wrt", "missing_at", "garbage_at",
                                "exponent_at", "huge_at", "zero_division_at", "no_equals", "unknown_at",
                                "twice_at", "long_at"]))
    wrt = ",".join(used)
    at = [f"{k}={v}" for k, v in values.items()]
    if how == "unknown_wrt":
        wrt = draw(st.sampled_from(["q", "w", "x1", "W1", "t1"]))
        if wrt in used:
            wrt = "zz"
    elif how == "empty_wrt":
        wrt = draw(st.sampled_from([",", " , ,"]))
    elif how == "non_ascii_wrt":
        wrt = used[0] + draw(st.sampled_from(["²", "α", "\u200b"]))
    elif how == "missing_at":
        at = at[1:] if len(at) > 1 else ["zz=1"]
    elif how == "garbage_at":
        at[0] = used[0] + "=" + draw(st.sampled_from(["abc", "nan", "inf", "-inf", "0x10", "1e", "--1", "1.2.3",
                                                      "½", "1,5", "2j", "1/2/3"]))
    elif how == "exponent_at":
        at[0] = used[0] + "=1e" + str(draw(st.sampled_from([1, -1])) * draw(st.integers(301, 10 ** 15)))
    elif how == "huge_at":
        at[0] = used[0] + "=" + "9" * draw(st.integers(302, 5000))
    elif how == "zero_division_at":
        at[0] = used[0] + "=1/0"
    elif how == "no_equals":
        at[0] = used[0]
    elif how == "unknown_at":
        at.append("zz=1")
    elif how == "twice_at":
        at.append(at[0])
    else:
        at[0] = used[0] + "=" + "1" * 1001
    return base, wrt, at


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=bad_wrt_or_at())
def test_bad_wrt_and_at_are_refused(tmp_path_factory, case):
    base, wrt, at = case
    cwd = tmp_path_factory.mktemp("bad")
    assert_refused(["derive", "--expr", base, "--wrt", wrt, *[a for v in at for a in ("--at", v)]], cwd)


@pytest.mark.parametrize("args, message", [
    (["--expr=" + "-" * 1000 + "x", "--wrt", "x"], "the limit is 100"),
    (["--expr", "(" * 300 + "x" + ")" * 300, "--wrt", "x"], "nests 300 parentheses deep; the limit is 100"),
    (["--expr", "x**x**x**x**x**99999", "--wrt", "x"], "constant exponents are limited to 1000"),
    (["--expr", "x**x**x**x**x**99999", "--wrt", "x", "--at", "x=2"], "constant exponents are limited to 1000"),
    (["--expr", "x**y", "--wrt", "x", "--at", "x=2", "--at", "y=99999"], "beyond the limit of 1e300"),
    (["--expr", "x*2", "--wrt", "x", "--at", "x=1e999999999"], "out of range"),
    (["--expr", "x*2", "--wrt", "x", "--at", "x=1e-999999999"], "out of range"),
    (["--expr", "ｘ*2²", "--wrt", "x"], "contains '²' (U+00B2)"),
    (["--expr", "x*2", "--wrt", "x", "--param", "w1_1_1"], "--param apply to a network SPEC"),
    (["--expr", "x*2", "--wrt", "x", "--steps", "3"], "--steps apply to a network SPEC"),
    (["--expr", "x*2"], "--expr needs --wrt"),
    (["--expr", "sigmoid(" * 60 + "x" + ")" * 60, "--wrt", "x"], "nests 241 levels deep"),
    (["--expr", "gelu(" * 8 + "x" + ")" * 8, "--wrt", "x"], "the limit is 1,000"),
    (["--expr", "**".join(["x"] * 60), "--wrt", "x"], "the limit is 60,000"),
    (["mlp-2-3-1", "--expr", "x*2", "--wrt", "x"], "either a SPEC or --expr"),
])
def test_the_issue_cases(args, message, tmp_path):
    assert_refused(["derive", *args], tmp_path)
    _, err, _, _ = run(["derive", *args], tmp_path)
    assert message in err


def test_fullwidth_letters_are_read_as_ascii(tmp_path):
    code, out, err = _run_capture(["derive", "--expr", "ｘ*2", "--wrt", "ｘ", "--at", "ｘ=３"], tmp_path)
    assert code == 0 and "(forward 1) J = x·2 = 6" in out, err
