"""Households on the grid: Mesa cell agents that are views onto the model's arrays.

A household agent holds only its id; every attribute is read from (or written to)
``model.state``, so ``model.agents.select``, ``groupby`` and DataCollector reporters see
the same numbers the kernels use. There is one agent per household for as long as it
lives here (:class:`abm.housing.Housing`): its ``unique_id`` stays the same when it moves
or changes kind, so a DataCollector's rows follow one household through time.
"""

from __future__ import annotations

import numpy as np
from mesa.discrete_space import CellAgent

from abm.kernels import F, I, Role
from abm.state import HouseholdKind


class Household(CellAgent):
    """A household in one dwelling: a couple with or without children, a single parent, or a single adult.

    Attributes:
        hh: the household's id in the model's arrays (``state.hh_*``).
    """

    def __init__(self, model, hh: int) -> None:
        super().__init__(model)
        self.hh = hh

    # ---- views -------------------------------------------------------------------
    @property
    def kind(self) -> HouseholdKind:
        """What the household is now (it changes with births, separations, children leaving)."""
        return HouseholdKind(int(self.model.state.hh_kind[self.hh]))

    @property
    def is_single_parent(self) -> bool:
        """A single parent with children at home: all care tasks on one adult (seed 004, loop 3)."""
        return int(self.model.state.hh_kind[self.hh]) == HouseholdKind.SINGLE_PARENT

    @property
    def members(self) -> np.ndarray:
        """Ids of the persons living here."""
        return self.model.state.members(self.hh)

    @property
    def adults(self) -> np.ndarray:
        m = self.members
        return m[self.model.state.i[I.ROLE, m] == Role.PARTNER]

    @property
    def children(self) -> np.ndarray:
        m = self.members
        return m[self.model.state.i[I.ROLE, m] == Role.CHILD]

    @property
    def size(self) -> int:
        return int(self.members.size)

    def _mean(self, row: F, who: np.ndarray | None = None) -> float:
        who = self.adults if who is None else who
        return float(self.model.state.f[row, who].mean()) if who.size else float("nan")

    @property
    def stress(self) -> float:
        """Mean chronic stress of the adults who head the household."""
        return self._mean(F.STRESS)

    @stress.setter
    def stress(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"stress = {value!r} is out of range; allowed: 0 to 1")
        self.model.state.f[F.STRESS, self.adults] = value

    @property
    def wellbeing(self) -> float:
        return self._mean(F.WELLBEING)

    @property
    def security(self) -> float:
        """Existential security (bestaanszekerheid) of the adults."""
        return self._mean(F.SECURITY)

    @property
    def income(self) -> float:
        return self._mean(F.INCOME)

    @property
    def children_life_skills(self) -> float:
        return self._mean(F.LIFE_SKILLS, self.children)

    @property
    def social_housing(self) -> bool:
        return bool(self.model.state.hh_social[self.hh])

    @property
    def block(self) -> int:
        s = self.model.state
        return int(s.cell_block[s.hh_cell[self.hh]])

