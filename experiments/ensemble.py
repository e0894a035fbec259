"""Runs over the plausible parameter sets of a calibration (``--ensemble``).

A calibration (``run.py calibrate``) keeps, besides its best set, an ensemble of plausible
sets: every trial that met the targets (the ``[[ensemble]]`` entries of the file a scenario
names in ``[calibration] file``). ``run``, ``compare``, ``sweep`` and ``validate`` with
``--ensemble`` run each of their runs once per plausible set, so what they report carries
the uncertainty of the calibrated parameters as well as the luck of the draw:

* :func:`plausible_sets` says how many sets a scenario's calibration file holds (and refuses
  a scenario that reads none, with one line);
* :func:`expand` turns a list of engine runs into runs per set: label ``member`` and task key
  ``member`` (the set's number, 0-based); the seed is left alone, so replicate r has the same
  seed in every set (common random numbers across sets as well as across arms and points);
* :func:`check_members` builds each distinct run once per set before anything runs;
* :func:`pooled_pairs` gives every (set, replicate) pair an index of its own, for the paired
  tables that match runs by replicate;
* :func:`note` is the sentence every report uses to say that its intervals include
  parameter uncertainty;
* :func:`headline` and :func:`sets_text`: the headline outcomes of ``run --ensemble``'s runs,
  one per set, and a small table of them across the sets.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Sequence

import pandas as pd

from abm.outcomes import HEADLINE, OUTCOMES
from abm.params import ParameterError, shown
from experiments.scenario import ScenarioError, calibration_file, load, read_calibration, read_toml, resolve
from experiments.tasks import prepare

__all__ = ["HELP", "Ensemble", "check_members", "expand", "headline", "note", "plausible_sets", "pooled_pairs", "set_means",
           "sets_text", "shared_sets", "write_sets"]

HELP = ("run once per plausible parameter set of the scenario's calibration file (its [[ensemble]]) as well as "
        "per replicate: intervals then include parameter uncertainty")
LABEL = "member"  # the label (result column) and task key of a run's set
SETS_CSV = "members.csv"  # one row per set: run --ensemble its headline outcomes, compare its differences


class Ensemble(NamedTuple):
    """The plausible sets a scenario reads: its calibration file and how many sets it holds."""

    file: str
    sets: int


def plausible_sets(scenario: str) -> Ensemble:
    """The calibration file of ``scenario`` (preset name or path) and its number of plausible sets.

    Raises :class:`~experiments.scenario.ScenarioError` (one line) when the scenario reads no
    calibration file, when the file holds no ``[[ensemble]]`` entries, or when an entry lacks
    its ``[ensemble.params]`` table.
    """
    load(scenario)  # the scenario itself is sound (and so is its calibration file's [best])
    path = resolve(scenario)
    file = calibration_file(path, read_toml(path))
    if file is None:
        raise ScenarioError(f"--ensemble needs a calibrated scenario; {scenario} reads no calibration file "
                            "(a [calibration] file = \"...\" table, written by `run.py calibrate --presets`)")
    sets = read_calibration(file)["ensemble"]
    if not isinstance(sets, list) or not sets:
        raise ScenarioError(f"--ensemble: the calibration file '{file}' of {scenario} holds no plausible "
                            "sets ([[ensemble]] entries)")
    for k, entry in enumerate(sets):
        if not isinstance(entry, dict) or not isinstance(entry.get("params"), dict):
            raise ScenarioError(f"--ensemble: the calibration file '{file}' of {scenario}: [[ensemble]] "
                                f"entry {k} has no [ensemble.params] table")
    return Ensemble(str(file), len(sets))


def shared_sets(scenarios: Sequence[str]) -> Ensemble:
    """The plausible sets that every one of ``scenarios`` reads: one calibration file for all.

    Set k of one scenario is set k of another only when they read the same file (the presets
    share one); raises :class:`~experiments.scenario.ScenarioError` (one line) otherwise.
    """
    found = {s: plausible_sets(s) for s in dict.fromkeys(scenarios)}
    files = {e.file for e in found.values()}
    if len(files) > 1:
        which = "; ".join(f"{s} reads '{e.file}'" for s, e in found.items())
        raise ScenarioError(f"--ensemble needs one calibration file for all scenarios, so that set k is the same "
                            f"in each; {which}")
    return next(iter(found.values()))


def _split(item: dict) -> tuple[dict, dict]:
    """(task, labels) of an engine run: ``{"task": task, **labels}`` or a plain task."""
    if "task" in item:
        return item["task"], {k: v for k, v in item.items() if k != "task"}
    return item, {}


def expand(items: Sequence[dict], sets: int) -> list[dict]:
    """Each run of ``items`` once per plausible set, set-major: ``{"task": {..., "member": k}, **labels, "member": k}``.

    The tasks keep their seeds: replicate r runs with the same seed in every set.
    """
    if isinstance(sets, bool) or not isinstance(sets, int) or sets < 1:
        raise ParameterError(f"sets = {shown(sets)}; allowed: the number of plausible sets, 1 or more")
    out = []
    for k in range(sets):
        for item in items:
            task, labels = _split(item)
            out.append({"task": {**task, LABEL: k}, **labels, LABEL: k})
    return out


def check_members(items: Sequence[dict], where: str = "") -> None:
    """Build each distinct run of ``items`` (seed aside) once for each set it names, before anything runs.

    Raises :class:`~abm.params.ParameterError` or :class:`~experiments.scenario.ScenarioError`
    (one line) naming the set that cannot be built, with ``where`` in front.
    """
    seen: set = set()
    for item in items:
        task, _ = _split(item)
        key = repr(sorted((k, repr(v)) for k, v in task.items() if k != "seed"))
        if key in seen:
            continue
        seen.add(key)
        try:
            prepare(task)
        except (ParameterError, ScenarioError) as e:
            raise type(e)(f"{where}plausible set {task.get(LABEL)}: {e}") from None


def pooled_pairs(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``replicate`` numbered over (set, replicate) pairs, for tables paired by replicate.

    Runs of one set and replicate share their seed across arms and points, so they pair; runs
    of two sets do not. Without a ``member`` column ``df`` comes back as it is.
    """
    if LABEL not in df.columns or df.empty:
        return df
    width = int(df["replicate"].max()) + 1
    return df.assign(replicate=df[LABEL].astype("int64") * width + df["replicate"].astype("int64"))


