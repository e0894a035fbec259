"""Facilities on the grid: meeting places, the school, the service point, the GGZ."""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

from abm.state import CellKind


class Facility(FixedAgent):
    """A facility fixed to its cell; ``index`` points into the model's facility arrays."""

    def __init__(self, model, index: int, cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell

    @property
    def kind(self) -> CellKind:
        return CellKind(int(self.model.state.fac_kind[self.index]))

    @property
    def is_open(self) -> bool:
        return bool(self.model.state.fac_open[self.index])

    @is_open.setter
    def is_open(self, value: bool) -> None:
        self.model.state.fac_open[self.index] = int(bool(value))
