"""`chainrule train`: fit a network to data with its generated module.

    add_parser(subparsers)   registers the command with the CLI's parser
    run(args) -> str         trains, writes the files, returns the summary

The training itself is the generated module's ``fit`` (compiled through
codegen's cache); this module reads and checks the data (chainrule.data),
shows progress, and writes the parameters and the loss plot
(chainrule.files, chainrule.lossplot).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from derive.errors import ChainruleError

# "nesterov" is "momentum" with --nesterov, the name derive and handout use for it.
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")
# --lr when not given: fit's 0.1 for sgd; 0.01 for momentum (with momentum
# 0.9 its steady step is lr / (1 - 0.9), sgd's 0.1 again); torch.optim's own
# defaults for the adaptive ones.
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "rmsprop": 0.01, "adam": 0.001, "adamw": 0.001}
# Each command-line hyperparameter: its keyword in the generated module, and the optimizers that take it.
HYPER_OPTIONS = {
    "--momentum": ("momentum", ("momentum", "nesterov")),
    "--nesterov": ("nesterov", ("momentum", "nesterov")),
    "--weight-decay": ("weight_decay", ("momentum", "nesterov", "rmsprop", "adam", "adamw")),
    "--alpha": ("alpha", ("rmsprop",)),
    "--betas": ("betas", ("adam", "adamw")),
    "--eps": ("eps", ("rmsprop", "adam", "adamw")),
}

EPILOG = """\
examples:
  chainrule train 1-16:tanh-1/half_se --data sq.npz --epochs 300 --optimizer adam --lr 0.01 \\
      -o params.npz --plot loss.png
  chainrule train 784-128:relu-10:softmax/ce --data mnist_like.csv --epochs 3 --batch 128 -o p.npz
  chainrule train 2-8:tanh-1:sigmoid/bce --data xor.csv --epochs 500 --optimizer momentum \\
      --momentum 0.9 --nesterov -o xor.npz          # --optimizer nesterov says the same

data (--data):
  .npz  arrays X (m, n0) and Y (m, nL):  np.savez("sq.npz", X=X, Y=Y)
  .csv  a header row naming the columns, then one example per line: the n0
        inputs, then the nL targets, comma-separated, e.g. for 2-3-1:
            x1,x2,y
            0.5,1.0,0.25
  ce (softmax) networks: the targets are one-hot rows (or probabilities
  summing to 1), or one integer class label 0..nL-1 per example (a last
  column "label" in a .csv, a 1-D integer Y in an .npz), one-hot encoded
  here. bce networks: targets in [0, 1]. A network with one input or
  output also takes a 1-D X or Y in an .npz.
  Every value must be a finite number; a cell that is not gets one error
  line naming its line and column.

training:
  The generated module's fit(): every epoch shuffles the examples
  (np.random.default_rng(--seed); --seed also draws the initial weights)
  and takes one optimizer step per batch of --batch examples, the last
  batch holding what is left. The loss shown and plotted for an epoch is
  the mean per-example loss over that epoch's batches, each taken before
  its step. Update rules and defaults are torch.optim's.
  --lr default: sgd 0.1, momentum and nesterov 0.01, rmsprop 0.01, adam and
  adamw 0.001. --momentum, --alpha and --betas are decay rates in [0, 1).

output:
  -o PARAMS.npz holds exactly the module's keys (W1, b1, ...; with batch
  norm also its running statistics), the spec in the zip comment; read it
  with np.load or the generated module's load() (and load_state()).
  --plot LOSS.png draws the loss per epoch (needs matplotlib:
  pip install "chainrule[plot]"). Existing files are replaced only if
  chainrule wrote them, unless --force. A progress bar shows on a terminal
  (needs tqdm: pip install "chainrule[train]").
"""


def _whole(least: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is less than {least}")
        return value
    return parse


def _number(least: float, strict: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number (write e.g. 0.01)") from None
        if not math.isfinite(value) or value < least or (strict and value == least):
            raise argparse.ArgumentTypeError(f"{text} must be {'>' if strict else '>='} {least:g}")
        return value
    return parse


def _decay(text: str) -> float:
    """A decay rate (momentum, alpha): in [0, 1); 1 or more never forgets and diverges."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (write e.g. 0.9)") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not in [0, 1) (a decay rate, e.g. 0.9)")
    return value


