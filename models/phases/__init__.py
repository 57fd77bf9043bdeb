"""Training time as the sum of its phases, so that shapes that were not run are predicted from the
ones that were. Pure: no I/O.

- :mod:`models.phases.iteration`: :class:`PhaseModel`, a PPO iteration as a rollout of vmapped
  env steps and an update of minibatch steps, over ``(num_envs, num_steps, num_minibatches,
  update_epochs)``;
- :mod:`models.phases.section`: that model fitted to an MJX section's phase timings
  (:func:`fit_phases`), and its leave-one-out validation along both axes (:func:`validate_phases`);
- :mod:`models.phases.brax`: :class:`BraxPhaseModel`, seconds per Brax PPO training step by phase,
  over Brax's batch shape.
"""

from __future__ import annotations

from models.phases.brax import BraxPhaseModel
from models.phases.iteration import AXIS_WIDENING, PHASE_FORMS, PhaseModel, doublings
from models.phases.section import PhaseData, PhaseRow, fit_phases, phase_data, summary, validate_phases

__all__ = ["AXIS_WIDENING", "PHASE_FORMS", "PhaseModel", "doublings", "PhaseData", "PhaseRow", "fit_phases",
           "phase_data", "summary", "validate_phases", "BraxPhaseModel"]
