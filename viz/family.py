"""Teaching view: one family across generations, and where a policy would have broken the cycle.

The page of the family (the domain is :mod:`experiments.family`: tracing a family and its
runs under a policy; the story is :mod:`viz.family_story`, the chart
:mod:`viz.family_chart`, the texts :mod:`viz.i18n`). :func:`FamilyView` lets a class pick
a family (or the page picks a telling one), follow it over the years, switch a policy on
(the same family again with the same seed) and step through the story. Stable test ids
(CSS classes) for browser tests:

============================  ==========================================================
``vk-family``                 the whole view
``vk-family-seed``            seed input
``vk-family-years``           years to follow (slider, wrapped)
``vk-family-pick``            family choice (select; first entry lets the page pick)
``vk-family-policy``          policy choice (toggle buttons: none and the three policies)
``vk-family-measures``        measures shown in the chart (multi-select)
``vk-family-busy``            shown while a run is computing
``vk-family-error``           a readable message instead of a traceback
``vk-family-members``         the family's members (names, roles)
``vk-family-chart``           the chart (inline SVG); inside it ``vk-family-event`` marks an
                              event (hover for the text), ``vk-family-now`` the caption's month
``vk-family-summary``         the policy comparison in words
``vk-family-story``           the story card
``vk-family-caption``         the current caption
``vk-family-step``            "3 of 9" ("3 van 9"): where in the story
``vk-family-prev``            previous caption
``vk-family-next``            next caption
``vk-family-glossary``        the Dutch terms with their tooltips
``vk-family-term-NAME``       one term (veerkracht, draagkracht, draaglast, bestaanszekerheid)
============================  ==========================================================
"""

from __future__ import annotations

import functools

import numpy as np
import solara
import solara.lab

from abm.params import ParameterError, Params
from experiments.family import (
    FAMILY_SEED, FAMILY_YEARS, MEASURES, POLICIES, YEAR, Comparison, FamilyError, FamilyTrace, candidate_facts,
    check_run, compare_traces, family_params, pick_family, run_family,
)
from viz.family_chart import family_svg
from viz.family_story import caption_text, pct, story
from viz.i18n import GLOSSARY, LANGS, gloss, t
from viz.render import Markdown

__all__ = ["FamilyView", "Glossary", "error_text", "family_choices"]


def error_text(exc: Exception, lang: str) -> str:
    """A readable message in ``lang`` for an error of this module, the schema or anything else."""
    if isinstance(exc, FamilyError):
        return t(exc.key, lang).format(**exc.values)
    if isinstance(exc, ParameterError):
        return t("fam.err.params", lang).format(msg=str(exc))
    return t("fam.err.other", lang).format(msg=f"{type(exc).__name__}: {exc}")


# ---- the component ---------------------------------------------------------------------------

