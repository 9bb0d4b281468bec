"""The `chainrule` command line: the one place that wires derive and codegen.

Exit codes: 0 done; 2 bad input (one `chainrule: error:` line, no
traceback); 1 an internal error; 3 `check`: the answer is wrong.
"""
from __future__ import annotations

import argparse
import textwrap
import os
import sys
from fractions import Fraction

from chainrule import train
from derive.errors import ChainruleError, EvaluationError

SPEC_HELP = ("a spec such as 2-3:sigmoid-1/mse, a preset name (see 'chainrule presets') "
             "or a TOML file")

EPILOG_DERIVE = """\
examples:
  chainrule derive single-weight --numbers --steps 6
  chainrule derive mlp-2-3-1                       scalar chain rule + BP1-BP4
  chainrule derive mlp-2-3-1 --param w1_2_1 --numbers
  chainrule derive 2-4:relu-4:relu-3:softmax/ce --view delta
  chainrule derive my_net.toml --format latex > notes.tex
  chainrule derive softmax-2hidden --format html > softmax.html   one offline page, MathML
  chainrule derive --expr "(w2*sigmoid(w1*x + b1) - y)**2/2" --wrt w1,b1 \\
      --at x=1 --at w1=0.5 --at b1=0 --at w2=-1 --at y=1

spec grammar:  INPUT ("-" LAYER)+ ("/" ITEM)*
  INPUT:  n (features) | T x F (sequences) | C x H x W (images), e.g. 2, 20x16, 1x28x28
  LAYER:  WIDTH[:ACT] (dense) | conv(C,K[,stride=S][,pad=P])[:ACT] | maxpool(K) | avgpool(K)
          | flatten | bn | ln | dropout(P) | res(LAYER-...)[:ACT] | rnn(H) | lstm(H) | gru(H)
  activations: {activations}
  losses: {losses};  items: nobias, sum (sum instead of mean over the batch), l2(LAMBDA)
  defaults: hidden dense sigmoid, last layer (and a res block's last) identity, loss mse,
            biases on, mean over the batch

parameter names: the array's key in lower case, then 1-based indices: w<l>_<j>_<k>
  connects neuron k of layer l-1 to neuron j of layer l (W is n_out x n_in); b<l>_<j>;
  conv w<l>_<c>_<c'>_<u>_<v>; gamma<l>_<j>, beta<l>_<j>; wx<l>_.., wh<l>_.., bx, bh.
"""
EPILOG_EXPLORE = """\
examples:
  chainrule explore mlp-2-3-1 -o explore.html --numbers
  chainrule explore softmax-2hidden -o softmax.html
  chainrule explore '1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce' -o cnn.html
  chainrule derive softmax-2hidden --format html > softmax.html     the derivation as a plain page

Open the file in a browser (it needs no network).  Click an arrow (a weight) or a
small square (a bias), or pick a parameter from the list; Tab moves between them
and Enter or Space selects.  A dense network draws every neuron and weight (at most
200 neurons); conv, pooling, recurrent and other layers are drawn as blocks, with
their parameters listed as buttons under the drawing.
"""

# The lists above are the rules card's (derive/rules.py), copied so that --help does not
# import SymPy; tests/test_cli.py checks that they are the card's, word for word.
ACTIVATION_LIST = "identity sigmoid tanh relu leaky_relu(alpha) elu(alpha) softplus gelu silu softmax"
LOSS_LIST = "se half_se mse bce ce"
EPILOG_DERIVE = EPILOG_DERIVE.format(activations=ACTIVATION_LIST, losses=LOSS_LIST)


