"""Outputs of a run: the monthly time series, blocks, setbacks and lineages.

* Time series: mean and quantiles of stress, wellbeing, existential security and the
  four resources (adults), the Rotterdam categories (seed 001), participation, trust,
  help reach, non-take-up and waiting time, network measures, Gini of the material
  resource, population counts.
* Resilience as a process: every setback (a life event) is followed for
  ``resilience_window`` months; recovery time is the first month wellbeing is back within
  ``setback_tolerance`` of its level before, and the outcome is bounce forward (above),
  back (at) or not (below) at the end of the window.
* Lineage: each child's parents' mean stress over the childhood months observed, the
  shared circumstances of that childhood (household income, the child's network,
  community membership) and the child's outcomes at ``lineage_age_years``; the
  transmission coefficient is the slope of the child's stress on the parents' stress,
  adjusted for those circumstances (:func:`transmission`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abm.kernels import B, C, F, I, SETBACKS, Role, S, V, adult_summary, mhi5_scores, person_survey, row_quantiles
from abm.outcomes import BEFORE_AFTER
from abm.queries import adults as adults_of
from abm.state import HouseholdKind

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
_QS = np.array(QUANTILES)
OUTCOME_FORWARD, OUTCOME_BACK, OUTCOME_NOT = "forward", "back", "not"


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

    def record(self) -> None:
        m = self.model
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
            "recovery_months", "outcome"])
        lineage = pd.DataFrame(self.lineage, columns=[
            "child", "mother", "father", "born_step", "months_observed", "household_kind",
            "parents_stress", "household_material", "network", "community", "stress", "wellbeing", "security", "life_skills", "attachment",
            "employed", "earning"])
        costs = pd.DataFrame(self.model.cost_rows, columns=["step", "intervention", "units", "cost"])
        costs = costs.astype({"step": "int64", "intervention": "object", "units": "float64", "cost": "float64"})
        return {"timeseries": ts, "blocks": blocks, "setbacks": setbacks, "lineage": lineage, "costs": costs}


def accumulate_childhood(model: "VeerkrachtModel", act: np.ndarray, minors: np.ndarray) -> None:
    """Add this month to each minor's childhood record, and record those reaching the lineage age.

    The record sums the parents' stress, single-parent months, the household's material
    resource (income adequacy, buffer, housing security and the absence of debt, which a
    minor shares with the household) and the child's own network quality over the months
    observed. ``minors`` are the
    active persons under 18 (``act`` all active persons).
    """
    s = model.state
    s.child_parent_stress[minors] += s.ctx[C.HH_STRESS, minors]
    s.child_months[minors] += 1
    s.child_single_months[minors] += (s.ctx[C.IS_SINGLE, minors] > 0.5).astype(np.int64)
    f = s.f
    s.child_income[minors] += (f[F.INCOME, minors] + f[F.BUFFER, minors] + f[F.HOUSING, minors]
                               + 1.0 - f[F.DEBT, minors]) / 4.0
    s.child_network[minors] += s.ctx[C.NET_Q, minors]
    # young adults reaching the lineage age: record their outcomes
    age = int(round(model.p.lineage_age_years * 12))
    now = np.flatnonzero(s.alive_mask() & (s.i[I.AGE, : s.n] == age - 1))  # ageing happens in this month's demography
    rec = model.recorder
    for pid in now[s.child_months[now] >= 24]:
        months = int(s.child_months[pid])
        single = s.child_single_months[pid] * 2 > months
        rec.lineage.append((
            int(pid), int(s.i[I.MOTHER, pid]), int(s.i[I.FATHER, pid]), int(s.born_step[pid]), months,
            "single_parent" if single else "couple",
            float(s.child_parent_stress[pid] / months), float(s.child_income[pid] / months),
            float(s.child_network[pid] / months), int(s.i[I.COMMUNITY, pid] >= 0), float(s.f[F.STRESS, pid]),
            float(s.f[F.WELLBEING, pid]), float(s.f[F.SECURITY, pid]), float(s.f[F.LIFE_SKILLS, pid]),
            float(s.f[F.ATTACHMENT, pid]), int(s.i[I.EMPLOYED, pid]), float(s.f[F.EARNING, pid]),
        ))


def track_setbacks(model: "VeerkrachtModel", wellbeing_before: np.ndarray) -> None:
    """Start following new setbacks, update those followed, close those at the end of the window."""
    s, p, month = model.state, model.p, model.month
    n = s.n
    if wellbeing_before.size < n:  # persons who arrived this month: their level on arrival
        wellbeing_before = np.concatenate([wellbeing_before, s.f[F.WELLBEING, wellbeing_before.size:n]])
    # scans of whole one-row arrays, then work on the few persons they find (cheap whether the
    # ids of those who left are many or few)
    alive = s.alive_mask()
    followed = s.setback_step[:n] >= 0
    wb = s.f[F.WELLBEING]
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
    if done.size:
        base, after, low = s.setback_base[done], wb[done], s.setback_low[done]
        tol = p.setback_tolerance
        outcome = np.where(after > base + tol, OUTCOME_FORWARD, np.where(after >= base - tol, OUTCOME_BACK, OUTCOME_NOT))
        # never dipped below the band: resisted the setback (recovered at once)
        r = np.where(low >= base - tol, 0, s.setback_recovered[done]).astype(float)
        r[r < 0] = np.nan
        rec.setbacks.extend(zip(done.tolist(), s.setback_step[done].tolist(), s.setback_kind[done].tolist(),
                                base.tolist(), low.tolist(), after.tolist(), r.tolist(), outcome.tolist()))
    s.setback_step[done] = -1
    # start following new setbacks (adults not already followed)
    new = np.flatnonzero(s.events[:n] & SETBACKS)
    new = new[alive[new] & ~followed[new] & (s.i[I.AGE, new] >= 18 * 12)]
    s.setback_step[new] = month
    s.setback_kind[new] = s.events[new] & SETBACKS
    s.setback_base[new] = wellbeing_before[new]
    s.setback_low[new] = wb[new]
    s.setback_recovered[new] = -1


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and standard errors of y on the columns of x (an intercept is added)."""
    X = np.column_stack([np.ones(y.size), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    dof = max(y.size - X.shape[1], 1)
    cov = resid.dot(resid) / dof * np.linalg.pinv(X.T @ X)
    return beta[1:], np.sqrt(np.diag(cov))[1:]


CONTROLS = ("household_material", "network", "community")


def transmission(lineage: pd.DataFrame) -> dict:
    """Parent-to-child stress transmission, overall and by household kind.

    ``slope``: the coefficient of the parents' mean stress during childhood in a
    regression of the child's stress at the lineage age, adjusted for the shared
    material, social and cultural circumstances of childhood (:data:`CONTROLS`: the
    household's mean material resource, the child's mean network quality, membership of a
    community of shared ideals or faith), so that it measures the passing on of stress
    from parent to child (loop 3 of seed 004) rather than shared poverty, isolation or
    community.
    ``slope_raw``: the unadjusted slope.
    """
    out = {}
    groups = {"all": lineage}
    for kind in ("couple", "single_parent"):
        groups[kind] = lineage[lineage["household_kind"] == kind]
    for name, g in groups.items():
        n = len(g)
        if n < 10 or g["parents_stress"].std() == 0:
            out[name] = {"slope": None, "se": None, "slope_raw": None, "se_raw": None, "n": n}
            continue
        y = g["stress"].to_numpy()
        (raw,), (se_raw,) = _ols(y, g[["parents_stress"]].to_numpy())
        coef, ses = _ols(y, g[["parents_stress", *CONTROLS]].to_numpy())
        adj, se = coef[0], ses[0]
        out[name] = {"slope": float(adj), "se": float(se), "slope_raw": float(raw), "se_raw": float(se_raw), "n": n}
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
