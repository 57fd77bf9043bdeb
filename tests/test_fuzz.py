"""Random bytes, JSON and CSV into profile loading and import: typed errors only, never a crash;
and whatever loads or imports survives a round trip (saved and loaded again, it is equal, and its
JSON is a fixed point)."""

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiler.errors import ImportFormatError, ProfileFormatError
from profiler.kinds.mjx.importer import mjx_section_from_csv
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload, UpdatePhase
from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload
from profiler.profile import Accelerator, Hardware, Profile
from profiler.store import profile_from_json_text, profile_to_json_text

ACC = Accelerator("gpu", "G", 2**33)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
PROFILE_KEYS = ["name", "source", "schema_version", "mjx", "workload", "accelerator", "points", "num_envs",
                "train_sps", "status", "platform", "memory_source", "hardware", "software", "notes"]


def round_trip(profile: Profile) -> None:
    """Saved and loaded again, a profile is equal to itself, and saving that gives the same text."""
    text = profile_to_json_text(profile)
    again = profile_from_json_text(text, "round-trip.json")
    assert again == profile
    assert profile_to_json_text(again) == text


def load(text):
    try:
        profile = profile_from_json_text(text, "fuzz.json")
    except ProfileFormatError:
        return
    round_trip(profile)


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
        section = mjx_section_from_csv(text, "fuzz.csv", ACC)
    except ImportFormatError:
        return
    round_trip(Profile(name="csv", source="imported", sections={"mjx": section}))


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
        section = rllib_section_from_csv(text, "fuzz.csv", RllibWorkload(), ray_cpus=16)
    except ImportFormatError:
        return
    round_trip(Profile(name="csv", source="imported", sections={"rllib": section}))


positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
seconds = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
update_phases = st.lists(st.builds(lambda k, s: UpdatePhase(k, tuple(s)), st.integers(1, 4096),
                                   st.lists(seconds, min_size=1, max_size=3)), max_size=3,
                         unique_by=lambda u: u.num_minibatches)
mjx_points = st.builds(
    lambda n, sps, samples, peak, xla, compile_s, rollout, updates: MjxPoint(
        num_envs=n, train_sps=sps, train_sps_samples=tuple(samples), peak_bytes=peak, xla_bytes=xla, compile_s=compile_s,
        rollout_s_samples=tuple(rollout), update_phases=tuple(updates)),
    st.integers(1, 2**20), positive, st.lists(positive, max_size=4), st.none() | st.integers(1, 2**40),
    st.none() | st.integers(1, 2**40), st.none() | st.floats(0, 1e5), st.lists(seconds, max_size=3), update_phases)
rllib_points = st.builds(
    lambda r, e, sps, status: RllibPoint(num_env_runners=r, num_envs_per_env_runner=e, status=status,
                                         env_steps_per_s=sps if status == "ok" else None,
                                         env_steps_per_s_samples=(sps,) if status == "ok" else ()),
    st.integers(1, 64), st.integers(1, 8), positive, st.sampled_from(["ok", "timeout", "error", "interrupted"]))


@FUZZ
@given(st.lists(mjx_points, max_size=6, unique_by=lambda p: p.num_envs),
       st.lists(rllib_points, max_size=6, unique_by=lambda p: p.key), st.booleans(), st.booleans(),
       st.text(alphabet=string.ascii_letters + " -", max_size=20))
def test_generated_profiles_round_trip(mjx, rllib, with_mjx, with_rllib, device):
    sections = {}
    if with_mjx:
        sections["mjx"] = MjxSection(MjxWorkload(), Accelerator("gpu", device or "G", 2**33), memory_source="unknown",
                                     points=tuple(sorted(mjx, key=lambda p: p.num_envs)),
                                     sweep_settings={"num_envs": sorted(p.num_envs for p in mjx)})
    if with_rllib:
        sections["rllib"] = RllibSection(RllibWorkload(), points=tuple(sorted(rllib, key=lambda p: p.key)),
                                         ray_cpus=16.0, requested_grid=tuple(p.key for p in rllib))
    profile = Profile(name="generated", hardware=Hardware(gpu_name=device or None, cpu_logical_cores=2),
                      software={"jax": "0.10.2"}, sections=sections, notes=(device,))
    round_trip(profile)
    assert profile_from_json_text(profile_to_json_text(profile), "x").kinds == tuple(sections)
