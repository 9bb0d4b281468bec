"""The structure the design promises: imports run one way, views never
import printers, derive never imports codegen or the command line, and no
module keeps a registry that grows as derivations are built."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("derive", "codegen", "chainrule")


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imports(name: str, path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            known = {m for m, _ in modules()}
            for a in node.names:   # 'from . import numerics' depends on the module, not its package
                out.add(f"{target}.{a.name}" if f"{target}.{a.name}" in known else target)
    known = {m for m, _ in modules()}
    return {m for m in out if m in known and m != name}


def test_no_import_cycles_at_import_time():
    graph = {name: imports(name, path, top_level_only=True) for name, path in modules()}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"
    for name in graph:
        if name not in state:
            visit(name, [name])


@pytest.mark.parametrize("importer, forbidden", [
    ("derive", ("codegen", "chainrule")),           # the contract: derive never imports codegen
    ("codegen", ("chainrule",)),                     # only the command line wires the two
    ("derive.views", ("derive.printers",)),          # views build nodes; printers print them
    ("derive.printers", ("derive.views", "derive.graph", "derive.derivation")),
    ("derive.rules", ("derive.layers", "derive.network", "derive.graph", "derive.views")),
    ("derive.layers", ("derive.network", "derive.graph", "derive.views", "derive.printers")),
])
def test_layering(importer, forbidden):
    for name, path in modules():
        if name != importer and not name.startswith(importer + "."):
            continue
        for target in imports(name, path, top_level_only=False):
            assert not target.startswith(forbidden), f"{name} imports {target}"


def _mutable_state():
    """Sizes of every module-level dict, list and set in our packages."""
    out = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith(PACKAGES):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, (dict, list, set)) and not attr.startswith("__"):
                out[f"{name}.{attr}"] = len(value)
    return out


def test_no_registry_grows_with_derivations():
    import derive
    from derive.derivation import build
    from derive.printers import render
    for spec in ("2-3:tanh-1/mse", "2-4:relu-3:softmax/ce"):      # warm every module up
        for fmt in ("text", "latex", "json"):
            render(build(derive.load(spec), numbers=True), fmt)
    before = _mutable_state()
    for spec in ("3-5:relu-2/se", "1x4x4-conv(2,3):relu-flatten-2:softmax/ce", "2-3:elu(0.3)-1/mse",
                 "3x2-gru(2)-1/mse"):
        for fmt in ("text", "latex", "json"):
            render(build(derive.load(spec), numbers=True), fmt)
    after = _mutable_state()
    grown = {k: (before.get(k), v) for k, v in after.items() if k in before and v > before[k]}
    assert not grown, grown
