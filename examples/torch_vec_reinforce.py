"""Vectorised-env policy-gradient training in PyTorch: a small, complete training script to
calibrate with ``advisor calibrate command``.

The environment is CartPole's dynamics stepped for ``--num-envs`` poles at once as tensors (a
pole that falls, or lasts 200 steps, is reset in place). Each iteration rolls out
``--num-steps`` steps, computes discounted returns and takes one advantage actor-critic
(REINFORCE with a learned baseline) gradient step; iterations run until ``--total-timesteps``
env steps (``total_timesteps // (num_envs * num_steps)`` iterations, at least one). The rollout
keeps every observation, so memory grows with ``num_envs * num_steps``.

At the end it prints its own throughput: ``steady-state env steps/s: N`` over the iterations
after the first, and ``fixed cost: S s``, the time from process start to the end of the first
iteration less one steady-state iteration (start-up and imports). ``--quiet`` prints nothing.

    python examples/torch_vec_reinforce.py --num-envs 256 --total-timesteps 200000
"""

from __future__ import annotations

import argparse
import os
import time


def process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere 0)."""
    try:
        with open("/proc/self/stat") as handle:
            start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as handle:
            uptime = float(handle.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--total-timesteps", type=int, default=100_000)
    parser.add_argument("--num-steps", type=int, default=16, help="rollout length per env per iteration")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    return parser.parse_args()


class VecCartPole:
    """CartPole-v1's equations of motion for many poles at once."""

    def __init__(self, num_envs: int, generator):
        import torch

        self.torch, self.n, self.gen = torch, num_envs, generator
        self.state = self._fresh(num_envs)
        self.t = torch.zeros(num_envs)

    def _fresh(self, count: int):
        return (self.torch.rand(count, 4, generator=self.gen) - 0.5) * 0.1

    def step(self, action):
        torch = self.torch
        x, x_dot, theta, theta_dot = self.state.unbind(1)
        force = (action.float() * 2 - 1) * 10.0
        cos, sin = torch.cos(theta), torch.sin(theta)
        temp = (force + 0.05 * theta_dot**2 * sin) / 1.1
        theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos**2 / 1.1))
        x_acc = temp - 0.05 * theta_acc * cos / 1.1
        self.state = torch.stack([x + 0.02 * x_dot, x_dot + 0.02 * x_acc, theta + 0.02 * theta_dot,
                                  theta_dot + 0.02 * theta_acc], 1)
        self.t += 1
        done = (self.state[:, 0].abs() > 2.4) | (self.state[:, 2].abs() > 0.2095) | (self.t >= 200)
        reward = torch.ones(self.n)
        if done.any():
            self.state[done] = self._fresh(int(done.sum()))
            self.t[done] = 0
        return self.state, reward, done


def main() -> None:
    args = parse_args()
    import torch

    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    env = VecCartPole(args.num_envs, gen)
    h = args.hidden
    body = torch.nn.Sequential(torch.nn.Linear(4, h), torch.nn.Tanh(), torch.nn.Linear(h, h), torch.nn.Tanh())
    policy, value = torch.nn.Linear(h, 2), torch.nn.Linear(h, 1)
    params = list(body.parameters()) + list(policy.parameters()) + list(value.parameters())
    optimizer = torch.optim.Adam(params, lr=args.lr)
    n, steps = args.num_envs, args.num_steps
    iterations = max(1, args.total_timesteps // (n * steps))
    obs = env.state
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        observations, actions, rewards, dones = [], [], [], []
        with torch.no_grad():
            for _ in range(steps):
                logits = policy(body(obs))
                action = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)[:, 0]
                observations.append(obs)
                actions.append(action)
                obs, reward, done = env.step(action)
                rewards.append(reward)
                dones.append(done.float())
            returns = [value(body(obs))[:, 0]]
            for reward, done in zip(reversed(rewards), reversed(dones)):
                returns.append(reward + 0.99 * (1 - done) * returns[-1])
            returns = torch.stack(returns[:0:-1])
        features = body(torch.stack(observations).reshape(n * steps, 4))
        logp = torch.log_softmax(policy(features), -1).gather(1, torch.stack(actions).reshape(-1, 1))[:, 0]
        baseline = value(features)[:, 0]
        advantage = returns.reshape(-1) - baseline
        loss = -(logp * advantage.detach()).mean() + 0.5 * (advantage**2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - started)
        if len(times) == 1:
            first_done = process_age_s()
    if args.quiet:
        return
    print(f"iterations: {iterations}, env steps: {iterations * n * steps}, last loss: {loss.item():.3f}")
    if len(times) > 1:
        steady = sum(times[1:])
        print(f"steady-state env steps/s: {n * steps * (len(times) - 1) / steady:.1f}")
        print(f"fixed cost: {first_done - steady / (len(times) - 1):.3f} s")
    else:
        print("steady-state env steps/s: n/a (one iteration; raise --total-timesteps)")


if __name__ == "__main__":
    main()