def set_means(df: pd.DataFrame, keys: Sequence[str] = ("label", "outcome")) -> pd.DataFrame:
    """Each plausible set's mean over its replicates, as one run per set (``replicate`` = the set).

    An interval over these means (n = sets) carries the spread between the sets, the
    parameter uncertainty, at its full weight. An interval over every set x replicate run
    as if they were alike would narrow as sets are added, and could call a policy better
    although no set on its own does.
    """
    if LABEL not in df.columns or df.empty:
        return df
    out = df.groupby([*keys, LABEL], sort=True)["value"].mean().reset_index()
    return out.rename(columns={LABEL: "replicate"})


def note(sets: int | Sequence[int]) -> str:
    """The sentence of every report made with ``--ensemble``: its intervals include parameter uncertainty."""
    counts = sorted({sets} if isinstance(sets, int) else set(sets))
    n = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    return (f"intervals include parameter uncertainty over {n} plausible sets (they are over the sets' means, "
            "each the mean of its replicates)")


def headline(model, summary: dict) -> dict[str, float]:
    """The :data:`~abm.outcomes.HEADLINE` outcomes of a finished run (``summary``: its ``summary.json``)."""
    tables = model.results()
    return {name: OUTCOMES[name].get(model, tables, summary) for name in HEADLINE}


def write_sets(rows: Sequence[dict], path: Path) -> None:
    """``rows`` (one per set: ``member`` and the :func:`headline` outcomes) as a CSV table at ``path``."""
    pd.DataFrame(rows).to_csv(path, index=False, float_format="%.6g")


def sets_text(rows: Sequence[dict]) -> str:
    """The headline outcomes across the sets, one line per outcome: mean over the sets, lowest, highest.

    ``rows``: one per set, ``{"member": k, outcome: value, ...}`` (:func:`headline`).
    """
    table = pd.DataFrame(rows).set_index(LABEL)
    lines = [f"  {'outcome':<22}{'mean over sets':>15}{'lowest (set)':>18}{'highest (set)':>18}"]
    for name in [c for c in table.columns if c in OUTCOMES]:
        v = table[name].astype(float).dropna()
        if v.empty:
            lines.append(f"  {name:<22}{'n/a':>15}")
            continue
        lo, hi = v.idxmin(), v.idxmax()
        lines.append(f"  {name:<22}{v.mean():>15.3f}{f'{v[lo]:.3f} ({lo})':>18}{f'{v[hi]:.3f} ({hi})':>18}")
    return "\n".join(lines)
