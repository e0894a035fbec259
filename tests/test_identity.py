"""Random draws keyed by a stable identity of each person, not by the array index (common random numbers)."""

from __future__ import annotations

import numpy as np

from abm import kernels as kn
from abm.kernels import I
from experiments.build import build_model
from experiments.scenario import SMALL


def test_identities_depend_on_the_origin_only_and_differ():
    origins = np.array([5, 17, 3, 17_000, 2**40], dtype=np.int64)
    keys = kn.identity_keys(origins, 12, kn.KEY_BIRTH)
    assert np.all(keys >= 0) and np.unique(keys).size == keys.size
    # the same origin gives the same identity, whatever else is made with it
    for k, o in enumerate(origins):
        assert kn.identity_keys(np.array([o]), 12, kn.KEY_BIRTH)[0] == keys[k]
    # another month or another kind of origin gives another identity
    assert not np.any(kn.identity_keys(origins, 13, kn.KEY_BIRTH) == keys)
    assert not np.any(kn.identity_keys(origins, 12, kn.KEY_ARRIVAL) == keys)
    many = kn.identity_keys(np.arange(200_000, dtype=np.int64), -7, kn.KEY_ARRIVAL)
    assert np.unique(many).size == many.size


def _people(model) -> dict[int, tuple[int, int, bool]]:
    """Every person the run ever had: identity -> (sex, limitations, born during the run)."""
    s = model.state
    n = s.n
    keys = s.i[I.KEY, :n]
    assert np.unique(keys).size == n, "two persons share an identity"
    # born here: aged 0 when created (the age counts on while present)
    age_at_creation = s.i[I.AGE, :n] - (np.where(s.left_month[:n] >= 0, s.left_month[:n], model.month) - s.born_step[:n])
    newborn = (s.born_step[:n] >= 0) & (age_at_creation <= 1)
    return {int(k): (int(s.i[I.SEX, j]), int(s.i[I.LIMITS, j]), bool(newborn[j])) for j, k in enumerate(keys.tolist())}


def test_more_births_in_one_arm_do_not_shift_the_draws_of_everybody_else():
    """Arm B has more births. Under index keys every person created after the first extra birth
    would draw anew; with identities the persons both arms have (same mother and month, or
    same dwelling, slot and month) have the same sex and hours, and most persons are shared."""
    months = 24
    a = build_model("krachtwijk", dict(SMALL), seed=11)
    b = build_model("krachtwijk", {**SMALL, "p_birth_couple": 0.3}, seed=11)
    a.run(months)
    b.run(months)
    pa, pb = _people(a), _people(b)
    shared = set(pa) & set(pb)
    born_a = {k for k, v in pa.items() if v[2]}
    born_b = {k for k, v in pb.items() if v[2]}
    assert len(born_b - born_a) >= 10, "arm B should have extra births"
    assert len(born_a & born_b) >= 5, "the births both arms have"
    # persons with the same identity drew the same traits when they were made
    for k in shared:
        assert pa[k][:2] == pb[k][:2], "the same person has another sex or other limitations in the other arm"
    assert len(shared) / len(set(pa) | set(pb)) > 0.8
