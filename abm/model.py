"""The Veerkracht model: a Mesa model whose state lives in arrays.

One step is one month. The step runs, in order:

1. gather the context of every person (household, block, professional, meeting place);
2. :func:`abm.kernels.spread_support`: support and network quality over the ties;
3. :func:`abm.kernels.update_persons`: stocks, life events, help-seeking (loops 1-6);
4. the mental-health queue admits the longest waiting up to its monthly capacity;
5. :func:`abm.kernels.update_ties`: ties decay, contacts form and strengthen ties;
6. blocks: collective efficacy and neighbourhood attachment;
7. professionals: close cases, take on new ones within their catchment;
8. demography: ageing, the life course (school, study, retirement), deaths, births, coming of
   age, leaving home, couples forming and separating, moving out and in (:mod:`abm.demography`);
9. household budgets: income, benefits and their take-up, costs, savings, arrears
   (:func:`abm.kernels.household_budgets`), after the month's job changes, births and
   separations so that they change the budget in the same month; debt counselling admits
   from its queue;
10. outputs: setbacks, lineages and the time series (:mod:`abm.metrics`).

Mesa agents (:mod:`agents`) are views onto the arrays: households on the grid (one per
cell, one agent per household for its life here, kind read from the arrays), facilities
and professionals. ``model.agents``, ``select``, ``groupby`` and a Mesa ``DataCollector``
work as usual; nothing needs syncing except placement on the grid, which goes through
``model.housing`` (:class:`abm.housing.Housing`).

The model records what happened to each person (``state.left_month``, ``state.left_reason``:
died, moved out alone, moved with the household, to care) and answers the views through
its read methods (:meth:`VeerkrachtModel.values`, :meth:`VeerkrachtModel.household_members`,
:meth:`VeerkrachtModel.parents`, :meth:`VeerkrachtModel.children` ...), so a view needs
neither the kernels' layouts nor a copy of a model draw. Interventions are started and
stopped in a running model with :meth:`VeerkrachtModel.start_intervention` and
:meth:`VeerkrachtModel.stop_intervention`.
"""

from __future__ import annotations

from typing import Iterable

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from abm import demography, metrics
from abm.housing import Housing
from abm.interventions import Intervention, Plan, make_shock
from abm.kernels import (
    B, C, F, I, K, Ev, Help, admit_queue, block_sums, contact_groups, gather_context, household_budgets, spread_support,
    spread_support_parallel, update_persons, update_persons_parallel, update_ties, uniform_array, L,
)
from abm.params import Params, check_links, switch_vector
from abm.population import burn_in_limit, household_info, initial_state, meeting_places_for, refit_low_income
from abm.state import NEVER, Departure, ProKind
from agents.households import Household
from agents.places import Facility
from agents.professionals import professional_class

__all__ = ["VeerkrachtModel", "new_seed"]

_D_CASE_CLOSE, _D_CASE_PICK = 60, 61
# what :meth:`VeerkrachtModel.values` reads by name: the person stocks and integer state
_STOCKS = {f.name.lower(): int(f) for f in F}
_INTEGERS = {i.name.lower(): int(i) for i in I}
_RECORDS = ("left_month", "left_reason", "born_step")
# this month's life events by name (:meth:`VeerkrachtModel.life_events`)
_EVENTS = {e.name.lower(): int(e) for e in Ev}


# the rows of each queue's state for admit_queue, as plain ints (numba types an IntEnum argument
# slowly, about 100 microseconds a call)
_GGZ_QUEUE = (int(I.HELP), int(I.WAIT_SINCE), int(I.CARE_MONTHS))
_DEBT_QUEUE = (int(I.DEBT_HELP), int(I.DEBT_WAIT_SINCE), int(I.DEBT_MONTHS))
_YOUTH_QUEUE = (int(I.YOUTH_HELP), int(I.YOUTH_WAIT_SINCE), int(I.YOUTH_MONTHS))
#: the services with a capacity and a queue: name -> (capacity parameter, rows of the queue's state)
SERVICES = {"ggz": ("ggz_capacity", _GGZ_QUEUE), "youth": ("youth_capacity", _YOUTH_QUEUE),
            "debt": ("debt_capacity", _DEBT_QUEUE)}


