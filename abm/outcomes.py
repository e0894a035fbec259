"""The outcomes of a run, declared once: what each is, how it reads and how it is computed.

An outcome is one number a finished run gives (as EMA workbench's ``ScalarOutcome``): its
name, a label in English and Dutch, its unit, which direction is better for the residents,
whether it is a headline, and a function computing it from the run. Every list of outcomes
is read from :data:`OUTCOMES`:

* tasks, sweeps, comparisons and analyses compute and check outcomes by name
  (:mod:`experiments.tasks`);
* ``run.py outcomes`` lists them with their description;
* a comparison's verdict (better, worse, unclear, neutral) follows :attr:`Outcome.better`,
  and its table and plots put the :data:`HEADLINE` outcomes first;
* the plots of policy effects leave out the outcomes that are not about residents
  (:attr:`Outcome.resident`: a cost, a head count);
* a run's ``summary.json`` compares the :data:`BEFORE_AFTER` outcomes before and after
  its first intervention starts (:func:`abm.metrics.intervention_summary`);
* the batch page shows the headline outcomes of a comparison and of a run.

The outcomes are declared in the module's model layer (not in ``experiments``) because the
model's own summary reads the list. A new outcome: a column of the time series or a figure
of the summary (:mod:`abm.metrics`), then one entry below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BEFORE_AFTER", "BETTER", "COST", "HEADLINE", "LAST_MONTHS", "NOT_RESIDENT", "OUTCOMES", "Outcome",
    "TRANSMISSION", "better", "direction",
]

# outcomes taken from the time series are averaged over the last LAST_MONTHS months of the run
LAST_MONTHS = 12
BETTER = ("lower", "higher", "none")  # "none": neither better nor worse in itself
_DIRECTION = {"lower": "lower is better", "higher": "higher is better", "none": "neither better nor worse"}
_WINDOW = {"en": "mean of the last {n} months", "nl": "gemiddelde van de laatste {n} maanden"}


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run.

    Attributes:
        name: the name in tasks, sweep files, result tables and ``--outcomes``.
        label_en, label_nl: what it is, in English and in Dutch.
        unit: its unit (``0-1`` for a stock, ``share of ...`` for a share).
        better: ``"lower"`` or ``"higher"`` (which is better for the residents), or
            ``"none"`` (neither in itself: the middle Rotterdam category fills from below
            and empties upwards; a head count).
        get: ``get(model, tables, summary) -> float`` computes it from a finished run
            (``tables``: :meth:`~abm.model.VeerkrachtModel.results`, ``summary``:
            :meth:`~abm.model.VeerkrachtModel.summary`); NaN when the run cannot measure it.
        window: months of the time series it is the mean of (0: a figure of the whole run).
        headline: its place among the headline outcomes (1 first); 0 if not a headline.
        resident: about the residents (False: a cost or a count, left out of effect plots).
        before_after: in the before/after table of a run's interventions (``summary.json``).
    """

    name: str
    label_en: str
    label_nl: str
    unit: str
    better: Literal["lower", "higher", "none"]
    get: Callable
    window: int = 0
    headline: int = 0
    resident: bool = True
    before_after: bool = False

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"nl"``)."""
        return self.label_nl if lang == "nl" else self.label_en

    def description(self, lang: str = "en") -> str:
        """The label, with the months it is averaged over (as ``run.py outcomes`` lists it)."""
        window = f", {_WINDOW['nl' if lang == 'nl' else 'en'].format(n=self.window)}" if self.window else ""
        return self.label(lang) + window


def _series(name: str, label_en: str, label_nl: str, unit: str, better: str, **flags) -> Outcome:
    """An outcome that is the mean of a time-series column over the last :data:`LAST_MONTHS` months."""
    def get(model, tables, summary) -> float:
        return float(tables["timeseries"][name].tail(LAST_MONTHS).mean())

    return Outcome(name, label_en, label_nl, unit, better, get, window=LAST_MONTHS, **flags)


def _transmission(kind: str) -> Callable:
    def get(model, tables, summary) -> float:
        slope = summary["transmission"][kind]["slope"]
        return float("nan") if slope is None else float(slope)
    return get


def _resilience(key: str) -> Callable:
    def get(model, tables, summary) -> float:
        value = summary["resilience"][key]
        return float("nan") if value is None else float(value)
    return get


def _cost_total(model, tables, summary) -> float:
    costs = tables.get("costs")
    return 0.0 if costs is None or costs.empty else float(costs["cost"].sum())


def _persons(model, tables, summary) -> float:
    return float(tables["timeseries"]["persons"].iloc[-1])


_SLOPE = "child's stress per unit of parents' stress"
_ALL: tuple[Outcome, ...] = (
    _series("stress_mean", "mean chronic stress of adults", "gemiddelde chronische stress van volwassenen", "0-1",
            "lower", headline=1, before_after=True),
    _series("wellbeing_mean", "mean wellbeing of adults", "gemiddeld welbevinden van volwassenen", "0-1", "higher",
            headline=2, before_after=True),
    _series("security_mean", "mean existential security of adults", "gemiddelde bestaanszekerheid van volwassenen",
            "0-1", "higher", headline=3, before_after=True),
    _series("share_strong", "share socially strong (Rotterdam category)",
            "aandeel sociaal sterk (Rotterdamse categorie)", "share of adults", "higher", before_after=True),
    _series("share_vulnerable", "share socially vulnerable", "aandeel sociaal kwetsbaar", "share of adults", "none"),
    _series("share_decliner", "share survivors/decliners", "aandeel overlevers en afglijders", "share of adults",
            "lower", headline=4, before_after=True),
    _series("participation_rate", "share of adults taking part this month",
            "aandeel volwassenen dat deze maand meedoet", "share of adults", "higher", headline=7,
            before_after=True),
    _series("trust_mean", "mean trust in institutions", "gemiddeld vertrouwen in instanties", "0-1", "higher",
            headline=5, before_after=True),
    _series("help_reach", "share of those in need who get help", "aandeel van wie hulp nodig heeft dat hulp krijgt",
            "share of those in need", "higher", headline=6, before_after=True),
    _series("non_take_up", "share of those in need without help",
            "aandeel van wie hulp nodig heeft dat geen hulp krijgt", "share of those in need", "lower",
            before_after=True),
    _series("wait_months_mean", "mean waiting time of those admitted to mental-health care",
            "gemiddelde wachttijd van wie in de ggz wordt opgenomen", "months", "lower"),
    _series("share_isolated", "share of adults without ties outside the household",
            "aandeel volwassenen zonder banden buiten het huishouden", "share of adults", "lower", headline=8,
            before_after=True),
    _series("share_bridging", "share of ties that bridge", "aandeel overbruggende banden", "share of ties", "higher"),
    _series("efficacy_mean", "mean collective efficacy of the blocks", "gemiddelde collectieve redzaamheid van de buurten",
            "0-1", "higher"),
    _series("attachment_mean", "mean neighbourhood attachment of the blocks",
            "gemiddelde verbondenheid met de buurt", "0-1", "higher"),
    _series("gini_material", "Gini of the material resource", "Gini-coëfficiënt van de materiële hulpbron", "0-1",
            "lower", before_after=True),
    _series("employment_rate", "employment rate (employed among residents 15-74, as CBS counts net participation)",
            "arbeidsparticipatie (werkenden onder bewoners van 15-74, netto zoals CBS)", "share of residents 15-74",
            "higher", before_after=True),
    _series("chronic_stress_share", "share of adults with chronic stress above 0.6",
            "aandeel volwassenen met chronische stress boven 0,6", "share of adults", "lower"),
    _series("low_income", "share of households below the low-income line (CBS-style, equivalised)",
            "aandeel huishoudens onder de lage-inkomensgrens (zoals CBS, gestandaardiseerd)", "share of households",
            "lower", before_after=True),
    _series("low_income_single_parent", "share of single-parent households below the low-income line",
            "aandeel eenoudergezinnen onder de lage-inkomensgrens", "share of single-parent households", "lower"),
    _series("children_low_income", "share of minors in households below the low-income line",
            "aandeel minderjarigen in huishoudens onder de lage-inkomensgrens", "share of minors", "lower"),
    _series("mhi5_unhealthy", "share of residents 12+ psychologically unhealthy (MHI-5 below 60)",
            "aandeel bewoners van 12+ psychisch ongezond (MHI-5 onder 60)", "share of residents 12+", "lower",
            before_after=True),
    _series("mental_disorder", "share of adults 18-64 with a mental disorder", "aandeel volwassenen 18-64 met een psychische aandoening",
            "share of adults 18-64", "lower"),
    _series("mental_disorder_unemployed", "the same among adults 18-64 out of work",
            "hetzelfde onder volwassenen 18-64 zonder werk", "share of adults 18-64 out of work", "lower"),
    _series("assistance_receipt", "share of households receiving social assistance", "aandeel huishoudens in de bijstand",
            "share of households", "none"),
    _series("assistance_non_take_up", "share of the households eligible for social assistance that do not claim it",
            "aandeel rechthebbende huishoudens dat geen bijstand aanvraagt", "share of eligible households", "lower",
            before_after=True),
    _series("problem_debt", "share of households with problematic debts", "aandeel huishoudens met problematische schulden",
            "share of households", "lower", before_after=True),
    _series("ends_meet_difficulty", "share of households with difficulty making ends meet",
            "aandeel huishoudens dat moeilijk rondkomt", "share of households", "lower", before_after=True),
    _series("unemployment_rate", "unemployment rate (job seekers in the labour force 15-74)",
            "werkloosheid (werkzoekenden in de beroepsbevolking 15-74)", "share of the labour force", "lower"),
    _series("share_under_20", "share of residents under 20", "aandeel bewoners jonger dan 20", "share of persons", "none"),
    _series("share_65_plus", "share of residents 65 and over", "aandeel bewoners van 65 en ouder", "share of persons", "none"),
    _series("moved_in_rate", "residents moving in per year, as a share of residents",
            "bewoners die per jaar de wijk in trekken, als aandeel van de bewoners", "per year", "none"),
    _series("moved_out_rate", "residents moving out per year, as a share of residents",
            "bewoners die per jaar de wijk verlaten, als aandeel van de bewoners", "per year", "none"),
    _series("debt_wait_months_mean", "mean waiting time of those admitted to debt counselling",
            "gemiddelde wachttijd van wie in de schuldhulp wordt opgenomen", "months", "lower"),
    _series("wait_weeks_ggz", "waiting time of those admitted to mental-health care",
            "wachttijd van wie in de ggz wordt opgenomen", "weeks", "lower", before_after=True),
    _series("wait_weeks_youth", "waiting time of those admitted to parenting support and youth care",
            "wachttijd van wie opvoedondersteuning of jeugdhulp krijgt", "weeks", "lower"),
    _series("wait_weeks_debt", "waiting time of those admitted to debt counselling",
            "wachttijd van wie in de schuldhulp wordt opgenomen, in weken", "weeks", "lower"),
    _series("youth_care", "share of minors whose household had parenting support or youth care in the last 12 months",
            "aandeel minderjarigen met opvoedondersteuning of jeugdhulp in het gezin in de afgelopen 12 maanden",
            "share of minors", "none"),
    Outcome("transmission", "parent-to-child stress transmission (adjusted slope), all",
            "overdracht van stress van ouder op kind (gecorrigeerde helling), allen", _SLOPE, "lower",
            _transmission("all"), headline=9),
    Outcome("transmission_single_parent", "transmission in single-parent households", "overdracht in eenoudergezinnen",
            _SLOPE, "lower", _transmission("single_parent")),
    Outcome("transmission_couple", "transmission in couple households", "overdracht in gezinnen met twee ouders",
            _SLOPE, "lower", _transmission("couple")),
    Outcome("bounce_forward", "share of setbacks ending above the course of matched adults without a setback",
            "aandeel tegenslagen dat eindigt boven het verloop bij vergelijkbare volwassenen zonder tegenslag",
            "share of setbacks", "higher",
            _resilience("bounce_forward")),
    Outcome("not_recovered", "share of setbacks ending below the course of matched adults without a setback",
            "aandeel tegenslagen dat eindigt onder het verloop bij vergelijkbare volwassenen zonder tegenslag",
            "share of setbacks", "lower",
            _resilience("not_recovered")),
    Outcome("cost_total", "total cost of the interventions over the run (EUR)",
            "totale kosten van de interventies over de run (EUR)", "EUR", "lower", _cost_total, resident=False),
    Outcome("persons", "residents at the end", "bewoners aan het eind", "persons", "none", _persons,
            resident=False),
)

OUTCOMES: dict[str, Outcome] = {o.name: o for o in _ALL}
# the outcomes a reader looks at first (a comparison's table and plots, the batch page), in their order
HEADLINE: tuple[str, ...] = tuple(o.name for o in sorted((o for o in _ALL if o.headline), key=lambda o: o.headline))
# outcomes that are not about residents: a cost, a head count
NOT_RESIDENT: tuple[str, ...] = tuple(o.name for o in _ALL if not o.resident)
BEFORE_AFTER: tuple[str, ...] = tuple(o.name for o in _ALL if o.before_after)
COST = "cost_total"  # the cost of a run's interventions (cost-effect plots)
# the transmission coefficient: all families, single parents, couples (the transmission plots)
TRANSMISSION: tuple[str, ...] = ("transmission", "transmission_single_parent", "transmission_couple")


def better(name: str) -> str:
    """``"lower"``, ``"higher"`` or ``"none"`` for outcome ``name`` (a name not declared here: ``"higher"``)."""
    o = OUTCOMES.get(name)
    return o.better if o is not None else "higher"


def direction(name: str) -> str:
    """How to read an outcome: 'lower is better', 'higher is better' or 'neither better nor worse'."""
    return _DIRECTION[better(name)]
