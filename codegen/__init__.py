"""NumPy gradient code from chainrule's derivation.

    emit(net, form)        the source of a module (see CONTRACT.md) as text
    compile(spec, form)    that module, imported (cached by content hash)
    gradcheck(...)         central-difference check of a module's gradients
    check_report(module)   gradcheck on random data, as a readable table
"""
from __future__ import annotations

import keyword

from derive.errors import ChainruleError
from derive.loading import load
from derive.network import Network

from .emit import HEADER_PREFIX, context, render

FORMS = ("vectorized", "scalar")


def emit(net: Network, form: str = "vectorized") -> str:
    """The module source for ``net``; its first line names net.spec."""
    if not isinstance(net, Network):
        net = load(net)
    if form not in FORMS:
        raise ChainruleError(f"unknown form '{form}'; use --form vectorized or --form scalar")
    if form == "scalar":
        from .scalar import scalar_context
        return render("scalar.py.j2", scalar_context(net))
    return render("vectorized.py.j2", context(net, form))


def safe_identifier(name: str) -> str:
    """``name`` if it is a usable Python identifier, else ChainruleError."""
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise ChainruleError(f"'{name}' is not a Python identifier; use letters, digits and '_', "
                             f"not starting with a digit")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ChainruleError(f"'{name}' is a Python keyword; choose another name")
    return name


def generated_files() -> dict[str, str]:
    """The committed modules in generated/: file name -> normalised spec."""
    from derive import PRESETS
    return {f"{safe_identifier(name.replace('-', '_'))}.py": PRESETS[name]().spec for name in PRESETS}


def spec_of(source: str) -> str:
    """The spec named in a generated module's header line."""
    first = source.split("\n", 1)[0]
    suffix = " -- do not edit."
    if not (first.startswith(HEADER_PREFIX) and first.endswith(suffix)):
        raise ChainruleError("not a chainrule module: its first line is not the generated header; "
                             "regenerate it with 'chainrule codegen SPEC -o FILE.py'")
    return first[len(HEADER_PREFIX):-len(suffix)]


from .loader import compile  # noqa: E402  (after emit, which it calls)
from .check import check_report, gradcheck  # noqa: E402

__all__ = ["FORMS", "HEADER_PREFIX", "check_report", "compile", "emit", "generated_files", "gradcheck",
           "safe_identifier", "spec_of"]
