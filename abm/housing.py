"""Who lives where: households in dwellings, their agents on the Mesa grid, and empty dwellings.

:class:`Housing` is the one way the parts of a step (demography, interventions) place,
move and remove households. It keeps the arrays (``hh_cell``, ``cell_hh``), the Mesa grid
and the household agents together, and this month's list of empty dwellings for moves
within the neighbourhood (:meth:`Housing.open_month`, :meth:`Housing.take_vacancy`,
:meth:`Housing.vacate`). It draws no random numbers: a caller that picks an empty
dwelling passes its own keyed draw.

Each household has one agent for its whole life here: made when it is first placed,
moved to the new cell when it moves, and removed from the model only when the household
dissolves or leaves the neighbourhood. A change of kind (a couple becoming a single
parent) touches only ``hh_kind``; the agent reads its kind from there.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from abm.kernels import I, Role
from abm.state import CellKind, HouseholdKind, State

__all__ = ["Housing"]

_PARTNER, _CHILD = int(Role.PARTNER), int(Role.CHILD)


class Housing:
    """The dwellings of one neighbourhood and the households in them.

    Args:
        state: the model's arrays.
        cells: the Mesa grid cell of each cell index.
        new_agent: makes the Mesa agent of household ``hh``: ``new_agent(hh)``.
    """

    def __init__(self, state: State, cells: Sequence, new_agent: Callable[[int], object]) -> None:
        self.state = state
        self.cells = cells
        self.new_agent = new_agent
        self.agents: dict[int, object] = {}  # household id -> its agent on the grid
        self.vacancies: list[int] = []  # empty dwellings for this month's moves

    # ---- placing ---------------------------------------------------------------------
    def place(self, hh: int, cell: int) -> None:
        """Put household ``hh`` in dwelling ``cell``: the arrays and the Mesa grid together.

        A household placed before moves (its agent with it); a new one gets its agent.
        """
        s = self.state
        old = int(s.hh_cell[hh])
        if old >= 0 and old != cell and s.cell_hh[old] == hh:
            s.cell_hh[old] = -1
        s.hh_cell[hh] = cell
        s.cell_hh[cell] = hh
        agent = self.agents.get(hh)
        if agent is None:
            agent = self.agents[hh] = self.new_agent(hh)
        agent.cell = self.cells[cell]

    def place_new(self, hhs: np.ndarray, cells: np.ndarray) -> None:
        """:meth:`place` for many households that have no agent yet."""
        s = self.state
        s.hh_cell[hhs] = cells
        s.cell_hh[cells] = hhs
        grid, agents, new_agent = self.cells, self.agents, self.new_agent
        for hh, cell in zip(hhs.tolist(), cells.tolist()):
            agent = agents[hh] = new_agent(hh)
            agent.cell = grid[cell]

    def remove(self, hh: int) -> None:
        """Household ``hh`` leaves its dwelling (moved away or dissolved)."""
        s = self.state
        cell = int(s.hh_cell[hh])
        if cell >= 0:
            s.cell_hh[cell] = -1
        s.hh_cell[hh] = -1
        agent = self.agents.pop(hh, None)
        if agent is not None:
            agent.remove()

    def refresh_kind(self, hh: int) -> None:
        """Recompute the kind of household ``hh`` from its members (its agent reads it); no members: it dissolves."""
        s = self.state
        members = s.hh_sets.get(hh)
        if not members:
            self.remove(hh)
            return
        roles = s.i[I.ROLE, list(members)].tolist()
        partners = roles.count(_PARTNER)
        children = roles.count(_CHILD)
        if partners >= 2:
            kind = HouseholdKind.COUPLE_CHILDREN if children else HouseholdKind.COUPLE
        else:
            kind = HouseholdKind.SINGLE_PARENT if children else HouseholdKind.SINGLE_ADULT
        s.hh_kind[hh] = kind

    def relocate(self, hh: int) -> bool:
        """Household ``hh`` moves to the nearest empty dwelling; False (nothing moved) if there is none."""
        s = self.state
        old = int(s.hh_cell[hh])
        empty = self.empty_dwellings()
        if empty.size == 0:
            return False
        w = s.grid_w
        dist = np.maximum(np.abs(empty % w - old % w), np.abs(empty // w - old // w))
        self.place(hh, int(empty[np.argmin(dist)]))
        return True

    # ---- empty dwellings ---------------------------------------------------------------
    def empty_dwellings(self) -> np.ndarray:
        """int64 cells of the dwellings nobody lives in, ascending."""
        s = self.state
        return np.flatnonzero((s.cell_hh < 0) & (s.cell_kind == CellKind.DWELLING))

    def open_month(self) -> None:
        """This month's empty dwellings for moves: taken by movers, added to when a household vacates."""
        self.vacancies = self.empty_dwellings().tolist()

    def take_vacancy(self, u: float) -> int:
        """Take one of this month's empty dwellings, picked by the draw ``u`` in [0, 1); -1 if none."""
        vacant = self.vacancies
        if not vacant:
            return -1
        k = int(u * len(vacant))
        cell = vacant[k]
        vacant[k] = vacant[-1]
        vacant.pop()
        return cell

    def vacate(self, hh: int) -> None:
        """Household ``hh`` leaves its dwelling, which becomes available for moves this month."""
        cell = int(self.state.hh_cell[hh])
        self.remove(hh)
        if cell >= 0:
            self.vacancies.append(cell)
