"""Random bytes, JSON and CSV into profile loading and import: typed errors only, never a crash."""

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiler.errors import ImportFormatError, ProfileFormatError
from profiler.kinds.mjx.importer import mjx_section_from_csv
from profiler.profile import Accelerator
from profiler.store import profile_from_json_text

ACC = Accelerator("gpu", "G", 2**33)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
PROFILE_KEYS = ["name", "source", "schema_version", "mjx", "workload", "accelerator", "points", "num_envs",
                "train_sps", "status", "platform", "memory_source", "hardware", "software", "notes"]


def load(text):
    try:
        profile_from_json_text(text, "fuzz.json")
    except ProfileFormatError:
        pass


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    load(data)


@FUZZ
@given(json_values)
def test_random_json(value):
    load(json.dumps(value))


@FUZZ
@given(st.dictionaries(st.sampled_from(PROFILE_KEYS), json_values, max_size=8), st.integers(-2, 4))
def test_profile_shaped_json(body, version):
    body["schema_version"] = version
    body.setdefault("name", "x")
    load(json.dumps(body))


def test_deeply_nested_json():
    load("[" * 100_000 + "]" * 100_000)
    load('{"schema_version": 2, "name": "x", "notes": ' + "[" * 5000 + "]" * 5000 + "}")


cells = st.one_of(st.text(alphabet=string.printable, max_size=8), st.integers(-5, 10**6).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(str), st.just(""))
columns = st.lists(st.sampled_from(["num_envs", "num_steps", "num_minibatches", "update_epochs", "train_sps",
                                    "peak_vram_bytes", "physics_sps", "compile_s", "xla_bytes", "bogus"]),
                   min_size=0, max_size=9)


@FUZZ
@given(columns, st.lists(st.lists(cells, max_size=10), max_size=6))
def test_random_csv(header, rows):
    text = "\n".join([",".join(header)] + [",".join(r) for r in rows])
    try:
        mjx_section_from_csv(text, "fuzz.csv", ACC)
    except ImportFormatError:
        pass


@FUZZ
@given(st.text(max_size=500))
def test_random_text_csv(text):
    try:
        mjx_section_from_csv(text, "fuzz.csv", ACC)
    except ImportFormatError:
        pass


rllib_columns = st.lists(st.sampled_from(["num_env_runners", "num_envs_per_env_runner", "env_steps_per_s", "iter_s",
                                          "bogus"]), min_size=0, max_size=5)


@FUZZ
@given(rllib_columns, st.lists(st.lists(cells, max_size=6), max_size=6))
def test_random_rllib_csv(header, rows):
    from profiler.kinds.rllib.importer import rllib_section_from_csv
    from profiler.kinds.rllib.schema import RllibWorkload

    text = "\n".join([",".join(header)] + [",".join(r) for r in rows])
    try:
        rllib_section_from_csv(text, "fuzz.csv", RllibWorkload(), ray_cpus=16)
    except ImportFormatError:
        pass
