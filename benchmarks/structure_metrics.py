"""How the code is shaped, in the figures the issue "One shape for every kind" sets goals for:
files per kind, members of the kind interface, pairs of repeated code in product code (the
``duplicates`` tool, when it is on PATH), functions over 60 lines and over 10 parameters in
advisor/, and product files outside a kind's folders that name the kind in code.

    python benchmarks/structure_metrics.py [--json]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("advisor", "profiler", "models")
KINDS = ("mjx", "rllib", "command", "brax")


def product_files() -> list[Path]:
    files = [p for d in PRODUCT for p in (ROOT / d).rglob("*.py")]
    return sorted(files + [ROOT / "app.py"])


def kind_folders(kind: str) -> list[Path]:
    return [p for p in (ROOT / "advisor" / "kinds" / kind, ROOT / "profiler" / "kinds" / kind) if p.exists()]


def inside(path: Path, folders: list[Path]) -> bool:
    return any(folder in path.parents for folder in folders)


def files_per_kind() -> dict[str, int]:
    counts = {}
    for kind in KINDS:
        folders = kind_folders(kind)
        own = [p for p in product_files() if inside(p, folders)]
        named = [p for p in product_files() if not inside(p, folders) and kind in p.stem.split("_")]
        counts[kind] = len(own) + len(named)
    return counts


def interface_members() -> int:
    tree = ast.parse((ROOT / "advisor" / "workload.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "WorkloadKind":
            return sum(isinstance(n, (ast.FunctionDef, ast.AnnAssign, ast.Assign)) for n in node.body)
    return 0


def long_and_wide_functions(folder: str = "advisor") -> tuple[list[str], list[str]]:
    long, wide = [], []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                where = f"{path.relative_to(ROOT)}:{node.name}"
                if node.end_lineno - node.lineno + 1 > 60:
                    long.append(f"{where} ({node.end_lineno - node.lineno + 1} lines)")
                args = node.args
                count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
                count -= bool(args.args and args.args[0].arg in ("self", "cls"))
                if count > 10:
                    wide.append(f"{where} ({count} parameters)")
    return sorted(long), sorted(wide)


def files_naming_a_kind() -> dict[str, list[str]]:
    """Product files outside a kind's folders whose code (not comments or docstrings) names it:
    a string literal equal to the kind's name, or an import of its modules."""
    found: dict[str, list[str]] = {}
    for kind in KINDS:
        folders = kind_folders(kind)
        pattern = re.compile(rf"kinds[./]{kind}\b")
        for path in product_files():
            if inside(path, folders) or path == ROOT / "advisor" / "kinds" / "__init__.py":
                continue
            tree = ast.parse(path.read_text())
            docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                          if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                          and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
            names = any(isinstance(n, ast.Constant) and n.value == kind and id(n) not in docstrings for n in ast.walk(tree))
            imports = any(isinstance(n, (ast.Import, ast.ImportFrom)) and pattern.search(ast.unparse(n)) for n in ast.walk(tree))
            if names or imports:
                found.setdefault(str(path.relative_to(ROOT)), []).append(kind)
    return found


def duplicate_pairs() -> int | None:
    tool = shutil.which("duplicates")
    if tool is None:
        return None
    out = subprocess.run([tool, "--most", "200", "--seconds", "60"], capture_output=True, text=True, cwd=ROOT).stdout
    rows = [line for line in out.splitlines() if re.match(r"D\d+ ", line)]
    product = tuple(f"{d}/" for d in PRODUCT) + ("app.py",)
    return sum(all(side.strip().startswith(product) for side in row.split(" ", 1)[1].split(" (+")[0].split(" ~ "))
               for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    long, wide = long_and_wide_functions()
    figures = {"files_per_kind": files_per_kind(), "kind_interface_members": interface_members(),
               "duplicate_pairs_in_product_code": duplicate_pairs(), "functions_over_60_lines": long,
               "functions_over_10_parameters": wide, "files_outside_kind_folders_naming_a_kind": files_naming_a_kind()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        if isinstance(value, (list, dict)) and not (isinstance(value, dict) and key == "files_per_kind"):
            print(f"{key}: {len(value)}")
            for item in value:
                print(f"  {item}" + (f": {', '.join(value[item])}" if isinstance(value, dict) else ""))
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    sys.exit(main())
