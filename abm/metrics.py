"""Outputs of a run: the monthly time series, blocks, setbacks and lineages.

* Time series: mean and quantiles of stress, wellbeing, existential security and the
  four resources (adults), the Rotterdam categories (seed 001), participation, trust,
  help reach, non-take-up and waiting time, network measures, Gini of the material
  resource, population counts.
* Resilience as a process: every setback (a life event) is followed for
  ``resilience_window`` months; recovery time is the first month wellbeing is back within
  ``setback_tolerance`` of its level before, and the outcome is bounce forward, back or
  not: the person's change of wellbeing over the window against the change of matched
  controls, adults of the same age group and wellbeing band without a setback in the same
  months (:class:`ControlCohorts`, :func:`judge`), so that drift is not taken for bouncing.
* Lineage: each child's parents' mean stress over the childhood months observed, the
  shared circumstances of that childhood (household income, the child's network,
  community membership) and the child's outcomes at ``lineage_age_years``, or on leaving
  the neighbourhood if the child leaves before that age (:func:`record_leavers`); the
  transmission coefficient is the slope of the child's stress on the parents' stress,
  adjusted for those circumstances and the age the outcomes were read at (:func:`transmission`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abm.kernels import (B, C, F, I, SETBACKS, Role, S, V, adult_summary, childhood_month, mhi5_scores, person_survey,
                         row_quantiles)
from abm.outcomes import BEFORE_AFTER
from abm.queries import adults as adults_of
from abm.state import Departure, HouseholdKind

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
_QS = np.array(QUANTILES)
OUTCOME_FORWARD, OUTCOME_BACK, OUTCOME_NOT = "forward", "back", "not"
ADULT = 18 * 12  # months
#: lower bounds (years) of the age groups above 18 that a setback's matched controls share with the person
CONTROL_AGES = (30, 45, 65)
#: width of the wellbeing bands that a setback's matched controls share with the person
CONTROL_BAND = 0.025
#: fewest controls a comparison rests on: with fewer in its stratum the band widens (:meth:`ControlCohorts.change`)
MIN_CONTROLS = 10
N_BANDS = int(round(1.0 / CONTROL_BAND))
N_STRATA = (len(CONTROL_AGES) + 1) * N_BANDS
_AGE_BOUNDS = np.asarray(CONTROL_AGES, dtype=np.int64) * 12
_RADII = np.arange(N_BANDS)[:, None]  # the band windows band - r .. band + r
#: least childhood months observed for a lineage row
MIN_CHILD_MONTHS = 24
#: why a young person left before the lineage age, as the lineage table names it (the dead are not recorded)
LEFT_REASONS = {Departure.MOVED_OUT: "moved_out", Departure.MOVED_WITH_HOUSEHOLD: "moved_with_household",
                Departure.TO_CARE: "to_care"}
#: weeks in a month (52 / 12), for waiting times in weeks as Dutch services report them
WEEKS_PER_MONTH = 52.0 / 12.0


SERIES = ("stress", "wellbeing", "security", "psychological", "social", "cultural", "material")


def mhi5(f: np.ndarray, ids: np.ndarray, offset: float) -> np.ndarray:
    """The MHI-5 score (0-100) of persons ``ids``, mapped from the state.

    MHI-5 asks about the past month's nervousness, low mood, calm and happiness: it reads
    here as the mean of the absence of mental-health problems and wellbeing, times 100,
    less ``offset`` points (``mhi5_offset``). Below 60 is "psychologically unhealthy" (CBS
    Gezondheidsenquete). One rule: :func:`abm.kernels.mhi5_of`.
    """
    return mhi5_scores(f, np.asarray(ids, dtype=np.int64), float(offset))


def survey(model: "VeerkrachtModel", households: np.ndarray | None = None) -> dict[str, float]:
    """Survey-style figures of the neighbourhood (or of ``households``), as Dutch monitors measure them.

    Each figure is a documented mapping from the state (docs/ODD.md, "Survey-style outputs"):

    * ``low_income``: households whose equivalised disposable income (without the rent
      allowance) lies below the low-income line (:func:`abm.kernels.household_budgets`);
      ``low_income_single_parent`` the same among single-parent households;
      ``children_low_income`` minors living in such households;
    * ``mhi5_unhealthy``: residents aged 12 and over with an MHI-5 score below
      ``mhi5_cutoff`` (:func:`mhi5`);
    * ``mental_disorder``: adults aged 18 to 64 whose mental-health problem level lies above
      ``disorder_line``; ``mental_disorder_unemployed`` among those of them out of work (job
      seekers, inactive, work-disabled);
    * ``assistance_receipt``: households receiving social assistance;
      ``assistance_non_take_up``: eligible households that do not claim it, as a share of
      the eligible;
    * ``problem_debt``: households whose arrears are problematic; ``ends_meet_difficulty``:
      households whose equivalised surplus after the fixed costs lies below ``ends_meet_margin``;
    * ``employment_rate``: the employed among residents aged 15 to 74 (CBS net labour
      participation; students with side jobs are not counted as employed here);
      ``unemployment_rate``: job seekers as a share of the labour force (employed and seekers);
    * ``share_under_20``, ``share_65_plus``: the age structure;
    * ``debt_help``: households in debt counselling, ``debt_waiting``: on its waiting list.
    """
    s, p = model.state, model.p
    f, iv, b = s.f, s.i, s.hh_budget
    hh = s.active_households() if households is None else households
    hh = hh[b[B.PERSONS, hh] > 0]
    act = s.active()
    if households is not None:
        act = act[np.isin(iv[I.HOUSEHOLD, act], hh)]
    out: dict[str, float] = {}
    n_hh = max(hh.size, 1)

    def share(mask, of) -> float:
        total = of.sum() if of.dtype == bool else of.size
        return float(mask.sum() / total) if total else float("nan")

    low = b[B.LOW, hh] > 0.5
    out["low_income"] = float(low.sum() / n_hh)
    single = s.hh_kind[hh] == HouseholdKind.SINGLE_PARENT
    out["low_income_single_parent"] = share(low & single, single)
    # the persons: one pass (abm.kernels.person_survey)
    c = person_survey(f, iv, b[B.LOW], act, p.mhi5_offset, p.mhi5_cutoff, p.disorder_line)

    def ratio(part, whole) -> float:
        return float(c[part] / c[whole]) if c[whole] else float("nan")

    out["children_low_income"] = ratio(V.MINORS_LOW, V.MINORS)
    out["mhi5_unhealthy"] = ratio(V.UNHEALTHY, V.TWELVE)
    out["mental_disorder"] = ratio(V.DISORDER, V.ADULTS)
    out["mental_disorder_unemployed"] = ratio(V.JOBLESS_DISORDER, V.JOBLESS)
    eligible = b[B.ELIGIBLE, hh] > 0.5
    claiming = b[B.CLAIMING, hh] > 0.5
    out["assistance_receipt"] = float(claiming.sum() / n_hh)
    out["assistance_non_take_up"] = share(eligible & ~claiming, eligible)
    out["problem_debt"] = float((b[B.PROBLEM_DEBT, hh] > 0.5).sum() / n_hh)
    out["ends_meet_difficulty"] = float((b[B.ENDS_MEET, hh] > 0.5).sum() / n_hh)
    out["employment_rate"] = float(c[V.EMPLOYED] / max(c[V.LABOUR_AGE], 1.0))
    out["unemployment_rate"] = float(c[V.SEEKING] / max(c[V.EMPLOYED] + c[V.SEEKING], 1.0))
    out["share_under_20"] = ratio(V.UNDER_20, V.PERSONS)
    out["share_65_plus"] = ratio(V.OVER_65, V.PERSONS)
    # a household's debt-counselling case is held by one partner (abm.kernels.household_budgets)
    out["debt_help"] = float(c[V.DEBT_CARE] / n_hh)
    out["debt_waiting"] = float(c[V.DEBT_WAITING] / n_hh)
    # minors who lived in a household with parenting support or youth care in the last 12 months
    minors = act[iv[I.AGE, act] < 18 * 12]
    out["youth_care"] = (float((s.youth_care_last[minors] > model.month - 12).mean()) if minors.size
                         else float("nan"))
    return out


def survey_by_kind(model: "VeerkrachtModel") -> dict:
    """:func:`survey` for the whole neighbourhood (``all``) and for each household kind."""
    s = model.state
    hh = s.active_households()
    out = {"all": survey(model)}
    for k in HouseholdKind:
        out[k.name.lower()] = survey(model, hh[s.hh_kind[hh] == k])
    return {kind: {name: (None if np.isnan(v) else v) for name, v in figures.items()} for kind, figures in out.items()}


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, towards 1 unequal)."""
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    xs = np.sort(x)
    n = xs.size
    return float((2.0 * np.arange(1, n + 1) - n - 1).dot(xs) / (n * xs.sum()))


