"""Optimizers as update equations: torch.optim's rules, written once in SymPy.

Each optimizer is an ordered list of assignments for one parameter θ with
gradient g at step t (1-based); its state (velocity, moments) carries from
step to step.  ``derive --numbers --optimizer NAME`` evaluates them with the
exact-where-short numbers and prints them; the printed rule and the
computed numbers are the same expressions.  The defaults are torch's.

    sgd       θ ← θ - η g
    momentum  b ← g (t = 1), b ← μ b + g;  θ ← θ - η b
    nesterov  the same b;  g ← g + μ b;  θ ← θ - η g  (torch's SGD with nesterov=True)
    rmsprop   v ← α v + (1 - α) g²;  θ ← θ - η g / (√v + ε)
    adam      m ← β₁ m + (1 - β₁) g;  v ← β₂ v + (1 - β₂) g²;  m̂ = m / (1 - β₁ᵗ);
              v̂ = v / (1 - β₂ᵗ);  θ ← θ - η m̂ / (√v̂ + ε)
    adamw     θ ← θ (1 - η λ), then adam without λ in g

weight decay λ (sgd, momentum, rmsprop, adam) first adds λ θ to g.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from .evaluate import compile_expr

theta, g, t, lr = sp.symbols("θ g t η", real=True)
m, v, b, m_hat, v_hat = sp.symbols("m v b m̂ v̂", real=True)
mu, alpha, beta1, beta2, eps, wd = sp.symbols("μ α β₁ β₂ ε λ", real=True)
# Each hyperparameter as torch.optim's constructors name it.
TORCH_NAMES = {lr: "lr", mu: "momentum", alpha: "alpha", beta1: "betas[0]", beta2: "betas[1]", eps: "eps",
               wd: "weight_decay"}


@dataclass(frozen=True)
class Optimizer:
    name: str
    state: tuple                    # symbols carried from step to step (start at 0)
    steps: tuple                    # (symbol, expression), in order; θ's new value is the last
    defaults: dict = field(default_factory=dict)   # hyperparameter symbol -> torch's default
    first: tuple = ()               # (symbol, expression) used instead at t = 1

    def hyper(self, lr_value, **given) -> dict:
        out = {lr: Fraction(lr_value)}
        names = {"momentum": mu, "alpha": alpha, "beta1": beta1, "beta2": beta2, "eps": eps,
                 "weight_decay": wd}
        for key, value in given.items():
            out[names[key]] = Fraction(str(value))
        for s, value in self.defaults.items():
            out.setdefault(s, Fraction(str(value)))
        return out

    def settings(self, lr_value, **given) -> list[tuple]:
        """(symbol, torch.optim's keyword, value) of every hyperparameter the
        rule uses, in TORCH_NAMES' order: what a trace states it ran with."""
        used = set().union(*(e.free_symbols for _, e in self.steps))
        values = self.hyper(lr_value, **given)
        return [(s, name, values[s]) for s, name in TORCH_NAMES.items() if s in used and s in values]


_decayed = g + wd * theta

OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in [
    Optimizer("sgd", (), ((g, _decayed), (theta, theta - lr * g)), {wd: 0}),
    Optimizer("momentum", (b,), ((g, _decayed), (b, mu * b + g), (theta, theta - lr * b)),
              {mu: "0.9", wd: 0}, first=((b, g),)),
    Optimizer("nesterov", (b,), ((g, _decayed), (b, mu * b + g), (g, g + mu * b), (theta, theta - lr * g)),
              {mu: "0.9", wd: 0}, first=((b, g),)),
    Optimizer("rmsprop", (v,), ((g, _decayed), (v, alpha * v + (1 - alpha) * g ** 2),
                                (theta, theta - lr * g / (sp.sqrt(v) + eps))),
              {alpha: "0.99", eps: "1e-8", wd: 0}),
    Optimizer("adam", (m, v), ((g, _decayed), (m, beta1 * m + (1 - beta1) * g), (v, beta2 * v + (1 - beta2) * g ** 2),
                               (m_hat, m / (1 - beta1 ** t)), (v_hat, v / (1 - beta2 ** t)),
                               (theta, theta - lr * m_hat / (sp.sqrt(v_hat) + eps))),
              {beta1: "0.9", beta2: "0.999", eps: "1e-8", wd: 0}),
    Optimizer("adamw", (m, v), ((theta, theta * (1 - lr * wd)), (m, beta1 * m + (1 - beta1) * g),
                                (v, beta2 * v + (1 - beta2) * g ** 2),
                                (m_hat, m / (1 - beta1 ** t)), (v_hat, v / (1 - beta2 ** t)),
                                (theta, theta - lr * m_hat / (sp.sqrt(v_hat) + eps))),
              {beta1: "0.9", beta2: "0.999", eps: "1e-8", wd: "0.01"}),
]}


# SGD with decoupled weight decay (the AdamW way, without Adam): not one of
# torch.optim's, kept for comparing L2 in the loss with decoupled decay.
SGD_DECOUPLED = Optimizer("sgd, decoupled decay", (), ((theta, theta * (1 - lr * wd)), (theta, theta - lr * g)),
                          {wd: "0.01"})


class Stepper:
    """One optimizer's equations, compiled, applied to every parameter.
    ``decayed``: the parameters weight decay applies to (None: all of them,
    as one torch.optim parameter group; the others get λ = 0, as a second
    group with weight_decay=0)."""

    def __init__(self, name, hyper: dict, decayed: set | None = None):
        self.opt = OPTIMIZERS[name] if isinstance(name, str) else name
        self.hyper = hyper
        self.decayed = decayed
        self.compiled = self._compile(hyper)
        self.plain = self._compile({**hyper, wd: Fraction(0)}) if decayed is not None else self.compiled
        self.state: dict[str, dict] = {}

    def _compile(self, hyper: dict) -> tuple[list, dict]:
        values = {k: _sym(v) for k, v in hyper.items()}
        return ([(s, compile_expr(e.xreplace(values))) for s, e in self.opt.steps],
                {s: compile_expr(e.xreplace(values)) for s, e in self.opt.first})

    def step(self, params: dict, grads: dict, step: int) -> tuple[dict, dict]:
        """New parameters; and per parameter the values of every assignment."""
        out, shown = {}, {}
        for p, value in params.items():
            env = {theta: value, g: grads[p], t: Fraction(step)}
            env.update(self.state.get(p, {s: Fraction(0) for s in self.opt.state}))
            compiled, first = self.compiled if self.decayed is None or p in self.decayed else self.plain
            for s, f in compiled:
                env[s] = (first[s] if step == 1 and s in first else f)(env)
            self.state[p] = {s: env[s] for s in self.opt.state}
            out[p] = env[theta]
            shown[p] = {s: env[s] for s, _ in self.opt.steps if s not in (theta, g)}
        return out, shown


def _sym(value):
    value = Fraction(value)
    return sp.Rational(value.numerator, value.denominator)
