"""The parameter schema of the model, declared once.

Every parameter is a field of the frozen dataclass :class:`Params` with its default,
range, unit, label (English, and Dutch as ``label_nl``), group and source in the field
metadata. The command line, the scenario files, the sliders (in both languages), the
sweeps, the parameter table in ``docs/ODD.md`` and the kernels' parameter index (``K`` and
``L`` in :mod:`abm.kernels`, see :mod:`abm.codegen`) are all generated from it.

Causal links (the arrows of the TNO system model, seed ``004_c2b508ef143d09a6.txt``) are
parameters too: the field is the link's strength, and the same name switches the link
off (``--off NAME``). The kernels read the strengths through :func:`Params.vector` and the
switches through :func:`switch_vector`.

Sources are cited by seed file name (see ``shared/seeds/README.md``), by study, or as
"assumption" with the reason.

The run settings (months and seed) are not parameters of the neighbourhood; they are
declared and checked once too, in :class:`RunSettings`. Every bounded number anywhere
(parameters, run settings, counts, settings of interventions, sweep entries) is checked by
:func:`check_number`, and every "did you mean" comes from :func:`close_matches_hint`.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import math
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping

import numpy as np

from abm.kernels import K, L, N_K, N_L

S000 = "seed 000_ec0162dc2bd15f34.txt"
S001 = "seed 001_b5e28110220da24e.txt"
S002 = "seed 002_f666f2acb3d94fe5.txt"
S003 = "seed 003_5833de641c769f91.txt"
S004 = "seed 004_c2b508ef143d09a6.txt"
SNE = ("Sampson, Raudenbush and Earls (1997), Science 277: concentrated disadvantage and residential "
       "instability lower collective efficacy")
DEFAULT_STEPS = 480  # months in a run (40 years)
STEPS_MAX = 100_000  # months in one run
SEED_MAX = 2**63 - 1  # seeds are 63-bit
CAL = "assumption: calibrated so an average resident of the krachtwijk preset sits near the middle of the scale"
MID = "assumption: the middle of the scale; the burn-in lets each stock settle towards its target"
MID_ADULT = "assumption: adults not on a low income manage (lower debt, higher income and earning capacity)"
LOW = f"{S004}: low income goes with less income adequacy and buffer and more debt; assumption for the level"


#: The units of the schema in Dutch (the browser view shows them); a test checks every unit has one.
UNIT_NL: dict[str, str] = {
    "0-1": "0-1",
    "0/1": "0/1",
    "logit per unit of yearly turnover": "logit per eenheid jaarlijks verloop",
    "share of recovery capacity lost at a full scar": "deel van het herstelvermogen dat een volledig litteken kost",
    "cells": "cellen",
    "children": "kinderen",
    "count": "aantal",
    "earning capacity": "verdienvermogen",
    "intakes per 1000 residents per month": "intakes per 1000 bewoners per maand",
    "log per year": "log per jaar",
    "logit": "logit",
    "months": "maanden",
    "odds ratio": "oddsratio",
    "per month": "per maand",
    "per month at full capacity": "per maand bij volle draagkracht",
    "per month at full income": "per maand bij volledig inkomen",
    "per year": "per jaar",
    "per year of age": "per levensjaar",
    "persons": "personen",
    "probability": "kans",
    "share of adults": "aandeel volwassenen",
    "share of adults 18-66": "aandeel volwassenen 18-66",
    "share of dwellings": "aandeel woningen",
    "share of families": "aandeel gezinnen",
    "share of households": "aandeel huishoudens",
    "share of persons": "aandeel personen",
    "share of room": "deel van de resterende ruimte",
    "share of trust": "deel van het vertrouwen",
    "tie weight": "contactsterkte",
    "ties": "contacten",
    "weight": "sterkte",
    "wellbeing": "welbevinden",
    "years": "jaren",
    "multiplier": "factor",
    "score": "score",
    "euros": "euro",
    "euros per month": "euro per maand",
    "share of wage": "deel van het loon",
    "share of full time": "deel van voltijd",
    "share of surplus": "deel van het overschot",
    "share of the low-income line": "deel van de lage-inkomensgrens",
    "share": "aandeel",
    "power": "macht",
    "logit per log": "logit per log",
    "logit per year of age": "logit per levensjaar",
    "logit per unit": "logit per eenheid",
}

#: The groups of the schema in Dutch.
GROUP_NL: dict[str, str] = {
    "space": "de wijk als ruimte",
    "population": "bevolking bij de start",
    "demography": "geboorte, sterfte en verhuizing",
    "outputs": "uitkomsten meten",
    "professionals": "professionals",
    "rates": "tempo van verandering",
    "baselines": "uitgangsniveaus",
    "styles": "burgerschapsstijlen",
    "events": "ingrijpende gebeurtenissen",
    "help": "hulp en zorg",
    "levels": "druk en klimaat in de samenleving",
    "network": "sociaal netwerk",
    "initial": "startwaarden van de voorraden",
    "life course": "levensloop: school, studie, werk, pensioen",
    "economy": "huishoudboekje: inkomen, uitkeringen, vaste lasten, schulden",
}


class ParameterError(ValueError):
    """A parameter name, value or combination that the schema does not allow.

    ``str(e)`` is the one English line the command line prints. Where the check knows what
    was wrong, ``e.why`` names it and ``e.values`` holds the facts, so that the browser view
    can say it in Dutch (:func:`viz.i18n.error_nl`): ``range``, ``not_number``,
    ``not_finite``, ``not_whole`` (``name``, ``value``, ``lo``, ``hi``, ``unit``), ``styles``
    (``total``), ``households`` (``total``), ``grid`` (``name``, ``value``, ``block``),
    ``thresholds`` (``low``, ``high``).
    """

    why: str | None = None
    values: dict = {}


def _explained(error: Exception, why: str, **values) -> Exception:
    """``error`` with what was wrong attached (see :class:`ParameterError`)."""
    error.why, error.values = why, values
    return error


def par(default, lo, hi, unit, label, source, group, *, label_nl: str, kind: str = "param"):
    """A schema field: default, inclusive range [lo, hi], unit, label (English and Dutch), source and group.

    The unit and group are shown in Dutch through :data:`UNIT_NL` and :data:`GROUP_NL`.
    """
    return field(
        default=default,
        metadata=dict(lo=lo, hi=hi, unit=unit, label=label, label_nl=label_nl, source=source, group=group,
                      kind=kind),
    )


def link(default, hi, loop, sign, label, source, unit="logit per unit"):
    """A causal link: its strength (>= 0) and the same name as its on/off switch.

    ``sign`` is the direction of the effect (+ or -) and ``loop`` the feedback loop of the
    TNO system model it belongs to ("1" to "6", or "other").
    """
    md = dict(lo=0.0, hi=hi, unit=unit, label=label, source=source, group=f"link: loop {loop}",
              kind="link", loop=loop, sign=sign)
    return field(default=default, metadata=md)


@dataclass(frozen=True)
class Params:
    """All parameters of the model, with their defaults (the ``krachtwijk`` neighbourhood)."""

    # ---- space and run ----------------------------------------------------------------
    grid_width: int = par(50, 10, 1000, "cells", "grid width", "DESIGN.md: 50 x 50 dwellings", "space",
                          label_nl="breedte van het raster")
    grid_height: int = par(50, 10, 1000, "cells", "grid height", "DESIGN.md: 50 x 50 dwellings", "space",
                           label_nl="hoogte van het raster")
    block_size: int = par(10, 2, 100, "cells", "block (buurt) side", "DESIGN.md: blocks of 10 x 10", "space",
                          label_nl="zijde van een blok (buurt)")
    vacancy: float = par(0.05, 0.0, 0.5, "share of dwellings", "empty dwellings at the start",
                         "assumption: a small vacancy lets households move", "space", label_nl="lege woningen bij de start")
    n_meeting_places: int = par(3, 0, 200, "count", "meeting places (buurthuis)",
                                f"{S004} recommendation 5; assumption for the count", "space",
                                label_nl="ontmoetingsplekken (buurthuis)")
    tie_slots: int = par(16, 4, 64, "ties", "most ties a person keeps",
                         "assumption: Dunbar-style limit on active close ties", "space",
                         label_nl="meeste contacten die iemand onderhoudt")
    burn_in_months: int = par(36, 0, 600, "months", "least months of burn-in before step 0 (0: no burn-in at all)",
                              "assumption: lets stocks and ties settle from the initial draw", "space",
                              label_nl="minste inloopmaanden vóór stap 0")
    burn_in_max: int = par(240, 0, 600, "months", "most months of burn-in: it ends earlier once the stocks stop drifting",
                           "assumption: twenty years is enough for the slowest stocks", "space",
                           label_nl="meeste inloopmaanden: de inloop stopt eerder zodra de voorraden niet meer verschuiven")
    burn_in_tolerance: float = par(0.005, 0.0, 0.5, "0-1", "burn-in ends when no mean stock of the adults moved more than this over the last year",
                                   "assumption: well below the differences between scenarios", "space",
                                   label_nl="de inloop stopt als geen gemiddelde voorraad het laatste jaar meer dan dit verschoof")

    # ---- starting population (scenario) ------------------------------------------------
    share_single_adult: float = par(0.33, 0.0, 0.9, "share of households", "single-adult households",
                                    "assumption: big-city deprived areas have many one-person households", "population",
                                    label_nl="alleenstaanden")
    share_couple_no_children: float = par(0.22, 0.0, 0.9, "share of households", "couples without children at home",
                                          "assumption", "population", label_nl="stellen zonder thuiswonende kinderen")
    share_single_parent: float = par(0.35, 0.0, 1.0, "share of families", "single-parent share of households with children",
                                     "CBS StatLine 71487ned: 23.1% nationally (2023); 25% or more in big cities (CBS via NOS 2019); higher in krachtwijken (assumption)", "population",
                                     label_nl="aandeel eenoudergezinnen onder gezinnen met kinderen")
    mean_children: float = par(1.5, 1.0, 4.0, "children", "mean minors per family at the start (and per family moving in)",
                               "assumption: set so that the average_nl preset keeps CBS's age structure (about 21% under 20, 21% 65 and over); a krachtwijk has a little more children", "population",
                               label_nl="gemiddeld aantal minderjarige kinderen per gezin bij de start (en per gezin dat de wijk in trekt)")
    share_low_income: float = par(0.126, 0.0, 1.0, "share of households", "households with low financial welfare",
                                  "CBS 2026: 12.6% in the 20 focus areas vs 5.4% nationally", "population",
                                  label_nl="huishoudens met een laag financieel welzijn")
    single_parent_low_income_odds: float = par(2.5, 1.0, 10.0, "odds ratio", "extra odds of low income for single parents",
                                               f"CBS via NOS: about 1 in 4 single-parent families on low income (2018); {S004}: 15.1%", "population",
                                               label_nl="extra kans op laag inkomen voor eenoudergezinnen")
    share_social_housing: float = par(0.6, 0.0, 1.0, "share of dwellings", "social housing",
                                      "assumption: most dwellings in krachtwijken are social rent", "population",
                                      label_nl="sociale huurwoningen")
    employment_rate: float = par(0.7, 0.0, 1.0, "share of adults 18-66", "employed at the start",
                                 "assumption: below the Dutch rate in deprived areas", "population",
                                 label_nl="met werk bij de start")
    style_dutiful: float = par(0.16, 0.0, 1.0, "share of adults", "citizen style: dutiful",
                               f"{S001} (Motivaction): 16%", "population", label_nl="burgerschapsstijl: plichtsgetrouw")
    style_responsible: float = par(0.28, 0.0, 1.0, "share of adults", "citizen style: responsible",
                                   f"{S001} (Motivaction): 28%", "population", label_nl="burgerschapsstijl: verantwoordelijk")
    style_pragmatic: float = par(0.24, 0.0, 1.0, "share of adults", "citizen style: pragmatic",
                                 f"{S001} (Motivaction): 24%", "population", label_nl="burgerschapsstijl: pragmatisch")
    style_outsider: float = par(0.32, 0.0, 1.0, "share of adults", "citizen style: outsider",
                                f"{S001} (Motivaction): 32%", "population", label_nl="burgerschapsstijl: buitenstaander")
    trust_mean: float = par(0.4, 0.0, 1.0, "0-1", "trust in institutions in the neighbourhood: the level trust settles around (and its mean at the start)",
                            f"{S002}: distrust of institutions in krachtwijken; assumption for the level", "population",
                            label_nl="vertrouwen in instanties in de wijk: het niveau waar vertrouwen omheen ligt (en het gemiddelde bij de start)")
    share_low_literacy: float = par(0.12, 0.0, 1.0, "share of adults", "low literacy",
                                    f"{S004} (limits on finding one's way); assumption for the level", "population",
                                    label_nl="laaggeletterdheid")
    share_mild_id: float = par(0.05, 0.0, 1.0, "share of adults", "mild intellectual disability (LVB)",
                               f"{S004}; assumption for the level", "population", label_nl="licht verstandelijke beperking (LVB)")
    share_newcomer: float = par(0.10, 0.0, 1.0, "share of adults", "newcomers and refugees",
                                f"{S004} recommendation 9; assumption for the level", "population",
                                label_nl="nieuwkomers en vluchtelingen")
    share_community: float = par(0.3, 0.0, 1.0, "share of persons", "member of a community of shared ideals or faith",
                                 f"{S004} cultural resources; assumption for the level", "population",
                                 label_nl="lid van een geloofs- of idealengemeenschap")
    n_communities: int = par(4, 1, 100, "count", "communities of shared ideals or faith", "assumption", "population",
                             label_nl="geloofs- en idealengemeenschappen")
    init_mental: float = par(0.28, 0.0, 1.0, "0-1", "mean mental-health problem level at the start",
                             "NEMESIS-3: 26% any disorder in 12 months; CBS: 13.8% psychologically unhealthy", "population",
                             label_nl="gemiddelde psychische problemen bij de start")
    employment_factor_low: float = par(0.55, 0.0, 3.0, "multiplier", "chance of work at the start relative to the rate, low income",
                                       f"{S004}: poverty and worklessness go together; assumption for the factor", "population",
                                       label_nl="kans op werk bij de start t.o.v. het gemiddelde, laag inkomen")
    employment_factor_other: float = par(1.1, 0.0, 3.0, "multiplier", "chance of work at the start relative to the rate, other households",
                                         "assumption: with employment_factor_low keeps the share employed near employment_rate", "population",
                                         label_nl="kans op werk bij de start t.o.v. het gemiddelde, overige huishoudens")
    share_claiming: float = par(0.67, 0.0, 1.0, "share of households", "eligible households claiming social assistance at the start",
                                "Inspectie SZW 2021: about one third of the eligible do not claim", "population",
                                label_nl="rechthebbende huishoudens die bij de start bijstand ontvangen")
    init_seeking: float = par(0.2, 0.0, 1.0, "share of adults", "job seekers among working-age adults without work or study at the start",
                              "assumption: CBS counts about as many inactive as unemployed among those without work in deprived areas",
                              "population", label_nl="werkzoekenden onder volwassenen zonder werk of studie bij de start")
    init_disabled: float = par(0.15, 0.0, 1.0, "share of adults", "work-disabled among working-age adults without work or study at the start",
                               "assumption: disability benefits are common among those out of work", "population",
                               label_nl="arbeidsongeschikten onder volwassenen zonder werk of studie bij de start")
    share_single_men: float = par(0.15, 0.0, 1.0, "share of adults", "men among adults on their own (single adults and single parents)",
                                  "assumption: most single parents are mothers; the same share kept for single adults",
                                  "population", label_nl="mannen onder wie alleen een huishouden voert")

    # ---- starting stocks: medians (and spreads) of the logit-normal first draw ------------------
    init_spread: float = par(0.8, 0.0, 3.0, "logit", "spread of the starting stocks on the logit scale",
                             "assumption: wide enough that residents differ, narrow enough to keep the medians meaningful", "initial",
                             label_nl="spreiding van de startwaarden (logitschaal)")
    init_mental_spread: float = par(0.9, 0.0, 3.0, "logit", "spread of mental-health problems at the start",
                                    "assumption: mental-health problems vary more than the other stocks", "initial",
                                    label_nl="spreiding van psychische problemen bij de start")
    trust_spread: float = par(0.7, 0.0, 3.0, "logit", "spread of trust in institutions at the start",
                              "assumption: trust varies less than the other stocks", "initial",
                              label_nl="spreiding van vertrouwen in instanties bij de start")
    init_self_esteem: float = par(0.5, 0.0, 1.0, "0-1", "median self-esteem at the start", MID, "initial",
                                  label_nl="mediaan zelfvertrouwen bij de start")
    init_life_skills: float = par(0.5, 0.0, 1.0, "0-1", "median life skills at the start", MID, "initial",
                                  label_nl="mediaan levensvaardigheden bij de start")
    init_agency: float = par(0.5, 0.0, 1.0, "0-1", "median individual agency at the start", MID, "initial",
                             label_nl="mediaan regie over het eigen leven bij de start")
    init_success: float = par(0.5, 0.0, 1.0, "0-1", "median memory of success at the start", MID, "initial",
                              label_nl="mediaan succeservaringen bij de start")
    init_support: float = par(0.5, 0.0, 1.0, "0-1", "median perceived support at the start", MID, "initial",
                              label_nl="mediaan ervaren steun bij de start")
    init_participation: float = par(0.5, 0.0, 1.0, "0-1", "median participation at the start", MID, "initial",
                                    label_nl="mediaan meedoen bij de start")
    init_identity: float = par(0.5, 0.0, 1.0, "0-1", "median identity and meaning at the start", MID, "initial",
                               label_nl="mediaan identiteit en zingeving bij de start")
    init_wellbeing: float = par(0.5, 0.0, 1.0, "0-1", "median wellbeing at the start", MID, "initial",
                                label_nl="mediaan welbevinden bij de start")
    init_security: float = par(0.5, 0.0, 1.0, "0-1", "median existential security at the start", MID, "initial",
                               label_nl="mediaan bestaanszekerheid bij de start")
    init_future: float = par(0.5, 0.0, 1.0, "0-1", "median future perspective at the start", MID, "initial",
                             label_nl="mediaan toekomstperspectief bij de start")
    init_functioning: float = par(0.5, 0.0, 1.0, "0-1", "median functioning in education and work at the start", MID, "initial",
                                  label_nl="mediaan functioneren op school en werk bij de start")
    init_parenting: float = par(0.6, 0.0, 1.0, "0-1", "median parenting quality at the start",
                                "assumption: most parents manage, so above the middle", "initial",
                                label_nl="mediaan kwaliteit van opvoeding bij de start")
    init_attachment: float = par(0.6, 0.0, 1.0, "0-1", "median attachment security at the start",
                                 "assumption: most children are securely attached, so above the middle", "initial",
                                 label_nl="mediaan veilige hechting bij de start")
    init_physical: float = par(0.8, 0.0, 1.0, "0-1", "median physical health at the start",
                               "assumption: most residents are in good health", "initial",
                               label_nl="mediaan lichamelijke gezondheid bij de start")
    init_housing: float = par(0.6, 0.0, 1.0, "0-1", "median housing security at the start",
                              "assumption: most residents rent a dwelling they can keep", "initial",
                              label_nl="mediaan woonzekerheid bij de start")
    init_navigation: float = par(0.5, 0.0, 1.0, "0-1", "median ability to find one's way in the system at the start, without a limitation",
                                 MID, "initial", label_nl="mediaan je weg vinden in het systeem bij de start, zonder beperking")
    init_navigation_limited: float = par(0.3, 0.0, 1.0, "0-1", "the same with a limitation (low literacy, LVB, newcomer)",
                                         f"{S004} loop 4: limitations make finding one's way hard; assumption for the level",
                                         "initial", label_nl="hetzelfde met een beperking (laaggeletterdheid, LVB, nieuwkomer)")
    init_stress: float = par(0.35, 0.0, 1.0, "0-1", "median chronic stress at the start (children, and adults not on a low income)",
                             "assumption: below the middle for most residents", "initial",
                             label_nl="mediaan chronische stress bij de start (kinderen, en volwassenen zonder laag inkomen)")
    init_stress_low: float = par(0.45, 0.0, 1.0, "0-1", "median chronic stress at the start, adults on a low income",
                                 f"{S004}: poverty and debt raise stress; assumption for the level", "initial",
                                 label_nl="mediaan chronische stress bij de start, volwassenen met een laag inkomen")
    init_earning: float = par(0.6, 0.0, 1.0, "0-1", "median earning capacity of adults at the start", MID_ADULT, "initial",
                              label_nl="mediaan verdienvermogen van volwassenen bij de start")
    init_earning_low: float = par(0.25, 0.0, 1.0, "0-1", "median earning capacity of adults on a low income at the start", LOW,
                                  "initial", label_nl="mediaan verdienvermogen bij de start, laag inkomen")
    init_block_efficacy: float = par(0.5, 0.0, 1.0, "0-1", "collective efficacy of every block at the start", MID, "initial",
                                     label_nl="samenredzaamheid van elk blok bij de start")
    init_block_attachment: float = par(0.5, 0.0, 1.0, "0-1", "neighbourhood attachment of every block at the start", MID, "initial",
                                       label_nl="buurtgevoel van elk blok bij de start")

    # ---- demography (yearly rates) ------------------------------------------------------
    mortality_log_a: float = par(-10.2, -14.0, -6.0, "log per year", "Gompertz intercept of yearly mortality",
                                 "assumption: Gompertz fit near Dutch life tables (about 5% at 80)", "demography",
                                 label_nl="Gompertz-startwaarde van de jaarlijkse sterfte")
    mortality_b: float = par(0.09, 0.0, 0.2, "per year of age", "Gompertz slope of yearly mortality",
                             "assumption: Gompertz fit near Dutch life tables", "demography",
                             label_nl="Gompertz-stijging van de jaarlijkse sterfte")
    p_birth_couple: float = par(0.075, 0.0, 0.5, "per year", "births per woman aged 18-44 in a couple (at the peak age the rate is 1.6 times this)",
                                "CBS: total fertility 1.43 in 2023; a woman in a couple from 18 to 44 has about 1.4 children at this rate", "demography",
                                label_nl="geboorten per vrouw (18-44) met een partner")
    p_birth_single: float = par(0.02, 0.0, 0.5, "per year", "births per single woman aged 18-44", "assumption", "demography",
                                label_nl="geboorten per alleenstaande vrouw (18-44)")
    p_leave_home: float = par(0.15, 0.0, 1.0, "per year", "young adults (18+) leaving the parental home", "assumption", "demography",
                              label_nl="jongvolwassenen (18+) die uit huis gaan")
    p_leave_neighbourhood: float = par(0.5, 0.0, 1.0, "probability", "a home-leaver moves out of the neighbourhood",
                                       "assumption", "demography", label_nl="wie uit huis gaat, verlaat de wijk")
    p_partner: float = par(0.05, 0.0, 1.0, "per year", "single adults (18-49) forming a couple", "assumption", "demography",
                           label_nl="alleenstaanden (18-49) die een stel vormen")
    p_separation: float = par(0.025, 0.0, 0.5, "per year", "couples separating",
                              f"{S004}: separation as a life event; assumption for the level", "demography",
                              label_nl="stellen die uit elkaar gaan")
    hit_separation: float = par(0.5, 0.0, 1.0, "share of room", "acute stress from a separation", "assumption", "demography",
                                label_nl="acute stress door een scheiding")
    p_outmigration: float = par(0.087, 0.0, 0.5, "per year", "households moving out",
                                "CBS 2026: 8.7% moving out per year in focus areas (6.5% nationally)", "demography",
                                label_nl="huishoudens die verhuizen uit de wijk")
    months_vacant: float = par(3.0, 0.1, 60.0, "months", "mean time an empty dwelling waits for new tenants",
                               "assumption: a tight housing market; the inflow (CBS 2026: 8.9% per year in focus areas) then follows the outflow", "demography",
                               label_nl="gemiddelde leegstand tot nieuwe huurders")
    lineage_age_years: float = par(21.0, 16.0, 30.0, "years", "age at which a child's young-adult outcomes are read",
                                   "assumption: young adulthood, before most leave the neighbourhood", "outputs",
                                   label_nl="leeftijd waarop de uitkomsten van een kind worden gemeten")
    resilience_window: int = par(24, 6, 120, "months", "months a setback is followed",
                                 "assumption: long enough to recover from most setbacks", "outputs",
                                 label_nl="maanden dat een tegenslag wordt gevolgd")
    setback_tolerance: float = par(0.04, 0.0, 0.2, "wellbeing",
                                   "band around the matched controls' change of wellbeing counted as 'back'",
                                   "assumption: with it two thirds of adults without a setback, judged the same way, "
                                   "count as 'back' (measured, default krachtwijk)", "outputs",
                                   label_nl="marge rond de verandering van vergelijkbare bewoners die als 'hersteld' telt")

    # ---- life course ----------------------------------------------------------------------
    pension_age: float = par(67.0, 50.0, 80.0, "years", "state pension age (AOW): work ends, AOW and a pension begin",
                             "Rijksoverheid: the AOW age is 67 from 2024 to 2028", "life course",
                             label_nl="AOW-leeftijd: einde van het werk, begin van AOW en pensioen")
    p_study: float = par(0.45, 0.0, 1.0, "probability", "an 18-year-old of average life skills goes on to study",
                         "assumption: about half of Dutch school leavers go on to mbo-4, hbo or university; life skills shift it (link skills_chances)",
                         "life course", label_nl="kans dat een 18-jarige met gemiddelde levensvaardigheden doorstudeert")
    study_years: float = par(4.0, 0.5, 10.0, "years", "mean length of study after 18",
                             "assumption: a bachelor's or mbo-4 course with some delay", "life course",
                             label_nl="gemiddelde studieduur na 18")
    study_earning: float = par(0.3, 0.0, 1.0, "share of room", "a finished study raises earning capacity (share of the room to 1)",
                               "assumption: the return to education, moderate", "life course",
                               label_nl="een afgeronde studie verhoogt het verdienvermogen")
    hours_mean: float = par(0.8, 0.05, 1.0, "share of full time", "median hours of a job (share of a full-time week)",
                            "CBS: a Dutch working week averages about 32 of 38-40 hours (part-time is common)", "life course",
                            label_nl="mediaan aantal uren van een baan (deel van een volle week)")
    p_disability: float = par(0.005, 0.0, 0.5, "per year", "a working-age adult of average health becomes work-disabled",
                              "assumption: UWV grants about 40,000 WIA benefits a year on about 9 million workers", "life course",
                              label_nl="volwassene met gemiddelde gezondheid wordt arbeidsongeschikt")
    p_discouraged: float = par(0.15, 0.0, 1.0, "per year", "a job seeker out of work for a year or more stops looking",
                               "assumption: long-term unemployment turns into inactivity", "life course",
                               label_nl="werkzoekende die een jaar of langer zonder werk is, stopt met zoeken")
    p_reenter: float = par(0.1, 0.0, 1.0, "per year", "an inactive adult starts looking for work again", "assumption", "life course",
                           label_nl="niet-werkzoekende volwassene gaat weer werk zoeken")

    # ---- household budgets (euros per month, 2024 prices) ------------------------------------
    low_income_line: float = par(1290.0, 500.0, 5000.0, "euros per month", "low-income line: equivalised disposable income of a single person",
                                 "CBS lage-inkomensgrens: 1,200 for a single person in 2022, price-indexed to 2024 (approximate; see docs/figures.md)", "economy",
                                 label_nl="lage-inkomensgrens: besteedbaar inkomen van een alleenstaande")
    eq_child_weight: float = par(0.70, 0.0, 1.0, "weight", "weight of a minor in the equivalence scale (an adult weighs 1)",
                                 "power law fitted to the CBS equivalence factors (1.37 for two adults, 1.88 for two adults and two children; each within 0.06; see docs/figures.md)", "economy",
                                 label_nl="gewicht van een kind in de equivalentieschaal (volwassene: 1)")
    eq_power: float = par(0.51, 0.0, 1.0, "power", "economies of scale of the equivalence scale ((adults + w * minors) ** power)",
                          "power law fitted to the CBS equivalence factors (see docs/figures.md)", "economy",
                          label_nl="schaalvoordeel van de equivalentieschaal")
    wage_min: float = par(1990.0, 500.0, 5000.0, "euros per month", "net wage at the lowest earning capacity, full time (minimum wage)",
                          "Rijksoverheid: statutory minimum wage 2024, net of tax (see docs/figures.md)", "economy",
                          label_nl="nettoloon bij het laagste verdienvermogen, voltijd (minimumloon)")
    wage_top: float = par(5000.0, 1000.0, 20000.0, "euros per month", "net wage at the highest earning capacity, full time",
                          "assumption: the top of incomes found in mixed city neighbourhoods", "economy",
                          label_nl="nettoloon bij het hoogste verdienvermogen, voltijd")
    wage_curve: float = par(1.5, 0.2, 5.0, "power", "shape of wages over earning capacity (above 1: few high wages)",
                            "assumption: a right-skewed wage distribution", "economy",
                            label_nl="vorm van het loon over het verdienvermogen")
    youth_wage: float = par(0.6, 0.1, 1.0, "share of wage", "wage at 18 relative to an experienced worker",
                            "Rijksoverheid: youth minimum wages (an 18-year-old earns about 60% of the adult minimum)", "economy",
                            label_nl="loon op 18 t.o.v. een ervaren werknemer")
    experience_years: float = par(6.0, 0.5, 30.0, "years", "years of experience over which wages rise to the full level",
                                  "assumption: wages rise with experience in the first working years", "economy",
                                  label_nl="jaren ervaring waarin het loon stijgt naar het volle niveau")
    health_wage: float = par(0.3, 0.0, 1.0, "share of wage", "wage lost at the worst health (health limits hours and jobs)",
                             "assumption", "economy", label_nl="loonverlies bij de slechtste gezondheid")
    ww_share: float = par(0.7, 0.0, 1.0, "share of wage", "unemployment benefit (WW) as a share of the last wage",
                          "UWV: WW pays 75% of the wage for two months, then 70%", "economy",
                          label_nl="WW-uitkering als deel van het laatste loon")
    ww_months: float = par(12.0, 0.0, 38.0, "months", "months of unemployment benefit (WW) after a job ends",
                           "UWV: 3 to 24 months by working history; assumption for the mean", "economy",
                           label_nl="maanden WW na het einde van een baan")
    student_income: float = par(700.0, 0.0, 3000.0, "euros per month", "income of a student (study finance and a side job)",
                                "assumption: DUO basic grant plus a small side job", "economy",
                                label_nl="inkomen van een student (studiefinanciering en bijbaan)")
    disability_benefit: float = par(1300.0, 0.0, 5000.0, "euros per month", "net disability benefit (WIA, Wajong)",
                                    "assumption: near 70-75% of the minimum wage", "economy",
                                    label_nl="netto arbeidsongeschiktheidsuitkering (WIA, Wajong)")
    pension_share: float = par(0.3, 0.0, 1.0, "share of wage", "supplementary pension for a full working life, as a share of the wage",
                               "assumption: a modest occupational pension on top of AOW", "economy",
                               label_nl="aanvullend pensioen na een volledig werkzaam leven, als deel van het loon")
    aow_single: float = par(1460.0, 0.0, 5000.0, "euros per month", "AOW of a single pensioner, net",
                            "SVB: AOW 2024 net, holiday allowance included (see docs/figures.md)", "economy",
                            label_nl="AOW van een alleenstaande, netto")
    aow_couple: float = par(990.0, 0.0, 5000.0, "euros per month", "AOW of a pensioner living with a partner, net, each",
                            "SVB: AOW 2024 net, holiday allowance included (see docs/figures.md)", "economy",
                            label_nl="AOW per persoon van een stel, netto")
    assistance_single: float = par(1284.0, 0.0, 5000.0, "euros per month", "social assistance (bijstand) norm, single adult or single parent",
                                   "Rijksoverheid: Participatiewet norm 2024, holiday allowance included (see docs/figures.md)", "economy",
                                   label_nl="bijstandsnorm, alleenstaande of alleenstaande ouder")
    assistance_couple: float = par(1834.0, 0.0, 8000.0, "euros per month", "social assistance (bijstand) norm, couple",
                                   "Rijksoverheid: Participatiewet norm 2024, holiday allowance included (see docs/figures.md)", "economy",
                                   label_nl="bijstandsnorm, stel")
    asset_limit: float = par(7600.0, 0.0, 100000.0, "euros", "savings above which a single adult is not eligible for social assistance (twice for a couple)",
                             "Rijksoverheid: asset limit 2024", "economy",
                             label_nl="vermogensgrens voor de bijstand, alleenstaande (stel: het dubbele)")
    p_claim: float = par(0.15, 0.0, 1.0, "per year", "an eligible household of average navigation and trust claims social assistance",
                         "assumption: with the links navigation_claim and trust_claim, set so that about a third of the eligible do not claim (Inspectie SZW 2021)",
                         "economy", label_nl="rechthebbend huishouden met gemiddeld vertrouwen en zelfredzaamheid vraagt bijstand aan")
    child_benefit: float = par(110.0, 0.0, 1000.0, "euros per month", "child benefit (kinderbijslag) per minor",
                               "SVB: kinderbijslag 2024, about 300-400 euros a quarter by age (see docs/figures.md)", "economy",
                               label_nl="kinderbijslag per kind")
    child_budget: float = par(200.0, 0.0, 1000.0, "euros per month", "child budget (kindgebonden budget) per minor of a low-income household",
                              "Belastingdienst: kindgebonden budget 2024; assumption for the mean (see docs/figures.md)", "economy",
                              label_nl="kindgebonden budget per kind, laag inkomen")
    care_allowance: float = par(120.0, 0.0, 1000.0, "euros per month", "health-care allowance (zorgtoeslag) per adult of a low-income household",
                                "Belastingdienst: zorgtoeslag 2024, at most about 123 a month for a single adult", "economy",
                                label_nl="zorgtoeslag per volwassene in een huishouden met een laag inkomen")
    rent_allowance: float = par(250.0, 0.0, 1500.0, "euros per month", "rent allowance (huurtoeslag) of a low-income household (not counted by the low-income line)",
                                "Belastingdienst: huurtoeslag; assumption for the mean (CBS 2010: 145 in 2008; see docs/figures.md)", "economy",
                                label_nl="huurtoeslag van een huishouden met een laag inkomen (telt niet mee voor de lage-inkomensgrens)")
    allowance_line: float = par(1.5, 0.5, 4.0, "share of the low-income line", "equivalised income below which allowances are paid",
                                "assumption: allowances reach households up to about one and a half times the low-income line", "economy",
                                label_nl="equivalent inkomen waaronder toeslagen worden betaald")
    rent_social: float = par(600.0, 0.0, 3000.0, "euros per month", "rent of a social-housing dwelling",
                             "CBS/Aedes: mean corporation rent 2024 (see docs/figures.md)", "economy",
                             label_nl="huur van een sociale huurwoning")
    rent_private: float = par(1000.0, 0.0, 5000.0, "euros per month", "rent or housing costs of another dwelling",
                              "assumption: private rent and owner costs in a city (see docs/figures.md)", "economy",
                              label_nl="huur of woonlasten van een andere woning")
    energy_cost: float = par(200.0, 0.0, 1000.0, "euros per month", "energy costs of a household of one",
                             "Nibud/CBS: energy costs 2024 (see docs/figures.md)", "economy",
                             label_nl="energiekosten van een eenpersoonshuishouden")
    energy_per_person: float = par(0.25, 0.0, 1.0, "share", "extra energy costs per further member, as a share of those of one",
                                   "assumption", "economy", label_nl="extra energiekosten per extra gezinslid")
    living_cost: float = par(600.0, 0.0, 3000.0, "euros per month", "other necessary costs of an adult (food, clothes, insurance, transport)",
                             "Nibud: basic needs budget, assumption for the level (see docs/figures.md)", "economy",
                             label_nl="overige noodzakelijke kosten van een volwassene (eten, kleding, verzekering, vervoer)")
    child_cost: float = par(300.0, 0.0, 2000.0, "euros per month", "costs of a minor",
                            "Nibud: costs of children (see docs/figures.md)", "economy", label_nl="kosten van een kind")
    price_level: float = par(1.0, 0.5, 3.0, "multiplier", "price level of the fixed costs (an inflation or energy crisis raises it)",
                             "assumption: 1 in 2024 prices", "economy", label_nl="prijsniveau van de vaste lasten")
    save_share: float = par(0.3, 0.0, 1.0, "share of surplus", "share of the monthly surplus (after arrears) that is saved",
                            "assumption", "economy", label_nl="deel van het maandelijkse overschot dat gespaard wordt")
    savings_use: float = par(0.02, 0.0, 1.0, "per month", "share of savings spent each month (larger purchases, holidays)",
                             "assumption: savings settle at about four years of saving", "economy",
                             label_nl="deel van het spaargeld dat per maand wordt uitgegeven")
    repay_share: float = par(0.5, 0.0, 1.0, "share of surplus", "share of the monthly surplus that pays off arrears",
                             "assumption", "economy", label_nl="deel van het maandelijkse overschot dat achterstanden aflost")
    collection_rate: float = par(0.02, 0.0, 0.2, "per month", "growth of arrears through collection costs and fines",
                                 "assumption: collection costs, interest and fines add up (Nibud, seeds on debt)", "economy",
                                 label_nl="groei van achterstanden door incassokosten en boetes")
    problem_debt_months: float = par(2.0, 0.1, 24.0, "months", "arrears above this many months of disposable income are problematic debt",
                                     "assumption: debts that cannot be paid off within a few years", "economy",
                                     label_nl="achterstanden boven zoveel maanden inkomen zijn problematische schulden")
    ends_meet_margin: float = par(50.0, -1000.0, 1000.0, "euros per month", "equivalised surplus below which a household has difficulty making ends meet",
                                  "assumption: little or nothing left after the fixed costs", "economy",
                                  label_nl="equivalent overschot waaronder een huishouden moeilijk rondkomt")
    p_debt_seek: float = par(0.3, 0.0, 1.0, "per year", "a household with problematic debt of average navigation and trust asks for debt counselling",
                             "assumption: most households with problematic debt get no help (seeds on non-take-up)", "economy",
                             label_nl="huishouden met problematische schulden vraagt schuldhulp")
    debt_capacity: float = par(0.6, 0.0, 50.0, "intakes per 1000 residents per month", "debt counselling intake capacity",
                               "assumption: municipal debt counselling takes on about 5 households per 1000 residents a year", "economy",
                               label_nl="intakecapaciteit schuldhulpverlening")
    settle_rate: float = par(0.05, 0.0, 1.0, "per month", "arrears settled each month in debt counselling",
                             "assumption: payment arrangements and settlements", "economy",
                             label_nl="achterstanden die per maand in de schuldhulp worden geregeld")
    debt_care_months: float = par(18.0, 1.0, 120.0, "months", "mean length of debt counselling (the rest is written off at the end)",
                                  "Wsnp: 18 months since 2023", "economy", label_nl="gemiddelde duur van schuldhulp")
    adequacy_slope: float = par(2.0, 0.1, 10.0, "logit per log", "income adequacy (0-1) rises with the log of equivalised income over the low-income line",
                                "assumption: 0.5 at the line, about 0.7 at one and a half times the line", "economy",
                                label_nl="toereikend inkomen stijgt met het inkomen boven de lage-inkomensgrens")
    debt_scale_months: float = par(1.0, 0.1, 24.0, "months", "arrears of this many months of income give a debt level of 0.5",
                                   "assumption", "economy", label_nl="achterstanden van zoveel maanden inkomen geven schuldniveau 0,5")
    buffer_months: float = par(3.0, 0.1, 24.0, "months", "savings of this many months of fixed costs give a buffer of 0.5",
                               "assumption: Nibud advises a buffer of a few months of costs", "economy",
                               label_nl="spaargeld van zoveel maanden vaste lasten geeft buffer 0,5")

    # ---- professionals and services ----------------------------------------------------
    n_social_workers: int = par(3, 0, 500, "count", "social workers", f"{S004} recommendation 6", "professionals",
                                label_nl="sociaal werkers")
    n_police: int = par(1, 0, 100, "count", "neighbourhood police officers (wijkagent)", f"{S004} recommendation 6", "professionals",
                        label_nl="wijkagenten")
    n_community_builders: int = par(1, 0, 200, "count", "community builders", f"{S004} recommendation 6", "professionals",
                                    label_nl="opbouwwerkers")
    n_experience_experts: int = par(0, 0, 200, "count", "experience experts (ervaringsdeskundigen)", f"{S002}: door-openers", "professionals",
                                    label_nl="ervaringsdeskundigen")
    caseload_social_worker: int = par(30, 1, 500, "persons", "caseload of a social worker", "assumption", "professionals",
                                      label_nl="caseload van een sociaal werker")
    caseload_police: int = par(60, 1, 2000, "persons", "known contacts of a wijkagent", "assumption", "professionals",
                               label_nl="bekende contacten van een wijkagent")
    caseload_builder: int = par(60, 1, 2000, "persons", "contacts of a community builder", "assumption", "professionals",
                                label_nl="contacten van een opbouwwerker")
    caseload_expert: int = par(20, 1, 500, "persons", "caseload of an experience expert", "assumption", "professionals",
                               label_nl="caseload van een ervaringsdeskundige")
    catchment_radius: int = par(15, 1, 1000, "cells", "reach of a professional around the service point",
                                "assumption: a walkable distance", "professionals",
                                label_nl="bereik van een professional rond het loket")
    p_case_close: float = par(0.1, 0.0, 1.0, "per month", "a case without need is closed",
                              "assumption", "professionals", label_nl="een casus zonder hulpvraag wordt gesloten")
    competition: float = par(0.6, 0.0, 1.0, "0-1", "competition between welfare organisations (short contracts)",
                             f"{S000}: short contracts and competition", "professionals",
                             label_nl="concurrentie tussen welzijnsorganisaties (korte contracten)")
    bias_effectiveness: float = par(1.0, -4.0, 4.0, "logit", "effectiveness of a professional, baseline", CAL, "professionals",
                                    label_nl="effectiviteit van een professional, uitgangsniveau")
    ggz_capacity: float = par(1.0, 0.0, 50.0, "intakes per 1000 residents per month", "mental-health care intake capacity",
                              "assumption: below need, so that a queue forms as NZa reports", "professionals",
                              label_nl="intakecapaciteit ggz")
    youth_capacity: float = par(1.0, 0.0, 50.0, "intakes per 1000 residents per month",
                                "parenting support and youth care intake capacity",
                                "assumption: below need, so that a queue forms as the youth-care waiting lists of "
                                f"{S004} (recommendation 7) describe", "professionals",
                                label_nl="intakecapaciteit opvoedondersteuning en jeugdhulp")

    # ---- relaxation rates ---------------------------------------------------------------
    rate_stress: float = par(0.08, 0.001, 1.0, "per month", "rate at which chronic stress follows its target",
                             "assumption: chronic stress builds over months", "rates",
                             label_nl="tempo waarin chronische stress meebeweegt")
    rate_wellbeing: float = par(0.15, 0.001, 1.0, "per month", "rate at which wellbeing follows its target", "assumption", "rates",
                                label_nl="tempo waarin welbevinden meebeweegt")
    rate_slow: float = par(0.05, 0.001, 1.0, "per month", "rate of slow stocks (security, trust, agency, ...)", "assumption", "rates",
                           label_nl="tempo van trage voorraden (zekerheid, vertrouwen, regie, ...)")
    rate_fast: float = par(0.2, 0.001, 1.0, "per month", "rate of fast stocks (income, parenting, support, ...)", "assumption", "rates",
                           label_nl="tempo van snelle voorraden (inkomen, opvoeding, steun, ...)")
    rate_skills: float = par(0.06, 0.001, 1.0, "per month", "rate of life skills at full plasticity", "assumption", "rates",
                             label_nl="tempo van levensvaardigheden bij volle kneedbaarheid")
    plasticity_adult: float = par(0.05, 0.0, 1.0, "0-1", "plasticity left in adulthood",
                                  f"{S004} loop 3: young children change most; assumption for the level", "rates",
                                  label_nl="kneedbaarheid die op volwassen leeftijd overblijft")
    plasticity_tau_years: float = par(6.0, 0.5, 30.0, "years", "age scale over which plasticity falls", "assumption", "rates",
                                      label_nl="leeftijdsschaal waarover kneedbaarheid afneemt")
    acute_recovery: float = par(0.25, 0.0, 1.0, "per month at full capacity", "recovery from acute stress",
                                f"{S003}: draagkracht against draaglast; assumption for the rate", "rates",
                                label_nl="herstel van acute stress")
    rate_block: float = par(0.1, 0.001, 1.0, "per month", "rate of block-level efficacy and attachment", "assumption", "rates",
                            label_nl="tempo van samenredzaamheid en buurtgevoel per blok")

    # ---- baselines (logits of the target for an average person) --------------------------
    bias_stress: float = par(0.2, -6.0, 6.0, "logit", "chronic stress, baseline", CAL, "baselines",
                             label_nl="chronische stress, uitgangsniveau")
    bias_wellbeing: float = par(-0.1, -6.0, 6.0, "logit", "wellbeing, baseline", CAL, "baselines",
                                label_nl="welbevinden, uitgangsniveau")
    bias_security: float = par(-0.5, -6.0, 6.0, "logit", "existential security, baseline", CAL, "baselines",
                               label_nl="bestaanszekerheid, uitgangsniveau")
    bias_future: float = par(0.2, -6.0, 6.0, "logit", "future perspective, baseline", CAL, "baselines",
                             label_nl="toekomstperspectief, uitgangsniveau")
    bias_functioning: float = par(0.6, -6.0, 6.0, "logit", "functioning in education and work, baseline", CAL, "baselines",
                                  label_nl="functioneren op school en werk, uitgangsniveau")
    bias_mental: float = par(-1.2, -6.0, 6.0, "logit", "mental-health problems, baseline", CAL, "baselines",
                             label_nl="psychische problemen, uitgangsniveau")
    bias_physical: float = par(2.2, -6.0, 6.0, "logit", "physical health at age 40, baseline", CAL, "baselines",
                               label_nl="lichamelijke gezondheid op 40-jarige leeftijd, uitgangsniveau")
    bias_parenting: float = par(0.8, -6.0, 6.0, "logit", "parenting quality, baseline", CAL, "baselines",
                                label_nl="kwaliteit van opvoeding, uitgangsniveau")
    bias_attachment: float = par(0.6, -6.0, 6.0, "logit", "attachment security, baseline", CAL, "baselines",
                                 label_nl="veilige hechting, uitgangsniveau")
    bias_skills: float = par(0.2, -6.0, 6.0, "logit", "life skills, baseline", CAL, "baselines",
                             label_nl="levensvaardigheden, uitgangsniveau")
    bias_selfesteem: float = par(0.2, -6.0, 6.0, "logit", "self-esteem, baseline", CAL, "baselines",
                                 label_nl="zelfvertrouwen, uitgangsniveau")
    bias_agency: float = par(0.0, -6.0, 6.0, "logit", "individual agency, baseline", CAL, "baselines",
                             label_nl="regie over het eigen leven, uitgangsniveau")
    bias_participation: float = par(-0.4, -6.0, 6.0, "logit", "participation, baseline", CAL, "baselines",
                                    label_nl="meedoen, uitgangsniveau")
    bias_success: float = par(0.2, -6.0, 6.0, "logit", "chance a participation attempt succeeds, baseline", CAL, "baselines",
                              label_nl="kans dat een poging om mee te doen lukt, uitgangsniveau")
    bias_navigation: float = par(0.4, -6.0, 6.0, "logit", "finding your way in the system, baseline", CAL, "baselines",
                                 label_nl="je weg vinden in het systeem, uitgangsniveau")
    bias_identity: float = par(0.0, -6.0, 6.0, "logit", "identity and meaning, baseline", CAL, "baselines",
                               label_nl="identiteit en zingeving, uitgangsniveau")
    bias_housing: float = par(0.5, -6.0, 6.0, "logit", "housing security, baseline", CAL, "baselines",
                              label_nl="woonzekerheid, uitgangsniveau")
    bias_seek: float = par(0.5, -6.0, 6.0, "logit", "seeking help once signalled, baseline",
                           "Inspectie SZW 2021: about one third non-take-up; calibrated", "baselines",
                           label_nl="hulp zoeken na een signaal, uitgangsniveau")
    bias_efficacy: float = par(0.0, -6.0, 6.0, "logit", "collective efficacy of a block, baseline", CAL, "baselines",
                               label_nl="samenredzaamheid van een blok, uitgangsniveau")
    bias_block_attachment: float = par(0.3, -6.0, 6.0, "logit", "neighbourhood attachment (buurtgevoel), baseline", CAL, "baselines",
                                       label_nl="buurtgevoel, uitgangsniveau")
    strong_threshold: float = par(0.55, 0.0, 1.0, "0-1", "resources index above which a resident is socially strong",
                                  f"{S001}: Rotterdam typology; assumption for the cut-off", "outputs",
                                  label_nl="grens voor sociaal sterk (hulpbronnenindex)")
    decliner_threshold: float = par(0.40, 0.0, 1.0, "0-1", "resources index below which a resident is a survivor/decliner",
                                    f"{S001}: Rotterdam typology; assumption for the cut-off", "outputs",
                                    label_nl="grens voor overlever/afglijder (hulpbronnenindex)")
    strong_max_stress: float = par(0.5, 0.0, 1.0, "0-1", "chronic stress below which a resident with enough resources is socially strong",
                                   f"{S001}: Rotterdam typology (the socially strong carry their load); assumption for the cut-off",
                                   "outputs", label_nl="grens voor sociaal sterk (chronische stress)")
    mhi5_cutoff: float = par(60.0, 0.0, 100.0, "score", "MHI-5 score below which a resident counts as psychologically unhealthy",
                             "CBS Gezondheidsenquete: MHI-5 below 60", "outputs",
                             label_nl="MHI-5-score waaronder iemand psychisch ongezond telt")
    mhi5_offset: float = par(6.0, -50.0, 50.0, "score", "points the state's MHI-5 score lies below the mean of wellbeing and the absence of mental problems (times 100)",
                             "calibrated by hand: the average_nl preset after ten years (three seeds) gives CBS's 13.7% psychologically unhealthy in 2023 (that target is then no independent check)",
                             "outputs", label_nl="punten waarmee de MHI-5-score onder het gemiddelde van welbevinden en psychische gezondheid (maal 100) ligt")
    disorder_line: float = par(0.185, 0.0, 1.0, "0-1", "mental-health problem level above which an adult counts as having a mental disorder",
                               "calibrated by hand: the 74th percentile of adults 18-64 in the average_nl preset after ten years (three seeds), so that it gives NEMESIS-3's 26% (that target is then no independent check)",
                               "outputs", label_nl="niveau van psychische problemen waarboven een volwassene een psychische aandoening heeft")
    chronic_stress_line: float = par(0.6, 0.0, 1.0, "0-1", "chronic stress above which an adult counts as chronically stressed",
                                     "assumption: the upper part of the stress scale", "outputs",
                                     label_nl="grens voor chronische stress")

    # ---- citizen-style offsets on participation -----------------------------------------
    style_offset_dutiful: float = par(0.4, -4.0, 4.0, "logit", "participation offset, dutiful", f"{S001}", "styles",
                                      label_nl="extra meedoen, plichtsgetrouw")
    style_offset_responsible: float = par(0.9, -4.0, 4.0, "logit", "participation offset, responsible",
                                          f"{S001}: responsible citizens take part most", "styles",
                                          label_nl="extra meedoen, verantwoordelijk")
    style_offset_pragmatic: float = par(0.0, -4.0, 4.0, "logit", "participation offset, pragmatic", f"{S001}", "styles",
                                        label_nl="extra meedoen, pragmatisch")
    style_offset_outsider: float = par(-1.6, -4.0, 4.0, "logit", "participation offset, outsider",
                                       f"{S001}: outsiders are least inclined to take part; {S004} loop 6", "styles",
                                       label_nl="extra meedoen, buitenstaander")

    # ---- life events (yearly probabilities) and their severity ---------------------------
    p_job_loss: float = par(0.04, 0.0, 1.0, "per year", "job loss (employed)",
                            f"{S004}: life events; assumption: a few percent of Dutch employees lose their job each year", "events", label_nl="baanverlies (met werk)")
    p_job_find: float = par(0.35, 0.0, 1.0, "per year", "finding a job (job seekers of average functioning and health)",
                            "assumption: lower in a krachtwijk; sets, with job loss, the unemployment rate (CBS: 3.6% nationally in 2023)", "events",
                            label_nl="werk vinden (werkzoekenden met gemiddeld functioneren en gezondheid)")
    p_illness: float = par(0.04, 0.0, 1.0, "per year", "serious illness, at age 35", "assumption", "events",
                           label_nl="ernstige ziekte, op 35-jarige leeftijd")
    p_bereavement: float = par(0.03, 0.0, 1.0, "per year", "bereavement outside the household", "assumption", "events",
                               label_nl="overlijden van een naaste buiten het huishouden")
    p_eviction: float = par(0.004, 0.0, 1.0, "per year", "eviction, average debt", "assumption", "events",
                            label_nl="huisuitzetting, bij gemiddelde schuld")
    p_fraud_suspicion: float = par(0.02, 0.0, 1.0, "per year", "benefits fraud suspicion (unemployed)",
                                   f"{S000}, {S002}: the benefits scandal and distrust", "events",
                                   label_nl="verdenking van uitkeringsfraude (zonder werk)")
    hit_job_loss: float = par(0.5, 0.0, 1.0, "share of room", "severity of job loss", "assumption", "events",
                              label_nl="zwaarte van baanverlies")
    hit_illness: float = par(0.4, 0.0, 1.0, "share of room", "severity of illness", "assumption", "events",
                             label_nl="zwaarte van ziekte")
    hit_bereavement: float = par(0.5, 0.0, 1.0, "share of room", "severity of bereavement", "assumption", "events",
                                 label_nl="zwaarte van rouw")
    hit_debt: float = par(0.4, 0.0, 1.0, "share of room", "severity of problematic debt", "assumption", "events",
                          label_nl="zwaarte van problematische schulden")
    hit_eviction: float = par(0.6, 0.0, 1.0, "share of room", "severity of eviction", "assumption", "events",
                              label_nl="zwaarte van huisuitzetting")
    hit_fraud: float = par(0.3, 0.0, 1.0, "share of trust", "trust lost to a fraud suspicion", "assumption", "events",
                           label_nl="vertrouwen verloren door een fraudeverdenking")

    # ---- help system (loop 4) -------------------------------------------------------------
    need_threshold: float = par(0.45, 0.0, 1.0, "0-1", "need above which a person needs help", "assumption", "help",
                                label_nl="grens waarboven iemand hulp nodig heeft")
    care_months_mean: float = par(9.0, 1.0, 60.0, "months", "mean time in care", "assumption", "help",
                                  label_nl="gemiddelde duur van de hulp")
    youth_care_months: float = par(12.0, 1.0, 60.0, "months", "mean time in parenting support and youth care",
                                   "assumption: a youth-care trajectory lasts about a year", "help",
                                   label_nl="gemiddelde duur van opvoedondersteuning en jeugdhulp")
    p_queue_recovered: float = par(0.15, 0.0, 1.0, "per month",
                                   "someone waiting leaves the queue once the need has gone",
                                   "assumption: some needs pass while waiting", "help",
                                   label_nl="wachtende verlaat de wachtlijst als de hulpvraag over is")
    p_queue_give_up: float = par(0.08, 0.0, 1.0, "per month", "someone waiting gives up while the need remains",
                                 f"assumption: {S004} recommendation 7 (people drop off long waiting lists)", "help",
                                 label_nl="wachtende haakt af terwijl de hulpvraag blijft")
    p_self_signal: float = par(0.05, 0.0, 1.0, "per month", "a person notices the need unprompted", "assumption", "help",
                               label_nl="iemand merkt zelf dat hulp nodig is")
    system_complexity: float = par(0.6, 0.0, 1.0, "0-1", "complexity of the help system",
                                   f"{S004} loop 4; {S002}: too many rules", "help", label_nl="complexiteit van het hulpsysteem")
    bureaucracy: float = par(0.6, 0.0, 1.0, "0-1", "rules over people in contact with institutions",
                             f"{S000}, {S002}", "help", label_nl="regels boven mensen in het contact met instanties")

    # ---- pressure and school ----------------------------------------------------------------
    work_pressure: float = par(0.3, 0.0, 1.0, "0-1", "performance pressure at work", f"{S004}: performance pressure", "levels",
                               label_nl="prestatiedruk op het werk")
    service_reach: int = par(10, 1, 1000, "cells", "how far from home residents use a low-threshold service point",
                             "assumption: about a block (a walk of a few minutes)", "professionals",
                             label_nl="afstand tot waar bewoners een laagdrempelig loket gebruiken")
    rate_scar: float = par(0.03, 0.0, 1.0, "per month", "how fast a long spell builds a scar",
                           "assumption: a scar builds over years of unemployment, debt or chronic stress", "rates",
                           label_nl="hoe snel een lange periode een litteken achterlaat")
    rate_scar_heal: float = par(0.01, 0.0, 1.0, "per month", "how fast a scar heals after the spell",
                                "assumption: scars outlast the spell by years (Clark, Georgellis and Sanfey 2001)", "rates",
                                label_nl="hoe snel een litteken heelt na de periode")
    schools_closed: float = par(0.0, 0.0, 1.0, "0/1",
                                "schools and childcare closed (set by a lockdown; 0 otherwise)",
                                f"{S004}: the corona measures closed schools and childcare", "levels",
                                label_nl="scholen en kinderopvang dicht (door een lockdown)")
    school_pressure: float = par(0.3, 0.0, 1.0, "0-1", "performance pressure at school", f"{S004}: performance pressure", "levels",
                                 label_nl="prestatiedruk op school")
    teacher_low_expectation: float = par(0.5, 0.0, 1.0, "0-1", "teachers' lower expectations of children from the neighbourhood",
                                         f"{S000}: education inequality", "levels",
                                         label_nl="lagere verwachtingen van leraren van kinderen uit de wijk")
    p_attempt: float = par(0.3, 0.0, 1.0, "per month", "most frequent participation attempts", "assumption", "levels",
                           label_nl="hoogste aantal pogingen om mee te doen")
    negative_media: float = par(0.75, 0.0, 1.0, "0-1", "negative media image of the neighbourhood (0.5: an average Dutch neighbourhood)",
                                f"{S000}: deprived areas suffer a negative image; assumption for the level", "levels",
                                label_nl="negatief beeld van de wijk in de media (0,5: een gemiddelde Nederlandse wijk)")
    nuisance: float = par(0.6, 0.0, 1.0, "0-1", "nuisance and unsafety in the neighbourhood (0.5: an average Dutch neighbourhood)",
                          f"{S004} section 6; assumption for the level (CBS Veiligheidsmonitor measures nuisance per "
                          "neighbourhood; its focus-area figures were not in the stored pages)", "levels",
                          label_nl="overlast en onveiligheid in de wijk (0,5: een gemiddelde Nederlandse wijk)")
    housing_quality: float = par(0.35, 0.0, 1.0, "0-1",
                                 "quality of the housing and public space (0.5: an average Dutch neighbourhood)",
                                 f"{S004} section 6; assumption for the level", "levels",
                                 label_nl="kwaliteit van woningen en openbare ruimte (0,5: een gemiddelde Nederlandse wijk)")
    housing_quality_spread: float = par(0.5, 0.0, 3.0, "logit", "spread of housing quality between blocks",
                                        "assumption", "levels", label_nl="spreiding van de woningkwaliteit tussen buurten")
    polarisation: float = par(0.6, 0.0, 1.0, "0-1", "polarisation in the neighbourhood (0.5: an average Dutch neighbourhood)",
                              f"{S000}; assumption for the level", "levels",
                              label_nl="polarisatie in de wijk (0,5: een gemiddelde Nederlandse wijk)")
    turnover_reference: float = par(0.15, 0.0, 1.0, "per year", "resident turnover of a block at which it neither lowers nor raises attachment",
                                    "assumption: near the turnover of a krachtwijk (CBS 2026: 8.7% moving out and 8.9% moving in per year)",
                                    "levels", label_nl="verloop van bewoners in een blok zonder effect op het buurtgevoel")

    # ---- network ------------------------------------------------------------------------------
    concentration_reference: float = par(0.1, 0.0, 1.0, "share",
                                         "low-income share of a block at which its concentration neither raises nor "
                                         "lowers efficacy and nuisance",
                                         "assumption: near the share of the country's neighbourhoods (5-13%)", "levels",
                                         label_nl="aandeel lage inkomens waarbij concentratie niets doet")
    minor_support: float = par(0.3, 0.0, 1.0, "weight", "support a minor gives an adult, relative to an adult's (emotional, not practical)",
                               "DESIGN.md: minors give emotional, not adult-level practical support; assumption for the weight", "network",
                               label_nl="steun die een kind een volwassene geeft, t.o.v. die van een volwassene (emotioneel, niet praktisch)")
    support_scale: float = par(1.5, 0.05, 20.0, "tie weight", "support at which perceived support is 63% of full",
                               "assumption", "network", label_nl="steun waarbij ervaren steun 63% van het maximum is")
    network_scale: float = par(2.5, 0.05, 20.0, "tie weight", "tie weight at which network quality is 63% of full",
                               "assumption", "network", label_nl="contactsterkte waarbij netwerkkwaliteit 63% van het maximum is")
    tie_decay: float = par(0.1, 0.0, 0.99, "per month", "decay of a tie without contact", "assumption", "network",
                           label_nl="verzwakking van een contact zonder ontmoeting")
    tie_gain: float = par(0.3, 0.01, 1.0, "share of room", "strengthening by one contact", "assumption", "network",
                          label_nl="versterking door één ontmoeting")
    tie_min: float = par(0.08, 0.001, 0.5, "weight", "weight below which a tie is lost", "assumption", "network",
                         label_nl="sterkte waaronder een contact verloren gaat")
    p_contact_neighbour: float = par(0.08, 0.0, 0.5, "per month", "contact with a grid neighbour", "assumption", "network",
                                     label_nl="contact met een directe buur")
    p_contact_meeting: float = par(0.3, 0.0, 0.5, "per month", "contact at the meeting place when there", "assumption", "network",
                                   label_nl="contact op de ontmoetingsplek, als je er bent")
    p_contact_school: float = par(0.08, 0.0, 0.5, "per month", "contact at the school gate", "assumption", "network",
                                  label_nl="contact bij het schoolplein")
    p_contact_community: float = par(0.1, 0.0, 0.5, "per month", "contact within one's community", "assumption", "network",
                                     label_nl="contact binnen de eigen gemeenschap")
    p_contact_work: float = par(0.06, 0.0, 0.5, "per month", "contact at work", "assumption", "network",
                                label_nl="contact op het werk")
    similarity_income: float = par(0.2, 0.0, 1.0, "earning capacity", "largest difference for a bonding tie",
                                   f"{S004}: bonding between similar people", "network",
                                   label_nl="grootste verschil voor een band tussen gelijken")

    # ---- causal links ------------------------------------------------------------------------
    # loop 1
    stress_wellbeing: float = link(2.5, 8.0, "1", "-", "stress lowers wellbeing", f"{S004} loop 1")
    wellbeing_security: float = link(2.0, 8.0, "1", "+", "wellbeing raises existential security", f"{S004} loop 1")
    security_stress: float = link(2.0, 8.0, "1", "-", "existential security lowers stress", f"{S004} loop 1")
    # loop 2
    stress_functioning: float = link(2.5, 8.0, "2", "-", "stress lowers functioning in education and work", f"{S004} loop 2")
    functioning_security: float = link(1.5, 8.0, "2", "+", "functioning raises existential security", f"{S004} loop 2")
    security_future: float = link(2.5, 8.0, "2", "+", "existential security raises future perspective", f"{S004} loop 2")
    future_stress: float = link(1.5, 8.0, "2", "-", "future perspective lowers stress", f"{S004} loop 2")
    # loop 3
    stress_parenting: float = link(3.0, 8.0, "3", "-", "parents' stress lowers parenting quality", f"{S004} loop 3")
    parent_stress_support: float = link(1.0, 1.0, "3", "-",
                                        "a parent's stress (chronic and acute) lowers the support he or she gives to his or her "
                                        "own children, of any age (the support of other givers falls with their stress all the same)",
                                        f"{S004} loop 3 (stressed parents have less to give their children)", unit="weight 0-1")
    single_parenting: float = link(2.5, 8.0, "3", "-", "single parent under stress: no time to share care; lowers parenting",
                                   f"{S004} loop 3 and section on single parents")
    parenting_attachment: float = link(4.0, 10.0, "3", "+", "parenting quality raises attachment security", f"{S004} loop 3")
    attachment_skills: float = link(4.0, 10.0, "3", "+", "attachment raises the child's life skills (scaled by plasticity)",
                                    f"{S004} loop 3")
    skills_stress: float = link(4.0, 8.0, "3", "-", "life skills lower stress, now and as an adult", f"{S004} loop 3")
    skills_functioning: float = link(2.0, 8.0, "3", "+", "life skills raise functioning (the child's chances)", f"{S004} loop 3")
    skills_chances: float = link(3.0, 8.0, "3", "+", "a young adult's life skills raise earning capacity", f"{S004} loop 3")
    # loop 4
    mental_need: float = link(1.0, 1.0, "4", "+", "mental problems create need for help", f"{S004} loop 4", unit="weight 0-1")
    parenting_need: float = link(0.8, 1.0, "4", "+", "parenting problems create need for help", f"{S004} loop 4", unit="weight 0-1")
    pro_signal: float = link(0.3, 1.0, "4", "+", "a professional signals need", f"{S004} loop 4", unit="probability per month")
    school_signal: float = link(0.05, 1.0, "4", "+", "the school signals need", f"{S004} loop 4, recommendation 2", unit="probability per month")
    network_signal: float = link(0.1, 1.0, "4", "+", "the network signals need", f"{S004} loop 4", unit="probability per month")
    navigation_seek: float = link(3.0, 10.0, "4", "+", "navigation ability makes seeking help likelier", f"{S004} loop 4")
    trust_seek: float = link(4.0, 10.0, "4", "+", "trust makes seeking help likelier (fear keeps care avoiders away)",
                             f"{S004} loop 4; {S002}")
    complexity_navigation: float = link(1.5, 8.0, "4", "-", "system complexity lowers navigation", f"{S004} loop 4")
    limits_navigation: float = link(1.5, 8.0, "4", "-", "limitations (literacy, LVB, newcomer) lower navigation", f"{S004} loop 4")
    familiarity_navigation: float = link(1.0, 8.0, "4", "+", "familiarity with the system raises navigation", f"{S004} loop 4")
    network_navigation: float = link(2.0, 8.0, "4", "+", "the network raises navigation", f"{S004} loop 4 and 5")
    pro_navigation: float = link(1.5, 8.0, "4", "+", "a known professional raises navigation", f"{S004} recommendation 4, 6")
    help_mental: float = link(2.0, 8.0, "4", "-", "help lowers mental problems", f"{S004} loop 4")
    help_skills: float = link(1.0, 8.0, "4", "+", "help raises life skills", f"{S004} loop 4")
    youth_care_child: float = link(1.5, 8.0, "4", "-", "youth care lowers the children's mental problems",
                                   f"{S004} loop 4, recommendation 7 (youth mental-health care)")
    youth_care_parenting: float = link(1.0, 8.0, "4", "+", "parenting support raises the parenting a child receives",
                                       f"{S004} loop 3 and 4, recommendation 1 (parenting support)")
    wait_trust: float = link(1.5, 8.0, "4", "-", "long waits lower trust (per year waiting)", f"{S004} recommendation 7", unit="logit per year")
    # loop 5
    network_selfesteem: float = link(2.0, 8.0, "5", "+", "the network raises self-confidence", f"{S004} loop 5")
    network_agency: float = link(1.5, 8.0, "5", "+", "the network raises individual agency", f"{S004} loop 5")
    network_skills: float = link(1.0, 8.0, "5", "+", "the network raises life skills", f"{S004} loop 5")
    network_participation: float = link(1.5, 8.0, "5", "+", "the network raises participation", f"{S004} loop 5")
    network_stress: float = link(1.5, 8.0, "5", "-", "the network lowers stress", f"{S004} loop 5")
    participation_ties: float = link(2.0, 8.0, "5", "+", "participation makes new contacts likelier", f"{S004} loop 5")
    community_ties: float = link(1.0, 1.0, "5", "+", "shared ideals or faith open a channel for ties",
                                 f"{S004} loop 5", unit="multiplier 0-1")
    participation_skills: float = link(1.0, 8.0, "5", "+", "participation raises life skills", f"{S004} system analysis")
    # loop 6
    success_agency: float = link(2.5, 8.0, "6", "+", "success experiences raise individual agency", f"{S004} loop 6")
    success_selfesteem: float = link(1.0, 8.0, "6", "+", "success experiences raise self-esteem", f"{S004} loop 6")
    agency_participation: float = link(2.0, 8.0, "6", "+", "agency raises participation (and the chance of success)", f"{S004} loop 6")
    participation_success: float = link(1.0, 1.0, "6", "+", "participation turns into attempts that can succeed",
                                        f"{S004} loop 6", unit="weight 0-1")
    efficacy_success: float = link(2.0, 8.0, "6", "+", "collective efficacy raises the chance an attempt succeeds", f"{S004} loop 6")
    participation_efficacy: float = link(3.0, 10.0, "6", "+", "participation in the block raises collective efficacy", f"{S004} loop 6")
    support_efficacy: float = link(2.0, 10.0, "6", "+", "community support raises collective efficacy", f"{S004} loop 6")
    # other links
    events_stress: float = link(1.0, 1.0, "other", "+", "life events raise acute stress", f"{S004} system analysis", unit="weight 0-1")
    acute_chronic: float = link(3.0, 10.0, "other", "+", "acute load that outlasts capacity becomes chronic stress",
                                f"{S003}: draaglast vs draagkracht; {S004}")
    insecurity_events: float = link(1.5, 6.0, "other", "+", "material insecurity raises life-event rates", "DESIGN.md")
    stress_events: float = link(1.0, 6.0, "other", "+", "stress raises life-event rates", "DESIGN.md")
    support_stress: float = link(1.5, 8.0, "other", "-", "support received lowers an adult's stress (minors: through parenting)",
                                 "Rueger et al. 2016: support and depression in youth, r = .26; minors get it through loop 3")
    support_wellbeing: float = link(1.0, 8.0, "other", "+", "support received raises wellbeing", f"{S004}")
    care_stress: float = link(1.5, 8.0, "other", "+", "care tasks add load", f"{S004}: single parents carry all care tasks")
    pressure_stress: float = link(1.5, 8.0, "other", "+", "performance pressure adds load", f"{S004} system analysis")
    shame_participation: float = link(1.5, 8.0, "other", "-", "poverty, shame and exclusion lower participation", f"{S004}")
    debt_shame: float = link(1.0, 8.0, "other", "-", "problematic debt brings shame, and people in debt withdraw from taking part", f"{S004}: debt, shame and exclusion; assumption for the strength")
    stress_mental: float = link(3.0, 10.0, "other", "+", "stress raises mental-health problems", f"{S004} system analysis")
    mental_wellbeing: float = link(1.0, 8.0, "other", "-", "mental problems lower wellbeing", f"{S004}")
    stress_health: float = link(1.0, 8.0, "other", "-", "stress harms physical health", f"{S004} system analysis")
    health_wellbeing: float = link(1.0, 8.0, "other", "+", "physical health raises wellbeing", f"{S004}: wellbeing definition")
    knownface_trust: float = link(2.0, 8.0, "other", "+", "good contact with a known face raises trust", f"{S000}, {S002}")
    bad_contact_trust: float = link(1.5, 8.0, "other", "-", "rules over people in contact with institutions lower trust", f"{S000}, {S002}")
    fraud_trust: float = link(1.0, 1.0, "other", "-", "a benefits fraud suspicion cuts trust", f"{S000}, {S002}", unit="weight 0-1")
    bureaucracy_effectiveness: float = link(1.5, 8.0, "other", "-", "bureaucracy lowers professionals' effectiveness", f"{S000}, {S002}")
    competition_effectiveness: float = link(1.0, 8.0, "other", "-", "competition between organisations lowers effectiveness", f"{S000}")
    giveback_support: float = link(1.0, 4.0, "other", "+", "resilient residents give more support (the oil spill)", f"{S000}")
    giveback_participation: float = link(1.5, 8.0, "other", "+", "resilient residents volunteer and become key figures", f"{S000}")
    turnover_attachment: float = link(2.0, 8.0, "other", "-", "resident turnover lowers neighbourhood attachment", f"{S000}; {S004}")
    lowincome_attachment: float = link(1.0, 8.0, "other", "-", "concentration of low income lowers attachment", f"{S000}")
    media_attachment: float = link(0.5, 8.0, "other", "-", "negative media lower attachment", f"{S000}")
    polarisation_attachment: float = link(0.5, 8.0, "other", "-", "polarisation lowers attachment", f"{S000}")
    mix_attachment: float = link(0.5, 8.0, "other", "+",
                                 "a mixed housing stock (social rent beside owner-occupied homes) raises attachment",
                                 f"{S004} section 6: diversity of socioeconomic status strengthens neighbourhood feeling; "
                                 "differentiate the housing stock")
    disadvantage_efficacy: float = link(1.5, 8.0, "6", "-", "concentrated disadvantage (low income) lowers collective efficacy",
                                        SNE)
    instability_efficacy: float = link(2.0, 8.0, "6", "-", "residential instability (turnover) lowers collective efficacy",
                                       SNE, unit="logit per unit of yearly turnover")
    efficacy_nuisance: float = link(2.0, 8.0, "6", "-", "collective efficacy lowers nuisance and unsafety",
                                    "Sampson, Raudenbush and Earls (1997): collective efficacy mediates violence and disorder")
    disadvantage_nuisance: float = link(1.0, 8.0, "other", "+", "concentration of low income raises nuisance and unsafety",
                                        f"{S004} section 6: concentration of low income and social rent goes with more "
                                        "nuisance and less safety")
    nuisance_stress: float = link(1.0, 8.0, "other", "+", "nuisance and unsafety in the block raise stress",
                                  "Ross and Mirowsky (2001), neighbourhood disorder and distress; DESIGN.md, Neighbourhood")
    housing_quality_stress: float = link(0.8, 8.0, "other", "-",
                                         "good housing and public space lower stress (poor quality raises it)",
                                         f"{S004} section 6: invest in the housing stock and public space")
    attachment_efficacy: float = link(1.5, 8.0, "other", "+", "neighbourhood attachment raises collective efficacy", f"{S004} loop 6")
    teacher_expectations: float = link(0.8, 8.0, "other", "-", "teachers' low expectations lower a child's confidence", f"{S000}")
    identity_stress: float = link(0.5, 8.0, "other", "-", "identity and meaning lower stress", f"{S004} cultural resources")
    identity_future: float = link(0.8, 8.0, "other", "+", "faith and culture give hope for the future", f"{S004} cultural resources")
    community_identity: float = link(2.0, 8.0, "other", "+", "membership of a community gives identity and meaning", f"{S004} cultural resources")
    income_security: float = link(2.5, 8.0, "other", "+", "income adequacy raises existential security", f"{S004}: bestaanszekerheid")
    debt_security: float = link(1.5, 8.0, "other", "-", "debt lowers existential security", f"{S004}: bestaanszekerheid")
    housing_security: float = link(1.5, 8.0, "other", "+", "housing security raises existential security", f"{S004}: bestaanszekerheid")
    functioning_employment: float = link(1.5, 8.0, "other", "+", "functioning keeps and finds jobs", f"{S004} loop 2")
    bridging_employment: float = link(1.0, 8.0, "other", "+", "bridging ties help find work", f"{S004}: bridging social capital")
    newcomer_obstacles: float = link(1.5, 8.0, "other", "-", "obstacles to work for newcomers and refugees", f"{S004} recommendation 9")
    builder_participation: float = link(1.5, 8.0, "other", "+", "a community builder draws residents in", f"{S004} recommendation 6")
    meeting_participation: float = link(1.0, 8.0, "other", "+", "an open meeting place within reach raises participation", f"{S004} recommendation 5")
    stress_withdrawal: float = link(1.0, 8.0, "other", "-", "stress makes people withdraw from contact", "DESIGN.md")
    distrust_withdrawal: float = link(1.0, 8.0, "other", "-", "distrust makes people withdraw from contact", f"{S002}")
    navigation_claim: float = link(3.0, 8.0, "4", "+", "finding your way raises the claiming of social assistance", f"{S004} loop 4: non-take-up")
    trust_claim: float = link(3.0, 8.0, "4", "+", "trust in institutions raises the claiming of social assistance", f"{S002}, {S004} loop 4")
    health_employment: float = link(1.0, 8.0, "other", "+", "physical health keeps and finds jobs", "assumption: health limits work")
    health_disability: float = link(4.0, 12.0, "other", "-", "poor health makes work disability likelier", "assumption")
    debt_eviction: float = link(4.0, 12.0, "other", "+", "debt raises the eviction rate", f"{S004}: debt can end in eviction")
    age_illness: float = link(0.02, 0.1, "other", "+", "illness becomes likelier with age", "assumption: illness rises with age", unit="per year of age")
    age_health: float = link(0.04, 0.2, "other", "-", "physical health declines with age (old age brings health limits)", "assumption", unit="logit per year of age")
    psy_capacity: float = link(0.35, 1.0, "other", "+", "psychological resources help recover from acute stress (draagkracht)", f"{S003}, {S004}", unit="weight")
    support_capacity: float = link(0.35, 1.0, "5", "+", "support helps recover from acute stress", f"{S004} loop 5", unit="weight")
    identity_capacity: float = link(0.1, 1.0, "other", "+", "identity and meaning help recover from acute stress", f"{S004} cultural resources", unit="weight")
    material_capacity: float = link(0.2, 1.0, "other", "+", "material resources help recover from acute stress", f"{S004}", unit="weight")
    jobless_scar: float = link(0.5, 1.0, "2", "+", "a year and more out of work leaves a scar",
                               "Clark, Georgellis and Sanfey (2001), scarring: the psychological impact of past "
                               "unemployment; Arulampalam (2001)", unit="weight 0-1")
    debt_scar: float = link(0.3, 1.0, "1", "+", "problematic-level debt leaves a scar",
                            f"{S004}: poverty and debt trap, stress is persistent (hardnekkig)", unit="weight 0-1")
    stress_scar: float = link(0.3, 1.0, "1", "+", "chronic stress leaves a scar (allostatic load)",
                              "McEwen (1998), allostatic load; " + f"{S004}: stress is persistent", unit="weight 0-1")
    scar_recovery: float = link(0.4, 1.0, "1", "-", "scars slow the recovery from setbacks",
                                "Clark, Georgellis and Sanfey (2001): past unemployment lowers wellbeing after re-employment",
                                unit="share of recovery capacity lost at a full scar")
    scar_skills: float = link(1.0, 8.0, "2", "-", "scars lower life skills",
                              "Arulampalam (2001): lasting wage and skill penalties of unemployment")
    service_point_navigation: float = link(1.0, 8.0, "4", "+",
                                           "a low-threshold service point within reach raises navigation",
                                           f"{S004} recommendation 4 (a physically present, low-threshold service point)")
    service_point_trust: float = link(0.8, 8.0, "4", "+", "a low-threshold service point within reach raises trust",
                                      f"{S004} recommendation 4; {S002}: trust is won back face to face")
    service_point_signal: float = link(0.1, 1.0, "4", "+",
                                       "a low-threshold service point within reach lowers the threshold to help (need is noticed)",
                                       f"{S004} recommendation 4", unit="probability per month")
    closure_care: float = link(1.0, 4.0, "3", "+",
                               "closed schools and childcare add to the care load (children at home)",
                               f"{S004}: during the lockdowns parents, single parents most, carried care and "
                               "schooling at home", unit="multiplier")
    single_care: float = link(1.0, 4.0, "3", "+", "a single parent carries the care tasks alone (a couple shares them)", f"{S004} loop 3", unit="multiplier")
    income_housing: float = link(2.0, 8.0, "other", "+", "income adequacy raises housing security", "assumption")
    debt_housing: float = link(2.0, 8.0, "other", "-", "arrears lower housing security", f"{S004}")
    social_housing: float = link(1.0, 8.0, "other", "+", "social housing gives housing security", "assumption: protected tenancy", unit="logit")
    stress_separation: float = link(1.0, 6.0, "other", "+", "stress raises the separation rate", "assumption")
    selective_outmigration: float = link(1.5, 6.0, "other", "+", "residents who do well are likelier to leave", f"{S000}")
    attachment_stay: float = link(1.0, 6.0, "other", "-", "neighbourhood attachment makes residents stay", f"{S000}")
    meeting_ties: float = link(1.0, 4.0, "6", "+", "meeting at a meeting place makes contacts (multiplies p_contact_meeting)",
                               f"{S003}; {S004} recommendation 5", unit="multiplier")
    school_gate_ties: float = link(1.0, 4.0, "6", "+", "parents meet at the school gate (multiplies p_contact_school)",
                                   f"{S004} recommendation 2", unit="multiplier")
    # What the programmes do to those they enrol (abm/interventions/mechanisms.py), each at full
    # effect (an intervention's ``effect`` of 1) and switched like any other link.
    support_parenting: float = link(0.05, 0.5, "3", "+",
                                    "parenting support raises the parenting quality the children of enrolled single parents receive",
                                    f"{S004} recommendation 1; bounded by Siegenthaler et al. 2012 (prevention for children "
                                    "of parents with mental illness, RR 0.60)", unit="share of the gap to 1 per month")
    relief_care: float = link(0.3, 0.9, "3", "-", "relief of care tasks lowers an enrolled single parent's care load",
                              f"{S004} recommendation 1 (assumption: a few hours of help a week)", unit="share of the care load")
    cash_savings: float = link(50.0, 500.0, "1", "+", "material help adds to an enrolled single-parent household's savings",
                               f"{S004} recommendation 1 (assumption: a small monthly amount)", unit="EUR per month")
    floor_income: float = link(1.2, 2.0, "1", "+",
                               "an income floor tops up an enrolled household's equivalised income to this multiple of the "
                               "low-income line",
                               f"{S004} recommendation 3; anchored by McGuire et al. 2022 (cash transfers: wellbeing "
                               "d = 0.13, mental health d = 0.07)", unit="times the low-income line")
    relief_arrears: float = link(0.05, 0.5, "1", "-", "debt relief pays off an enrolled household's arrears",
                                 f"{S004} recommendation 3; bounded by Ong et al. 2019 (debt relief: -11% anxiety)",
                                 unit="share of the arrears per month")
    exceptions_bureaucracy: float = link(0.1, 0.5, "other", "-",
                                         "room for tailor-made exceptions lowers bureaucracy (in proportion to the households reached)",
                                         f"{S004} recommendation 3; {S002}", unit="share of bureaucracy at full reach")
    peer_group_support: float = link(0.1, 0.5, "5", "+", "a peer group gives support to those waiting for care",
                                     f"{S004} recommendation 8", unit="share of the gap to 1 per month")
    peer_group_mental: float = link(0.03, 0.3, "4", "-", "a peer group eases the mental problems of those waiting for care",
                                    f"{S004} recommendation 8; bounded by Pfeiffer et al. 2011 (peer support for depression, "
                                    "SMD -0.59)", unit="share of the problems per month")
    training_skills: float = link(0.02, 0.2, "2", "+", "learning and development raise an enrolled adult's life skills",
                                  f"{S004} recommendation 10 (assumption)", unit="share of the gap to 1 per month")
    training_earning: float = link(0.01, 0.2, "2", "+", "learning and development raise an enrolled adult's earning capacity",
                                   f"{S004} recommendation 10 (assumption)", unit="share of the gap to 1 per month")
    pairing_ties: float = link(0.5, 1.0, "5", "+", "a support family keeps a bridging tie with the family it is paired with",
                               f"{S004}; {S003} (buurtgezinnen)", unit="tie gain per month")

    # ------------------------------------------------------------------------------------------
    def __post_init__(self) -> None:
        for f in fields(self):
            check_value(f.name, getattr(self, f.name))
        check_combination(self)

    def __hash__(self) -> int:
        # the generated hash walks all fields (about 20 us); cached parameter lookups
        # (in-migration, births) ask for it every month, so it is kept after the first time
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, name) for name in _FIELD_NAMES))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        # string hashes differ between processes: a copy sent elsewhere computes its own
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def replace(self, **changes: Any) -> "Params":
        """A copy with ``changes`` applied and checked (unknown names raise)."""
        for name in changes:
            spec(name)
        return dataclasses.replace(self, **changes)

    def vector(self) -> np.ndarray:
        """The parameters the kernels read, as float64[N_K] indexed by :class:`abm.kernels.K`."""
        pv = np.empty(N_K, dtype=np.float64)
        for k in K:
            pv[k] = float(getattr(self, k.name))
        return pv

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_FIELDS = {f.name: f for f in fields(Params)}
_FIELD_NAMES: tuple[str, ...] = tuple(_FIELDS)
LINK_NAMES: tuple[str, ...] = tuple(n for n, f in _FIELDS.items() if f.metadata["kind"] == "link")
STYLE_SHARES = ("style_dutiful", "style_responsible", "style_pragmatic", "style_outsider")


def spec(name: str) -> dataclasses.Field:
    """The schema field ``name``; raises :class:`ParameterError` with close matches."""
    try:
        return _FIELDS[name]
    except (KeyError, TypeError):
        hint = close_matches_hint(name, _FIELDS).strip() or "see `python run.py params` for the list"
        raise ParameterError(f"unknown parameter {shown(name)}; {hint}") from None


def close_matches_hint(name: Any, allowed: Iterable[str], cutoff: float = 0.6) -> str:
    """``"did you mean a, b? "`` naming up to three of ``allowed`` close to ``name``, or ``""``.

    The one "did you mean" of every error message about an unknown name (a parameter, link,
    preset, key, outcome, sampler, intervention or setting); put it before the "allowed:"
    part of the message. A ``name`` that is not text has no close matches.
    """
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, [str(a) for a in allowed], n=3, cutoff=cutoff)
    return f"did you mean {', '.join(close)}? " if close else ""


def check_number(where: str, name: str, value: Any, lo, hi, whole: bool = False, *, unit: str = "",
                 hi_text: str | None = None, error: type[Exception] | None = None) -> int | float:
    """``value`` checked as a finite number from ``lo`` to ``hi`` (whole if ``whole``); returned.

    The one check of every bounded number (parameters, run settings, counts, settings of
    interventions and shocks, sweep entries). Numbers are ``int``, ``float`` or their numpy
    kinds, never a bool. A whole number may be written as a float with nothing after the
    point (``12.0``) and is returned as an ``int``; the range test is exact for whole numbers
    of any size. Raises ``error`` (default :class:`ParameterError`) with one line: ``where:
    name = value is ...; allowed: lo to hi (unit)`` (``hi_text`` shows ``hi`` in another form,
    e.g. ``2**63 - 1``).
    """
    error = error or ParameterError
    prefix = f"{where}: " if where else ""
    allowed = f"allowed: {lo} to {hi_text or hi}" + (f" ({unit})" if unit else "")
    facts = {"name": name, "value": value, "lo": lo, "hi": hi, "unit": unit}
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise _explained(error(f"{prefix}{name} = {shown(value)} is not a number; {allowed}"), "not_number", **facts)
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise _explained(error(f"{prefix}{name} = {shown(value)} is not a finite number; {allowed}"), "not_finite",
                         **facts)
    if not lo <= value <= hi:  # exact for ints of any size (no conversion to float)
        raise _explained(error(f"{prefix}{name} = {shown(value)} is out of range; {allowed}"), "range", **facts)
    if whole and isinstance(value, (float, np.floating)) and not float(value).is_integer():
        raise _explained(error(f"{prefix}{name} = {shown(value)} is not a whole number; {allowed}"), "not_whole",
                         **facts)
    return int(value) if whole else value


def shown(value: Any, limit: int = 40) -> str:
    """``value`` for an error message: its repr, shortened, and safe for numbers of any size.

    A whole number too long to print (Python refuses over 4300 digits) is described by its
    number of digits, and a long repr is cut to ``limit`` characters, so every message stays
    one readable line.
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        digits = int(abs(value).bit_length() * 0.30103) + 1
        return f"{'-' if value < 0 else ''}a whole number of about {digits} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # holds a number too long to print, or nested too deeply
        text = f"a {type(value).__name__} too large to print"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_value(name: str, value: Any) -> None:
    """Raise :class:`ParameterError` unless ``value`` is allowed for parameter ``name``.

    Allowed: a finite number (an ``int`` or ``float``, not a bool) from the field's ``lo``
    to ``hi``, and a whole number where the field is an ``int`` (see :func:`check_number`).
    """
    f = spec(name)
    check_number("", name, value, f.metadata["lo"], f.metadata["hi"], f.type in ("int", int), unit=f.metadata["unit"])


