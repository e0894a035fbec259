"""Professionals: social workers, the wijkagent, community builders, experience experts.

Each has a caseload capacity and a catchment around the service point; linking ties are
stored on the persons (``I.PRO``). The agents are views onto those arrays.
"""

from __future__ import annotations

import mesa
import numpy as np

from abm.kernels import I
from abm.state import ProKind


class Professional(mesa.Agent):
    """A professional with a caseload; ``index`` points into the model's professional arrays."""

    kind: ProKind

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def capacity(self) -> int:
        return int(self.model.state.pro_capacity[self.index])

    @property
    def caseload(self) -> np.ndarray:
        """Ids of the persons with a linking tie to this professional."""
        s = self.model.state
        return np.flatnonzero((s.i[I.PRO, : s.n] == self.index) & (s.i[I.ALIVE, : s.n] == 1))

    @property
    def effectiveness(self) -> float:
        return float(self.model.pro_effectiveness()[self.index])


class SocialWorker(Professional):
    kind = ProKind.SOCIAL_WORKER


class NeighbourhoodOfficer(Professional):
    """The wijkagent: a known face in the neighbourhood."""

    kind = ProKind.POLICE


class CommunityBuilder(Professional):
    kind = ProKind.COMMUNITY_BUILDER


class ExperienceExpert(Professional):
    """An ervaringsdeskundige: a door-opener for care avoiders (seed 002)."""

    kind = ProKind.EXPERIENCE_EXPERT


_CLASSES = {c.kind: c for c in (SocialWorker, NeighbourhoodOfficer, CommunityBuilder, ExperienceExpert)}


def professional_class(kind: int) -> type[Professional]:
    return _CLASSES[ProKind(kind)]
