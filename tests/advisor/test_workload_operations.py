"""A kind's ``operations`` (operation -> ``"module:attr"``) are resolved on use, never at import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from advisor.kinds import kinds
from advisor.workload import Lazy, WorkloadKind, resolve
from tests.conftest import ROOT


def test_resolve_imports_the_module_and_follows_the_attribute():
    assert resolve("os.path:join") is __import__("os").path.join
    assert resolve("advisor.workload:Lazy.__get__") is Lazy.__get__


def test_every_declared_operation_resolves_on_its_kind():
    for kind in kinds():
        for operation in type(kind).operations:
            assert isinstance(getattr(type(kind), operation), Lazy)
            assert getattr(kind, operation) is not None, (kind.name, operation)


def test_a_declaration_must_name_an_operation_once():
    with pytest.raises(TypeError, match="no operation"):
        type("Bad", (WorkloadKind,), {"operations": {"no_such_thing": "os:getcwd"}})
    with pytest.raises(TypeError, match="both defines"):
        type("Twice", (WorkloadKind,), {"operations": {"fit": "os:getcwd"}, "fit": lambda self, section: None})


def test_loading_the_kinds_imports_none_of_their_operations():
    code = ("import sys; from advisor import kinds; k = kinds.get('mjx'); k.calibrates(); "
            "print(sorted(m for m in sys.modules if m.startswith('advisor.kinds.mjx.') and m not in "
            "('advisor.kinds.mjx.kind', 'advisor.kinds.mjx.sample_efficiency')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
