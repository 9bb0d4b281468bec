"""The worked example as model nodes: the data, every quantity per example,
the gradients, and the gradient-descent trace."""
from __future__ import annotations

import sympy as sp

from ..evaluate import as_sympy, exact
from ..format import fmt
from ..model import Literal, Math, Section, Table, Text, Value
from .prose import para
from ..worked import Evaluation, descend

COLUMNS = 4          # examples per table, so a table fits 80 columns
MAX_ROWS = 40        # quantities listed per table before '...'
TRACE_PARAMS = 4


def _v(x, of=None):
    return Value(as_sympy(x), of=of)


def data_intro(net, example, t):
    """What the worked example is: its description (the user's words, or the
    preset's in the reader's language), its size, how J combines the rows."""
    own = example.described(t)
    return para(t, "numbers.data_intro", described=Literal(own) if own else t("numbers.the_example"),
                m=example.m, s="" if example.m == 1 else "s", how=t(f"numbers.{net.reduction}"))


def data_section(net, example, g, t, keyed: bool = False) -> Section:
    """The example's data and parameters; ``keyed``: each parameter's value
    says what it is (a page that steps refills it)."""
    scheme = g.scheme()
    rows = []
    for r, (x, y) in enumerate(zip(example.X, example.Y), 1):
        xs = ", ".join(fmt(v).plain() for v in x[:8]) + (" ..." if len(x) > 8 else "")
        rows.append([str(r), xs, ", ".join(fmt(v).plain() for v in y)])
    body = [data_intro(net, example, t), Table([t("numbers.row"), "x", "y"], rows)]
    params = [[scheme.unicode(p), _v(v, p if keyed else None)] for p, v in example.params[:MAX_ROWS]]
    if len(example.params) > MAX_ROWS:
        params.append([t("numbers.more", n=len(example.params) - MAX_ROWS), ""])
    body.append(Table([t("numbers.parameter"), t("numbers.value")], params))
    if example.masks:
        body.append(Text(t("numbers.masks", keys=", ".join(k for k, _ in example.masks))))
    return Section(t("numbers.data_title"), body, key="data")


def per_example(ev: Evaluation, symbols, header: str, scheme, t, key=None) -> list:
    """Tables with one row per quantity and one column per example."""
    m = len(ev.rows) if ev.per_row else 1
    return value_tables(list(symbols), m, lambda s, r: ev.at(s, r), header, t, key=key)


def value_tables(symbols: list, m: int, at, header: str, t, more: int = 0, key=None) -> list:
    """Tables of ``at(symbol, row)``: a row per quantity, a column per example
    (at most COLUMNS examples a table).  ``more`` counts quantities not listed;
    ``key(symbol, row)``, when given, says what each value is (``Value.of``)."""
    tables = []
    more += max(0, len(symbols) - MAX_ROWS)
    symbols = symbols[:MAX_ROWS]
    for start in range(0, m, COLUMNS):
        chunk = range(start, min(start + COLUMNS, m))
        head = [header] + ([t("numbers.example", r=r + 1) for r in chunk] if m > 1 else [t("numbers.value")])
        body = [[s] + [_v(at(s, r), key(s, r) if key else None) for r in chunk] for s in symbols]
        if more > 0:
            body.append([t("numbers.more", n=more)] + [""] * len(chunk))
        tables.append(Table(head, body))
    return tables


def trace_table(trace: list, cols: list[str], scheme, t) -> Table:
    """Step, the shown parameters and J: ``trace`` holds (step, params, loss)."""
    return Table([t("numbers.step"), *[scheme.unicode(p) for p in cols], "J"],
                 [[str(step), *[_v(params[p]) for p in cols], _v(loss)] for step, params, loss in trace])


def forward_section(net, ev: Evaluation, t, key=None) -> Section:
    """Every quantity of the forward pass per example, and J; ``key`` as in
    ``value_tables`` (J's key is "J")."""
    g = ev.graph
    first = g.rows[0]
    symbols = [d.symbol for d in g.forward if d.row in (None, first) or not ev.per_row]
    body = per_example(ev, symbols, t("numbers.quantity"), g.scheme(), t, key)
    body.append(Math([sp.Symbol("J"), _v(ev.loss, "J" if key else None)], note=t("numbers.batch_loss")))
    return Section(t("numbers.forward_title"), body, key="numbers-forward")


def delta_section(net, ev: Evaluation, t, key=None) -> Section:
    g = ev.graph
    first = g.rows[0]
    symbols = [a.symbol for a in g.teaching_order() if a.row in (None, first) or not ev.per_row]
    return Section(t("numbers.delta_title"), per_example(ev, symbols, "δ", g.scheme(), t, key), key="numbers-deltas")