def new_seed() -> int:
    """A fresh 63-bit seed from the operating system (recorded in every output)."""
    return int(np.random.SeedSequence().entropy % (2**63 - 1))


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))




class VeerkrachtModel(mesa.Model):
    """A deprived neighbourhood over months: residents, households, ties and professionals.

    Args:
        params: the parameters (default: the ``krachtwijk`` defaults of :class:`Params`).
        seed: the run's seed; all randomness flows from it. ``None`` draws one (kept in
            ``model.seed``).
        off: names of causal links to switch off (link ablation).
        parallel: use the multi-threaded builds of the per-person kernels (same results).
        scenario: a name recorded with the outputs.
        plan: interventions and shocks (:func:`abm.interventions.make_plan`); none by default.
    """

    def __init__(
        self,
        params: Params | None = None,
        *,
        seed: int | None = None,
        off: Iterable[str] = (),
        parallel: bool = False,
        scenario: str = "custom",
        plan: Plan | None = None,
    ) -> None:
        seed = new_seed() if seed is None else int(seed)
        if not 0 <= seed < 2**63:
            raise ValueError(f"seed = {seed} is out of range; allowed: 0 to 2**63 - 1")
        super().__init__(rng=seed)
        self.seed = seed
        self.p = params or Params()
        # interventions and shocks change parameters month by month; p_base is the run's own
        self.p_base = self.p
        self._month_changes: dict = {}
        self.plan = plan if plan is not None else Plan()
        self.cost_rows: list[tuple] = []
        self.off = check_links(off)
        self.scenario_name = scenario
        self.pv = self.p.vector()
        self.sw = switch_vector(self.off)
        self._spread = spread_support_parallel if parallel else spread_support
        self._update = update_persons_parallel if parallel else update_persons
        self.state = initial_state(self.p, seed)
        self.plan.check(self.state)
        self.grid = OrthogonalMooreGrid((self.p.grid_width, self.p.grid_height), torus=False,
                                        capacity=1, random=self.random)
        self._cells = [self.grid[(c % self.p.grid_width, c // self.p.grid_width)] for c in range(self.state.n_cells)]
        self.housing = Housing(self.state, self._cells, lambda hh: Household(self, hh))
        self.counters = dict(births=0, deaths=0, arrived=0, left=0)
        # each service's intake places not yet used (at most one month's capacity)
        self._credit = {name: 0.0 for name in SERVICES}
        # the income floor of each household this month (interventions), euros of equivalised income
        self.income_floor = np.zeros(self.state.n_hh)
        # the months waited by those each service admitted this month
        self.admitted: dict[str, list[int]] = {name: [] for name in SERVICES}
        self._make_agents()
        self.recorder = metrics.Recorder(self)
        self.burn_in = self._burn_in()
        self.recorder.record()

    # the adults' stocks whose yearly drift ends the burn-in
    _SETTLING = np.array([F.STRESS, F.WELLBEING, F.SECURITY, F.FUTURE, F.TRUST, F.NAVIGATION, F.MENTAL, F.PHYSICAL,
                          F.SELF_ESTEEM, F.LIFE_SKILLS, F.AGENCY, F.PARTICIPATION, F.SUPPORT, F.NETWORK, F.IDENTITY,
                          F.INCOME, F.DEBT, F.BUFFER, F.HOUSING], dtype=np.int64)

    def _burn_in(self) -> dict:
        """Run the burn-in until the adults' mean stocks stop drifting; returns what it measured.

        The whole model runs (stocks, ties, labour market, budgets, claims, and the demography
        with its selective migration), without outputs; the counters start at zero after it. At the end the households' incomes are fitted once more to the
        scenario's low-income share (:func:`abm.population.refit_low_income`), so that the
        share the model measures at month 0 is the scenario's. At least
        ``burn_in_months`` months; then, year by year, until no mean stock of the adults and no
        share of the age groups (0-19, 20-39, 40-59, 60-79, 80+) moved more than
        ``burn_in_tolerance`` over the last year, or ``burn_in_max`` months. The months are
        then renumbered so that the last burn-in month is month -1.
        """
        p, s = self.p, self.state
        limit = burn_in_limit(p)
        self.month = -limit
        means, ages = [], []
        drift, worst, age_drift = float("nan"), "", float("nan")
        months = 0
        while months < limit and p.burn_in_months > 0:
            self._advance(live=False)
            months += 1
            act = s.active()
            adults = act[s.i[I.AGE, act] >= 18 * 12]
            means.append(s.f[self._SETTLING[:, None], adults].mean(axis=1))
            ages.append(np.bincount(np.minimum(s.i[I.AGE, act] // (20 * 12), 4), minlength=5) / act.size)
            if months >= max(p.burn_in_months, 24) and months % 12 == 0:
                change = np.abs(np.mean(means[-12:], axis=0) - np.mean(means[-24:-12], axis=0))
                drift, worst = float(change.max()), F(int(self._SETTLING[np.argmax(change)])).name.lower()
                age_drift = float(np.abs(np.mean(ages[-12:], axis=0) - np.mean(ages[-24:-12], axis=0)).max())
                if drift <= p.burn_in_tolerance and age_drift <= p.burn_in_tolerance:
                    break
        if months == 0:  # no burn-in: the first budgets, so that month 0 measures them
            self._budgets(self.pv)
        refit_low_income(s, p, self.seed)
        # the last burn-in month's budget once more, on the fitted positions, so that every row of
        # month 0's budget (and the income stocks) agrees with them; no new claims or requests for
        # debt counselling in it, which would move households across the line again
        pv = self.pv.copy()
        pv[[K.p_claim, K.p_debt_seek]] = 0.0
        household_budgets(s.f, s.i, s.m, s.active(), self.household_info(), pv, self.sw, np.zeros(s.n_hh),
                          self.seed, self.month - 1, s.hh_budget[:, : s.n_hh], s.events)
        shift = -self.month
        n = s.n
        for _capacity, (state_row, since_row, _months) in SERVICES.values():
            s.i[since_row, :n][s.i[state_row, :n] == Help.WAITING] += shift
        s.born_step[:n] += shift
        s.youth_care_last[:n][s.youth_care_last[:n] != NEVER] += shift
        s.left_month[:n][s.left_reason[:n] != Departure.PRESENT] += shift
        self.month = 0
        for key in self.counters:
            self.counters[key] = 0
        drift, age_drift = (None if np.isnan(x) else x for x in (drift, age_drift))
        return {"months": months, "drift": drift, "drift_stock": worst or None, "age_drift": age_drift,
                "tolerance": p.burn_in_tolerance, "longest": limit}

    # ---- Mesa agents -------------------------------------------------------------------
    def _make_agents(self) -> None:
        s = self.state
        hhs = s.active_households()
        self.housing.place_new(hhs, s.hh_cell[hhs])
        for k in range(s.fac_cell.size):
            Facility(self, k, self._cells[int(s.fac_cell[k])])
        self.professionals = [professional_class(int(s.pro_kind[k]))(self, k) for k in range(s.pro_kind.size)]

    @property
    def households(self) -> dict[int, object]:
        """The household agents on the grid, by household id (see :class:`abm.housing.Housing`)."""
        return self.housing.agents

    def depart(self, pids, reason: Departure) -> None:
        """Persons ``pids`` leave the neighbourhood this month for ``reason``: recorded and counted."""
        pids = np.asarray(pids, dtype=np.int64)
        self.state.depart(pids, self.month, reason)
        self.counters["deaths" if reason == Departure.DIED else "left"] += int(pids.size)

    # ---- interventions and shocks ------------------------------------------------------
    def set_month_params(self, changes: dict) -> None:
        """This month's parameters: the run's own with ``changes`` (from running interventions)."""
        if changes == self._month_changes:
            return
        self._month_changes = dict(changes)
        self.p = self.p_base.replace(**changes) if changes else self.p_base
        self.pv = self.p.vector()

    def set_base_params(self, params: Params) -> None:
        """The run's own parameters from now on (a change in the browser view), from the next month."""
        changes = self._month_changes
        self.p_base = params
        self._month_changes = None
        self.set_month_params(changes)

    def start_intervention(self, name: str, after: int = 0, **settings) -> Intervention | None:
        """Start intervention ``name`` in the running neighbourhood from this month on (or ``after``
        months from now).

        ``settings`` as in a scenario file (``units``, ``months``, ``effect`` ...; ``start``
        is this month plus ``after``). Nothing happens if it runs then already; returns the
        intervention started, or None. Raises ParameterError for an unknown name or a bad setting.
        """
        return self.plan.start(name, max(self.month, 0) + max(int(after), 0), settings)

    def stop_intervention(self, name: str) -> None:
        """Stop intervention ``name`` now: it ends before the next month (one switched on this month never runs)."""
        self.plan.stop(name, self.month)

    def running_interventions(self) -> list[Intervention]:
        """The interventions running this month, in the order they were started."""
        return self.plan.running(self.month)

    def start_shock(self, name: str, months: int | None = None, severity: float | None = None) -> None:
        """Hit the running neighbourhood with a shock from this month on (the "crisis button")."""
        settings = {"start": max(self.month, 0)}
        if months is not None:
            settings["months"] = months
        if severity is not None:
            settings["severity"] = severity
        self.plan.add_shock(make_shock(name, settings))

    def add_facility(self, cell: int, kind: int) -> int:
        """Open a facility of ``kind`` in dwelling ``cell`` (its household moves); returns its index."""
        s = self.state
        hh = int(s.cell_hh[cell])
        if hh >= 0 and not self.housing.relocate(hh):
            # no empty dwelling: the household moves away
            self.depart(s.members(hh), Departure.MOVED_WITH_HOUSEHOLD)
            self.housing.remove(hh)
        index = s.fac_cell.size
        s.fac_cell = np.append(s.fac_cell, cell)
        s.fac_kind = np.append(s.fac_kind, np.int8(kind))
        s.fac_open = np.append(s.fac_open, np.int8(1))
        s.fac_in_use = np.append(s.fac_in_use, np.int8(1))
        s.cell_kind[cell] = kind
        Facility(self, index, self._cells[cell])
        self.reassign_meeting_places()
        return index

    def close_facility(self, index: int) -> None:
        """Close facility ``index`` for good (its intervention ended); residents go elsewhere."""
        s = self.state
        s.fac_open[index] = 0
        s.fac_in_use[index] = 0
        self.reassign_meeting_places()

    def reassign_meeting_places(self) -> None:
        """Every resident goes to the nearest meeting place in use within reach of home."""
        s = self.state
        act = s.active()
        reach = self.p.block_size + self.p.block_size // 2
        s.i[I.MEETING, act] = meeting_places_for(s, s.hh_cell[s.i[I.HOUSEHOLD, act]], reach)

    def add_professional(self, kind: int, cell: int) -> int:
        """A new professional of ``kind`` working from ``cell``; returns its index."""
        s, p = self.state, self.p_base
        capacity = {ProKind.SOCIAL_WORKER: p.caseload_social_worker, ProKind.POLICE: p.caseload_police,
                    ProKind.COMMUNITY_BUILDER: p.caseload_builder, ProKind.EXPERIENCE_EXPERT: p.caseload_expert}[kind]
        index = s.pro_kind.size
        s.pro_kind = np.append(s.pro_kind, np.int8(kind))
        s.pro_cell = np.append(s.pro_cell, np.int64(cell))
        s.pro_capacity = np.append(s.pro_capacity, np.int64(capacity))
        self.professionals.append(professional_class(int(kind))(self, index))
        return index

    def retire_professional(self, index: int) -> None:
        """Professional ``index`` stops (its intervention ended): no capacity, cases released."""
        s = self.state
        s.pro_capacity[index] = 0
        s.i[I.PRO, : s.n][s.i[I.PRO, : s.n] == index] = -1

    # ---- the step ----------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month and record its outputs."""
        self._advance(live=True)
        self.recorder.record()

    def _advance(self, live: bool) -> None:
        """One month. During burn-in (``live=False``) nothing is recorded."""
        plan = self.plan
        if plan:
            plan.begin_month(self)
        s, pv, sw, month = self.state, self.pv, self.sw, self.month
        act = s.active()
        self._gather(act)
        # minors living in a household that gets parenting support and youth care this month
        minors_helped = act[(s.ctx[C.HH_YOUTH_CARE, act] > 0.5) & (s.i[I.AGE, act] < 18 * 12)]
        s.youth_care_last[minors_helped] = month
        if plan:
            plan.adjust_context(self)
        self._spread(s.f, s.i, s.tie_other, s.tie_w, s.tie_type, act, pv, sw, s.ctx)
        wellbeing_before = s.f[F.WELLBEING].copy()
        self._update(s.f, s.i, s.ctx, act, pv, sw, self.seed, month, s.events)
        if plan:
            plan.after_update(self)
            if live:
                self.cost_rows += [(month, *row) for row in plan.costs(month)]
        self._admit_queue(act)
        self._ties(act)
        alive, age = s.alive_mask(), s.i[I.AGE, : s.n]
        adults = np.flatnonzero(alive & (age >= 18 * 12))
        self._blocks(adults)
        self._professionals(adults)
        if live:
            metrics.accumulate_childhood(self, act)
        demography.step(self)
        self._budgets(pv)
        if live:
            metrics.track_setbacks(self, wellbeing_before)
        self.month += 1

    # ---- parts of the step ---------------------------------------------------------------
    def _gather(self, act: np.ndarray) -> None:
        """Fill ``state.ctx`` for the active persons from households, blocks and professionals."""
        s = self.state
        gather_context(s.f, s.i, act, self.household_info(),
                       np.vstack([s.block_efficacy, s.block_attachment, s.block_nuisance, s.block_housing]),
                       self.professional_info(), s.fac_open, s.ctx)

    def household_info(self) -> np.ndarray:
        """int64[3, n_households]: kind, social housing, block (-1 for households gone)."""
        return household_info(self.state)

    def _budgets(self, pv: np.ndarray) -> None:
        """This month's household budgets (after the month's changes), then debt counselling admits."""
        s = self.state
        act = s.active()
        nh = s.n_hh
        if self.income_floor.size < nh:
            self.income_floor = np.concatenate([self.income_floor, np.zeros(nh - self.income_floor.size)])
        household_budgets(s.f, s.i, s.m, act, self.household_info(), pv, self.sw, self.income_floor[:nh], self.seed,
                          self.month, s.hh_budget[:, :nh], s.events)
        self.income_floor[:] = 0.0
        self._admit("debt", act)

    def professional_info(self) -> np.ndarray:
        """float64[2, n_pro]: effectiveness and 1 for community builders."""
        s = self.state
        return np.vstack([self.pro_effectiveness(), (s.pro_kind == ProKind.COMMUNITY_BUILDER).astype(float)])

    def pro_effectiveness(self) -> np.ndarray:
        """Effectiveness in [0, 1] of each professional: bureaucracy and competition lower it."""
        p, sw = self.p, self.sw
        x = (p.bias_effectiveness
             - p.bureaucracy_effectiveness * sw[L.bureaucracy_effectiveness] * (p.bureaucracy - 0.5)
             - p.competition_effectiveness * sw[L.competition_effectiveness] * (p.competition - 0.5))
        return np.full(self.state.pro_kind.size, _sig(x))

    def _admit_queue(self, act: np.ndarray) -> None:
        """Mental-health care and parenting support and youth care admit the longest waiting, up to their capacity."""
        self._admit("ggz", act)
        self._admit("youth", act)

    def _admit(self, service: str, act: np.ndarray) -> None:
        """Service ``service`` (:data:`SERVICES`) admits the longest waiting, up to its monthly capacity per 1,000 residents."""
        capacity_param, rows = SERVICES[service]
        capacity = getattr(self.p, capacity_param) * act.size / 1000.0
        credit = self._credit[service] + capacity
        admitted, waited = admit_queue(self.state.i, act, int(credit), self.month, *rows)
        # unused places do not pile up beyond one month's capacity
        self._credit[service] = min(credit - admitted.size, capacity)
        self.admitted[service] = waited.tolist()

    @property
    def admitted_waits(self) -> list[int]:
        """Months waited by those mental-health care admitted this month."""
        return self.admitted["ggz"]

    @property
    def debt_admitted_waits(self) -> list[int]:
        """Months waited by those debt counselling admitted this month."""
        return self.admitted["debt"]

    def _contact_groups(self, act: np.ndarray):
        """CSR of contact groups for :func:`update_ties` (see :func:`abm.kernels.contact_groups`)."""
        s = self.state
        return contact_groups(s.i, s.events, s.fac_open, act, s.n_hh, s.fac_cell.size, self.p.n_communities)

    def kernel_inputs(self) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """(active persons, contact groups) of this month as the step makes them for the kernels.

        Gathers the persons' context into ``state.ctx`` first, as the step does; the groups
        are the CSR ``(start, members, base, flags)`` of :func:`update_ties`. For calling the
        kernels outside the step (the benchmark).
        """
        act = self.state.active()
        self._gather(act)
        return act, self._contact_groups(act)

    def _ties(self, act: np.ndarray) -> None:
        s = self.state
        g_start, g_members, g_base, g_flags = self._contact_groups(act)
        update_ties(s.f, s.i, s.tie_other, s.tie_w, s.tie_type, act, s.hh_cell, s.cell_hh,
                    np.array([s.grid_w, s.grid_h], dtype=np.int64), g_start, g_members, g_base, g_flags,
                    self.pv, self.sw, self.seed, self.month)

    def _blocks(self, adults: np.ndarray) -> None:
        """Collective efficacy, neighbourhood attachment and nuisance of each block (loop 6, buurtgevoel).

        Block conditions act as the literature on neighbourhood effects describes (Sampson,
        Raudenbush and Earls 1997): concentrated disadvantage (the share of adults in a
        low-income household) and residential instability (turnover) lower collective
        efficacy directly, not only through attachment; collective efficacy keeps nuisance
        and unsafety down, concentrated low income raises it. A mixed housing stock (social
        rent beside owner-occupied homes) raises attachment (seed 004, section 6).
        """
        s, p, sw = self.state, self.p, self.sw
        f, iv = s.f, s.i
        nb = s.n_blocks
        a = adults
        # per block, in one pass over the adults: their participation, support, the share in a
        # low-income household and the share in social rent (abm.kernels.block_sums)
        _, part, support, low, social = block_sums(f, iv, a, s.hh_cell, s.cell_block, s.hh_budget[B.LOW], s.hh_social, nb)
        # tenure mix: 1 for half social rent and half owner-occupied, 0 for one kind only
        mix = 4.0 * social * (1.0 - social)
        x = (p.bias_block_attachment
             - p.turnover_attachment * sw[L.turnover_attachment] * (s.block_turnover - p.turnover_reference)
             - p.lowincome_attachment * sw[L.lowincome_attachment] * (low - 0.5)
             - p.media_attachment * sw[L.media_attachment] * (p.negative_media - 0.5)
             - p.polarisation_attachment * sw[L.polarisation_attachment] * (p.polarisation - 0.5)
             + p.mix_attachment * sw[L.mix_attachment] * (mix - 0.5))
        s.block_attachment += p.rate_block * (_sig(x) - s.block_attachment)
        x = (p.bias_efficacy
             + p.participation_efficacy * sw[L.participation_efficacy] * (part - 0.5)
             + p.support_efficacy * sw[L.support_efficacy] * (support - 0.5)
             + p.attachment_efficacy * sw[L.attachment_efficacy] * (s.block_attachment - 0.5)
             - p.disadvantage_efficacy * sw[L.disadvantage_efficacy] * (low - p.concentration_reference)
             - p.instability_efficacy * sw[L.instability_efficacy] * (s.block_turnover - p.turnover_reference))
        s.block_efficacy += p.rate_block * (_sig(x) - s.block_efficacy)
        level = min(max(p.nuisance, 0.01), 0.99)
        x = (np.log(level / (1.0 - level))
             - p.efficacy_nuisance * sw[L.efficacy_nuisance] * (s.block_efficacy - 0.5)
             + p.disadvantage_nuisance * sw[L.disadvantage_nuisance] * (low - p.concentration_reference))
        s.block_nuisance += p.rate_block * (_sig(x) - s.block_nuisance)

    def _professionals(self, adults: np.ndarray) -> None:
        """Each professional closes cases without need and takes on new ones in the catchment.

        Who a professional looks for depends on the kind: social workers the highest need,
        experience experts the care avoiders (need with low trust), community builders
        those who take little part, the wijkagent the most stressed.
        """
        s, p = self.state, self.p
        f, iv = s.f, s.i
        if s.pro_kind.size == 0:
            return
        need = (s.events[adults] & Ev.NEED) != 0
        cases = iv[I.PRO, adults]
        # close cases without need (draws keyed by person: the same whoever else is drawn)
        open_ = np.flatnonzero((cases >= 0) & ~need)
        u_close = uniform_array(self.seed, self.month, s.key(adults[open_]), _D_CASE_CLOSE)
        closing = open_[u_close < p.p_case_close]
        iv[I.PRO, adults[closing]] = -1
        cases[closing] = -1
        free = s.pro_capacity - np.bincount(cases[cases >= 0], minlength=s.pro_kind.size)
        if not (free > 0).any():
            return
        pool = np.flatnonzero(cases < 0)  # adults without a professional
        who = adults[pool]
        cell = s.hh_cell[iv[I.HOUSEHOLD, who]]
        x, y = cell % s.grid_w, cell // s.grid_w
        # only those within reach of a professional with room (the draws are keyed by person: the same)
        near = s.within_reach(s.pro_cell[free > 0], int(p.catchment_radius))[cell]
        pool, who, x, y = pool[near], who[near], x[near], y[near]
        tiebreak = uniform_array(self.seed, self.month, s.key(who), _D_CASE_PICK) * 1e-3
        taken = np.zeros(pool.size, dtype=bool)
        for k in np.flatnonzero(free > 0):
            px, py = s.pro_cell[k] % s.grid_w, s.pro_cell[k] // s.grid_w
            cand = ~taken & (np.maximum(np.abs(x - px), np.abs(y - py)) <= p.catchment_radius)
            kind = s.pro_kind[k]
            if kind == ProKind.SOCIAL_WORKER:
                cand &= need[pool]
                score = 1.0 + f[F.MENTAL, who]
            elif kind == ProKind.EXPERIENCE_EXPERT:
                cand &= need[pool]
                score = 1.0 - f[F.TRUST, who]
            elif kind == ProKind.COMMUNITY_BUILDER:
                score = 1.0 - f[F.PARTICIPATION, who]
            else:
                score = f[F.STRESS, who]
            idx = np.flatnonzero(cand)
            if idx.size == 0:
                continue
            pick = idx[np.argsort(-(score[idx] + tiebreak[idx]), kind="stable")[: int(free[k])]]
            iv[I.PRO, who[pick]] = k
            taken[pick] = True

    # ---- results -----------------------------------------------------------------------
    def run(self, steps: int, progress=None) -> None:
        """Run ``steps`` months (``progress`` is called with 1 after each)."""
        for _ in range(steps):
            self.step()
            if progress is not None:
                progress(1)

    def results(self) -> dict:
        """The run's tables: ``timeseries``, ``blocks``, ``setbacks``, ``lineage`` (pandas)."""
        return self.recorder.tables()

    def summary(self) -> dict:
        """Headline figures: transmission coefficients, resilience, final means."""
        return metrics.summarise(self)

    # ---- reading: what views and analyses ask (copies; nothing here changes the model) --------
    def cell_index(self, cell) -> int:
        x, y = cell.coordinate
        return y * self.p.grid_width + x

    @property
    def next_person_id(self) -> int:
        """The id the next new person gets: persons are numbered in order and never renumbered."""
        return self.state.n

    @property
    def n_household_ids(self) -> int:
        """Households ever formed here (ids 0 to this minus one), present or not."""
        return self.state.n_hh

    def present(self) -> np.ndarray:
        """int64 ids of the persons present, ascending."""
        return self.state.active().copy()

    def present_households(self) -> np.ndarray:
        """int64 ids of the households living here, ascending."""
        return self.state.active_households()

    def values(self, name: str, ids=None) -> np.ndarray:
        """One attribute of persons ``ids`` (default: those present), by name.

        A stock in [0, 1] (``stress``, ``parenting``, ``life_skills`` ... as in
        :class:`abm.kernels.F`), an integer of the person state (``alive``, ``age`` in months,
        ``sex``, ``household``, ``mother``, ``father``, ``role``, ``pro`` ... as in
        :class:`abm.kernels.I`), or a record: ``left_month`` (-1 while present),
        ``left_reason`` (:class:`abm.state.Departure`), ``born_step``. Raises KeyError for
        another name.
        """
        s = self.state
        ids = s.active() if ids is None else np.asarray(ids, dtype=np.int64)
        if name in _STOCKS:
            return s.f[_STOCKS[name], ids]
        if name in _INTEGERS:
            return s.i[_INTEGERS[name], ids]
        if name in _RECORDS:
            return getattr(s, name)[ids]
        raise KeyError(f"unknown person attribute {name!r}; allowed: {', '.join([*_STOCKS, *_INTEGERS, *_RECORDS])}")

    def household_members(self, hh: int) -> np.ndarray:
        """int64 ids of the persons living in household ``hh``, ascending (empty once it is gone)."""
        return self.state.members(int(hh))

    def household_kinds(self, hhs) -> np.ndarray:
        """The :class:`abm.state.HouseholdKind` of each household in ``hhs`` (int8; the last kind if gone)."""
        return self.state.hh_kind[np.asarray(hhs, dtype=np.int64)]

    def parents(self, pid: int) -> tuple[int, int]:
        """(mother, father) of person ``pid``; -1 for one not known here."""
        s = self.state
        return int(s.i[I.MOTHER, pid]), int(s.i[I.FATHER, pid])

    def children(self, pid: int) -> np.ndarray:
        """int64 ids of every child of person ``pid`` known here (present or not), ascending."""
        s = self.state
        n = s.n
        return np.flatnonzero((s.i[I.MOTHER, :n] == pid) | (s.i[I.FATHER, :n] == pid)).astype(np.int64)

    def life_events(self, pid: int) -> frozenset[str]:
        """What happened to person ``pid`` this month: names of :class:`abm.kernels.Ev` (``job_loss``, ``separation`` ...)."""
        mask = int(self.state.events[pid])
        return frozenset(name for name, bit in _EVENTS.items() if mask & bit)

    def professional_kind(self, index: int) -> ProKind:
        """The kind of professional ``index``."""
        return ProKind(int(self.state.pro_kind[index]))