class Recorder:
    """Collects the outputs of one model, step by step, into preallocated lists."""

    def __init__(self, model: "VeerkrachtModel") -> None:
        self.model = model
        self.rows: list[dict] = []
        self.block_rows: list[np.ndarray] = []
        self.setbacks: list[tuple] = []
        self.lineage: list[tuple] = []
        self.controls = ControlCohorts()

    def record(self) -> None:
        m = self.model
        if self.rows:  # after a live month (the first record is month 0, before any)
            record_leavers(m, m.month - 1)
        s, p = m.state, m.p
        f, iv = s.f, s.i
        act = s.active()
        adults = adults_of(m)
        row: dict = {"step": m.month, "year": m.month / 12.0}
        stacked, sums = adult_summary(f, iv, s.events, s.tie_other, s.tie_type, adults,
                                      p.strong_threshold, p.decliner_threshold, p.strong_max_stress,
                                      p.chronic_stress_line)
        n = max(adults.size, 1)
        means = stacked.mean(axis=1) if adults.size else np.zeros(len(SERIES))
        row["gini_material"] = gini(stacked[SERIES.index("material")])
        qs = row_quantiles(stacked, _QS) if adults.size else np.zeros((len(SERIES), len(QUANTILES)))
        for k, name in enumerate(SERIES):
            row[f"{name}_mean"] = float(means[k])
            for qi, q in enumerate(QUANTILES):
                row[f"{name}_q{int(q * 100)}"] = float(qs[k, qi])
        for name, entry in (("strong", S.STRONG), ("vulnerable", S.VULNERABLE), ("decliner", S.DECLINER)):
            row[f"share_{name}"] = sums[entry] / n
        row["participation_mean"] = sums[S.PARTICIPATION] / n
        row["participation_rate"] = sums[S.ATTEMPTS] / n
        row["success_rate"] = sums[S.SUCCESSES] / max(sums[S.ATTEMPTS], 1.0)
        row["trust_mean"] = sums[S.TRUST] / n
        row["navigation_mean"] = sums[S.NAVIGATION] / n
        row["mental_mean"] = sums[S.MENTAL] / n
        row["chronic_stress_share"] = sums[S.CHRONIC] / n
        n_need = sums[S.NEED]
        row["need_share"] = n_need / n
        row["help_reach"] = sums[S.NEED_HELPED] / n_need if n_need else np.nan
        row["non_take_up"] = sums[S.NEED_UNHELPED] / n_need if n_need else np.nan
        row["need_waiting"] = sums[S.NEED_WAITING] / n_need if n_need else np.nan
        row["declined"] = int(sums[S.DECLINED])
        row["in_care"] = int(sums[S.IN_CARE])
        row["waiting"] = int(sums[S.WAITING])
        waits = m.admitted_waits
        row["wait_months_mean"] = float(np.mean(waits)) if waits else np.nan
        # waiting times in weeks of those each service admitted this month; the queues' lengths
        for service, waited in m.admitted.items():
            row[f"wait_weeks_{service}"] = float(np.mean(waited)) * WEEKS_PER_MONTH if waited else np.nan
        row["youth_in_care"] = int(sums[S.YOUTH_CARE])
        row["youth_waiting"] = int(sums[S.YOUTH_WAITING])
        row["degree_mean"] = sums[S.DEGREE] / n
        row["share_bridging"] = sums[S.BRIDGING] / max(sums[S.DEGREE], 1.0)
        row["share_isolated"] = sums[S.ISOLATED] / n
        row["efficacy_mean"] = float(s.block_efficacy.mean())
        row["attachment_mean"] = float(s.block_attachment.mean())
        # population
        hh = s.active_households()
        row["persons"] = int(act.size)
        row["adults"] = int(adults.size)
        row["children"] = int(act.size - adults.size)
        row["households"] = int(hh.size)
        kinds = s.hh_kind[hh]
        with_kids = (kinds == HouseholdKind.SINGLE_PARENT) | (kinds == HouseholdKind.COUPLE_CHILDREN)
        row["share_single_parent"] = float((kinds == HouseholdKind.SINGLE_PARENT).sum() / max(with_kids.sum(), 1))
        row.update(survey(m))
        waits = m.debt_admitted_waits
        row["debt_wait_months_mean"] = float(np.mean(waits)) if waits else np.nan
        # moving in and out: persons per year, as a share of the residents (the counters are cumulative)
        last = self.rows[-1] if self.rows else None
        for name, counter in (("moved_in_rate", "arrived"), ("moved_out_rate", "left")):
            moved = m.counters[counter] - (last[counter] if last is not None else m.counters[counter])
            row[name] = 12.0 * moved / max(act.size, 1) if last is not None else np.nan
        for k, v in m.counters.items():
            row[k] = v
        self.rows.append(row)
        self.block_rows.append(np.column_stack([
            np.full(s.n_blocks, m.month), np.arange(s.n_blocks), s.block_efficacy, s.block_attachment,
            s.block_turnover,
        ]))

    def tables(self) -> dict[str, pd.DataFrame]:
        ts = pd.DataFrame(self.rows)
        blocks = pd.DataFrame(np.vstack(self.block_rows),
                              columns=["step", "block", "efficacy", "attachment", "turnover"])
        blocks = blocks.astype({"step": "int64", "block": "int64"})
        setbacks = pd.DataFrame(self.setbacks, columns=[
            "person", "step", "events", "wellbeing_before", "wellbeing_low", "wellbeing_after",
            "recovery_months", "outcome", "control_change", "controls"])
        lineage = pd.DataFrame(self.lineage, columns=[
            "child", "mother", "father", "born_step", "months_observed", "household_kind",
            "parents_stress", "household_material", "network", "community", "block_nuisance", "block_housing",
            "stress", "wellbeing", "security", "life_skills", "attachment",
            "employed", "earning", "age_years", "left", "left_reason"])
        costs = pd.DataFrame(self.model.cost_rows, columns=["step", "intervention", "units", "cost"])
        costs = costs.astype({"step": "int64", "intervention": "object", "units": "float64", "cost": "float64"})
        return {"timeseries": ts, "blocks": blocks, "setbacks": setbacks, "lineage": lineage, "costs": costs}