def _betas(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        betas = tuple(float(p) for p in parts)
    except ValueError:
        betas = ()
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise argparse.ArgumentTypeError(f"'{text}' is not two numbers in [0, 1) like 0.9,0.999")
    return betas


def add_parser(subparsers) -> argparse.ArgumentParser:
    t = subparsers.add_parser(
        "train", help="fit a network to data (.npz or .csv) and save its parameters",
        description="Train a network on your data with its generated NumPy module: minibatches,\n"
                    "an optimizer (SGD, momentum, RMSprop, Adam, AdamW, as torch.optim), a progress\n"
                    "bar, the parameters saved as .npz and the loss curve as .png.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("spec", metavar="SPEC",
                   help="a spec such as 2-3:sigmoid-1/mse, a preset name or a TOML file")
    t.add_argument("--data", required=True, metavar="FILE", help="the examples: FILE.npz or FILE.csv (see below)")
    t.add_argument("--epochs", required=True, type=_whole(1), metavar="N", help="passes over the data")
    t.add_argument("--batch", type=_whole(1), default=32, metavar="B", help="examples per step (default 32)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", help="the update rule (default sgd)")
    t.add_argument("--lr", type=_number(0, strict=True), metavar="LR",
                   help="learning rate (default depends on --optimizer, see below)")
    t.add_argument("--momentum", type=_decay, metavar="M", help="momentum: the velocity's decay (default 0.9)")
    t.add_argument("--nesterov", action="store_true", default=None,
                   help="momentum: Nesterov's look-ahead (as --optimizer nesterov)")
    t.add_argument("--weight-decay", type=_number(0), metavar="WD",
                   help="L2 weight decay (AdamW: decoupled; default 0, AdamW 0.01)")
    t.add_argument("--alpha", type=_decay, metavar="A", help="rmsprop: decay of the mean of g^2 (default 0.99)")
    t.add_argument("--betas", type=_betas, metavar="B1,B2", help="adam, adamw: moment decays (default 0.9,0.999)")
    t.add_argument("--eps", type=_number(0), metavar="EPS", help="rmsprop, adam, adamw: added to the RMS (default 1e-8)")
    t.add_argument("--seed", type=_whole(0), default=0, metavar="N",
                   help="initial weights and shuffling (default 0): the same seed, the same result")
    t.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="arithmetic precision (default float64; float32 is about twice as fast)")
    t.add_argument("-o", "--output", required=True, metavar="PARAMS.npz", help="where to write the parameters")
    t.add_argument("--plot", metavar="LOSS.png", help="also draw the loss per epoch as a PNG")
    t.add_argument("--force", action="store_true", help="overwrite files even if chainrule did not write them")
    return t


def _hyperparameters(args) -> dict:
    hyper = {}
    for option, (keyword, takers) in HYPER_OPTIONS.items():
        value = getattr(args, keyword)
        if value is None:
            continue
        if args.optimizer not in takers:
            raise ChainruleError(f"{option} does not apply to --optimizer {args.optimizer}; "
                                 f"it goes with {' or '.join(takers)}")
        hyper[keyword] = value
    if args.optimizer == "nesterov":
        hyper["nesterov"] = True
    if hyper.get("nesterov") and hyper.get("momentum", 0.9) == 0:
        raise ChainruleError("Nesterov's look-ahead (--nesterov, --optimizer nesterov) needs --momentum > 0")
    return hyper