@dataclass(frozen=True)
class RunSettings:
    """How long a run lasts and where its luck starts, checked in this one place.

    ``steps`` is the number of months after the burn-in, 1 to :data:`STEPS_MAX`; ``seed``
    is 0 to 2**63 - 1, or None for a fresh seed at each run. Making one checks both (a whole
    number written as ``12.0`` becomes ``12``); every way in (a scenario's ``[run]``, the
    command line, a batch task, a sweep or comparison) goes through :meth:`check` or
    :meth:`arg`. They are not parameters of the model (a run of the same neighbourhood may
    be longer or have another seed), so they are not fields of :class:`Params`.
    """

    steps: int = DEFAULT_STEPS
    seed: int | None = None

    #: (lo, hi, hi as shown) of each setting
    BOUNDS = {"steps": (1, STEPS_MAX, None), "seed": (0, SEED_MAX, "2**63 - 1")}

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", self._checked("steps", self.steps))
        if self.seed is not None:
            object.__setattr__(self, "seed", self._checked("seed", self.seed))

    @classmethod
    def _checked(cls, name: str, value) -> int:
        lo, hi, hi_text = cls.BOUNDS[name]
        return check_number("", name, value, lo, hi, whole=True, hi_text=hi_text)

    @classmethod
    def check(cls, steps=DEFAULT_STEPS, seed=None, where: str = "", *, need_seed: bool = False,
              error: type[Exception] = ParameterError) -> "RunSettings":
        """The settings, checked; raises ``error`` with one line (prefixed ``where: ``).

        With ``need_seed`` a missing seed (None) is refused too.
        """
        try:
            if need_seed and seed is None:
                cls._checked("seed", seed)
            return cls(steps, seed)
        except ParameterError as e:
            raise error(f"{where}: {e}" if where else str(e)) from None

    @classmethod
    def arg(cls, name: str):
        """An argparse type for ``--steps`` or ``--seed``."""
        return whole_arg(name, *cls.BOUNDS[name])