def accumulate_childhood(model: "VeerkrachtModel", act: np.ndarray) -> None:
    """Add this month to each minor's childhood record, and record those reaching the lineage age.

    The record of each active person under 18 (``act``: all active persons) sums the
    parents' stress, single-parent months, the household's material resource (income
    adequacy, buffer, housing security and the absence of debt, which a minor shares with
    the household), the child's own network quality and the block's nuisance and housing
    quality over the months observed.
    """
    s = model.state
    # one pass over the persons (abm.kernels.childhood_month); the block the child grows up in
    # (nuisance and unsafety, housing quality) is shared with the parents
    childhood_month(s.f, s.i, s.ctx, act, s.child_parent_stress, s.child_months, s.child_single_months,
                    s.child_income, s.child_network, s.child_nuisance, s.child_housing)
    # young adults reaching the lineage age: record their outcomes
    age = int(round(model.p.lineage_age_years * 12))
    now = np.flatnonzero(s.alive_mask() & (s.i[I.AGE, : s.n] == age - 1))  # ageing happens in this month's demography
    now = now[s.child_months[now] >= MIN_CHILD_MONTHS]
    _append_lineage(model, now, np.full(now.size, age / 12.0), [""] * now.size)


def record_leavers(model: "VeerkrachtModel", month: int) -> None:
    """Record a lineage row for each young person who left the neighbourhood in ``month`` before the lineage age.

    Children and young adults who move out, move away with their household or go to care
    elsewhere before ``lineage_age_years`` would otherwise never reach the lineage table,
    which would then hold only those who stayed: a sample selected on staying, and moving
    away is selective (those who do well are likelier to go). Their row is read as they
    leave: their outcomes at the end of the month they left, ``age_years`` their age then,
    ``left`` 1 and ``left_reason`` why (:data:`LEFT_REASONS`). As for those who stay, at
    least :data:`MIN_CHILD_MONTHS` childhood months must have been observed. Those who
    died are not recorded. Called by :meth:`Recorder.record` after each live month.
    """
    s = model.state
    age = int(round(model.p.lineage_age_years * 12))
    gone = np.flatnonzero(s.left_month[: s.n] == month)
    reason = s.left_reason[gone]
    # the ageing of the month came first: whoever was recorded on reaching the age this month is at it now
    gone = gone[(s.child_months[gone] >= MIN_CHILD_MONTHS) & (s.i[I.AGE, gone] < age) & (reason != Departure.DIED)
                & (reason != Departure.PRESENT)]
    _append_lineage(model, gone, s.i[I.AGE, gone] / 12.0,
                    [LEFT_REASONS[Departure(r)] for r in s.left_reason[gone].tolist()])