def gradient_section(net, ev: Evaluation, shown: list[str], t, keyed: bool = False) -> Section:
    """∂J/∂θ for the ``shown`` parameters, as a sum over the batch and its
    value; ``keyed``: each value says it is "grad:NAME"."""
    g = ev.graph
    scheme = g.scheme()
    m = len(ev.rows) if ev.per_row else 1
    mean = net.reduction == "mean" and m > 1
    rows = []
    for p in shown[:MAX_ROWS]:
        grad = g.gradient(p)
        form = grad.expr
        if m > 1 and ev.per_row:
            from ..model import Notation
            prefix = Notation(f"(1/{m})Σᵣ", r"\frac{1}{%d}\sum_r" % m) if mean else Notation("Σᵣ", r"\sum_r")
            form = sp.Mul(prefix, grad.expr - grad.l2, evaluate=False) + grad.l2
        rows.append([scheme.unicode(p), form, _v(ev.gradients[p], f"grad:{p}" if keyed else None)])
    width = max((len(sp.sstr(r[1])) for r in rows), default=0)
    if width > 48:   # long sums (conv, a batch graph): the scalar view shows them; here the values
        rows = [[r[0], r[2]] for r in rows]
        body = [Table([t("numbers.parameter"), "∂J/∂θ"], rows)]
    else:
        body = [Table([t("numbers.parameter"), "∂J/∂θ", t("numbers.value")], rows)]
    if len(shown) > MAX_ROWS:
        body.append(Text(t("numbers.more_params", n=len(shown) - MAX_ROWS)))
    return Section(t("numbers.gradient_title"), body, key="numbers-gradients")


def trace_section(net, g, example, steps: int, lr, ev: Evaluation, shown: list[str], t,
                  optimizer: str | None = None) -> tuple[Section, list]:
    trace = descend(g, example, steps, lr, ev, optimizer=optimizer)
    scheme = g.scheme()
    exactness = t("numbers.exact") if all(exact(r.loss) for r in trace) else t("numbers.fixed", digits=fmt_digits())
    if optimizer in (None, "sgd"):
        cols = shown[:TRACE_PARAMS]
        table = trace_table([(r.step, r.params, r.loss) for r in trace], cols, scheme, t)
        note = "" if len(cols) == len(shown) else " " + t("numbers.first_params", k=len(cols), n=len(shown))
        body = [Text(t("numbers.descent_rule", lr=fmt(lr).plain()) + note + " " + exactness), table]
        return Section(t("numbers.descent_title", steps=steps, lr=fmt(lr).plain()), body, key="descent"), trace
    return optimizer_section(g, trace, optimizer, lr, shown[0], t, exactness), trace


def optimizer_section(g, trace, name: str, lr, p: str, t, exactness: str) -> Section:
    """The optimizer's rule (its SymPy equations, as computed) and, for one
    parameter, its state at every step."""
    from ..model import Equations, Math
    from ..optimizers import OPTIMIZERS, theta
    opt = OPTIMIZERS[name]
    scheme = g.scheme()
    rule = Equations([Math([s, e]) for s, e in opt.steps])
    keys = [s for s, _ in opt.steps if s not in (theta,) and s.name != "g"]
    head = [t("numbers.step"), scheme.unicode(p), "g"] + [s.name for s in keys] + ["J"]
    rows = []
    for before, after in zip(trace, trace[1:] + [None]):
        state = after.state[p] if after is not None and after.state else {}
        rows.append([Value(sp.Integer(before.step)), _v(before.params[p])] +
                    ([_v(state["g"])] + [_v(state[s]) for s in keys] if state else [""] * (1 + len(keys))) +
                    [_v(before.loss)])
    settings = [[s.name, keyword, _v(value)] for s, keyword, value in opt.settings(lr)]
    body = [Text(t("optimizer.intro", name=name, lr=fmt(lr).plain(), p=scheme.unicode(p))), rule,
            Text(t("optimizer.settings")), Table([t("optimizer.hyperparameter"), "torch.optim", t("numbers.value")],
                                                 settings),
            Text(t("optimizer.rows")), Table(head, rows), Text(exactness)]
    moves = [abs(float(after.params[p]) - float(before.params[p])) / float(lr)
             for before, after in zip(trace, trace[1:])][:3]
    if name.startswith("adam") and moves:
        body.append(Text(t("optimizer.adam_first", moves=", ".join(fmt(x, 3).plain() for x in moves))))
    return Section(t("optimizer.title", name=name, steps=len(trace) - 1, lr=fmt(lr).plain()), body,
                   key="descent")


def fmt_digits() -> int:
    from ..evaluate import DIGITS
    return DIGITS
