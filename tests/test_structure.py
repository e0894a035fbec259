"""The shape of the house: mechanisms by registry, a view that does not import the tests,
no private name that crosses a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from abm.interventions import MECHANISMS, SHOCKS, SPECS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("abm", "agents", "experiments", "viz")


# ---- interventions: every declared name has a mechanism, and only those ------------------

def test_every_intervention_and_shock_has_a_registered_mechanism():
    missing = sorted(set(SPECS) - set(MECHANISMS))
    assert not missing, f"interventions without a mechanism: {missing}"
    missing = sorted(set(SHOCKS) - set(MECHANISMS))
    assert not missing, f"shocks without a mechanism: {missing}"


def test_the_registry_has_no_unknown_names():
    unknown = sorted(set(MECHANISMS) - set(SPECS) - set(SHOCKS))
    assert not unknown, f"mechanisms registered under names that are not declared: {unknown}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_intervention_acts_the_way_its_kind_says(name):
    """A programme enrols (update), a parameter lever changes parameters, facilities and staff place."""
    kind, m = SPECS[name].kind, MECHANISMS[name]
    assert m.shock is None
    assert (m.update is not None) == (kind == "programme"), f"{name} ({kind})"
    assert (m.place is not None) == (kind in ("facility", "staff")), f"{name} ({kind})"
    if kind == "parameter":
        assert m.parameters is not None, name


# ---- the view does not import the tests --------------------------------------------------

def _modules(*packages: str) -> list[Path]:
    files = [p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))]
    return [p for p in files if "__pycache__" not in p.parts]


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import in ``tree``, at any depth (``from . import x`` left out)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
    return out


def test_no_module_of_the_package_imports_the_tests():
    bad = [f"{p.relative_to(ROOT)}:{line}: imports {mod}"
           for p in _modules(*PACKAGES) for line, mod in _imported_modules(ast.parse(p.read_text()))
           if mod == "tests" or mod.startswith("tests.")]
    assert not bad, "the package must not import the tests:\n" + "\n".join(bad)


# ---- private names stay in their module --------------------------------------------------

PROJECT = (*PACKAGES, "tests")
# private names of the standard library's own API (namedtuple), not ours
ALLOWED = {"_replace", "_asdict", "_fields", "_make"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"


def _defined_here(tree: ast.AST) -> set[str]:
    """Every private name a module defines: functions, classes, variables, its own attributes."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if _is_private(n)}


def private_crossings(source: str, where: str = "") -> list[str]:
    """The private names ``source`` takes from another module.

    ``from X import _name`` of a module of ours; ``X._name`` where X is an imported module
    of ours; and ``obj._name`` (any object but ``self`` and ``cls``) where this module
    defines no ``_name`` itself: another module's private attribute.
    """
    tree = ast.parse(source)
    ours: dict[str, str] = {}  # local name -> module of ours
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] in PROJECT:
                for a in node.names:
                    if _is_private(a.name):
                        bad.append(f"{where}:{node.lineno}: from {node.module} import {a.name}")
                    ours[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in PROJECT:
                    ours[a.asname or a.name.split(".")[0]] = a.name
    here = _defined_here(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)) or node.attr in ALLOWED:
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if isinstance(owner, ast.Name) and owner.id in ours:
            bad.append(f"{where}:{node.lineno}: {owner.id}._{node.attr[1:]} (private name of {ours[owner.id]})")
        elif node.attr not in here:
            bad.append(f"{where}:{node.lineno}: {ast.unparse(node)} (a private attribute defined elsewhere)")
    return bad


# Known crossings, each to be removed here when fixed: the Python twins share the kernels'
# draw numbers (``_D_*``, ``_T_*``), left private while the kernels' parameter index is
# being generated (issue 9); making them public renames them throughout abm/kernels.py.
KNOWN: set[tuple[str, str]] = set()  # (file, text) of crossings still to fix; none now


def _known(line: str) -> bool:
    return any(line.startswith(f"{where}:") and what in line for where, what in KNOWN)


def test_no_private_name_crosses_a_module():
    found = [b for p in _modules(*PACKAGES) + [ROOT / "run.py"]
             for b in private_crossings(p.read_text(), str(p.relative_to(ROOT)))]
    bad = [b for b in found if not _known(b)]
    assert not bad, "private names used outside their module:\n" + "\n".join(bad)
    fixed = [k for k in KNOWN if not any(b.startswith(f"{k[0]}:") and k[1] in b for b in found)]
    assert not fixed, f"fixed, so remove from KNOWN: {fixed}"


@pytest.mark.parametrize("source, caught", [
    ("from abm.kernels import _contact\n", True),
    ("from abm import kernels\nkernels._contact(1)\n", True),
    ("import experiments.results as r\nr._git_commit()\n", True),
    ("def f(model):\n    return model._gather\n", True),
    ("def f(state):\n    state._cache = 1\n", True),  # setting another module's private attribute
    ("from numpy import _x\n", False),  # not ours
    ("class A:\n    def f(self, other):\n        return self._x + other._x\n    _x = 1\n", False),
    ("def _f():\n    pass\n\n\ndef g():\n    return _f()\n", False),
])
def test_the_private_name_check_catches_what_it_should(source, caught):
    assert bool(private_crossings(source)) == caught, private_crossings(source)