def whole_arg(name: str, lo: int | None = None, hi: int | None = None, hi_text: str | None = None):
    """An argparse type: a whole number (from ``lo`` to ``hi`` where given, see :func:`check_number`).

    Text of any length is safe: a number too long to read is refused like one out of range.
    """
    bounded = lo is not None and hi is not None
    allowed = f"allowed: {lo} to {hi_text or hi}" if bounded else "allowed: a whole number"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            if text.strip().lstrip("+-").isdigit():  # longer than Python reads (4300 digits)
                why = "is out of range" if bounded else "has too many digits"
                raise argparse.ArgumentTypeError(f"{name} = {shown(text)} {why}; {allowed}") from None
            raise argparse.ArgumentTypeError(f"{name} = {shown(text)} is not a whole number; {allowed}") from None
        if not bounded:
            return value
        try:
            return check_number("", name, value, lo, hi, whole=True, hi_text=hi_text)
        except ParameterError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return parse


def check_combination(p: Params) -> None:
    """Checks that involve more than one parameter."""
    total = sum(getattr(p, n) for n in STYLE_SHARES)
    if abs(total - 1.0) > 1e-6:
        raise _explained(ParameterError(
            f"citizen style shares must add up to 1, got {total:.4f} "
            f"({', '.join(f'{n}={getattr(p, n)}' for n in STYLE_SHARES)})"
        ), "styles", total=total)
    if p.share_single_adult + p.share_couple_no_children > 1.0:
        total = p.share_single_adult + p.share_couple_no_children
        raise _explained(ParameterError(
            f"share_single_adult + share_couple_no_children = {total:.3f} must be at most 1"
        ), "households", total=total)
    for dim in ("grid_width", "grid_height"):
        if getattr(p, dim) % p.block_size:
            raise _explained(ParameterError(
                f"{dim} = {getattr(p, dim)} must be a multiple of block_size = {p.block_size}"
            ), "grid", name=dim, value=getattr(p, dim), block=p.block_size)
    if p.decliner_threshold >= p.strong_threshold:
        raise _explained(ParameterError(
            f"decliner_threshold = {p.decliner_threshold} must be below strong_threshold = {p.strong_threshold}"
        ), "thresholds", low=p.decliner_threshold, high=p.strong_threshold)