def _append_lineage(model: "VeerkrachtModel", pids: np.ndarray, age_years: np.ndarray, left: list[str]) -> None:
    """Append the lineage rows of persons ``pids``, read at ``age_years``; ``left``: why each left ("" if present)."""
    s = model.state
    rec = model.recorder
    # a few rows a month: row by row is cheaper than a pass of numpy calls
    for pid, years, reason in zip(pids.tolist(), np.asarray(age_years, dtype=float).tolist(), left):
        months = int(s.child_months[pid])
        single = s.child_single_months[pid] * 2 > months
        rec.lineage.append((
            pid, int(s.i[I.MOTHER, pid]), int(s.i[I.FATHER, pid]), int(s.born_step[pid]), months,
            "single_parent" if single else "couple",
            float(s.child_parent_stress[pid] / months), float(s.child_income[pid] / months),
            float(s.child_network[pid] / months), int(s.i[I.COMMUNITY, pid] >= 0),
            float(s.child_nuisance[pid] / months), float(s.child_housing[pid] / months), float(s.f[F.STRESS, pid]),
            float(s.f[F.WELLBEING, pid]), float(s.f[F.SECURITY, pid]), float(s.f[F.LIFE_SKILLS, pid]),
            float(s.f[F.ATTACHMENT, pid]), int(s.i[I.EMPLOYED, pid]), float(s.f[F.EARNING, pid]),
            years, int(reason != ""), reason,
        ))


