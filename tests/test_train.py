"""`chainrule train`: .npz and .csv round trips, one error line for every kind
of bad data (and nothing written), a valid deterministic PNG, no clobbering."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import codegen
from chainrule.cli import main

ROOT = Path(__file__).resolve().parents[1]
SQUARE = "1-16:tanh-1/half_se"
SOFTMAX = "2-5:relu-3:softmax/ce"


@pytest.fixture(autouse=True, scope="module")
def _private_compile_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("CHAINRULE_CACHE", str(tmp_path_factory.mktemp("chainrule-cache")))
    yield
    mp.undo()


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def square_data(m=40):
    X = np.linspace(-1, 1, m)[:, None]
    return X, X ** 2


def write_csv(path, header, rows):
    lines = [",".join(header)] + [",".join(repr(float(v)) if not isinstance(v, str) else v for v in row)
                                  for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def softmax_data(m=30):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, 2))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)
    return X, labels


# ------------------------------------------------------------- round trips --
def test_npz_round_trip_and_summary(tmp_path, capsys):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    args = ["train", SQUARE, "--data", tmp_path / "sq.npz", "--epochs", 200, "--batch", 8,
            "--optimizer", "adam", "--lr", 0.01, "-o", tmp_path / "p.npz"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert err == ""   # not a terminal: no progress bar
    module = codegen.compile(SQUARE)
    params = module.load(tmp_path / "p.npz")
    ref, history = module.fit(module.init_params(0), X, Y, epochs=200, batch_size=8, optimizer="adam", lr=0.01)
    assert all(params[k].tobytes() == ref[k].tobytes() for k in ref)
    with np.load(tmp_path / "p.npz") as raw:
        assert sorted(raw.files) == ["W1", "W2", "__chainrule__", "b1", "b2"]
        assert str(raw["__chainrule__"]) == module.SPEC
    assert f"{history[-1]:.6g} in epoch 200 (final)" in out
    assert f"wrote {tmp_path / 'p.npz'}" in out and "40 examples" in out
    first = (tmp_path / "p.npz").read_bytes()
    code, _, _ = run(args, capsys)     # our own file: replaced without --force, the same bytes
    assert code == 0 and (tmp_path / "p.npz").read_bytes() == first


def test_csv_gives_what_npz_gives(tmp_path, capsys):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    write_csv(tmp_path / "sq.csv", ["x", "y"], np.hstack([X, Y]))
    outs = []
    for data in ("sq.npz", "sq.csv"):
        code, _, err = run(["train", SQUARE, "--data", tmp_path / data, "--epochs", 3, "--optimizer",
                            "momentum", "--nesterov", "--weight-decay", 0.01, "-o", tmp_path / f"{data}.npz"],
                           capsys)
        assert code == 0, err
        outs.append((tmp_path / f"{data}.npz").read_bytes())
    assert outs[0] == outs[1]


def test_ce_label_column_is_one_hot_encoded(tmp_path, capsys):
    X, labels = softmax_data()
    write_csv(tmp_path / "labels.csv", ["x1", "x2", "label"], np.column_stack([X, labels]))
    write_csv(tmp_path / "onehot.csv", ["x1", "x2", "y1", "y2", "y3"], np.hstack([X, np.eye(3)[labels]]))
    np.savez(tmp_path / "labels.npz", X=X, Y=labels)
    outs = []
    for data in ("labels.csv", "onehot.csv", "labels.npz"):
        code, out, err = run(["train", SOFTMAX, "--data", tmp_path / data, "--epochs", 4, "--batch", 7,
                              "--optimizer", "rmsprop", "-o", tmp_path / f"{data}.npz"], capsys)
        assert code == 0, err
        assert ("one-hot encoded" in out) == (data != "onehot.csv")
        outs.append((tmp_path / f"{data}.npz").read_bytes())
    assert outs[0] == outs[1] == outs[2]


def test_float32_training(tmp_path, capsys):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    code, out, _ = run(["train", SQUARE, "--data", tmp_path / "sq.npz", "--epochs", 2, "--dtype", "float32",
                        "-o", tmp_path / "p.npz"], capsys)
    assert code == 0 and "float32" in out
    with np.load(tmp_path / "p.npz") as raw:
        assert raw["W1"].dtype == np.float32


# ---------------------------------------------------------------- the plot --
def test_plot_is_a_valid_deterministic_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import matplotlib.image
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    args = ["train", SQUARE, "--data", tmp_path / "sq.npz", "--epochs", 40, "-o", tmp_path / "p.npz",
            "--plot", tmp_path / "loss.png"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    png = (tmp_path / "loss.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and f"wrote {tmp_path / 'loss.png'}" in out
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[0] > 200 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05   # not a blank canvas
    code, _, _ = run(args, capsys)
    assert code == 0 and (tmp_path / "loss.png").read_bytes() == png


def test_plot_without_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib -> ImportError
    code, _, err = run(["train", SQUARE, "--data", tmp_path / "sq.npz", "--epochs", 1, "-o", tmp_path / "p.npz",
                        "--plot", tmp_path / "loss.png"], capsys)
    assert code == 2
    assert err == 'chainrule: error: --plot needs matplotlib: pip install "chainrule[plot]"\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sq.npz"]


# ---------------------------------------------------------------- bad data --
def _bad_csv(tmp_path, text, name="d.csv"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def _bad_npz(tmp_path, **arrays):
    np.savez(tmp_path / "d.npz", **arrays)
    return tmp_path / "d.npz"


GOOD_X = np.arange(6.0).reshape(3, 2)
BAD_DATA = [
    # (spec, how to make the file, what the one error line says)
    ("2-3-1", lambda t: _bad_csv(t, "a,b\n1,2\n3,4\n"),
     "the header has 2 columns, but 2-3:sigmoid-1:identity/mse needs 3: 2 inputs, then 1 target"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n1,2,3\n4,5,6,7\n"), "line 3 has 4 cells, but the header has 3"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n1,2,3,4\n4,5,6,7\n"), "line 2 has 4 cells, but the header has 3"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n1,2,3\n4,nan,6\n"), "line 3, column 2 ('b') is nan"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n1,2,3\n\n4,5,-inf\n"), "line 4, column 3 ('y') is -inf"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n1,2,3\n4,five,6\n"), "line 3, column 2 ('b') is 'five', not a number"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n1,2,3\n4,,6\n"), "line 3, column 2 ('b') is empty"),
    ("2-3-1", lambda t: _bad_csv(t, ""), "is empty or starts with a blank line; a CSV needs a header"),
    ("2-3-1", lambda t: _bad_csv(t, "a,b,y\n"), "has a header but no data rows"),
    ("2-3-1", lambda t: _bad_csv(t, "1,2,3\n4,5,6\n"), "line 1 is numbers, not a header"),
    ("2-3:relu-3:softmax/ce", lambda t: _bad_csv(t, "a,b,c1,c2,c3\n1,2,1,0,0\n3,4,0,1,1\n"),
     "line 3: the targets [0, 1, 1] are not one-hot or probabilities summing to 1"),
    ("2-3:relu-3:softmax/ce", lambda t: _bad_csv(t, "a,b,label\n1,2,0\n3,4,3\n"),
     "line 3, column 3 ('label'): the class label 3 is not a whole number 0..2"),
    ("2-1:sigmoid/bce", lambda t: _bad_csv(t, "a,b,y\n1,2,1\n3,4,2\n"), "line 3: the targets [2] are outside [0, 1]"),
    ("2-3-1", lambda t: _bad_npz(t, X=GOOD_X), "has no array 'Y' (it has: X); write it with np.savez"),
    ("2-3-1", lambda t: _bad_npz(t, X=GOOD_X, Y=np.zeros((2, 1))), "X has 3 rows but Y has 2"),
    ("2-3-1", lambda t: _bad_npz(t, X=np.ones((3, 3)), Y=np.zeros((3, 1))), "X is (3, 3), but 2-3:sigmoid-1:identity/mse takes 2 inputs"),
    ("2-3-2", lambda t: _bad_npz(t, X=GOOD_X, Y=np.zeros(3)), "Y is (3,), but 2-3:sigmoid-2:identity/mse has 2 outputs"),
    ("2-3-1", lambda t: _bad_npz(t, X=np.where(GOOD_X == 3, np.nan, GOOD_X), Y=np.zeros((3, 1))), "X[1, 1] (row 2, column 2) is nan"),
    ("2-3-1", lambda t: _bad_npz(t, X=GOOD_X.astype(str), Y=np.zeros((3, 1))), "X is not numeric (dtype <U32)"),
    ("2-3-1", lambda t: _bad_npz(t, X=np.zeros((0, 2)), Y=np.zeros((0, 1))), "X and Y have no rows"),
    ("2-3-1", lambda t: _bad_csv(t, "not a zip", name="d.npz"), "is not an .npz archive (not a zip file)"),
    ("2-3:relu-3:softmax/ce", lambda t: _bad_npz(t, X=GOOD_X, Y=np.array([0, 1, 5])),
     "Y[2] (row 3): the class label 5 is not a whole number 0..2"),
    ("2-3-1", lambda t: _bad_csv(t, "a\n", name="d.txt"), "should end in .npz or .csv"),
    ("2-3-1", lambda t: t / "missing.csv", "no such file"),
]


@pytest.mark.parametrize("spec, make, message", BAD_DATA, ids=[f"{i}" for i in range(len(BAD_DATA))])
def test_bad_data_is_one_line_and_writes_nothing(tmp_path, capsys, spec, make, message):
    data = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(["train", spec, "--data", data, "--epochs", 1, "-o", tmp_path / "p.npz",
                          "--plot", tmp_path / "loss.png"], capsys)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), err
    assert message in lines[0]
    assert "Traceback" not in err and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_cell_in_a_large_csv_is_found_quickly(tmp_path, capsys):
    """40,000 lines; the bad cell is on the last one."""
    import time
    rows = np.random.default_rng(0).standard_normal((40000, 11)).round(3)
    text = "\n".join([",".join(f"x{i}" for i in range(10)) + ",y"] +
                     [",".join(map(str, r)) for r in rows.tolist()])
    path = _bad_csv(tmp_path, text + "\n1,2,3,4,5,6,7,8,9,10,oops\n")
    started = time.perf_counter()
    code, _, err = run(["train", "10-4-1", "--data", path, "--epochs", 1, "-o", tmp_path / "p.npz"], capsys)
    assert code == 2 and "line 40002, column 11 ('y') is 'oops'" in err
    assert time.perf_counter() - started < 10


# ---------------------------------------------------------- bad options ----
BAD_OPTIONS = [
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum does not apply to --optimizer adam; it goes with momentum"),
    (["--optimizer", "sgd", "--weight-decay", "0.1"], "--weight-decay does not apply to --optimizer sgd"),
    (["--optimizer", "momentum", "--momentum", "0", "--nesterov"], "--nesterov needs --momentum > 0"),
    (["--betas", "0.9"], "not two numbers in [0, 1)"),
    (["--epochs", "0"], "0 is less than 1"),
    (["--batch", "0"], "0 is less than 1"),
    (["--lr", "0"], "must be > 0"),
    (["--lr", "fast"], "'fast' is not a number"),
    (["--optimizer", "adagrad"], "invalid choice: 'adagrad'"),
    (["-o", "params.txt"], "the parameters file should end in .npz"),
    (["--plot", "loss.jpg"], "the plot file should end in .png"),
    (["--lr", "1e6", "--epochs", "30"], "training diverged: the loss became inf in epoch"),
]


@pytest.mark.parametrize("extra, message", BAD_OPTIONS)
def test_bad_options_are_one_line(tmp_path, capsys, monkeypatch, extra, message):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    monkeypatch.chdir(tmp_path)
    args = ["train", SQUARE, "--data", "sq.npz", "--epochs", "3", "-o", "p.npz"] + extra
    code, out, err = run(args, capsys)
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("chainrule: error: "), err
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sq.npz"]


# ---------------------------------------------------------- no clobbering --
def test_never_overwrites_a_file_it_did_not_write(tmp_path, capsys):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    (tmp_path / "mine.npz").write_bytes(b"my thesis")
    (tmp_path / "mine.png").write_bytes(b"\x89PNG\r\n\x1a\nmy holiday photo")
    base = ["train", SQUARE, "--data", tmp_path / "sq.npz", "--epochs", 1]
    for target in (["-o", tmp_path / "mine.npz"], ["-o", tmp_path / "p.npz", "--plot", tmp_path / "mine.png"],
                   ["-o", tmp_path / "sq.npz"]):
        code, _, err = run(base + target, capsys)
        assert code == 2 and "was not written by chainrule; choose another name or pass --force" in err
    assert (tmp_path / "mine.npz").read_bytes() == b"my thesis"
    assert (tmp_path / "mine.png").read_bytes() == b"\x89PNG\r\n\x1a\nmy holiday photo"
    assert not (tmp_path / "p.npz").exists()
    # a parameters file from the generated module's save() is chainrule's: replaced without --force
    codegen.compile(SQUARE).save(codegen.compile(SQUARE).init_params(5), tmp_path / "saved.npz")
    assert run(base + ["-o", tmp_path / "saved.npz"], capsys)[0] == 0
    code, _, err = run(base + ["-o", tmp_path / "mine.npz", "--force"], capsys)
    assert code == 0, err
    assert codegen.compile(SQUARE).load(tmp_path / "mine.npz")["W1"].shape == (16, 1)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_console_script_is_quiet_off_a_terminal(tmp_path):
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)
    proc = subprocess.run([sys.executable, "-m", "chainrule", "train", SQUARE, "--data", str(tmp_path / "sq.npz"),
                           "--epochs", "5", "-o", str(tmp_path / "p.npz")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("trained 1-16:tanh-1:identity/half_se on ")


def test_help_teaches_the_data_formats(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for text in ["np.savez(", "a header row", "class label", "--lr default", "chainrule[plot]", "examples:"]:
        assert text in out


def test_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    X, Y = square_data()
    np.savez(tmp_path / "sq.npz", X=X, Y=Y)

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    code = main(["train", SQUARE, "--data", str(tmp_path / "sq.npz"), "--epochs", "2", "-o", str(tmp_path / "p.npz")])
    assert code == 0
    shown = screen.getvalue()
    assert "epoch 2/2" in shown and "loss " in shown and "80/80" in shown
