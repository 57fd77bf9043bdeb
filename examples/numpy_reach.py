"""A policy-gradient learner that reaches its score in seconds, with numpy alone: the smallest real
training to race with ``advisor race``.

Each episode gives the agent a random goal in the plane and five steps; each step it picks a point
from a Gaussian policy around ``W @ goal`` and is rewarded with minus its distance to the goal.
``--num-envs`` episodes run side by side; every ``--num-steps`` steps per env the policy's mean
``W`` takes one REINFORCE step (advantage: reward less its running mean) on that batch, so more
envs mean fewer, less noisy updates per env step: the trade-off a race measures. A fresh policy
scores about -7 per episode, a good one above -2.5. ``--step-cost`` seconds pass per vectorised
step (an environment's latency) and ``--env-cost`` per env in it (its work), so a run's wall time is
that of a real vectorised environment.

At each update it prints, as CleanRL does, ``global_step=N, episodic_return=R`` (``R`` the mean
return of the episodes that ended since the last update).

    python examples/numpy_reach.py --num-envs 16 --seed 1 --total-timesteps 100000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

EPISODE_STEPS = 5
SIGMA = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--num-steps", type=int, default=5, help="env steps per env between updates")
    parser.add_argument("--total-timesteps", type=int, default=200_000)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step-cost", type=float, default=0.001, help="seconds per vectorised env step")
    parser.add_argument("--env-cost", type=float, default=0.0, help="seconds per env step (added per vectorised step)")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    n = args.num_envs
    weights = np.zeros((2, 2))
    goals = rng.uniform(-2, 2, (n, 2))
    t = np.zeros(n, dtype=int)
    returns = np.zeros(n)
    baseline = None
    global_step = 0
    while global_step < args.total_timesteps:
        grads, rewards, finished = [], [], []
        for _ in range(args.num_steps):
            mean = goals @ weights.T
            noise = rng.normal(0.0, SIGMA, (n, 2))
            reward = -np.linalg.norm(mean + noise - goals, axis=1)
            grads.append(noise[:, :, None] * goals[:, None, :] / SIGMA**2)  # d log pi / dW, per env
            rewards.append(reward)
            returns += reward
            t += 1
            global_step += n
            done = t >= EPISODE_STEPS
            if done.any():
                finished += list(returns[done])
                returns[done] = 0.0
                t[done] = 0
                goals[done] = rng.uniform(-2, 2, (int(done.sum()), 2))
            if args.step_cost or args.env_cost:
                time.sleep(args.step_cost + args.env_cost * n)
        rewards = np.array(rewards)
        baseline = rewards.mean() if baseline is None else 0.9 * baseline + 0.1 * rewards.mean()
        advantage = rewards - baseline
        step = np.einsum("se,seij->ij", advantage, np.array(grads)) / advantage.size
        weights += args.lr * step / max(1.0, np.linalg.norm(step) / 10.0)  # plain SGD, clipped at norm 10
        if finished:
            print(f"global_step={global_step}, episodic_return={float(np.mean(finished)):.4f}", flush=True)


if __name__ == "__main__":
    main()
