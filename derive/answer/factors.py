"""Constant factors between an answer and the right result, named as the
mistakes that make them: a flipped sign, a factor of 2 (se against
half_se), the 1/n of mse.  Shared by the scalar and the matrix grader."""
from __future__ import annotations


def two_note(loss: str, t) -> str:
    """Why a factor of 2 is or is not there, for this loss."""
    if loss == "half_se":
        return t("check.two_half_se")
    if loss in ("se", "mse"):
        return t("check.two_se", loss=loss)
    return t("check.two_other", loss=loss)


def constant_mistakes(s, n_out: int, loss: str, t) -> list[tuple[str, str]] | None:
    """[(name, sentence)] for the factor ``s`` (a product of a sign, 2 or 1/2
    and, for mse with n_out > 1 outputs, n_out or 1/n_out); [] for 1; None
    when ``s`` is none of these."""
    s = float(s)
    note = two_note(loss, t)
    twos = [(1, []), (2, [("factor_2", t("check.two_more", note=note))]),
            (0.5, [("factor_1/2", t("check.two_less", note=note))])]
    outs = [(1, [])]
    if loss == "mse" and n_out > 1:
        outs += [(n_out, [("missing_1/n", t("check.n_missing", n=n_out))]),
                 (1 / n_out, [("extra_1/n", t("check.n_extra", n=n_out))])]
    for sign, signs in ((1, []), (-1, [("sign", t("check.sign"))])):
        for two, named2 in twos:
            for nout, named_n in outs:
                value = sign * two * nout
                if abs(s - value) <= 1e-7 * abs(value):
                    return signs + named2 + named_n
    return None


def short(x) -> str:
    """A factor as a teacher writes it: 3, 1/4, -2/3, else 6 digits."""
    import sympy as sp
    x = float(x)
    if abs(x - round(x)) < 1e-9 * max(1, abs(x)):
        return str(int(round(x)))
    frac = sp.nsimplify(x, rational=True, tolerance=1e-9)
    if isinstance(frac, sp.Rational) and frac.q <= 12:
        return f"{frac.p}/{frac.q}"
    return f"{x:.6g}"
