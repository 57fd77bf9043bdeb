"""The project's import graph has no cycle, counting every import statement (function-level ones
too), the packages a module's import runs on the way (importing ``a.b.c`` runs ``a/b/__init__``
first) and the kinds the registry imports by name; and the data flows one way: models never
import advisor, profiler never imports models or advisor."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

# the distribution `pip install` knows advisor by (pyproject's [project] name)
DISTRIBUTION = __import__("tomllib").loads((ROOT / "pyproject.toml").read_text())["project"]["name"]

PACKAGES = ("advisor", "profiler", "models")


def project_modules() -> dict[str, Path]:
    modules = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules that ``name`` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                if child in modules:
                    found.add(child)
                elif base in modules:
                    found.add(base)
    found.discard(name)
    own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    for target in list(found):  # the packages an import runs on the way, except the importer's own
        parts = target.split(".")
        found |= {p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in modules and p not in own}
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    from advisor.kinds import NAMES

    modules = project_modules()
    edges = {name: imports_of(name, path, modules) for name, path in modules.items()}
    edges["advisor.kinds"] |= {f"advisor.kinds.{kind}" for kind in NAMES}  # imported by name
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_a_clean_graph_passes():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_among_project_modules():
    edges = graph()
    assert len(edges) > 40 and "advisor.kinds" in edges and "profiler.engine" in edges
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges))


def test_data_flows_one_way():
    for name, targets in graph().items():
        if name.startswith("models"):
            assert not any(t.startswith("advisor") for t in targets), (name, targets)
        if name.startswith("profiler"):
            assert not any(t.startswith(("advisor", "models")) for t in targets), (name, targets)


def test_commands_other_than_calibrate_never_import_a_kinds_sweep_code():
    # what keeps `advisor recommend` quick to start: the calibrate subcommands are built on demand
    import subprocess
    import sys

    code = ("import sys; from advisor.cli.app import main; main(['recommend', '--help']); "
            "print(sorted(m for m in sys.modules if m.endswith('.calibrate') and m.startswith('advisor.kinds')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    code = ("import sys; from advisor.cli.app import main; main(['calibrate', 'rllib', '--help']); "
            "print(sorted(m for m in sys.modules if m.endswith('.calibrate') and m.startswith('advisor.kinds')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "--runners" in proc.stdout, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "['advisor.kinds.rllib.calibrate']"


def test_the_cli_imports_nothing_at_start_that_the_core_install_lacks():
    # `make demo` installs advisor without extras: every module the CLI imports at start must import
    # only the standard library, the core dependencies and the project (an extra's or a
    # dependency's dependency is imported inside the command that needs it, or as an ImportError
    # fallback)
    import sys

    core = {"numpy", "scipy", "sklearn", "yaml", "typer", "rich", "psutil", "platformdirs", "pynvml",
            "advisor", "profiler", "models"}

    def top_level_imports(tree):
        for node in tree.body:
            bodies = [node] if not isinstance(node, ast.Try) else node.body + node.orelse
            for inner in bodies:
                if isinstance(inner, ast.Import):
                    yield from (alias.name for alias in inner.names)
                elif isinstance(inner, ast.ImportFrom) and not inner.level:
                    yield inner.module

    bad = []
    for path in sorted((ROOT / "advisor" / "cli").glob("*.py")) + [ROOT / "advisor" / "console.py"]:
        for name in top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            root = name.split(".")[0]
            if root not in core and root not in sys.stdlib_module_names and root != "__future__":
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert bad == []


BLOCKER = r'''
import importlib.metadata as md, re, sys
from packaging.requirements import Requirement

def closure():
    seen, todo = set(), [sys.argv.pop(1)]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.distribution(name).requires or []
        except md.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen

dists = closure()
# every top-level module an installed distribution outside that closure provides
outside = {m for m, owners in md.packages_distributions().items()
           if not any(re.sub(r"[-_.]+", "-", o).lower() in dists for o in owners)}
outside -= {"advisor", "profiler", "models", "app", "benchmarks", "examples", "tests"}

class Core:
    def find_spec(self, name, path=None, target=None):
        if "." not in name and name in outside:
            raise ModuleNotFoundError(f"{name} is not in the core install", name=name)
        return None

sys.meta_path.insert(0, Core())
from advisor.cli.app import main
sys.exit(main(sys.argv[1:]))
'''


def test_the_fast_commands_run_on_the_core_install_alone():
    # what `make demo` installs: advisor without extras, and what that pulls in; any other package
    # imported on the way (an extra's, or one only an extra brings) fails the command
    import subprocess
    import sys

    for args in (["recommend", "--profile", "rtx3070-locomujoco", "--target", "100M"],
                 ["predict", "--profile", "h100-humanoid", "--num-envs", "4096", "--json"],
                 ["validate", "--profile", "epyc-2core-cpu-halfcheetah", "--json"],
                 ["recommend", "--profile", "epyc-2core-cpu-brax-cartpole", "--target", "60M", "--json"],
                 ["profile", "list"], ["calibrate", "--help"]):
        proc = subprocess.run([sys.executable, "-c", BLOCKER, DISTRIBUTION, *args], capture_output=True, text=True,
                              cwd=ROOT,
                              timeout=120)
        assert proc.returncode == 0, (args, proc.stderr[-1500:])