EPILOG_CHECK = """\
examples:
  chainrule check mlp-2-3-1 --grad W1 --answer "dZ1.T @ X / m"           right: exit 0
  chainrule check mlp-2-3-1 --grad W1 --answer "X.T @ dZ1 / m"           the transpose: exit 3
  chainrule check softmax-2hidden --grad W3 --answer "(A3 - Y).T @ A2"   the 1/m is missing
  chainrule check mlp-2-3-1 --grad b1 --answer "dZ1.sum(axis=0) / m"
  chainrule check mlp-2-3-1 --param w1_2_1 --answer "d1_2*x1" --format json
  chainrule check relu-square --param w1_1_1 --answer "(yhat1 - y1)*w2_1_1*(z1_1 > 0)*x1"

--grad answers (dense networks): NumPy syntax for a batch of m examples, one row per
  example.  Names: X, Y, m and, for each layer l, Z{l}, A{l} (A{L} is the prediction),
  dZ{l} (the per-example errors delta = dJ/dZ of BP1-BP2, without 1/m), W{l}, b{l}.
  Operators: + - * / ** (a number as exponent) @ .T .sum(axis=0) .sum(axis=1) .sum(),
  and a comparison with a number: (Z1 > 0).
--param answers (one example): plain names as the derivation prints them: w1_2_1, b1_2,
  x1, y1, z1_2, a1_2, d1_2 (delta), yhat1.  Operators: + - * / ** and (z1_2 > 0).
functions (both): every activation (sigmoid, tanh, relu, leaky_relu(z, alpha) ...), its
  derivative as the rules card teaches it, NAME_prime (sigmoid_prime(Z1) = A1*(1 - A1),
  relu_prime(Z1) = (Z1 > 0)), exp and log; softmax(Z) row by row in --grad answers.
Nothing is evaluated by Python: the answer is read by an AST whitelist.
"""

EPILOG_EXAM = """\
examples:
  chainrule exam mlp-2-3-1 --versions 30 --seed 2026 -o midterm.tex --pdf
  chainrule exam mlp-2-3-1 --versions 30 --seed 2026 -o midterm.tex --keys separate
                                                   midterm.tex and midterm-keys.tex
  chainrule exam softmax-2hidden --versions 30 --seed 2026 -o midterm.xml     Moodle XML
  chainrule exam logistic --versions 10 -o quiz.gift                          Moodle GIFT

Every answer is computed from the numbers its question gives, and counts within 1%.
Numbers that would make a question degenerate (a vanishing answer, a saturated
unit, a ReLU at its kink) are drawn again. Version v is the same for a given seed
however many versions there are.

In Moodle (.xml or .gift), each number asked is a numerical question; its copies
from all versions share a category (Exam: NAME/Q1a ...). Add "a random question"
from each category to a quiz: every student gets the same questions with other
numbers, and Moodle grades them.
"""