def family_choices(params: Params, seed: int, k: int = 12) -> list[tuple[int, dict]]:
    """The candidate families at month 0 for the pick list: (household, facts to show)."""
    return [(c["household"], {"hh": c["household"], "kind": f"fam.kind.{c['kind'].name.lower()}", "n": len(c["ages"]),
                              "ages": ", ".join(str(a // YEAR) for a in c["ages"]), "stress": pct(c["stress"])})
            for c in candidate_facts(params, seed, k)]


def _choice_label(facts: dict, lang: str) -> str:
    return t("fam.pick.item", lang).format(**{**facts, "kind": t(facts["kind"], lang)})


@functools.lru_cache(maxsize=8)
def _base_trace(params: Params, seed: int, months: int, household: int | None) -> FamilyTrace:
    """The run without a policy, kept for the page (picked ahead when ``household`` is None)."""
    if household is None:
        return pick_family(params, seed, months)
    return run_family(params, seed, months, household)


@functools.lru_cache(maxsize=16)
def _policy_trace(params: Params, seed: int, months: int, household: int, policy: str) -> FamilyTrace:
    """The run with ``policy``, kept for the page."""
    return run_family(params, seed, months, household, policy=policy)


def _compute(params: Params, seed: int, months: int, household: int | None, policy: str):
    """(trace without a policy, comparison or None) for the page; runs are kept, so switching back is instant."""
    check_run(seed, months)
    base = _base_trace(params, int(seed), int(months), household)
    if policy == "none":
        return base, None
    if policy not in POLICIES:
        raise FamilyError("fam.err.policy", policy=policy, allowed=", ".join(POLICIES))
    other = _policy_trace(params, int(seed), int(months), base.household, policy)
    return base, compare_traces(base, other, policy)


@solara.component
def Glossary(lang: str):
    """The Dutch terms of the sources, each explained in a tooltip."""
    with solara.Row(classes=["vk-family-glossary"], gap="8px"):
        solara.Text(t("fam.glossary", lang) + ":")
        for term in ("veerkracht", "draagkracht", "draaglast", "bestaanszekerheid"):
            if term in GLOSSARY:
                with solara.Tooltip(gloss(term, lang)):
                    solara.Text(term, classes=[f"vk-family-term-{term}"],
                                style={"text-decoration": "underline dotted", "cursor": "help"})


@solara.component
def _Members(trace: FamilyTrace, lang: str):
    lines = []
    for m in sorted(trace.members.values(), key=lambda m: (m.first_month, m.generation, m.pid)):
        if m.first_month == trace.start_month:
            lines.append(t("fam.member.line", lang).format(name=m.name, rel=t(m.role_key(), lang),
                                                           age=m.age_first // YEAR))
        else:
            lines.append(t("fam.member.later", lang).format(name=m.name, rel=t(m.role_key(), lang),
                                                            year=trace.year_of(m.first_month) + 1))
    with solara.Details(summary=t("fam.members", lang)):
        Markdown("\n".join(f"- {x}" for x in lines), style="font-size: 0.95em")
    solara.Div(classes=["vk-family-members"], children=[solara.Text(" \u00b7 ".join(
        f"{m.name} ({t(m.role_key(), lang)})" for m in trace.founders()))])


@solara.component
def _Summary(c: Comparison, lang: str):
    policy = t(f"fam.policy.{c.policy}", lang)
    lines = [f"**{t('fam.compare', lang)}: {policy}.** {t('fam.compare.same_luck', lang)}"]
    lines.append(t("fam.compare.reached", lang).format(year=c.base.year_of(c.reached_month) + 1)
                 if c.reached_month is not None else t("fam.compare.missed", lang))
    lines.append(t("fam.compare.parted", lang).format(year=c.base.year_of(c.parted_month) + 1)
                 if c.parted_month is not None else t("fam.compare.not_parted", lang))
    lines.append(t(f"fam.verdict.{c.verdict}", lang).format(policy=policy))
    table = [f"| {t('fam.compare.col.name', lang)} | {t('fam.compare.col.parenting', lang)} | "
             f"{t('fam.compare.col.skills', lang)} | {t('fam.compare.col.stress', lang)} |", "|---|---|---|---|"]
    unseen = t("fam.compare.not_seen", lang)

    def pair(a, b):
        return unseen if np.isnan(a) or np.isnan(b) else f"{pct(a)} / {pct(b)}"

    for r in c.children.itertuples():
        table.append(f"| {r.name} | {pair(r.parenting_without, r.parenting_with)} | "
                     f"{pair(r.life_skills_18_without, r.life_skills_18_with)} | "
                     f"{pair(r.stress_young_without, r.stress_young_with)} |")
    Markdown("\n\n".join(lines) + "\n\n" + "\n".join(table), style="font-size: 1.05em")


@solara.component
def FamilyView(lang: str = "nl", params: Params | None = None, glossary: bool = True):
    """The teaching page: pick a family, follow it over the years, compare a policy, tell the story.

    ``lang`` is 'nl' or 'en' (anything else shows Dutch). ``params`` is the neighbourhood
    (default :func:`family_params`: 20 x 20 dwellings, about 950 residents). ``glossary``
    shows the Dutch terms with their tooltips (a page that shows them already can leave
    them out).
    """
    lang = lang if lang in LANGS else "nl"
    seed, set_seed = solara.use_state(FAMILY_SEED)
    years, set_years = solara.use_state(FAMILY_YEARS)
    choice, set_choice = solara.use_state("auto")
    policy, set_policy = solara.use_state("none")
    measures, set_measures = solara.use_state(["stress", "parenting", "life_skills"])
    step, set_step = solara.use_state(0)
    params_in = params

    def make_params_safe():
        try:
            return (params_in or family_params()), None
        except Exception as e:  # noqa: BLE001 - a bad neighbourhood shows a message, not a traceback
            return None, e

    p, p_error = solara.use_memo(make_params_safe, dependencies=[params_in])

    def choices():
        if p is None:
            return []
        try:
            return family_choices(p, seed)
        except Exception:  # noqa: BLE001 - the run below reports the same problem readably
            return []

    options = solara.use_memo(choices, dependencies=[p, seed])
    # a family of another seed's list falls back to the page's pick
    household = int(choice) if choice in {str(hh) for hh, _ in options} else None

    def compute():
        if p_error is not None:
            raise p_error
        return _compute(p, seed, years * YEAR, household, policy)

    result = solara.lab.use_task(compute, dependencies=[p, seed, years, household, policy], raise_error=False)

    labels = {"auto": t("fam.pick.auto", lang), **{str(hh): _choice_label(f, lang) for hh, f in options}}
    by_label = {v: k for k, v in labels.items()}
    policy_labels = {k: t(f"fam.policy.{k}", lang) for k in ("none", *POLICIES)}
    measure_labels = {k: t(f"fam.m.{k}", lang) for k in MEASURES if k != "income"}

    with solara.Column(classes=["vk-family"], style={"max-width": "980px"}):
        Markdown(f"### {t('fam.title', lang)}")
        solara.Text(t("fam.intro", lang))
        if glossary:
            Glossary(lang)
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.InputInt(t("fam.seed", lang), value=seed,
                            on_value=lambda v: (set_seed(v if v is not None else 0), set_choice("auto"), set_step(0)),
                            classes=["vk-family-seed"], style={"max-width": "160px"})
            with solara.Column(classes=["vk-family-years"], style={"min-width": "260px"}):
                solara.SliderInt(t("fam.years", lang), value=years, min=5, max=40,
                                 on_value=lambda v: (set_years(v), set_step(0)))
            solara.Select(t("fam.pick", lang), values=list(labels.values()), value=labels.get(choice, labels["auto"]),
                          on_value=lambda v: (set_choice(by_label.get(v, "auto")), set_step(0)),
                          classes=["vk-family-pick"], style={"min-width": "420px"})
        solara.Text(t("fam.policy", lang), style={"font-weight": "bold"})
        policy_keys = {label: key for key, label in policy_labels.items()}
        solara.ToggleButtonsSingle(value=policy_labels[policy], values=list(policy_labels.values()),
                                   on_value=lambda v: (set_policy(policy_keys.get(v, "none")), set_step(0)),
                                   classes=["vk-family-policy"])
        if policy != "none":
            solara.Text(t(f"fam.policy.help.{policy}", lang), style={"font-size": "0.9em", "color": "#555"})
        solara.SelectMultiple(t("fam.measures", lang),
                              values=[measure_labels[m] for m in measures if m in measure_labels],
                              all_values=list(measure_labels.values()),
                              on_value=lambda vs: set_measures([k for k, v in measure_labels.items() if v in vs]),
                              classes=["vk-family-measures"])
        if result.error:
            solara.Error(error_text(result.exception or p_error, lang), classes=["vk-family-error"])
        elif not result.finished or result.value is None:
            with solara.Column(classes=["vk-family-busy"]):
                solara.ProgressLinear(True)
                solara.Text(t("fam.busy", lang))
        else:
            base, comparison = result.value
            _FamilyResult(base, comparison, lang, measures, step, set_step)


@solara.component
def _FamilyResult(base: FamilyTrace, comparison: Comparison | None, lang: str, measures: list, step: int, set_step):
    captions = solara.use_memo(lambda: story(base, comparison), dependencies=[base, comparison])
    n = len(captions)
    k = min(max(step, 0), max(n - 1, 0))
    highlight = captions[k].month if n else None
    svg = family_svg(base, lang, measures or ["stress"], other=comparison.other if comparison else None,
                     highlight=highlight, width=900)
    _Members(base, lang)
    # the story first: on a projector the caption sits above the chart whose marker follows it
    with solara.Card(t("fam.story", lang), classes=["vk-family-story"]):
        if n == 0:
            solara.Text(t("fam.story.empty", lang), classes=["vk-family-caption"])
        else:
            solara.Text(caption_text(captions[k], lang), classes=["vk-family-caption"],
                        style={"font-size": "1.35em", "line-height": "1.4"})
        with solara.Row(style={"align-items": "center"}):
            solara.Button(t("fam.story.prev", lang), on_click=lambda: set_step(max(k - 1, 0)), disabled=k <= 0,
                          classes=["vk-family-prev"])
            solara.Text(t("fam.story.step", lang).format(k=k + 1 if n else 0, n=n), classes=["vk-family-step"])
            solara.Button(t("fam.story.next", lang), on_click=lambda: set_step(min(k + 1, n - 1)),
                          disabled=k >= n - 1, classes=["vk-family-next"])
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["vk-family-chart"])
    if comparison is not None:
        with solara.Column(classes=["vk-family-summary"]):
            _Summary(comparison, lang)
