"""A user's own tiny gymnasium env, for ``advisor calibrate rllib --env module:TinyEnv`` tests: a
point on a line that the agent pushes left or right towards the origin, 16 steps an episode."""

import gymnasium
import numpy as np


class TinyEnv(gymnasium.Env):
    def __init__(self, horizon: int = 16):
        self.observation_space = gymnasium.spaces.Box(-1.0, 1.0, (2,), np.float32)
        self.action_space = gymnasium.spaces.Discrete(2)
        self.horizon = horizon
        self._x, self._t = 0.0, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._x, self._t = float(self.np_random.uniform(-1, 1)), 0
        return self._obs(), {}

    def step(self, action):
        self._x = float(np.clip(self._x + (0.1 if action == 1 else -0.1), -1, 1))
        self._t += 1
        return self._obs(), -abs(self._x), False, self._t >= self.horizon, {}

    def _obs(self):
        return np.array([self._x, self._t / self.horizon], dtype=np.float32)


class NotAnEnv:
    pass


def needs_arguments(size):
    return TinyEnv(size)
