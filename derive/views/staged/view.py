"""The staged derivation as model nodes: forward lines, backward lines, gradients.

Each forward line is one gate (t1 = w1·x, t2 = t1 + b1, ..., J = t6/2);
each backward line multiplies the upstream gradient ∂J/∂(gate output) by
the gate's local derivative.  The lines hold SymPy expressions and the
display atoms of ``derive.model`` (Operation, Upstream, PlusEquals,
Value), so every printer sets them in its own format; the prose comes
from the message table.
"""
from __future__ import annotations

import sympy as sp

from ...errors import ChainruleError
from ...format import plain as number
from ...lang import messages
from ...model import Derivation, Math, Operation, Partial, PlusEquals, Section, Text, Upstream, Value
from ...names import Scheme
from ...rules import fprime
from . import kinds, parse
from .backward import Backward, backward, leading_to
from .check import agree, lost_precision, reference_value, same_number, simplify, ties
from .gates import (MAX_GRADIENT, MAX_NESTING, Gate, check_written_out, conditions_on_inputs, names_for,
                    stage, tree_size, written_out)
from .values import DIGITS, as_text, forward

NOTE_WIDTH = 54      # a note beside a wrapped line still fits in 80 columns
TITLE_WIDTH = 50     # a longer expression is not repeated in the title
_NAMES = Scheme()    # how the printers show a plain name (x1 as x₁), for the notes


def derivation(expr_text: str, wrt: list[str] | str | None = None,
               at: dict[str, str] | None = None, lang: str = "en") -> Derivation:
    """The staged forward and backward pass of ``expr_text``.

    ``wrt``: the variables to differentiate (all of them when None or []);
    a string is split at commas, as --wrt gives it.  ``at``: NAME -> number
    text ('0.5', '-1', '1/3'); every variable needs a value, and then every
    line gets its number (exact where rational).  Raises ChainruleError for
    bad input.

    ``data`` (JSON): expr (the parsed expression), wrt, at, forward [{step,
    name, gate, expr, value}], backward [{step, gate, name, upstream, local,
    accumulate, expr, value}], gradients {name: {expr, staged, value}} and
    ties (steps where max/min inputs are equal at ``at``).  Expressions are
    sympy.sstr strings; values are exact rationals or 20-digit floats.
    """
    try:
        doc = _staged(expr_text, wrt, at, messages(lang))
        if lang != "en":   # the printers pick the TeX engine (and the JSON says it) from the language
            doc.data["lang"] = lang
        return doc
    except RecursionError:   # a safety net behind the bounds on size and depth: deep input, not a bug
        raise ChainruleError(f"--expr nests too deeply for SymPy; write a shallower expression "
                             f"(at most {MAX_NESTING} levels once its functions are written out)") from None


