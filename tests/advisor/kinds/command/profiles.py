"""A command profile as ``advisor calibrate command`` writes it, for tests that need one without a
sweep: the PyTorch example's points measured on the 2-core CPU (benchmarks/results/command_accuracy.md),
with their runs, fixed costs, process-tree peaks, and a size that ran out of memory."""

from __future__ import annotations

from profiler.kinds.command.schema import CommandPoint, CommandRun, CommandSection, CommandWorkload
from profiler.profile import Accelerator, Hardware, Profile

ARGV = ("python", "examples/torch_vec_reinforce.py", "--num-envs", "{num_envs}", "--total-timesteps",
        "{total_timesteps}", "--num-steps", "{num_steps}")
#: num_envs -> (env steps/s, fixed cost s, peak bytes, runs as (env steps, wall s))
MEASURED = {
    64: (69_194.0, 5.61, 310 * 2**20, ((8_192, 6.08), (8_192, 5.37), (378_880, 11.08))),
    256: (149_197.0, 5.67, 352 * 2**20, ((8_192, 5.91), (8_192, 5.54), (1_118_208, 13.16))),
    1024: (211_173.0, 6.00, 480 * 2**20, ((16_384, 6.81), (16_384, 5.34), (4_407_296, 26.87))),
}


def command_section(name: str = "torch-ex") -> CommandSection:
    points = [CommandPoint(num_envs=n, num_steps=16, train_sps=sps, train_sps_samples=(sps,), fixed_s=fixed,
                           compile_s=fixed, peak_bytes=peak, memory_source="process_tree_peak_rss",
                           runs=tuple(CommandRun(steps, wall) for steps, wall in runs), wall_s=runs[-1][1])
              for n, (sps, fixed, peak, runs) in MEASURED.items()]
    points.append(CommandPoint(num_envs=4096, num_steps=16, status="oom",
                               error="MemoryError (exit status 1) under --memory-limit 2GiB"))
    return CommandSection(workload=CommandWorkload(argv=ARGV, num_steps=16, env={"WANDB_MODE": "disabled"}),
                          accelerator=Accelerator("cpu", "AMD EPYC 2 threads", 24 * 2**30), name=name,
                          memory_source="process_tree_peak_rss", points=tuple(points),
                          sweep_settings={"num_envs": [64, 256, 1024, 4096]},
                          method="differential timing: two runs per point of different {total_timesteps}")


def command_profile(name: str = "torch-ex") -> Profile:
    return Profile(name=name, sections={"command": command_section()},
                   hardware=Hardware(cpu_model="AMD EPYC", cpu_logical_cores=2), source="calibrated")
