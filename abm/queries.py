"""What the views ask of a running model: read-only answers from its state arrays.

A view (the map, the charts) asks here instead of reading the kernels' layouts itself, so
that a concept has one formula whether a metric counts it or a view shows it. Nothing here
changes the model.

* :func:`adults`: the adults present, as the monthly metrics count them;
* :func:`adult_categories`, :func:`household_categories`: the Rotterdam category (seed 001)
  of each adult and of each household, by the rule of :func:`abm.kernels.category_of`
  that :func:`abm.kernels.adult_summary` counts with;
* :data:`MEASURES` and :func:`household_means`: the household measures the map colours by;
* :func:`household_cells`, :func:`facility_cells`, :func:`professional_cells`,
  :func:`household_ties`: where things are on the grid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.kernels import F, I, Category, TieType, partner_means, rotterdam_categories
from abm.state import CellKind

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

__all__ = [
    "ADULT_MONTHS", "CATEGORY_NAMES", "MEASURES", "NO_ADULT", "adult_categories", "adults", "facility_cells",
    "household_categories", "household_cells", "household_means", "household_ties", "professional_cells",
]

ADULT_MONTHS = 18 * 12  # age in months from which a person is an adult
CATEGORY_NAMES = tuple(c.name.lower() for c in sorted(Category))  # by value: strong, vulnerable, decliner
NO_ADULT = -1  # the category of a household without an adult
# measure -> (rows of the person stocks averaged over a household's partners, higher is better)
MEASURES = {
    "stress": ((F.STRESS,), False),
    "wellbeing": ((F.WELLBEING,), True),
    "security": ((F.SECURITY,), True),
    "trust": ((F.TRUST,), True),
    "participation": ((F.PARTICIPATION,), True),
}
TIE_KINDS = {int(k): k.name.lower() for k in TieType}  # 0 none, 1 bonding, 2 bridging


def adults(model: "VeerkrachtModel") -> np.ndarray:
    """int64 ids of the adults present (18 or older), ascending: those the monthly metrics count."""
    s = model.state
    return np.flatnonzero(s.alive_mask() & (s.i[I.AGE, : s.n] >= ADULT_MONTHS))


def adult_categories(model: "VeerkrachtModel") -> tuple[np.ndarray, np.ndarray]:
    """(ids, categories): each adult present and their :class:`~abm.kernels.Category` (int8).

    ``np.bincount(categories, minlength=3)`` equals the counts the month's metrics record
    (``share_strong``, ``share_vulnerable``, ``share_decliner`` times ``adults``).
    """
    ids = adults(model)
    p = model.p
    return ids, rotterdam_categories(model.state.f, ids, p.strong_threshold, p.decliner_threshold,
                                     p.strong_max_stress)


def household_categories(model: "VeerkrachtModel") -> np.ndarray:
    """int8[n_hh]: each household's Rotterdam category, :data:`NO_ADULT` (-1) if it has no adult.

    A household takes the category of its adult who is worst off (decliner before
    vulnerable before strong), so every household on the map shows a category that the
    metric counts for one of its adults, and a household with one adult, or whose adults
    agree, shows exactly theirs.
    """
    ids, cats = adult_categories(model)
    s = model.state
    out = np.full(s.n_hh, NO_ADULT, dtype=np.int8)
    np.maximum.at(out, s.i[I.HOUSEHOLD, ids], cats)
    return out


def household_means(model: "VeerkrachtModel", measure: str) -> np.ndarray:
    """float64[n_hh]: the :data:`MEASURES` ``measure`` of each household (mean over its partners; 0 without)."""
    s = model.state
    rows, _ = MEASURES[measure]
    return partner_means(s.f, s.i, s.active(), s.n_hh, np.array(rows, dtype=np.int64))


def household_cells(model: "VeerkrachtModel") -> tuple[np.ndarray, np.ndarray]:
    """(cells, households): every occupied dwelling and the household id living there."""
    s = model.state
    cells = np.flatnonzero(s.cell_hh >= 0)
    return cells, s.cell_hh[cells]


def facility_cells(model: "VeerkrachtModel") -> dict[CellKind, np.ndarray]:
    """The cells of the facilities in use, by kind (meeting place, school, service point, mental health)."""
    s = model.state
    in_use = s.fac_in_use == 1
    return {kind: s.fac_cell[(s.fac_kind == kind) & in_use] for kind in CellKind if kind != CellKind.DWELLING}


def professional_cells(model: "VeerkrachtModel") -> np.ndarray:
    """The cell each professional at work (capacity above 0) works from, in professional order."""
    s = model.state
    return s.pro_cell[s.pro_capacity > 0]


def household_ties(model: "VeerkrachtModel", max_ties: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cells_a, cells_b, kinds): the homes of adults tied across households, each tie once.

    ``kinds`` holds ``'bonding'`` or ``'bridging'``. With ``max_ties``, an evenly spaced
    sample of at most that many ties (a map with thousands of lines shows nothing). A tie
    whose end has no dwelling has cell -1.
    """
    s = model.state
    ids = adults(model)
    other = s.tie_other[ids].astype(np.int64)
    kind = s.tie_type[ids]
    i = np.repeat(ids, other.shape[1])
    j, kind = other.ravel(), kind.ravel()
    keep = j > i  # each tie once
    i, j, kind = i[keep], j[keep], kind[keep]
    hh_i, hh_j = s.i[I.HOUSEHOLD, i], s.i[I.HOUSEHOLD, j]
    outside = hh_i != hh_j
    hh_i, hh_j, kind = hh_i[outside], hh_j[outside], kind[outside]
    if max_ties is not None and hh_i.size > max_ties:
        pick = np.linspace(0, hh_i.size - 1, max_ties).astype(int)
        hh_i, hh_j, kind = hh_i[pick], hh_j[pick], kind[pick]
    names = np.array([TIE_KINDS[k] for k in range(max(TIE_KINDS) + 1)])
    return s.hh_cell[hh_i], s.hh_cell[hh_j], names[kind.astype(np.int64)]