def run(args) -> str:
    import numpy as np

    import codegen
    import derive
    from . import data, files, lossplot

    out_path = Path(args.output)
    if out_path.suffix.lower() != ".npz":
        raise ChainruleError(f"the parameters file should end in .npz, got '{args.output}'")
    if args.plot is not None:
        if Path(args.plot).suffix.lower() != ".png":
            raise ChainruleError(f"the plot file should end in .png, got '{args.plot}'")
        lossplot.require()
    hyper = _hyperparameters(args)
    net = derive.load(args.spec)
    # Refuse to clobber before training, not after minutes of it.
    for path in (args.output, args.plot):
        if path is not None:
            files.check_target(path, None, args.force)
    if args.plot is not None and Path(args.plot).resolve() == out_path.resolve():
        raise ChainruleError("-o and --plot name the same file; give two names")

    fit = data.Fit(n_in=math.prod(net.input), n_out=net.n_out, loss=net.loss, spec=net.spec, shape=net.input)
    reading = time.perf_counter()
    examples = data.load(args.data, fit)
    reading = time.perf_counter() - reading
    dtype = np.dtype(args.dtype)
    X, Y = examples.X.astype(dtype, copy=False), examples.Y.astype(dtype, copy=False)
    m = X.shape[0]
    X = X.reshape(m, *net.input)
    module = codegen.compile(net)
    params = {k: v.astype(dtype) for k, v in module.init_params(args.seed).items()}
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]

    # batch norm's running statistics are updated in place by fit and saved beside the parameters
    state = {k: v.astype(dtype) for k, v in module.init_state().items()} if hasattr(module, "init_state") else None
    progress = _Progress(args.epochs, m)
    started = time.perf_counter()
    try:
        # Overflow is reported once, as divergence, by the callback, not as NumPy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            params, history = module.fit(params, X, Y, epochs=args.epochs, batch_size=args.batch,
                                         optimizer="momentum" if args.optimizer == "nesterov" else args.optimizer,
                                         lr=lr, seed=args.seed,
                                         callback=progress, **({"state": state} if state is not None else {}),
                                         **hyper)
    except ChainruleError:
        raise
    except ValueError as exc:   # fit's own argument checks; the CLI's should have caught them
        raise ChainruleError(f"cannot train: {exc}") from None
    finally:
        progress.close()
    seconds = time.perf_counter() - started

    outputs = [(args.output, files.npz_bytes({**params, **(state or {})}, net.spec), "npz")]
    if args.plot is not None:
        settings = f"{args.optimizer}, lr {lr:g}, batch {args.batch}, {m} examples, seed {args.seed}"
        outputs.append((args.plot, files.mark_png(lossplot.png_bytes(history, net.spec, settings)), "png"))
    written = files.write_files(outputs, args.force)
    return _summary(args, net, m, examples, lr, hyper, history, (reading, seconds), written, dtype)


class _Progress:
    """fit's callback: a tqdm bar on a terminal (nothing otherwise), and a
    stop with one error line as soon as the loss is not a finite number."""

    def __init__(self, epochs: int, m: int):
        self.epochs, self.m, self.bar, self.shown = epochs, m, None, 0
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                print('chainrule: (pip install "chainrule[train]" for a progress bar)', file=sys.stderr)
            else:
                self.bar = tqdm(total=epochs * m, unit="ex", unit_scale=epochs * m >= 10_000, file=sys.stderr,
                                dynamic_ncols=True, desc=f"epoch 1/{epochs}")

    def __call__(self, epoch: int, done: int, loss: float) -> None:
        if not math.isfinite(loss):
            raise ChainruleError(f"training diverged: the loss became {loss} in epoch {epoch + 1}; "
                                 f"try a smaller --lr")
        if self.bar is not None:
            self.bar.set_description_str(f"epoch {epoch + 1}/{self.epochs}", refresh=False)
            self.bar.set_postfix_str(f"loss {loss:.4g}", refresh=False)
            self.bar.update(epoch * self.m + done - self.shown)
            self.shown = epoch * self.m + done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _summary(args, net, m, examples, lr, hyper, history, times, written, dtype) -> str:
    reading, seconds = times
    batches = -(-m // args.batch)
    shown = [k if v is True else f"{k} {v}" for k, v in hyper.items() if k != args.optimizer]
    settings = ", ".join([f"{args.optimizer} lr {lr:g}"] + shown)
    labels = " (class labels one-hot encoded)" if examples.from_labels else ""
    lines = [
        f"trained {net.spec} on {args.data}: {m} examples{labels}",
        f"  {args.epochs} epoch{'s' * (args.epochs != 1)} of {batches} batch{'es' * (batches != 1)} "
        f"(batch {args.batch}), {settings}, seed {args.seed}, {dtype.name}",
        f"  mean training loss: {history[0]:.6g} in epoch 1, {history[-1]:.6g} in epoch {len(history)} (final)",
        f"  time: {seconds:.2f} s training ({args.epochs * m / max(seconds, 1e-9):,.0f} examples/s), "
        f"{reading:.2f} s reading the data",
    ]
    lines += [f"wrote {path}" for path in written]
    return "\n".join(lines) + "\n"
