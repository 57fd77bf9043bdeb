import pytest

from profiler.errors import ImportFormatError
from profiler.kinds.mjx.importer import mjx_section_from_csv
from profiler.profile import Accelerator

ACC = Accelerator("gpu", "Test GPU", 8 * 2**30)
HEADER = "num_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes\n"


def test_valid_csv_with_optional_columns_and_unknown_memory():
    text = ("num_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes,compile_s,xla_bytes\n"
            "128,50,32,4,14704,,20.5,\n64,50,32,4,9243,300000000,21,123456\n")
    section = mjx_section_from_csv(text, "x.csv", ACC)
    assert [p.num_envs for p in section.points] == [64, 128]
    assert section.points[0].peak_bytes == 300_000_000 and section.points[1].peak_bytes is None
    assert section.points[1].compile_s == 20.5 and section.points[0].xla_bytes == 123456
    assert section.memory_source == "imported"


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("num_envs,train_sps\n64,100\n", "missing column"),
    (HEADER.strip() + ",colour\n64,50,32,4,100,1,red\n", "unknown column"),
    (HEADER, "no data rows"),
    (HEADER + "64,50,32,4,nan,1\n", "row 2, column train_sps"),
    (HEADER + "64,50,32,4,100,1\n128,50,32,4,-5,1\n", "row 3, column train_sps: must be positive"),
    (HEADER + "0,50,32,4,100,1\n", "row 2, column num_envs: must be positive"),
    (HEADER + "64.5,50,32,4,100,1\n", "whole number"),
    (HEADER + "64,50,32,4,100,1\n64,50,32,4,120,1\n", "repeats num_envs=64"),
    (HEADER + "64,50,30,4,100,1\n", "not divisible"),
    (HEADER + "64,50,32,4,100\n", "row 2 has 5 cells"),
    (HEADER + "64,50,32,4,,1\n", "row 2, column train_sps: empty"),
    (HEADER + "64,50,32,4,100,1\n128,20,32,4,100,1\n", "several values"),
    (HEADER + "64,50,32,4,1e999,1\n", "finite"),
])
def test_invalid_csv_names_row_and_column(text, match):
    with pytest.raises(ImportFormatError, match=match):
        mjx_section_from_csv(text, "bad.csv", ACC)


RL_HEADER = "num_env_runners,num_envs_per_env_runner,env_steps_per_s\n"


def test_valid_rllib_csv_with_optional_iteration_time():
    from profiler.kinds.rllib.importer import rllib_section_from_csv
    from profiler.kinds.rllib.schema import RllibWorkload

    text = "num_env_runners,num_envs_per_env_runner,env_steps_per_s,iter_s\n2,1,1724,9.5\n1,1,1000,\n"
    section = rllib_section_from_csv(text, "r.csv", RllibWorkload(), ray_cpus=16.0)
    assert [p.key for p in section.points] == [(1, 1), (2, 1)]
    assert section.points[0].iter_s is None and section.points[1].iter_s == 9.5
    assert section.points[1].env_steps_per_s_samples == (1724.0,)
    assert section.ray_cpus == 16.0 and section.method == "imported from r.csv"


@pytest.mark.parametrize("text,match", [
    ("num_env_runners,env_steps_per_s\n1,100\n", "missing column"),
    (RL_HEADER + "1,1,100\n1,1,120\n", "repeats 1 runners x 1 envs"),
    (RL_HEADER + "1.5,1,100\n", "row 2, column num_env_runners: must be a whole number"),
    (RL_HEADER + "1,1,0\n", "row 2, column env_steps_per_s: must be positive"),
    (RL_HEADER + "1,1,\n", "row 2, column env_steps_per_s: empty"),
    (RL_HEADER.strip() + ",train_sps\n1,1,100,5\n", "unknown column"),
])
def test_invalid_rllib_csv_names_row_and_column(text, match):
    from profiler.kinds.rllib.importer import rllib_section_from_csv
    from profiler.kinds.rllib.schema import RllibWorkload

    with pytest.raises(ImportFormatError, match=match):
        rllib_section_from_csv(text, "bad.csv", RllibWorkload())
