"""Teaching view: one family across generations, and where a policy would have broken the cycle.

The page of the family (the domain is :mod:`experiments.family`: tracing a family and its
runs under a policy; the story is :mod:`viz.family_story`, the chart
:mod:`viz.family_chart`, the texts :mod:`viz.i18n`). :func:`FamilyView` lets a class pick
a family (or the page picks a typical one), follow it over the years, switch a policy on
(the same family again with the same seed) and step through the story; a key explains
the chart's symbols, and the story, its table and the key download as one printable page
(:func:`handout_bytes`, ``gezin-verhaal.html``). Numbers are written by :mod:`viz.fmt`.
Stable test ids (CSS classes) for browser tests:

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
``vk-family-summary``         the policy comparison in words, and its table
``vk-family-key``             the key to the chart's symbols (one ``vk-family-key-item`` each)
``vk-family-handout``         the download of the story as a printable page (``gezin-verhaal.html``)
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

import solara
import solara.lab

from abm.params import ParameterError, Params
from experiments.family import (
    FAMILY_SEED, FAMILY_YEARS, MEASURES, POLICIES, YEAR, Comparison, FamilyError, FamilyTrace, candidate_facts,
    check_run, compare_traces, family_params, pick_family, run_family,
)
from viz import fmt
from viz.family_chart import event_key, family_svg
from viz.family_story import caption_text, handout_html, join_names, points, policy_captions, story, table_markdown
from viz.i18n import GLOSSARY, LANGS, gloss, param_label, t, unit_label
from viz.render import Markdown

__all__ = ["FamilyView", "Glossary", "error_text", "family_choices", "handout_bytes"]


def _setting_text(exc: ParameterError, lang: str) -> str:
    """What was wrong with a setting, in plain words of ``lang`` (the schema's label, not its code name)."""
    why, v = getattr(exc, "why", None), getattr(exc, "values", None) or {}
    if why in ("range", "not_whole", "not_number", "not_finite") and {"name", "lo", "hi"} <= set(v):
        try:
            label = param_label(v["name"], lang)
            unit = unit_label(v.get("unit", ""), lang)
        except KeyError:
            label, unit = None, None
        if label is not None:
            value = v.get("value")
            shown = fmt.auto(value, lang) if isinstance(value, (int, float)) else str(value)
            return t("family.err.range", lang).format(label=label[:1].upper() + label[1:], value=shown,
                                                      lo=fmt.auto(v["lo"], lang), hi=fmt.auto(v["hi"], lang),
                                                      unit=unit)
    return t("family.err.setting", lang) if lang == "nl" else str(exc)


def error_text(exc: Exception, lang: str) -> str:
    """A readable message in ``lang`` for an error of this module, the schema or anything else."""
    if isinstance(exc, FamilyError):
        values = dict(exc.values)
        if exc.key == "fam.err.policy":  # the policies by their names on the page, not their code names
            values["allowed"] = join_names([t(f"fam.policy.{k}", lang) for k in POLICIES], lang)
        return t(exc.key, lang).format(**values)
    if isinstance(exc, ParameterError):
        return t("fam.err.params", lang).format(msg=_setting_text(exc, lang))
    return t("fam.err.other", lang).format(msg=f"{type(exc).__name__}: {exc}")


# ---- the component ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def family_choices(params: Params, seed: int, k: int = 12) -> list[tuple[int, dict]]:
    """The candidate families at month 0 for the pick list: (household, facts to show).

    Facts: ``hh``, ``kind`` (a text key), ``n`` (children), ``ages`` (their ages in whole
    years, youngest first) and ``stress`` (the parents' mean, 0 to 1); the pick list
    writes them in the page's language (:func:`_choice_label`). Kept per (neighbourhood, seed):
    do not modify the list.
    """
    return [(c["household"], {"hh": c["household"], "kind": f"fam.kind.{c['kind'].name.lower()}", "n": len(c["ages"]),
                              "ages": [a // YEAR for a in c["ages"]], "stress": c["stress"]})
            for c in candidate_facts(params, seed, k)]


def _choice_label(facts: dict, lang: str) -> str:
    n = facts["n"]
    kids = t("family.kids.one" if n == 1 else "family.kids.many", lang).format(n=fmt.num(n, lang))
    stress = points(facts["stress"])
    return t("family.pick.item", lang).format(
        hh=facts["hh"], kind=t(facts["kind"], lang), kids=kids,
        ages=join_names([fmt.num(a, lang) for a in facts["ages"]], lang),
        stress=fmt.num(stress, lang) if stress is not None else fmt.DASH)


def handout_bytes(base: FamilyTrace, comparison: Comparison | None, lang: str, chart_svg: str | None = None,
                  captions: list | None = None) -> bytes:
    """The printable story (:func:`viz.family_story.handout_html`) as UTF-8 bytes, for the download button."""
    return handout_html(base, comparison, lang, chart_svg=chart_svg, captions=captions).encode("utf-8")


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
                                                           age=fmt.num(m.age_first // YEAR, lang)))
        else:
            lines.append(t("fam.member.later", lang).format(name=m.name, rel=t(m.role_key(), lang),
                                                            year=fmt.num(trace.year_of(m.first_month) + 1, lang)))
    with solara.Details(summary=t("fam.members", lang)):
        Markdown("\n".join(f"- {x}" for x in lines), style="font-size: 0.95em")
    solara.Div(classes=["vk-family-members"], children=[solara.Text(" \u00b7 ".join(
        f"{m.name} ({t(m.role_key(), lang)})" for m in trace.founders()))])


@solara.component
def _Summary(c: Comparison, lang: str):
    """The policy comparison: the story's own sentences about it (so page and story agree) and the table."""
    policy = t(f"fam.policy.{c.policy if c.policy in POLICIES else 'custom'}", lang)
    lines = [f"**{t('fam.compare', lang)}: {policy}.**"]
    lines += [caption_text(cap, lang) for cap in policy_captions(c)]
    Markdown("\n\n".join(lines) + "\n\n" + table_markdown(c, lang), style="font-size: 1.05em")


@solara.component
def EventKey(lang: str, trace: FamilyTrace | None = None):
    """The key to the chart's symbols (only those the chart of ``trace`` shows, if given)."""
    items = event_key(lang, trace) or event_key(lang)
    with solara.Column(classes=["vk-family-key"], gap="2px"):
        solara.Text(t("family.key.title", lang), style={"font-weight": "bold"})
        with solara.Row(gap="18px", style={"flex-wrap": "wrap"}):
            for glyph, text in items:
                with solara.Row(gap="6px", classes=["vk-family-key-item"]):
                    solara.Text(glyph, style={"font-weight": "bold", "min-width": "1.4em", "text-align": "center"})
                    solara.Text(text)
        solara.Text(t("family.key.colour", lang) + " " + t("family.key.hover", lang),
                    style={"font-size": "0.9em", "color": "#555"})


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

    labels = {"auto": t("family.pick.auto", lang), **{str(hh): _choice_label(f, lang) for hh, f in options}}
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

    def handout() -> bytes:
        chart = family_svg(base, lang, measures or ["stress"], other=comparison.other if comparison else None,
                           width=900)
        return handout_bytes(base, comparison, lang, chart_svg=chart, captions=captions)

    # the printable page as bytes, written again only when the family, policy, language or lines change
    handout_data = solara.use_memo(handout, dependencies=[base, comparison, lang, tuple(measures or ()), captions])
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
            solara.Text(t("fam.story.step", lang).format(k=fmt.num(k + 1 if n else 0, lang), n=fmt.num(n, lang)),
                        classes=["vk-family-step"])
            solara.Button(t("fam.story.next", lang), on_click=lambda: set_step(min(k + 1, n - 1)),
                          disabled=k >= n - 1, classes=["vk-family-next"])
        with solara.Div(classes=["vk-family-handout"]):
            solara.FileDownload(handout_data, filename=t("family.handout.filename", lang),
                                label=t("family.handout.button", lang), mime_type="text/html")
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["vk-family-chart"])
    EventKey(lang, base)
    if comparison is not None:
        with solara.Column(classes=["vk-family-summary"]):
            _Summary(comparison, lang)


def warm() -> None:
    """Make the page's first family (the default neighbourhood, seed and years) ahead of the first
    visit, so that the tab is ready at once (the server calls this in the background when it starts)."""
    try:
        p = family_params()
        family_choices(p, FAMILY_SEED)
        _compute(p, FAMILY_SEED, FAMILY_YEARS * YEAR, None, "none")
    except Exception:  # noqa: BLE001 - only a head start: the page computes (and reports) it itself
        pass