def coerce(name: str, text: str) -> int | float:
    """Parse a command-line value for parameter ``name`` (``--set name=value``); checked."""
    f = spec(name)
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(
            f"{name} = {shown(text)} is not a number; allowed: {f.metadata['lo']} to {f.metadata['hi']}"
        ) from None
    if f.type in ("int", int) and value.is_integer():
        value = int(value)
    check_value(name, value)
    return value


def make_params(base: Params | None = None, changes: Mapping[str, Any] | None = None) -> Params:
    """``base`` (default: :class:`Params`) with ``changes``, every value checked."""
    base = base or Params()
    changes = dict(changes or {})
    for name, value in changes.items():
        check_value(name, value)
        if spec(name).type in ("int", int):
            changes[name] = int(value)
    return dataclasses.replace(base, **changes)


def check_links(names: Iterable[str]) -> tuple[str, ...]:
    """Validate link names for ``--off`` (a list of names); raises with close matches."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise ParameterError(f"links to switch off = {shown(names)}: expected a list of link names, "
                             "e.g. ['stress_parenting']; see `python run.py links` for the list")
    out = []
    for name in names:
        if not isinstance(name, str):
            raise ParameterError(f"link {shown(name)} is not a name; allowed: link names such as "
                                 "'stress_parenting' (see `python run.py links`)")
        if name not in LINK_NAMES:
            hint = close_matches_hint(name, LINK_NAMES).strip() or "see `python run.py links` for the list"
            raise ParameterError(f"unknown link {shown(name)}; {hint}")
        out.append(name)
    return tuple(out)


LOOP3_LINKS: tuple[str, ...] = tuple(n for n in LINK_NAMES if _FIELDS[n].metadata["loop"] == "3")


def switch_vector(off: Iterable[str] = ()) -> np.ndarray:
    """Link switches as float64[N_L] indexed by :class:`abm.kernels.L`: 1 on, 0 off."""
    sw = np.ones(N_L, dtype=np.float64)
    for name in check_links(off):
        sw[L[name]] = 0.0
    return sw


def schema_rows() -> list[dict[str, Any]]:
    """One row per parameter (name, default, range, unit, group, labels, source) for docs and UIs.

    ``label_nl`` is the Dutch label (empty for the causal links, which the browser view does
    not show as sliders).
    """
    rows = []
    for name, f in _FIELDS.items():
        md = f.metadata
        rows.append(dict(name=name, default=f.default, lo=md["lo"], hi=md["hi"], unit=md["unit"],
                         group=md["group"], kind=md["kind"], label=md["label"], label_nl=md.get("label_nl", ""),
                         source=md["source"], loop=md.get("loop", ""), sign=md.get("sign", "")))
    return rows