# derive.views.exam.MAX_VERSIONS, named here so that --help need not import SymPy (a test checks they agree)
EXAM_MAX_VERSIONS = 500


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one `chainrule: error:` line, exit 2."""

    def error(self, message):
        if "--answer: expected one argument" in message:   # argparse reads '-d1_2*x1' as an option
            message += " (an answer that starts with '-' is written --answer=EXPR)"
        raise ChainruleError(f"{message}; see '{self.prog} --help'")


_DECIMAL = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?"


# derive.optimizers.OPTIMIZERS, named here so that --help need not import SymPy (a test checks they agree)
OPTIMIZER_NAMES = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"]

def _positive_fraction(text: str) -> Fraction:
    import re
    # checked before Fraction(): '1e999999999' would build a billion-digit integer
    if len(text) > 40 or not re.fullmatch(_DECIMAL, text.strip()):
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a number (write e.g. 0.1)")
    value = Fraction(text.strip())
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"the learning rate must be positive and at most 1000, got {text}")
    return value


def _count(limit: int, low: int = 0):
    def parse(text: str) -> int:
        try:
            value = int(text) if len(text) < 20 or not text.strip().lstrip("+-").isdigit() else None
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text[:24]}' is not a whole number") from None
        if value is None or not low <= value <= limit:
            shown = value if value is not None else text[:20] + "..."
            raise argparse.ArgumentTypeError(f"{shown} is out of range {low}..{limit}")
        return value
    return parse


# derive.lang.LANGUAGES, named here so that --help does not import SymPy (a test checks they agree)
LANGUAGES = ["en", "zh"]


def _lang(parser, what: str = "prose", note: str = "") -> None:
    parser.add_argument("--lang", choices=LANGUAGES, default="en",
                        help=f"language of the {what}: en (default) or zh (Simplified Chinese{'; ' + note if note else ''})")


def _seed(text: str) -> int:
    if len(text) > 20:
        raise argparse.ArgumentTypeError(f"'{text[:24]}...' is not a seed; use a whole number from 0 to {2**32 - 1}")
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number from 0 to {2**32 - 1}")
    return value


def build_parser() -> Parser:
    from chainrule import __version__
    p = Parser(prog="chainrule", description=(
        "Derive backpropagation symbolically: step-by-step chain-rule derivations, "
        "LaTeX handouts and fast NumPy gradient code for a network you choose."),
        epilog="start here:  chainrule presets   then   chainrule derive mlp-2-3-1",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    sub.add_parser("presets", help="list the preset networks")

    d = sub.add_parser("derive", help="print the chain-rule derivation of a network or expression",
                       description="Print the derivation of every dJ/dparameter, step by step: "
                                   "dependency paths, local derivatives, the deltas (BP1-BP4) "
                                   "with their shapes, and optionally worked numbers.",
                       epilog=EPILOG_DERIVE, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("spec", nargs="?", metavar="SPEC", help=SPEC_HELP)
    d.add_argument("--param", action="append", metavar="NAME",
                   help="derive only this parameter, e.g. w1_2_1 or b2_1, or every entry of an array, e.g. W1 (repeatable)")
    d.add_argument("--view", choices=["scalar", "delta", "both"], default="both",
                   help="scalar: weight by weight; delta: BP1-BP4 in matrix form with shapes; "
                        "both (default)")
    d.add_argument("--numbers", action="store_true",
                   help="plug in the worked example (the preset's or TOML's, or --seed's)")
    d.add_argument("--steps", type=_count(10000), metavar="N",
                   help="also print N steps of gradient descent (implies --numbers)")
    d.add_argument("--lr", type=_positive_fraction, metavar="LR",
                   help="learning rate for --steps (default: the example's, else 0.1)")
    d.add_argument("--seed", type=_seed, metavar="N",
                   help="draw a reproducible random example (for specs without one)")
    d.add_argument("--optimizer", choices=OPTIMIZER_NAMES,
                   help="the descent trace's update rule (torch.optim's, with its defaults); prints its state "
                        "(adam, adamw: and L2 in the loss against decoupled weight decay)")
    d.add_argument("--verify", action="store_true",
                   help="check every gradient against sympy.diff of the fully expanded J")
    d.add_argument("--format", choices=["text", "latex", "markdown", "json", "html"], default="text",
                   help="output format (default text); html: one self-contained web page, maths as MathML")
    _lang(d)
    d.add_argument("--expr", metavar="EXPR",
                   help="derive a scalar expression instead of a network, staged like CS231n")
    d.add_argument("--wrt", metavar="NAME[,NAME...]", help="with --expr: the variables to differentiate")
    d.add_argument("--at", action="append", metavar="NAME=VALUE", default=[],
                   help="with --expr: a value for a variable (repeatable); adds numbers to every line")

    c = sub.add_parser("codegen", help="write a NumPy module computing the loss and every gradient",
                       description="Emit a self-contained NumPy module (init_params, forward, loss, "
                                   "value_and_grad, sgd_step) generated from the derivation.",
                       epilog="examples:\n  chainrule codegen mlp-2-3-1 -o mlp.py\n"
                              "  chainrule codegen 784-128:relu-10:softmax/ce -o mnist_mlp.py\n"
                              "  chainrule codegen 2-3:sigmoid-1/mse -o unrolled.py --form scalar\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    c.add_argument("-o", "--output", required=True, metavar="FILE.py", help="where to write the module")
    c.add_argument("--form", choices=["vectorized", "scalar"], default="vectorized",
                   help="vectorized (default, any width) or scalar (straight-line, small networks)")
    c.add_argument("--force", action="store_true", help="overwrite FILE even if chainrule did not write it")
    c.add_argument("--check", action="store_true",
                   help="after writing, compare the gradients with central differences and print the table")

    h = sub.add_parser("handout", help="write a LaTeX handout (lecture notes and exercises)",
                       description="Write lecture notes for a network: notation, diagram, forward "
                                   "pass, chain rule, BP1-BP4 with shapes, a worked example, "
                                   "why reverse mode, the NumPy code, and exercises.",
                       epilog="examples:\n  chainrule handout mlp-2-3-1 -o backprop.tex --pdf\n"
                              "  chainrule handout mlp-2-3-1 -o sheet.tex --pdf --no-answers\n"
                              "  chainrule handout small-cnn -o cnn.tex --pdf        # feature maps drawn as stacks\n"
                              "  chainrule handout tiny-rnn -o rnn.tex --pdf         # unrolled over time, BPTT exercises\n"
                              "  chainrule handout '20x16-lstm(32)-10:softmax/ce' -o lstm.tex --pdf\n"
                              "      # too large for the scalar graph: the worked example from the generated code\n"
                              "  chainrule handout mlp-2-3-1 --optimizer adam -o adam.tex   # + L2 against AdamW\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    h.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    h.add_argument("-o", "--output", required=True, metavar="FILE.tex", help="where to write the handout")
    h.add_argument("--pdf", action="store_true", help="also compile FILE.pdf with pdflatex")
    answers = h.add_mutually_exclusive_group()
    answers.add_argument("--answers", dest="answers", action="store_true", default=True,
                         help="include worked solutions (teacher version, default)")
    answers.add_argument("--no-answers", dest="answers", action="store_false",
                         help="leave room for answers instead (student version)")
    h.add_argument("--seed", type=_seed, metavar="N", help="draw the exercise numbers reproducibly")
    h.add_argument("--title", metavar="TEXT", help="the handout's title (printed literally)")
    _lang(h, note="--pdf then uses XeLaTeX")
    h.add_argument("--optimizer", choices=OPTIMIZER_NAMES,
                   help="add a section on this optimizer: its update rule (torch.optim's), the worked "
                        "example's steps with it, and L2 in the loss against decoupled weight decay (AdamW)")
    h.add_argument("--lr", type=_positive_fraction, metavar="LR",
                   help="with --optimizer: the learning rate (default: the example's)")
    h.add_argument("--force", action="store_true", help="overwrite FILE even if chainrule did not write it")
    x = sub.add_parser("explore", help="write an interactive web page: click a weight, see its derivation, step",
                       description="Write one self-contained HTML file that works offline: the network drawn "
                                   "(every weight and bias clickable, or listed for conv and other layers), the "
                                   "chosen parameter's derivation (paths, local derivatives, the reused delta, "
                                   "numbers), a scalar/matrix (BP1-BP4) toggle, and a gradient-descent step "
                                   "button that recomputes every number in the page from the derivation.",
                       epilog=EPILOG_EXPLORE, formatter_class=argparse.RawDescriptionHelpFormatter)
    x.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    x.add_argument("-o", "--output", required=True, metavar="FILE.html", help="where to write the page")
    x.add_argument("--numbers", action="store_true",
                   help="also put the worked example's numbers into each derivation (as derive --numbers) "
                        "and into the matrix view (as derive --numbers --view delta); "
                        "the step button and the loss are always there")
    x.add_argument("--seed", type=_seed, metavar="N",
                   help="draw a reproducible random example (for specs without one)")
    x.add_argument("--lr", type=_positive_fraction, metavar="LR",
                   help="the step button's learning rate (default: the example's)")
    _lang(x)
    x.add_argument("--force", action="store_true", help="overwrite FILE even if chainrule did not write it")
    e = sub.add_parser("exam", help="write an exam: N versions with other numbers, keys, Moodle XML or GIFT",
                       description="Write the exercise sheet's numeric questions (forward pass, BP1, BP2, a "
                                   "weight and a bias gradient, what changes if ..., a central difference, one "
                                   "step of gradient descent) in N versions: the same questions with other "
                                   "numbers, each version with its key. The file's ending chooses the format.",
                       epilog=EPILOG_EXAM, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    e.add_argument("--versions", type=_count(EXAM_MAX_VERSIONS, 1), required=True, metavar="N",
                   help=f"how many versions (1 to {EXAM_MAX_VERSIONS})")
    e.add_argument("--seed", type=_seed, default=0, metavar="S",
                   help="draw the numbers from this seed (default 0); the same seed gives the same files")
    e.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="FILE.tex (LaTeX: a page per version, then the keys), FILE.xml (Moodle XML) "
                        "or FILE.gift (Moodle GIFT)")
    e.add_argument("--pdf", action="store_true", help="with .tex: also compile the PDF(s) with pdflatex")
    e.add_argument("--keys", choices=["together", "separate"],
                   help="with .tex: the keys after the versions (together, default) or in FILE-keys.tex")
    _lang(e)
    e.add_argument("--force", action="store_true", help="overwrite files even if chainrule did not write them")
    train.add_parser(sub)

    k = sub.add_parser("check", help="grade a hand-derived gradient and name the mistake",
                       description="Say whether a gradient derived by hand is right, and if not, what is wrong "
                                   "in a teacher's words (a transpose, the 1/m, a missing f', f'(a) for f'(z), "
                                   "the sign, a factor of 2, the sum over the batch, another layer's "
                                   "quantity). Exit status: 0 right, 3 wrong, 2 the answer could not be read.",
                       epilog=EPILOG_CHECK, formatter_class=argparse.RawDescriptionHelpFormatter)
    k.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    what = k.add_mutually_exclusive_group(required=True)
    what.add_argument("--param", metavar="NAME",
                      help="the answer is dJ/dNAME for one parameter (w1_2_1, b2_1 ...), a scalar expression")
    what.add_argument("--grad", metavar="KEY",
                      help="the answer is dJ/dKEY for a whole array (W1, b2 ...), in NumPy syntax, for a batch")
    k.add_argument("--answer", required=True, metavar="EXPR",
                   help="the answer; quote it, and write --answer=EXPR when it starts with '-'")
    k.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    _lang(k, "verdict")
    return p


def _parse_at(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ChainruleError(f"--at '{item[:40]}' is not NAME=VALUE; write e.g. --at x=1.5")
        if name.strip() in out:
            raise ChainruleError(f"--at gives {name.strip()[:40]} twice; give each variable one value")
        out[name.strip()] = value.strip()
    return out


def cmd_presets(args) -> str:
    from derive.presets import PRESETS
    width = max(map(len, PRESETS))
    lines = ["Preset networks (use the name wherever a SPEC is accepted):", ""]
    for name, build in PRESETS.items():
        # name and spec on one line, the summary beside them or, when that would
        # pass 80 columns, wrapped on the lines below
        head = f"  {name:<{width}}  {build.spec:<30} "
        if len(head) + len(build.summary) <= 80:
            lines.append(head + build.summary)
        else:
            lines.append(head.rstrip())
            lines += textwrap.wrap(build.summary, 80, initial_indent=" " * (width + 4),
                                   subsequent_indent=" " * (width + 4))
    lines += ["", "Try:  chainrule derive mlp-2-3-1   or   chainrule derive single-weight --numbers --steps 6"]
    return "\n".join(lines) + "\n"


NETWORK_ONLY = ("param", "numbers", "steps", "lr", "seed", "verify", "optimizer")
EXPR_ONLY = ("wrt", "at")


def cmd_derive(args) -> str:
    from derive.printers import render
    if args.expr is not None:
        if args.spec:
            raise ChainruleError("give either a SPEC or --expr, not both")
        given = [f"--{o}" for o in NETWORK_ONLY if getattr(args, o) not in (None, False, [])]
        if args.view != "both":
            given.append("--view")
        if given:
            raise ChainruleError(f"{', '.join(given)} apply to a network SPEC, not to --expr; with --expr use "
                                 f"--wrt, --at, --format and --lang")
        if not args.wrt:
            raise ChainruleError("--expr needs --wrt NAME[,NAME...], e.g. --wrt w1,b1")
        from derive.views.staged import derivation as staged
        return render(staged(args.expr, args.wrt, _parse_at(args.at), lang=args.lang), args.format)
    if args.wrt or args.at:
        raise ChainruleError("--wrt and --at go with --expr; for a network use --param and --numbers")
    if not args.spec:
        raise ChainruleError("derive needs a SPEC (e.g. mlp-2-3-1 or 2-3:sigmoid-1/mse) or --expr")
    if (args.lr is not None or args.optimizer is not None) and not (args.steps or args.numbers):
        raise ChainruleError("--lr and --optimizer set the gradient-descent trace: add --steps N "
                             "(or --numbers, which runs the example's own steps)")
    import derive
    from derive.derivation import build
    net = derive.load(args.spec)
    doc = build(net, params=args.param, view=args.view, numbers=args.numbers or bool(args.steps),
                steps=args.steps, lr=args.lr, seed=args.seed, verify=args.verify, lang=args.lang,
                optimizer=args.optimizer)
    return render(doc, args.format)


def cmd_codegen(args) -> str:
    from chainrule.files import check_target, write_file
    check_target(args.output, "py", args.force)  # before the work, which may be long
    import codegen
    import derive
    net = derive.load(args.spec)
    text = codegen.emit(net, form=args.form)
    path = write_file(args.output, text, "py", args.force)
    out = f"wrote {path} ({args.form} form of {net.spec})\n"
    if args.check:
        module = codegen.compile(net, form=args.form)
        out += codegen.check_report(module)
    return out


def cmd_handout(args) -> str:
    import derive
    from chainrule.files import check_target, write_files
    net = derive.load(args.spec)   # bad input is refused before anything heavy is imported
    if args.lr is not None and args.optimizer is None:
        raise ChainruleError("--lr sets the optimizer section's learning rate: add --optimizer NAME "
                             "(sgd, momentum, nesterov, rmsprop, adam, adamw)")
    if not args.output.endswith(".tex"):
        raise ChainruleError(f"the handout file should end in .tex, got '{args.output}'")
    # Every target is checked before LaTeX runs, and the .tex is written
    # only with its PDF: a .tex that does not compile is never left behind.
    targets = [(args.output, "tex")] + ([(args.output[:-len(".tex")] + ".pdf", "pdf")] if args.pdf else [])
    for target, kind in targets:
        check_target(target, kind, args.force)
    import codegen
    from derive import handout
    tex = handout.render(net, answers=args.answers, seed=args.seed, title=args.title,
                         code_listing=codegen.emit(net), optimizer=args.optimizer, lr=args.lr, lang=args.lang,
                         run=_trace_runner(net))
    files = [(args.output, tex, "tex")]
    if args.pdf:
        from chainrule.pdf import build_pdf
        files.append((targets[1][0], build_pdf(tex), "pdf"))
    return "".join(f"wrote {path}\n" for path in write_files(files, args.force))


def _trace_runner(net):
    """For a recurrent network too large for the scalar graph, the generated
    module's trace as run(net, params, X, Y, masks) -> arrays, for that
    network or a variant of it (the exercises compare the mean with the
    sum): the handout's worked example takes its numbers from it (derive
    never imports codegen).  None for any other network."""
    from derive.graph import can_build
    if net.is_mlp or not any(layer.kind == "recurrent" for layer in net.numbered) or can_build(net):
        return None
    import codegen
    modules = {}

    def run(variant, params, X, Y, masks):
        if variant.spec not in modules:
            modules[variant.spec] = codegen.compile(variant)
        module = modules[variant.spec]
        extra = {}
        if hasattr(module, "MASKS"):
            extra["masks"] = masks
        if hasattr(module, "init_state"):
            extra["state"] = module.init_state()
        return module.trace(params, X, Y, **extra)
    return run


WRONG = 3   # check: the answer was read and is wrong


def cmd_check(args):
    """(output, exit status): 0 right, 3 wrong."""
    import derive
    from derive.answer import check
    from derive.printers.verdict import render_verdict
    net = derive.load(args.spec)
    verdict = check(net, args.answer, param=args.param, grad=args.grad, lang=args.lang)
    return render_verdict(verdict, args.format), 0 if verdict.correct else WRONG


def cmd_explore(args) -> str:
    import derive
    from chainrule.files import check_target, header, write_file
    net = derive.load(args.spec)   # bad input is refused before anything heavy is imported
    if not args.output.endswith((".html", ".htm")):
        raise ChainruleError(f"the page should end in .html, got '{args.output}'")
    check_target(args.output, "html", args.force)
    from derive.printers.explore import ExplorePrinter
    from derive.views.explore import explorer
    page = explorer(net, numbers=args.numbers, seed=args.seed, lr=args.lr, lang=args.lang)
    text = ExplorePrinter(page.names).doprint(page, header=header("html", net.spec).rstrip("\n"))
    path = write_file(args.output, text, "html", args.force)
    return f"wrote {path}\n"


EXAM_FORMATS = {".tex": "tex", ".xml": "xml", ".gift": "gift"}


def cmd_exam(args) -> str:
    from chainrule.files import check_target, write_files
    stem, ending = os.path.splitext(args.output)
    fmt = EXAM_FORMATS.get(ending.lower())
    if fmt is None:
        raise ChainruleError(f"the exam file should end in .tex (LaTeX), .xml (Moodle XML) or .gift (Moodle "
                             f"GIFT), got '{args.output}'")
    if fmt != "tex" and (args.pdf or args.keys is not None):
        raise ChainruleError(f"--pdf and --keys go with a .tex exam; a .{fmt} file carries each answer in "
                             f"its question")
    keys = args.keys or "together"
    targets = [(args.output, fmt)] + ([(stem + "-keys" + ending, "tex")] if keys == "separate" else [])
    if args.pdf:
        targets += [(os.path.splitext(path)[0] + ".pdf", "pdf") for path, _ in targets]
    for target, kind in targets:   # every target checked before the work, and before LaTeX runs
        check_target(target, kind, args.force)
    import derive
    from derive import exam
    net = derive.load(args.spec)
    texts = exam.render(exam.build(net, args.versions, seed=args.seed, lang=args.lang), fmt, keys)
    files = [(path, text, kind) for (path, kind), text in zip(targets, texts)]
    if args.pdf:   # the .tex files are written only with their PDFs
        from chainrule.pdf import build_pdf
        files += [(path, build_pdf(text), "pdf") for (path, _), text in zip(targets[len(texts):], texts)]
    return "".join(f"wrote {path}\n" for path in write_files(files, args.force))


COMMANDS = {"presets": cmd_presets, "derive": cmd_derive, "codegen": cmd_codegen, "handout": cmd_handout,
            "train": train.run, "explore": cmd_explore, "check": cmd_check, "exam": cmd_exam}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_usage(sys.stderr)
            print("chainrule: error: give a command, e.g. 'chainrule derive mlp-2-3-1'; "
                  "see 'chainrule --help'", file=sys.stderr)
            return 2
        output = COMMANDS[args.command](args)
        status = 0
        if isinstance(output, tuple):   # check: the verdict and its exit status
            output, status = output
        sys.stdout.write(output)
        sys.stdout.flush()
        return status
    except ChainruleError as exc:
        message = " ".join(str(exc).split())
        print(f"chainrule: error: {message}", file=sys.stderr)
        return 2
    except EvaluationError as exc:   # the example's own numbers (its weights, --lr), not a bug
        print(f"chainrule: error: the worked example's numbers cannot be computed: {exc} (a sigmoid or "
              f"softmax output rounded to exactly 0 or 1, or an overflow); use smaller weights or inputs, "
              f"or for a descent trace a smaller --lr or fewer --steps", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error: exit 1, never a bare traceback
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        print(f"chainrule: internal error: {type(exc).__name__}: {exc} "
              f"(set CHAINRULE_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