def _staged(expr_text, wrt, at, t) -> Derivation:
    shown = parse.expression_text(expr_text)
    text = shown.replace("^", "**")
    tree, variables = parse.check_syntax(text)
    wrt = parse.wrt_list(wrt, variables)
    values = parse.values(at, variables)
    prefix, out_name = names_for(variables)
    # Stage first: the stager refuses constants such as 2**10**10, and the
    # size check expressions such as elu(elu(elu(...))), which parse_expr
    # would otherwise try to build.
    gates = stage(tree, text, variables, prefix, out_name)
    sizes = written_out(gates)
    check_written_out(*sizes[gates[-1].out], "--expr")
    reference = parse.reference(text, variables)
    J = gates[-1].out
    syms = [sp.Symbol(n, real=True) for n in variables]

    # The staged graph must be the expression SymPy's parser read.
    expanded: dict[sp.Symbol, sp.Expr] = {}
    for g in gates:
        expanded[g.out] = g.formula.xreplace(expanded)
    agree(expanded[J], reference, syms, gates)

    fval = forward(gates, values, Gate.describe) if values else None
    tied = ties(gates, fval) if fval else []
    leads = leading_to(gates, {sp.Symbol(n, real=True) for n in wrt})
    back = backward(gates, leads, fval)
    for name in wrt:
        check_written_out(*tree_size(back.grad.get(sp.Symbol(name, real=True), sp.S.Zero), sizes),
                          f"∂{out_name}/∂{name}", MAX_GRADIENT)
    gradients, gradients_data = _gradients(t, wrt, back, expanded, reference, syms, gates, values, tied, out_name, leads)

    title = (t("staged.title", out=out_name, expr=shown) if len(shown) < TITLE_WIDTH
             else t("staged.title_long"))
    skipped = [s.name for s in syms if s not in leads]
    intro = (t("staged.backward_intro_some", wrt=", ".join(wrt), skipped=", ".join(skipped)) if skipped
             else t("staged.backward_intro"))
    return Derivation(
        title=title,
        body=_intro(t, shown, variables, wrt, values, out_name, prefix)
        + [Section(t("staged.forward"), _forward_lines(t, gates, fval), key="forward"),
           Section(t("staged.backward"), [Text(intro)] + _backward_lines(t, J, back, fval), key="backward"),
           Section(t("staged.gradients"), gradients, key="gradients")],
        data=_data(reference, wrt, values, gates, fval, back, gradients_data, tied),
    )


def _data(reference, wrt, values, gates, fval, back: Backward, gradients: dict, tied: list) -> dict:
    """The machine-readable content (JSON), described in ``derivation``."""
    return {"expr": sp.sstr(reference), "wrt": wrt,
            "at": {n.name: sp.sstr(v) for n, v in values.items()} or None,
            "forward": [{"step": g.step, "name": g.out.name, "gate": g.kind, "expr": sp.sstr(g.formula),
                         "value": as_text(fval.get(g.out) if fval else None)} for g in gates],
            "backward": [{"step": c.gate.step, "gate": c.gate.kind, "name": c.input.name,
                          "upstream": c.gate.out.name, "local": sp.sstr(c.local), "accumulate": c.accumulate,
                          "expr": sp.sstr(c.total), "value": as_text(c.total_value)}
                         for c in back.contributions],
            "gradients": gradients, "ties": tied}


def _intro(t, shown, variables, wrt, values, out_name, prefix) -> list:
    lines = [f"{out_name} = {shown}",
             t("staged.variables", variables=", ".join(variables), wrt=", ".join(wrt)),
             t("staged.how", prefix=prefix, out=out_name)]
    if values:
        lines.append(t("staged.at", values=", ".join(f"{k} = {number(v)}" for k, v in values.items())))
    return [Text(line) for line in lines[:-1]] + [Text(lines[-1] + "\n")]


def _forward_lines(t, gates: list[Gate], fval) -> list[Math]:
    lines = []
    for g in gates:
        parts = [g.out, Operation(g.kind, *g.inputs)]
        if fval:
            parts.append(Value(fval[g.out]))
        note = "" if g.kind == "id" else t("staged.gate", kind=g.kind)
        lines.append(Math(parts, label=t("staged.forward_label", step=g.step), note=note))
    return lines


def _backward_lines(t, J, back: Backward, fval) -> list[Math]:
    lines = [Math([Partial(J, J), sp.Integer(1)], label=t("staged.seed_label"), note=t("staged.seed"))]
    for c in back.contributions:
        g = c.gate
        rhs = Upstream(Partial(J, g.out), c.local)
        parts = [PlusEquals(Partial(J, c.input), rhs)] if c.accumulate else [Partial(J, c.input), rhs]
        if fval:
            parts.append(Value(c.value))
        note = _backward_note(t, g, c.slot, fval)
        if c.accumulate:
            note = _fork_note(t, note, c.total_value)
        lines.append(Math(parts, label=t("staged.backward_label", step=g.step), note=note))
    return lines


