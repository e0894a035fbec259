"""The model's state as arrays (struct of arrays) with fixed dtypes.

Persons and households get ids that are never reused, so a person's random stream
(keyed by id) and the lineage table stay valid for the whole run. Arrays grow by doubling;
the kernels walk over the ``active`` (alive) ids only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from abm.kernels import N_B, N_C, N_F, N_I, N_M, Help, I, TieType, drop_ties_of


class HouseholdKind(IntEnum):
    SINGLE_ADULT = 0
    COUPLE = 1  # no children at home
    COUPLE_CHILDREN = 2
    SINGLE_PARENT = 3


class CellKind(IntEnum):
    DWELLING = 0
    MEETING_PLACE = 1  # buurthuis
    SCHOOL = 2
    SERVICE_POINT = 3  # wijkteam
    MENTAL_HEALTH = 4  # GGZ


class ProKind(IntEnum):
    SOCIAL_WORKER = 0
    POLICE = 1  # wijkagent
    COMMUNITY_BUILDER = 2
    EXPERIENCE_EXPERT = 3


#: a month long before any run (``youth_care_last`` of someone who never had youth care)
NEVER = -(10**9)


class Departure(IntEnum):
    """Why a person is no longer in the neighbourhood (``State.left_reason``)."""

    PRESENT = 0  # not left (yet)
    DIED = 1
    MOVED_OUT = 2  # left alone: a young adult leaving home, a partner after a separation
    MOVED_WITH_HOUSEHOLD = 3  # the whole household moved away
    TO_CARE = 4  # a minor left without a parent, to care elsewhere


def _grow(a: np.ndarray, n: int, axis: int, fill) -> np.ndarray:
    shape = list(a.shape)
    shape[axis] = n
    out = np.full(shape, fill, dtype=a.dtype)
    idx = [slice(None)] * a.ndim
    idx[axis] = slice(0, a.shape[axis])
    out[tuple(idx)] = a
    return out


@dataclass
class State:
    """All arrays of one neighbourhood. Persons are columns of ``f``/``i``/``ctx``."""

    grid_w: int
    grid_h: int
    block_size: int
    tie_slots: int
    # persons
    n: int = 0
    f: np.ndarray = field(default=None)  # float64[N_F, cap]
    i: np.ndarray = field(default=None)  # int64[N_I, cap]
    ctx: np.ndarray = field(default=None)  # float64[N_C, cap]
    m: np.ndarray = field(default=None)  # float64[N_M, cap] money in euros (abm.kernels.M)
    events: np.ndarray = field(default=None)  # int64[cap]
    tie_other: np.ndarray = field(default=None)  # int32[cap, k]
    tie_w: np.ndarray = field(default=None)  # float64[cap, k]
    tie_type: np.ndarray = field(default=None)  # int8[cap, k]
    # lineage accumulators (children) and setback tracking
    child_parent_stress: np.ndarray = field(default=None)  # float64[cap] sum over months
    child_months: np.ndarray = field(default=None)  # int64[cap]
    child_single_months: np.ndarray = field(default=None)  # int64[cap]
    child_income: np.ndarray = field(default=None)  # float64[cap] sum of the household's material resource
    child_network: np.ndarray = field(default=None)  # float64[cap] sum of own network quality
    born_step: np.ndarray = field(default=None)  # int64[cap], step of birth or arrival
    setback_step: np.ndarray = field(default=None)  # int64[cap], -1 if not followed
    setback_kind: np.ndarray = field(default=None)  # int64[cap], event mask
    setback_base: np.ndarray = field(default=None)  # float64[cap], wellbeing before
    setback_low: np.ndarray = field(default=None)
    setback_recovered: np.ndarray = field(default=None)  # int64[cap], months to recover, -1
    # what happened: the month a person left and why (Departure), written by depart()
    left_month: np.ndarray = field(default=None)  # int64[cap], -1 while present
    left_reason: np.ndarray = field(default=None)  # int8[cap] Departure
    # households
    n_hh: int = 0
    hh_cell: np.ndarray = field(default=None)  # int64[cap_h], -1 when gone
    hh_kind: np.ndarray = field(default=None)  # int8[cap_h] HouseholdKind
    hh_social: np.ndarray = field(default=None)  # int8[cap_h] social housing
    hh_budget: np.ndarray = field(default=None)  # float64[N_B, cap_h] this month's budget (abm.kernels.B)
    # cells
    cell_hh: np.ndarray = field(default=None)  # int64[n_cells], -1 if none
    cell_kind: np.ndarray = field(default=None)  # int8[n_cells] CellKind
    cell_block: np.ndarray = field(default=None)  # int64[n_cells]
    # facilities and professionals
    fac_cell: np.ndarray = field(default=None)  # int64[n_fac]
    fac_kind: np.ndarray = field(default=None)  # int8[n_fac]
    fac_open: np.ndarray = field(default=None)  # int8[n_fac]
    fac_in_use: np.ndarray = field(default=None)  # int8[n_fac]: 0 once closed for good (an intervention ended)
    pro_kind: np.ndarray = field(default=None)  # int8[n_pro]
    pro_cell: np.ndarray = field(default=None)  # int64[n_pro]
    pro_capacity: np.ndarray = field(default=None)  # int64[n_pro]
    # blocks
    block_efficacy: np.ndarray = field(default=None)  # float64[n_blocks]
    block_attachment: np.ndarray = field(default=None)
    block_nuisance: np.ndarray = field(default=None)  # nuisance and unsafety, 0-1
    block_housing: np.ndarray = field(default=None)  # quality of the housing and public space, 0-1 (fixed)
    block_turnover: np.ndarray = field(default=None)  # moves per household per year (EMA)
    # members of each household (an index kept with I.HOUSEHOLD by join/drop)
    hh_sets: dict = field(default_factory=dict)
    # cache of active(), invalidated by set_alive
    _alive_version: int = 0
    _active_key: tuple = (-1, -1)
    _active: np.ndarray | None = None
    _alive: np.ndarray | None = None
    # nearest meeting place of every cell, with the facilities it was made for (population.meeting_places_for)
    meeting_table: tuple | None = None

    @property
    def n_cells(self) -> int:
        return self.grid_w * self.grid_h

    @property
    def n_blocks(self) -> int:
        return (self.grid_w // self.block_size) * (self.grid_h // self.block_size)

    def active(self) -> np.ndarray:
        """Ids of the persons present, in id order (int64; do not modify).

        Cached until :meth:`set_alive` changes who is present: the step asks for it often.
        """
        self._refresh_alive()
        return self._active

    def alive_mask(self) -> np.ndarray:
        """bool[n]: whether each person id is present (cached like :meth:`active`; do not modify).

        Masks over whole rows (``state.i[I.AGE, :n]``) and this are cheaper than gathering
        the active columns first; ``np.flatnonzero`` of their product lists the same ids in
        the same order as indexing ``active()``.
        """
        self._refresh_alive()
        return self._alive

    def _refresh_alive(self) -> None:
        key = (self._alive_version, self.n)
        if self._active_key != key:
            self._alive = self.i[I.ALIVE, : self.n] == 1
            self._active = np.flatnonzero(self._alive).astype(np.int64)
            self._active_key = key

    def set_alive(self, ids, alive: bool) -> None:
        """Persons ``ids`` arrive (``alive``) or leave; the only writer of ``I.ALIVE``."""
        self.i[I.ALIVE, ids] = 1 if alive else 0
        self._alive_version += 1

    def active_households(self) -> np.ndarray:
        return np.flatnonzero(self.hh_cell[: self.n_hh] >= 0).astype(np.int64)

    # ---- allocation ------------------------------------------------------------------
    def allocate(self, cap_persons: int, cap_households: int) -> None:
        k = self.tie_slots
        self.f = np.zeros((N_F, cap_persons))
        self.i = np.full((N_I, cap_persons), -1, dtype=np.int64)
        self.i[I.ALIVE] = 0
        self.ctx = np.zeros((N_C, cap_persons))
        self.m = np.zeros((N_M, cap_persons))
        self.events = np.zeros(cap_persons, dtype=np.int64)
        self.tie_other = np.full((cap_persons, k), -1, dtype=np.int32)
        self.tie_w = np.zeros((cap_persons, k))
        self.tie_type = np.zeros((cap_persons, k), dtype=np.int8)
        self.child_parent_stress = np.zeros(cap_persons)
        self.child_months = np.zeros(cap_persons, dtype=np.int64)
        self.child_single_months = np.zeros(cap_persons, dtype=np.int64)
        self.child_income = np.zeros(cap_persons)
        self.child_network = np.zeros(cap_persons)
        self.child_nuisance = np.zeros(cap_persons)
        self.child_housing = np.zeros(cap_persons)
        self.born_step = np.zeros(cap_persons, dtype=np.int64)
        self.setback_step = np.full(cap_persons, -1, dtype=np.int64)
        self.setback_kind = np.zeros(cap_persons, dtype=np.int64)
        self.setback_base = np.zeros(cap_persons)
        self.setback_low = np.zeros(cap_persons)
        self.setback_recovered = np.full(cap_persons, -1, dtype=np.int64)
        self.left_month = np.full(cap_persons, -1, dtype=np.int64)
        self.youth_care_last = np.full(cap_persons, NEVER, dtype=np.int64)
        self.left_reason = np.zeros(cap_persons, dtype=np.int8)
        self.hh_cell = np.full(cap_households, -1, dtype=np.int64)
        self.hh_kind = np.zeros(cap_households, dtype=np.int8)
        self.hh_social = np.zeros(cap_households, dtype=np.int8)
        self.hh_budget = np.zeros((N_B, cap_households))
        self.hh_key = np.full(cap_households, -1, dtype=np.int64)

    _PERSON_ARRAYS = (
        ("f", 1, 0.0), ("i", 1, -1), ("ctx", 1, 0.0), ("m", 1, 0.0), ("events", 0, 0), ("tie_other", 0, -1),
        ("tie_w", 0, 0.0), ("tie_type", 0, TieType.NONE), ("child_parent_stress", 0, 0.0),
        ("child_months", 0, 0), ("child_single_months", 0, 0), ("child_income", 0, 0.0), ("child_network", 0, 0.0), ("child_nuisance", 0, 0.0), ("child_housing", 0, 0.0), ("born_step", 0, 0),
        ("setback_step", 0, -1), ("setback_kind", 0, 0), ("setback_base", 0, 0.0),
        ("setback_low", 0, 0.0), ("setback_recovered", 0, -1), ("left_month", 0, -1),
        ("left_reason", 0, Departure.PRESENT), ("youth_care_last", 0, NEVER),
    )
    _HH_ARRAYS = (("hh_cell", 0, -1), ("hh_kind", 0, 0), ("hh_social", 0, 0), ("hh_budget", 1, 0.0), ("hh_key", 0, -1))

    def new_persons(self, count: int) -> np.ndarray:
        """Ids for ``count`` new persons (columns reset, ALIVE still 0)."""
        need = self.n + count
        cap = self.f.shape[1]
        if need > cap:
            new_cap = max(need, 2 * cap)
            for name, axis, fill in self._PERSON_ARRAYS:
                setattr(self, name, _grow(getattr(self, name), new_cap, axis, fill))
            self.i[I.ALIVE, cap:] = 0
        ids = np.arange(self.n, need, dtype=np.int64)
        self.n = need
        return ids

    def new_households(self, count: int) -> np.ndarray:
        need = self.n_hh + count
        cap = self.hh_cell.shape[0]
        if need > cap:
            new_cap = max(need, 2 * cap)
            for name, axis, fill in self._HH_ARRAYS:
                setattr(self, name, _grow(getattr(self, name), new_cap, axis, fill))
        ids = np.arange(self.n_hh, need, dtype=np.int64)
        self.n_hh = need
        return ids

    def key(self, ids) -> np.ndarray:
        """The stable identities of persons ``ids`` (``I.KEY``): what their random draws are keyed by."""
        return self.i[I.KEY, ids]

    def within_reach(self, centres, reach: int) -> np.ndarray:
        """bool[n_cells]: the cells at most ``reach`` cells (across and along, diagonals too) from a cell of ``centres``."""
        mask = np.zeros((self.grid_h, self.grid_w), dtype=bool)
        for c in np.asarray(centres, dtype=np.int64).tolist():
            x, y = c % self.grid_w, c // self.grid_w
            mask[max(y - reach, 0):y + reach + 1, max(x - reach, 0):x + reach + 1] = True
        return mask.reshape(-1)

    # ---- derived views -----------------------------------------------------------------
    def members(self, hh: int) -> np.ndarray:
        """Alive persons of household ``hh``, in id order."""
        return np.array(sorted(self.hh_sets.get(hh, ())), dtype=np.int64)

    def join(self, pids, hh: int) -> None:
        """Persons ``pids`` now live in household ``hh`` (their old household loses them)."""
        pids = np.atleast_1d(np.asarray(pids, dtype=np.int64))
        for pid in pids.tolist():
            old = int(self.i[I.HOUSEHOLD, pid])
            if old >= 0 and old in self.hh_sets:
                self.hh_sets[old].discard(pid)
        self.i[I.HOUSEHOLD, pids] = hh
        self.hh_sets.setdefault(hh, set()).update(pids.tolist())

    def drop(self, pid: int) -> None:
        """Person ``pid`` leaves the neighbourhood (I.HOUSEHOLD keeps the last household)."""
        members = self.hh_sets.get(int(self.i[I.HOUSEHOLD, pid]))
        if members is not None:
            members.discard(int(pid))

    def depart(self, pids, month: int, reason: Departure) -> None:
        """Persons ``pids`` leave the neighbourhood in ``month`` for ``reason``, which is recorded.

        They leave their household (its dwelling stays theirs until the household is
        removed), their ties, their professional and any queue; ``left_month`` and
        ``left_reason`` keep what happened.
        """
        pids = np.asarray(pids, dtype=np.int64)
        for pid in pids.tolist():
            self.drop(pid)
        self.set_alive(pids, False)
        self.i[I.PRO, pids] = -1
        self.i[I.HELP, pids] = Help.NONE
        self.i[I.YOUTH_HELP, pids] = Help.NONE
        self.setback_step[pids] = -1
        drop_ties_of(self.tie_other, self.tie_w, self.tie_type, pids)
        self.left_month[pids] = month
        self.left_reason[pids] = reason