def control_strata(age: np.ndarray, wellbeing: np.ndarray) -> np.ndarray:
    """The strata within which a setback's matched controls are taken: age group times wellbeing band.

    Args:
        age: int64[m], ages in months (adults).
        wellbeing: float64[m], wellbeing before the month of the setback (or of the cohort).

    Returns:
        int64[m]: ``group * N_BANDS + band``, with the age groups 18-29, 30-44, 45-64 and 65
        and over (:data:`CONTROL_AGES`) and bands :data:`CONTROL_BAND` wide.
    """
    group = np.searchsorted(_AGE_BOUNDS, age, side="right")
    band = np.clip((np.asarray(wellbeing) * N_BANDS).astype(np.int64), 0, N_BANDS - 1)
    return group * N_BANDS + band


def judge(change: np.ndarray, control_change: np.ndarray, tolerance: float) -> np.ndarray:
    """Bounce forward, back or not: a person's change of wellbeing against that of the matched controls.

    The difference of the person's change over the window and the controls' mean change
    over the same months is forward above ``tolerance``, not below ``-tolerance`` and back
    in between. Without any controls (NaN) the person's change is judged against no change.
    """
    d = change - np.where(np.isnan(control_change), 0.0, control_change)
    return np.where(d > tolerance, OUTCOME_FORWARD, np.where(d >= -tolerance, OUTCOME_BACK, OUTCOME_NOT))


@dataclass
class Cohort:
    """The adults without a setback in one month, followed to the end of a setback window as controls.

    Attributes:
        month: the month the cohort was taken (the start of the window).
        ids, strata, base: the adults (int64), their stratum (:func:`control_strata`) and
            their wellbeing before that month.
        valid: bool, once closed: still present and no setback in the window (the controls).
        change: once closed, the wellbeing at the end of the window less ``base`` (NaN if not valid).
        sums, counts: once closed, the sum of ``change`` and the number of controls per stratum.
        cumulative: once closed, float64[2, groups + 1, N_BANDS + 1]: the sums (0) and counts
            (1) cumulated over the bands, per age group and (last) over all ages.
    """

    month: int
    ids: np.ndarray
    strata: np.ndarray
    base: np.ndarray
    valid: np.ndarray | None = None
    change: np.ndarray | None = None
    sums: np.ndarray | None = None
    counts: np.ndarray | None = None
    cumulative: np.ndarray | None = None


