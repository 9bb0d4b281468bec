"""The command line: the issue's commands, the exact single-weight trace,
and a one-line `chainrule: error:` with exit 2 for every bad input."""
import json
import re
import subprocess
import sys

import pytest

from chainrule.cli import main


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_lists_all(capsys):
    code, out, _ = run(["presets"], capsys)
    assert code == 0
    for name in ["single-weight", "relu-square", "mlp-2-3-1", "softmax-2hidden", "logistic"]:
        assert name in out


def test_single_weight_trace_is_exact(capsys):
    code, out, _ = run(["derive", "single-weight", "--numbers", "--steps", "6"], capsys)
    assert code == 0
    # w_{t+1} = w_t - 0.1 * 2 (1.5 w_t - 0.5) 1.5, exactly, from w_0 = 0.8.
    from fractions import Fraction
    w = Fraction("0.8")
    expected = []
    for step in range(7):
        loss = (Fraction("1.5") * w - Fraction("0.5")) ** 2
        expected.append((step, w, loss))
        w -= Fraction("0.1") * 2 * (Fraction("1.5") * w - Fraction("0.5")) * Fraction("1.5")
    trace = out[out.index("Gradient descent"):]
    rows = re.findall(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s*$", trace, re.M)
    assert len(rows) == 7
    for (step, w_text, j_text), (s, w_exact, j_exact) in zip(rows, expected):
        assert int(step) == s
        for text, exact in ((w_text, w_exact), (j_text, j_exact)):
            shown = Fraction(text)
            # exact when the decimal is short, else the exact value to 6 significant digits
            assert shown == exact or abs(shown / exact - 1) < 5e-6
    assert rows[1][1:] == ("0.59", "0.148225") and rows[2][1:] == ("0.4745", "0.0448380625")
    assert [r[1] for r in rows[3:]] == ["0.410975", "0.37603625", "0.3568199375", "0.346250965625"]


def _sig10(f):
    from decimal import Decimal, getcontext
    getcontext().prec = 10
    d = +(Decimal(f.numerator) / Decimal(f.denominator))
    text = format(d.normalize(), "f")
    return text


def test_single_weight_numbers_show_forward_and_gradient(capsys):
    code, out, _ = run(["derive", "single-weight", "--numbers"], capsys)
    assert code == 0
    assert "1.2" in out and "2.1" in out and "0.49" in out  # yhat, dJ/dw, J


def test_mlp_default_shows_scalar_and_delta_views(capsys):
    code, out, _ = run(["derive", "mlp-2-3-1"], capsys)
    assert code == 0
    for text in ["(BP1)", "(BP2)", "(BP3)", "(BP4)", "dependency path", "a·(1 - a)"]:
        assert text in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_param_with_numbers(capsys):
    code, out, _ = run(["derive", "mlp-2-3-1", "--param", "w1_2_1", "--numbers"], capsys)
    assert code == 0
    assert "∂J/∂w⁽¹⁾₂₁" in out and "Worked example" in out


def test_softmax_delta_view(capsys):
    code, out, _ = run(["derive", "2-4:relu-4:relu-3:softmax/ce", "--view", "delta"], capsys)
    assert code == 0 and "BP1" in out and "BP4" in out


@pytest.mark.parametrize("fmt", ["latex", "markdown", "json"])
def test_formats(fmt, capsys, tmp_path):
    toml = tmp_path / "my_net.toml"
    toml.write_text('[network]\nlayers = [2, 2, 1]\nactivations = ["tanh", "identity"]\nloss = "half_se"\n')
    code, out, _ = run(["derive", str(toml), "--format", fmt], capsys)
    assert code == 0
    if fmt == "latex":
        assert out.startswith("\\documentclass") and "\\end{document}" in out
    elif fmt == "json":
        assert json.loads(out)["spec"] == "2-2:tanh-1:identity/half_se"
    else:
        assert out.startswith("# ")


def test_large_network_prints_representatives(capsys):
    code, out, _ = run(["derive", "8-16:sigmoid-4/mse", "--view", "scalar"], capsys)
    assert code == 0
    assert "212 parameters, too many to print one by one" in out
    assert "∂J/∂w⁽¹⁾₁₁" in out and "∂J/∂w⁽¹⁾₂₁" not in out


def test_expr(capsys):
    code, out, _ = run(["derive", "--expr", "(w2*sigmoid(w1*x + b1) - y)**2/2", "--wrt", "w1,b1",
                        "--at", "x=1", "--at", "w1=0.5", "--at", "b1=0", "--at", "w2=-1", "--at", "y=1"],
                       capsys)
    assert code == 0
    assert "backward" in out.lower()


BAD = [
    (["derive", "2-3:sigmod-1"], "unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
    (["derive", "2-3:nosuchact-1"], "unknown activation 'nosuchact'"),
    (["derive", "2-3-1/ce"], "ce needs a softmax output"),
    (["derive", "2-3-1", "--param", "w9_1_1"], "has no parameter 'w9_1_1'"),
    (["derive", "2-3-1", "--param", "weight"], "has no parameter 'weight'"),
    (["derive", "missing.toml"], "cannot read 'missing.toml'"),
    (["derive", "2-3-1", "--steps", "x"], "'x' is not a whole number"),
    (["derive", "2-3-1", "--lr", "fast"], "'fast' is not a number"),
    (["derive", "2-3-1", "--lr", "-1"], "must be positive"),
    (["derive", "2-3-1", "--seed", "-3"], "the seed must be a whole number from 0 to"),
    (["derive", "2-3-1", "--view", "matrix"], "invalid choice: 'matrix'"),
    (["derive", "2-3-1", "--format", "pdf"], "invalid choice: 'pdf'"),
    (["derive", "--expr", "(x +", "--wrt", "x"], "--expr"),
    (["derive", "--expr", "x*y", "--wrt", "z"], "z"),
    (["derive", "--expr", "x*y", "--wrt", "x", "--at", "x"], "NAME=VALUE"),
    (["derive", "--expr", "x*y", "--wrt", "x", "--at", "x=abc"], "abc"),
    (["derive", "--expr", "__import__('os').system('echo pwned')", "--wrt", "x"], "error"),
    (["derive", "--expr", "x*y"], "--expr needs --wrt"),
    (["derive"], "derive needs a SPEC"),
    (["nosuchcommand"], "invalid choice"),
]


@pytest.mark.parametrize("args, message", BAD)
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    code, out, err = run(args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), err
    assert message in lines[0]
    assert "Traceback" not in err and "pwned" not in out


def test_console_script_and_module_exit_2_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "chainrule", "derive", "2-3:sigmod-1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("chainrule: error: unknown activation 'sigmod'")
    assert "Traceback" not in proc.stderr


def test_help_lists_are_the_rules_card():
    """--help does not import SymPy, so it carries a copy of the card's names: the same ones."""
    from chainrule import cli
    from derive.rules import names_for_help
    acts, losses = names_for_help()
    assert cli.ACTIVATION_LIST == acts and cli.LOSS_LIST == losses
    from derive.optimizers import OPTIMIZERS
    assert cli.OPTIMIZER_NAMES == list(OPTIMIZERS)
    from derive.lang import LANGUAGES
    assert cli.LANGUAGES == list(LANGUAGES)
    readme = (__import__("pathlib").Path(__file__).parents[1] / "README.md").read_text()
    for name in acts.split() + losses.split():
        assert name.split("(")[0] in readme, name


def test_help_does_not_import_sympy():
    code = ("import sys, contextlib, io\nfrom chainrule.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    try: main(['--help'])\n"
            "    except SystemExit: pass\nprint('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
