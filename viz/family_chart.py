"""The family's chart: its members' lines over the years as an inline SVG, one panel per measure.

Drawn from a :class:`experiments.family.FamilyTrace` (and the same family under a policy,
dashed); events are marked along the top with a symbol (its text on hover), and
:func:`event_key` is the key to those symbols that the page and the handout show. Labels
come from :mod:`viz.i18n` (keys ``fam.chart.*``, ``fam.m.*``, ``fam.who.*``,
``fam.event.*``, ``family.key.*``); numbers from :mod:`viz.fmt`.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import numpy as np
import pandas as pd

from experiments.family import ADULT, MEASURES, YEAR, Event, FamilyTrace, same_person
from viz import fmt
from viz.i18n import t

__all__ = ["EVENT_KEY", "PALETTE", "event_key", "family_svg", "member_colours"]

PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#7F7F7F")
_WHO = {"stress": "adults", "wellbeing": "adults", "security": "adults", "income": "adults",
        "parenting": "minors", "attachment": "minors", "life_skills": "young"}


def member_colours(trace: FamilyTrace) -> dict[int, str]:
    """A colour per member, stable across runs of the same family (by order of appearance)."""
    order = sorted(trace.members.values(), key=lambda m: (m.first_month, m.generation, m.pid))
    return {m.pid: PALETTE[k % len(PALETTE)] for k, m in enumerate(order)}


def _paths(months: np.ndarray, values: np.ndarray, x, y) -> list[str]:
    """SVG path data, broken where months are not consecutive (absent) or values missing."""
    out, cur = [], []
    last = None
    for mo, v in zip(months.tolist(), values.tolist()):
        if last is not None and mo != last + 1 or not np.isfinite(v):
            if len(cur) > 1:
                out.append("M" + " L".join(cur))
            cur = []
        if np.isfinite(v):
            cur.append(f"{x(mo):.1f},{y(v):.1f}")
        last = mo
    if len(cur) > 1:
        out.append("M" + " L".join(cur))
    return out


def _who_mask(df: pd.DataFrame, measure: str, trace: FamilyTrace) -> pd.Series:
    who = _WHO.get(measure, "adults")
    if who == "minors":
        return df["age"] < ADULT
    if who == "young":
        gens = {m.pid: m.generation for m in trace.members.values()}
        return df["pid"].map(gens).fillna(0) >= 1
    return df["age"] >= ADULT


_EVENT_GLYPH = {"birth": "\u2605", "parent": "\u2605", "death": "\u271d", "moved_away": "\u2192",
                "own_household": "\u2302", "separation": "\u00d7", "job_loss": "!", "debt": "!", "eviction": "!",
                "illness": "+", "professional": "\u2661", "programme": "\u2661", "adult": "18"}
# the key to the symbols, in the order a reader meets them: (symbol, text key of its meaning)
EVENT_KEY = (("!", "family.key.setback"), ("+", "family.key.illness"), ("\u00d7", "family.key.separation"),
             ("\u2661", "family.key.help"), ("18", "family.key.adult"), ("\u2302", "family.key.own_household"),
             ("\u2605", "family.key.birth"), ("\u2192", "family.key.moved"), ("\u271d", "family.key.death"))


def _marked(trace: FamilyTrace) -> list[Event]:
    """The events the chart marks with a symbol."""
    return [e for e in trace.events if e.kind in _EVENT_GLYPH and e.pid in trace.members]


def event_key(lang: str, trace: FamilyTrace | None = None) -> list[tuple[str, str]]:
    """(symbol, meaning in ``lang``) for each symbol of the chart; with ``trace``, only those its chart shows."""
    used = {_EVENT_GLYPH[e.kind] for e in _marked(trace)} if trace is not None else None
    return [(glyph, t(key, lang)) for glyph, key in EVENT_KEY if used is None or glyph in used]


def family_svg(trace: FamilyTrace, lang: str, measures: Sequence[str] = ("stress", "parenting", "life_skills"),
               other: FamilyTrace | None = None, highlight: int | None = None, width: int = 760,
               panel_height: int = 150) -> str:
    """The family's lines over the years as an inline SVG, one panel per measure.

    One line per member (colour per member, see :func:`member_colours`), drawn where it
    tells something: stress, wellbeing and security for adults, parenting and attachment
    for minors, life skills for the children and grandchildren. A grey line is the
    neighbourhood's mean. With ``other`` (the same family under a policy), its lines are
    dashed in the same colours. Events are marked above the first panel (hover for the
    text), ``highlight`` draws a vertical line at a month (the story's current caption).
    """
    measures = [m for m in measures if m in MEASURES] or ["stress"]
    pad_l, pad_r, pad_t, gap, legend_h = 46, 16, 62, 26, 22
    colours = member_colours(trace)
    named = dict(trace.members)
    if other is not None:
        # the policy run's lines: only persons who are the same person in both runs (ids of those
        # born or arrived after the runs part may belong to someone else)
        same = {pid for pid, m in other.members.items() if pid in named and same_person(named[pid], m)}
        df_b = other.frame()
        df_b = df_b[df_b["pid"].isin(same)]
    else:
        df_b = None
    n_legend_rows = math.ceil(len(named) / 5)
    height = pad_t + len(measures) * (panel_height + gap) + legend_h * (n_legend_rows + 1) + 10
    m0 = trace.start_month
    m1 = max(trace.end_month, other.end_month if other is not None else m0, m0 + 1)
    plot_w = width - pad_l - pad_r

    def x(mo):
        return pad_l + (mo - m0) / (m1 - m0) * plot_w

    esc = html.escape
    title = t("fam.chart.title", lang)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="{esc(title)}" style="font-family:sans-serif;max-width:{width}px">',
             f'<title>{esc(title)}</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>']
    # events along the top
    last_x = [-1e9, -1e9]  # the last glyph in each of two rows: close events alternate rows
    for e in _marked(trace):
        text = esc(_event_text(trace, e, lang))
        xx = x(e.month)
        row = 0 if xx - last_x[0] >= 14 else (1 if xx - last_x[1] >= 14 else 0)
        last_x[row] = xx
        glyph_y = pad_t - 26 - 14 * row
        parts.append(f'<text x="{xx:.1f}" y="{glyph_y}" font-size="12" text-anchor="middle" '
                     f'fill="{colours.get(e.pid, "#333")}" class="vk-family-event"><title>{text}</title>'
                     f'{esc(_EVENT_GLYPH[e.kind])}</text>')
    df_a = trace.frame()
    ref = trace.reference()
    years = (m1 - m0) / YEAR
    step = 1 if years <= 10 else (5 if years <= 50 else 10)
    for k, measure in enumerate(measures):
        top = pad_t + k * (panel_height + gap)

        def y(v, top=top):
            return top + (1.0 - v) * panel_height

        label = t(f"fam.m.{measure}", lang) + " \u2014 " + t(f"fam.who.{_WHO.get(measure, 'adults')}", lang)
        parts.append(f'<text x="{pad_l}" y="{top - 6}" font-size="13" font-weight="bold">{esc(label)}</text>')
        parts.append(f'<rect x="{pad_l}" y="{top}" width="{plot_w}" height="{panel_height}" fill="#fafafa" '
                     f'stroke="#ccc"/>')
        for v in (0.0, 0.5, 1.0):
            parts.append(f'<line x1="{pad_l}" x2="{pad_l + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e4e4e4"/>')
            parts.append(f'<text x="{pad_l - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">'
                         f'{fmt.num(int(v * 100), lang)}</text>')
        for yr in range(0, int(years) + 1, step):
            xx = x(m0 + yr * YEAR)
            parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{top + panel_height}" stroke="#eee"/>')
            if k == len(measures) - 1:
                parts.append(f'<text x="{xx:.1f}" y="{top + panel_height + 14}" font-size="11" '
                             f'text-anchor="middle">{fmt.num(yr, lang)}</text>')
        # the neighbourhood's mean
        for d in _paths(ref["month"].to_numpy(), ref[measure].to_numpy(), x, y):
            parts.append(f'<path d="{d}" fill="none" stroke="#999" stroke-width="1.5" stroke-dasharray="1,3">'
                         f'<title>{esc(t("fam.chart.reference", lang))}</title></path>')
        for df, dash, run in ((df_a, "", trace), (df_b, ' stroke-dasharray="6,4"', other)):
            if df is None:
                continue
            sel = df[_who_mask(df, measure, run)]
            for pid, rows in sel.groupby("pid", sort=True):
                who = named[pid]
                tip = esc(f"{who.name} ({t(who.role_key(), lang)})"
                          + (f" \u2014 {t('fam.chart.with_policy', lang)}" if dash else ""))
                for d in _paths(rows["month"].to_numpy(), rows[measure].to_numpy(), x, y):
                    parts.append(f'<path d="{d}" fill="none" stroke="{colours[pid]}" stroke-width="2.2"{dash}>'
                                 f'<title>{tip}</title></path>')
    bottom = pad_t + len(measures) * (panel_height + gap)
    parts.append(f'<text x="{pad_l + plot_w / 2:.1f}" y="{bottom + 4}" font-size="12" text-anchor="middle">'
                 f'{esc(t("fam.chart.years", lang))}</text>')
    if highlight is not None and m0 <= highlight <= m1:
        xx = x(highlight)
        parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{pad_t - 52}" y2="{bottom - gap}" stroke="#333" '
                     f'stroke-width="1.5" class="vk-family-now"/>')
    # legend: members, then line styles
    ly = bottom + legend_h
    for k, m in enumerate(sorted(named.values(), key=lambda m: (m.first_month, m.generation, m.pid))):
        lx = pad_l + (k % 5) * (plot_w / 5)
        yy = ly + (k // 5) * legend_h
        parts.append(f'<rect x="{lx:.1f}" y="{yy - 9}" width="14" height="4" fill="{colours[m.pid]}"/>')
        parts.append(f'<text x="{lx + 18:.1f}" y="{yy - 4}" font-size="12">{esc(m.name)} '
                     f'({esc(t(m.role_key(), lang))})</text>')
    yy = ly + n_legend_rows * legend_h
    legend = [("#999", ' stroke-dasharray="1,3"', t("fam.chart.reference", lang))]
    if other is not None:
        legend += [("#333", "", t("fam.chart.without_policy", lang)),
                   ("#333", ' stroke-dasharray="6,4"', t("fam.chart.with_policy", lang))]
    for k, (c, dash, text) in enumerate(legend):
        lx = pad_l + k * (plot_w / 3)
        parts.append(f'<line x1="{lx:.1f}" x2="{lx + 24:.1f}" y1="{yy - 7}" y2="{yy - 7}" stroke="{c}" '
                     f'stroke-width="2"{dash}/>')
        parts.append(f'<text x="{lx + 30:.1f}" y="{yy - 3}" font-size="12">{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _event_text(trace: FamilyTrace, e: Event, lang: str) -> str:
    who = trace.members[e.pid]
    year = trace.year_of(e.month) + 1
    return t("fam.event.line", lang).format(year=fmt.num(year, lang), name=who.name,
                                            what=t(f"fam.event.{e.kind}", lang))