def _gradients(t, wrt, back, expanded, reference, syms, gates, values, tied, out_name, leads):
    """One line per --wrt variable, each checked against sympy.diff."""
    lines, data = [], {}
    J = gates[-1].out
    for name in wrt:
        s = sp.Symbol(name, real=True)
        staged_form = back.grad.get(s, sp.Integer(0))
        simple = simplify(conditions_on_inputs(staged_form, gates).xreplace(expanded))
        reference_grad = sp.diff(reference, s)
        agreement = agree(simple, reference_grad, syms, gates)
        how = t(f"staged.check_{agreement.how}", what=f"({out_name}, {name})", points=agreement.points)
        parts = [Partial(J, s), staged_form] + ([simple] if simple != staged_form else [])
        value = None
        if values:
            value = back.value.get(s, sp.Integer(0))
            check = reference_value(reference_grad, values)
            if check is None or not same_number(check, value):   # confirm by SymPy's own arithmetic
                check = reference_value(reference_grad, values, by_sympy=True)
            if check is None:
                raise ChainruleError(f"sympy.diff({out_name}, {name}) is undefined at the --at values; "
                                     f"choose other values")
            if not same_number(check, value):
                if tied:
                    how = t("staged.check_tie_value", steps=", ".join(map(str, tied)), value=number(check))
                elif lost_precision(gates, leads, values, s, reference_grad):
                    raise ChainruleError(f"at these --at values ∂{out_name}/∂{name} loses more than {DIGITS - 12} of "
                                         f"its {DIGITS} digits to cancellation (1 - sigmoid(z) for a large z, say); "
                                         f"choose values nearer 0")
                else:
                    raise AssertionError(f"internal error: ∂J/∂{name} = {value} but sympy.diff gives {check}")
            if not parts[-1].is_Number:  # not "= 1 = 1"
                parts.append(Value(value))
        lines.append(Math(parts, note=t("staged.check", how=how)))
        data[name] = {"expr": sp.sstr(simple), "staged": sp.sstr(staged_form), "value": as_text(value)}
    return lines, data


def _backward_note(t, g: Gate, slot: int, fval) -> str:
    """The gate's rule in a few words; the local derivative is in the line itself."""
    kind = g.kind
    if kind in ("add", "id", "mul"):
        return t(f"staged.{kind}")
    if kind in ("sub", "neg"):
        return t("staged.sign", kind=kind, sign="-1" if kind == "neg" or slot == 1 else "+1")
    if kind in kinds.FOLDED:
        if fval is None:
            return t(f"staged.{kind}")
        a, b = (fval.get(x, x) for x in g.inputs)
        if a == b:
            return t("staged.tie", kind=kind)
        winner = g.inputs[0] if (a > b) == (kind == "max") else g.inputs[1]
        return t(f"staged.{kind}_to", winner=_shown(winner))
    if kinds.is_activation(kind):
        form = fprime(kind, g.inputs[1] if len(g.inputs) > 1 else None)
        if not form.expr.free_symbols:   # identity: a constant says nothing about where it is written
            return t("staged.gate", kind=kind)
        if form.in_output:
            return t("staged.in_output", kind=kind, out=_shown(g.out))
        return t("staged.in_input", kind=kind, input=_shown(g.inputs[0]))
    return t("staged.gate", kind=kind)


def _shown(x) -> str:
    """A gate input in a note: its name as the printers show it, or its number."""
    if isinstance(x, sp.Symbol):
        return _NAMES.unicode(x.name)
    return number(x if x.is_Number else sp.N(x, DIGITS))   # sqrt(3) as 1.73205


def _fork_note(t, note: str, total) -> str:
    """A += line: say that the value fans out, and the running total."""
    tail = t("staged.fork") if total is None else t("staged.fork_total", total=number(total))
    for head in (note, note.split(":")[0]):
        both = t("staged.both", first=head, second=tail)
        if len(both) <= NOTE_WIDTH:
            return both
    return tail