class ControlCohorts:
    """Matched controls for the setbacks: each month's adults without a setback, followed as a cohort.

    Every month the adults present who are not being followed for a setback (none in the
    ``resilience_window`` months before, none this month) form a cohort, each member with
    the stratum (:func:`control_strata`) and the wellbeing before the month, as a setback
    person's baseline is taken. When the window ends the members still present and still
    without a setback are the controls, and their mean change of wellbeing per stratum is
    what the change of a person whose setback came in the cohort's month is compared with
    (:meth:`change`). Only the cohorts of one window are kept: a few arrays the size of the
    adult population, and bincounts when a cohort closes.
    """

    def __init__(self) -> None:
        self.open: dict[int, Cohort] = {}
        # the cohorts whose window ended in the last month, by their month (kept for checks)
        self.closed: dict[int, Cohort] = {}

    def start(self, month: int, ids: np.ndarray, strata: np.ndarray, base: np.ndarray) -> None:
        """Take this month's cohort: adults ``ids`` with their ``strata`` and wellbeing ``base``."""
        self.open[month] = Cohort(month, ids, strata, base)

    def close(self, month: int, window: int, wellbeing: np.ndarray, alive: np.ndarray,
              setback_step: np.ndarray) -> None:
        """Close the cohorts whose window ends in ``month``: the members present and not followed are the controls.

        ``wellbeing``, ``alive`` and ``setback_step`` (-1 if not followed) are per person id.
        """
        self.closed = {}
        for start in [t for t in self.open if month - t >= window]:
            c = self.open.pop(start)
            c.valid = alive[c.ids] & (setback_step[c.ids] < 0)
            c.change = np.where(c.valid, wellbeing[c.ids] - c.base, np.nan)
            c.sums = np.bincount(c.strata[c.valid], c.change[c.valid], minlength=N_STRATA)
            c.counts = np.bincount(c.strata[c.valid], minlength=N_STRATA)
            table = np.zeros((2, N_STRATA // N_BANDS + 1, N_BANDS + 1))
            table[0, :-1, 1:] = c.sums.reshape(-1, N_BANDS)
            table[1, :-1, 1:] = c.counts.reshape(-1, N_BANDS)
            table[:, -1] = table[:, :-1].sum(axis=1)
            c.cumulative = np.cumsum(table, axis=2)
            self.closed[start] = c

    def change(self, month: int, strata: np.ndarray, own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean change of wellbeing of the controls in ``strata`` over the window that began in ``month``.

        Where fewer than :data:`MIN_CONTROLS` controls share a person's stratum, the band
        widens by one band on each side at a time, within the age group, until enough do;
        where the whole age group has too few, the same over all ages. ``own``: the persons'
        own changes, when they are controls of this cohort themselves (a placebo check),
        which leaves each out of its own comparison.

        Returns:
            (float64[m] mean change, NaN without any control; int64[m] number of controls).
        """
        strata = np.asarray(strata, dtype=np.int64)
        c = self.closed.get(month)
        if c is None:
            return np.full(strata.size, np.nan), np.zeros(strata.size, dtype=np.int64)
        group, band = np.divmod(strata, N_BANDS)
        lo, hi = np.maximum(band - _RADII, 0), np.minimum(band + _RADII + 1, N_BANDS)
        cum = c.cumulative
        # [2, windows, persons]: the windows within the age group, then the same at all ages
        windows = np.concatenate([cum[:, group, hi] - cum[:, group, lo], cum[:, -1, hi] - cum[:, -1, lo]], axis=1)
        total, count = windows[0], windows[1]
        if own is not None:
            total, count = total - own, count - 1
        enough = count >= MIN_CONTROLS
        # the narrowest window with enough controls; without one, all controls
        pick = np.where(enough.any(axis=0), enough.argmax(axis=0), count.shape[0] - 1)
        cols = np.arange(strata.size)
        total, count = total[pick, cols], count[pick, cols].astype(np.int64)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan), count


def track_setbacks(model: "VeerkrachtModel", wellbeing_before: np.ndarray) -> None:
    """Start following new setbacks, update those followed, close those at the end of the window.

    The outcome of a setback is judged against matched controls (:class:`ControlCohorts`):
    the person's change of wellbeing over the window (``wellbeing_after`` less
    ``wellbeing_before``) less the mean change over the same months of adults of the same
    age group and wellbeing band without a setback (``control_change``, over ``controls``
    persons), against ``setback_tolerance`` (:func:`judge`).
    """
    s, p, month = model.state, model.p, model.month
    n = s.n
    if wellbeing_before.size < n:  # persons who arrived this month: their level on arrival
        wellbeing_before = np.concatenate([wellbeing_before, s.f[F.WELLBEING, wellbeing_before.size:n]])
    # scans of whole one-row arrays, then work on the few persons they find (cheap whether the
    # ids of those who left are many or few)
    alive = s.alive_mask()
    followed = s.setback_step[:n] >= 0
    wb = s.f[F.WELLBEING]
    age = s.i[I.AGE, :n]
    rec = model.recorder
    # update the followed
    idx = np.flatnonzero(followed)
    idx = idx[alive[idx]]
    s.setback_low[idx] = np.minimum(s.setback_low[idx], wb[idx])
    # recovered: back within the tolerance band after having dipped below it
    dipped = s.setback_low[idx] < s.setback_base[idx] - p.setback_tolerance
    back = idx[(s.setback_recovered[idx] < 0) & dipped & (wb[idx] >= s.setback_base[idx] - p.setback_tolerance)]
    s.setback_recovered[back] = month - s.setback_step[back]
    done = idx[month - s.setback_step[idx] >= p.resilience_window]
    # start following new setbacks (adults not already followed)
    new = np.flatnonzero(s.events[:n] & SETBACKS)
    new = new[alive[new] & ~followed[new] & (age[new] >= ADULT)]
    s.setback_step[new] = month
    s.setback_kind[new] = s.events[new] & SETBACKS
    s.setback_base[new] = wellbeing_before[new]
    s.setback_low[new] = wb[new]
    s.setback_recovered[new] = -1
    # the controls: present and not followed (so no setback this month, and those whose
    # window closes now not yet free); the cohorts whose window ends now close, this month's starts
    rec.controls.close(month, p.resilience_window, wb, alive, s.setback_step)
    act = s.active()
    ids = act[(s.setback_step[act] < 0) & (age[act] >= ADULT)]
    rec.controls.start(month, ids, control_strata(age[ids], wellbeing_before[ids]), wellbeing_before[ids])
    if done.size:
        start = s.setback_step[done]
        base, after, low = s.setback_base[done], wb[done], s.setback_low[done]
        tol = p.setback_tolerance
        # the stratum at the start of the window (age then: the person was present every month since)
        strata = control_strata(age[done] - (month - start), base)
        control, n_controls = np.full(done.size, np.nan), np.zeros(done.size, dtype=np.int64)
        for t0 in np.unique(start).tolist():  # one month, unless the window changed during the run
            sel = start == t0
            control[sel], n_controls[sel] = rec.controls.change(t0, strata[sel])
        outcome = judge(after - base, control, tol)
        # never dipped below the band: resisted the setback (recovered at once)
        r = np.where(low >= base - tol, 0, s.setback_recovered[done]).astype(float)
        r[r < 0] = np.nan
        rec.setbacks.extend(zip(done.tolist(), start.tolist(), s.setback_kind[done].tolist(),
                                base.tolist(), low.tolist(), after.tolist(), r.tolist(), outcome.tolist(),
                                control.tolist(), n_controls.tolist()))
    s.setback_step[done] = -1


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and standard errors of y on the columns of x (an intercept is added)."""
    X = np.column_stack([np.ones(y.size), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = max(y.size - X.shape[1], 1)
    cov = resid.dot(resid) / dof * np.linalg.pinv(X.T @ X)
    return beta[1:], np.sqrt(np.diag(cov))[1:]


CONTROLS = ("household_material", "network", "community", "block_nuisance", "block_housing")
#: bands of the age at which a lineage row's outcomes were read (lower bounds in years: under 6, 6-11,
#: 12-17, 18 and over); those who left before the lineage age were read younger (:func:`record_leavers`)
AGE_BANDS = (6, 12, 18)


def age_terms(lineage: pd.DataFrame) -> np.ndarray:
    """Indicators of the band (:data:`AGE_BANDS`) of the age at which each row's outcomes were read.

    Returns:
        float64[rows, k]: one column for each band present but the first; none (k = 0) when
        all rows share one band (all read at the lineage age, or a table without ``age_years``).
    """
    if "age_years" not in lineage:
        return np.zeros((len(lineage), 0))
    band = np.searchsorted(np.asarray(AGE_BANDS, dtype=float), lineage["age_years"].to_numpy(), side="right")
    return (band[:, None] == np.unique(band)[None, 1:]).astype(float)


def transmission(lineage: pd.DataFrame) -> dict:
    """Parent-to-child stress transmission, overall and by household kind.

    ``slope``: the coefficient of the parents' mean stress during childhood in a
    regression of the child's stress (at the lineage age, or on leaving the neighbourhood
    before it), adjusted for the shared material, social and cultural circumstances of
    childhood (:data:`CONTROLS`: the household's mean material resource, the child's mean
    network quality, membership of a community of shared ideals or faith), so that it
    measures the passing on of stress from parent to child (loop 3 of seed 004) rather than
    shared poverty, isolation or community, and for the band of the age the child's stress
    was read at (:func:`age_terms`), since a child's stress differs with age.
    ``slope_raw``: the unadjusted slope, over the same rows.
    ``slope_stayed``: adjusted as ``slope``, over the rows of those still present at the
    lineage age only (the sample before those who left were recorded; selected on staying).
    ``n``: rows; ``n_left``: rows of those who left before the lineage age.
    """
    out = {}
    groups = {"all": lineage}
    for kind in ("couple", "single_parent"):
        groups[kind] = lineage[lineage["household_kind"] == kind]
    for name, g in groups.items():
        n = len(g)
        left = g["left"].to_numpy() == 1 if "left" in g else np.zeros(n, dtype=bool)
        entry = {"slope": None, "se": None, "slope_raw": None, "se_raw": None, "slope_stayed": None,
                 "se_stayed": None, "n": n, "n_left": int(left.sum())}
        out[name] = entry
        if n < 10 or g["parents_stress"].std() == 0:
            continue
        y = g["stress"].to_numpy()
        (raw,), (se_raw,) = _ols(y, g[["parents_stress"]].to_numpy())
        coef, ses = _ols(y, np.column_stack([g[["parents_stress", *CONTROLS]].to_numpy(), age_terms(g)]))
        entry.update(slope=float(coef[0]), se=float(ses[0]), slope_raw=float(raw), se_raw=float(se_raw))
        stayed = g[~left]
        if len(stayed) >= 10 and stayed["parents_stress"].std() > 0:
            coef, ses = _ols(stayed["stress"].to_numpy(), stayed[["parents_stress", *CONTROLS]].to_numpy())
            entry.update(slope_stayed=float(coef[0]), se_stayed=float(ses[0]))
    return out


def summarise(model: "VeerkrachtModel") -> dict:
    """Headline figures of a run, for ``summary.json`` and the console."""
    t = model.results()
    ts, sb, lin = t["timeseries"], t["setbacks"], t["lineage"]
    last = ts.iloc[-1]
    s = model.state
    adults = adults_of(model)
    kinds = s.hh_kind[s.i[I.HOUSEHOLD, adults]]
    partner = s.i[I.ROLE, adults] == Role.PARTNER
    by_kind = {}
    for k in HouseholdKind:
        sel = adults[(kinds == k) & partner]
        by_kind[k.name.lower()] = {
            "n": int(sel.size),
            "stress": float(s.f[F.STRESS, sel].mean()) if sel.size else None,
            "wellbeing": float(s.f[F.WELLBEING, sel].mean()) if sel.size else None,
        }
    counts = sb["outcome"].value_counts() if len(sb) else pd.Series(dtype=int)
    return {
        "steps": int(model.month),
        "final": {k: (None if pd.isna(last[k]) else float(last[k])) for k in (
            "stress_mean", "wellbeing_mean", "security_mean", "share_strong", "share_vulnerable",
            "share_decliner", "participation_mean", "trust_mean", "help_reach", "non_take_up",
            "share_isolated", "gini_material", "persons", "households", "share_single_parent")},
        "by_household_kind": by_kind,
        "survey": survey_by_kind(model),
        "burn_in": dict(model.burn_in),
        "resilience": {
            "setbacks": int(len(sb)),
            "recovered_share": float(sb["recovery_months"].notna().mean()) if len(sb) else None,
            "recovery_months_median": float(sb["recovery_months"].median()) if sb["recovery_months"].notna().any() else None,
            "bounce_forward": float(counts.get(OUTCOME_FORWARD, 0) / max(len(sb), 1)),
            "bounce_back": float(counts.get(OUTCOME_BACK, 0) / max(len(sb), 1)),
            "not_recovered": float(counts.get(OUTCOME_NOT, 0) / max(len(sb), 1)),
        },
        "transmission": transmission(lin),
        "counters": dict(model.counters),
        "interventions": intervention_summary(model, t["costs"], ts),
    }


def intervention_summary(model: "VeerkrachtModel", costs: pd.DataFrame, ts: pd.DataFrame) -> dict:
    """Cost per intervention and the change of key outcomes from before to after they began.

    The outcomes compared are those declared with ``before_after`` in :mod:`abm.outcomes`.
    The before/after change is descriptive (the neighbourhood changes anyway); the effect of
    a policy is the difference against the same neighbourhood without it, which
    ``run.py compare`` measures with common random numbers.
    """
    plan = model.plan.describe()
    per = {}
    for name, settings in plan["interventions"].items():
        rows = costs[costs["intervention"] == name]
        per[name] = {**settings, "months_running": int(len(rows)), "units_used_mean": float(rows["units"].mean()) if len(rows) else 0.0,
                     "cost_total": float(rows["cost"].sum()), "cost_per_month": float(rows["cost"].mean()) if len(rows) else 0.0}
    total = float(costs["cost"].sum())
    residents = float(ts["persons"].mean()) if len(ts) else 0.0
    years = max(len(ts) - 1, 1) / 12.0
    out = {"plan": per, "shocks": plan["shocks"], "cost_total": total,
           "cost_per_resident_year": total / residents / years if residents else None, "before_after": None}
    starts = [s["start"] for s in plan["interventions"].values()]
    if starts:
        first = min(starts)
        before = ts[(ts["step"] >= first - 12) & (ts["step"] < first)]
        after = ts.tail(12)
        if len(before) and first < int(ts["step"].iloc[-1]) - 11:
            out["before_after"] = {k: _finite(after[k].mean() - before[k].mean()) for k in BEFORE_AFTER}
    return out


def _finite(x) -> float | None:
    return None if pd.isna(x) else float(x)
