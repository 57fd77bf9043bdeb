"""Stable-Baselines3's PPO on CartPole-v1 as its users run it (``model.learn`` with ``verbose=1``,
which prints a table per rollout with ``rollout/ep_rew_mean`` and ``time/total_timesteps``): a
published trainer to race with ``advisor race --preset sb3``.

``--num-envs`` CartPoles in a ``DummyVecEnv`` (SB3's default vectorisation), ``--n-steps`` env
steps per env per rollout (SB3's ``n_steps``; env steps per update = num_envs x n_steps), and
otherwise SB3's PPO defaults except a minibatch of a quarter of the rollout (``batch_size``), so
minibatches per update stay 4 whatever ``--num-envs`` is. Needs ``pip install stable-baselines3``
(advisor's test extra installs it).

    python examples/sb3_cartpole.py --num-envs 4 --seed 1 --total-timesteps 200000
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=4)
    parser.add_argument("--n-steps", type=int, default=128, help="env steps per env per rollout (SB3's n_steps)")
    parser.add_argument("--total-timesteps", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()

    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(args.threads)
    env = make_vec_env("CartPole-v1", n_envs=args.num_envs, seed=args.seed)
    rollout = args.num_envs * args.n_steps
    model = PPO("MlpPolicy", env, n_steps=args.n_steps, batch_size=max(rollout // 4, 2), seed=args.seed, verbose=1,
                device="cpu")
    model.learn(total_timesteps=args.total_timesteps)


if __name__ == "__main__":
    main()
