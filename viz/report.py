"""What a facilitator takes home from the page: the series as CSV, the charts as PNG, a one-page report.

Plain functions of a :class:`viz.sim.Run` (no Solara), so they are tested directly and the
page only offers their bytes for download. Dutch files are written as Dutch spreadsheets
read them (semicolons between fields, a decimal comma) with Dutch column names; English ones
with commas and a decimal point.
"""

from __future__ import annotations

import datetime as _dt
import io
from html import escape

import numpy as np

from abm.interventions import SHOCKS, SPECS
from viz.fmt import auto, money, num, signed
from viz.i18n import param_label, scenario_label, t
from viz.render import line_chart_svg, map_png, png_data_url

# the columns of the CSV: time series column -> text key of its name
CSV_COLUMNS = {"stress_mean": "m.stress", "wellbeing_mean": "m.wellbeing", "security_mean": "m.security",
               "trust_mean": "m.trust", "participation_mean": "m.participation", "help_reach": "card.help_reach",
               "persons": "stat.residents"}
COLOURS = {"stress": "#c62828", "wellbeing": "#2e7d32", "security": "#1565c0", "trust": "#6a1b9a"}


def lever_label(kind: str, name: str, lang: str) -> str:
    """A policy's or crisis's name as the page says it."""
    if kind == "policy":
        sp = SPECS[name]
        return sp.label_nl if lang == "nl" else sp.label
    sp = SHOCKS[name]
    return sp["label_nl"] if lang == "nl" else sp["label"]


def markers(run, lang: str) -> list[tuple[int, str, str]]:
    """Vertical chart markers (month, label, colour) where each policy or crisis started and ended."""
    out = []
    now = run.ensure().month
    for lever in run.levers():
        colour = "#ef6c00" if lever["kind"] == "crisis" else "#00838f"
        name = lever_label(lever["kind"], lever["name"], lang).split(":")[0]  # short: "bestaanszekerheid"
        out.append((lever["start"], name, colour))
        if lever["end"] is not None and lever["end"] <= now:
            out.append((lever["end"], f"{t('mark.end', lang)}", colour))
    return out


def series_csv(run, lang: str) -> str:
    """The run's monthly series: month, year and the main measures, as ``lang``'s spreadsheets read them."""
    rows = run.ensure().recorder.rows
    sep = ";" if lang == "nl" else ","
    head = [t("stat.month", lang), t("stat.year", lang)] + [t(key, lang) for key in CSV_COLUMNS.values()]
    lines = [sep.join(head)]
    for k, r in enumerate(rows):
        cells = [str(k), _plain(k / 12.0, lang, 2)]
        for column in CSV_COLUMNS:
            value = r.get(column, float("nan"))
            cells.append(str(int(value)) if column == "persons" else _plain(value, lang, 4))
        lines.append(sep.join(cells))
    return "\n".join(lines) + "\n"


def _plain(x, lang: str, digits: int) -> str:
    """A number for a spreadsheet: no thousands separator, the decimal mark of ``lang``; empty when missing."""
    x = float(x)
    if not np.isfinite(x):
        return ""
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text


def charts_svg(run, lang: str, font: int = 14, box_height: str = "") -> str:
    """The page's two charts of ``run`` (with the policy and crisis markers)."""
    mk = markers(run, lang)
    year = t("stat.year", lang).lower()
    unit = t("chart.unit01", lang)
    return (line_chart_svg({t("m.stress", lang): run.series("stress_mean"), t("m.wellbeing", lang): run.series("wellbeing_mean")},
                           {t("m.stress", lang): COLOURS["stress"], t("m.wellbeing", lang): COLOURS["wellbeing"]},
                           t("chart.stress_wellbeing", lang), ymin=0.0, ymax=1.0, xlabel=year, lang=lang,
                           unit=unit, markers=mk, font=font, box_height=box_height)
            + line_chart_svg({t("m.security", lang): run.series("security_mean"), t("m.trust", lang): run.series("trust_mean")},
                             {t("m.security", lang): COLOURS["security"], t("m.trust", lang): COLOURS["trust"]},
                             t("chart.security_trust", lang), ymin=0.0, ymax=1.0, xlabel=year, lang=lang,
                             unit=unit, markers=mk, font=font, box_height=box_height))


def charts_png(run, lang: str) -> bytes:
    """The two charts as one PNG (matplotlib), with the markers, for slides and handouts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    rows = run.ensure().recorder.rows
    years = np.arange(len(rows)) / 12.0
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), dpi=110)
    pairs = (((("stress_mean", "m.stress", "stress"), ("wellbeing_mean", "m.wellbeing", "wellbeing")), "chart.stress_wellbeing"),
             ((("security_mean", "m.security", "security"), ("trust_mean", "m.trust", "trust")), "chart.security_trust"))
    for ax, (lines, title) in zip(axes, pairs):
        for column, key, colour in lines:
            ax.plot(years, [r[column] for r in rows], color=COLOURS[colour], lw=2.2, label=t(key, lang))
        for month, label, colour in markers(run, lang):
            ax.axvline(month / 12.0, color=colour, ls="--", lw=1.5)
            ax.text(month / 12.0, 0.02, " " + label, color=colour, fontsize=9, rotation=90, va="bottom")
        ax.set_ylim(0, 1)
        ax.set_title(f"{t(title, lang)} ({t('chart.unit01', lang)})", fontsize=12)
        ax.set_xlabel(t("stat.year", lang))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: num(v, lang, 1)))
        x_digits = 0 if years[-1] >= 3 else 1
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p, d=x_digits: num(v, lang, d)))
        ax.legend(loc="upper right", fontsize=10)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def card_html(card: dict, lang: str) -> str:
    """The "what changed" card: each measure's difference with a word for it, the cost, the cost per point."""
    lever = card["lever"]
    name = lever_label(lever["kind"], lever["name"], lang)
    rows = []
    for measure, value in card["diff"].items():
        label = t("card.help_reach", lang) if measure == "help_reach" else t(f"m.{measure}", lang)
        better_high = measure != "stress"
        if not np.isfinite(value) or abs(value) < 0.0005:
            word, colour = t("card.same", lang), "#555"
        elif (value > 0) == better_high:
            word, colour = t("card.better", lang), "#2e7d32"
        else:
            word, colour = t("card.worse", lang), "#c62828"
        rows.append(f'<tr><td style="padding:2px 10px 2px 0">{escape(label)}</td>'
                    f'<td class="vk-card-{measure}" style="padding:2px 10px;text-align:right;font-weight:600">'
                    f'{signed(value, lang, 3)}</td><td style="color:{colour}">{escape(word)}</td></tr>')
    parts = [f'<div class="vk-card" style="border:2px solid #00838f;border-radius:8px;padding:10px 14px;'
             f'margin:8px 0;background:#f4fbfc">',
             f'<div style="font-size:1.15em;font-weight:700">{escape(t("card.title", lang).format(name=name))}</div>',
             f'<div style="margin:4px 0 8px">{escape(t("card.intro", lang).format(name=name, n=card["months"]))}</div>',
             '<table style="border-collapse:collapse">', *rows, "</table>"]
    if lever["kind"] == "policy":
        parts.append(f'<div style="margin-top:8px">{escape(t("card.cost", lang).format(name=name))}: '
                     f'<b class="vk-card-cost">{money(card["cost"], lang)}</b>')
        if card["cost_per_point"] is not None:
            parts.append(f' &middot; {escape(t("cost.per_point", lang))}: '
                         f'<b class="vk-card-per-point">{money(card["cost_per_point"], lang)}</b>')
        else:
            parts.append(f' &middot; {escape(t("card.no_effect", lang))}')
        parts.append(f'<div style="font-size:0.85em;color:#555">{escape(t("cost.point_help", lang))}</div></div>')
    parts.append("</div>")
    return "".join(parts)


def session_report_html(run, lang: str, cards: list[dict] = (), measure: str = "stress") -> str:
    """One printable page: the neighbourhood, seed and month, the policies and crises with their months,
    the changed settings, the figures now, the cost, what changed (the cards made), the map and charts."""
    model = run.ensure()
    row = model.recorder.rows[-1]
    now = model.month
    levers = run.levers()
    items = []
    for lever in levers:
        when = (t("rep.from_to", lang).format(start=lever["start"], end=lever["end"]) if lever["end"] is not None
                else t("rep.from", lang).format(start=lever["start"]))
        items.append(f"<li>{escape(lever_label(lever['kind'], lever['name'], lang))}: {escape(when)}</li>")
    changes = [f"<li>{escape(param_label(name, lang))}: {auto(value, lang)}</li>" for name, value in sorted(run.changes.items())]
    costs = run.costs()
    cost_rows = "".join(f"<tr><td>{escape(lever_label('policy', name, lang))}</td><td style='text-align:right'>"
                        f"{money(c['total'], lang)}</td></tr>" for name, c in costs.items())
    figures = "".join(
        f"<tr><td>{escape(t(key, lang))}</td><td style='text-align:right'>{num(row.get(col, float('nan')), lang, 3)}</td></tr>"
        for col, key in (("stress_mean", "m.stress"), ("wellbeing_mean", "m.wellbeing"), ("security_mean", "m.security"),
                         ("trust_mean", "m.trust"), ("help_reach", "card.help_reach")))
    title = t("rep.title", lang)
    parts = [
        "<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>',
        "<style>body{font-family:sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em;line-height:1.4}"
        "table{border-collapse:collapse}td{padding:2px 12px 2px 0}h2{margin-top:1.2em}"
        "@media print{body{margin:0}.vk-map-img{max-width:45%}}</style></head><body>",
        f"<h1>{escape(title)}: {escape(t('app.title', lang))}</h1>",
        f"<p>{escape(t('rep.made', lang).format(date=_dt.date.today().isoformat()))} &middot; "
        f"{escape(t('ctl.scenario', lang))}: {escape(scenario_label(run.scenario, lang))} &middot; "
        f"{escape(t('ctl.seed', lang))}: {int(run.seed)} &middot; "
        f"{escape(t('stat.when', lang).format(month=now, year=num(now / 12.0, lang, 1)))}</p>",
        f"<h2>{escape(t('rep.levers', lang))}</h2>",
        "<ul>" + ("".join(items) or f"<li>{escape(t('rep.none', lang))}</li>") + "</ul>",
        f"<h2>{escape(t('rep.changes', lang))}</h2>",
        "<ul>" + ("".join(changes) or f"<li>{escape(t('rep.none', lang))}</li>") + "</ul>",
        f"<h2>{escape(t('rep.now', lang))}</h2><table>{figures}</table>",
        f"<h2>{escape(t('rep.costs', lang))}</h2>",
        (f"<table>{cost_rows}<tr><td><b>{escape(t('cost.so_far', lang))}</b></td><td style='text-align:right'><b>"
         f"{money(sum(c['total'] for c in costs.values()), lang)}</b></td></tr></table>" if costs
         else f"<p>{escape(t('cost.none', lang))}</p>"),
    ]
    if cards:
        parts.append(f"<h2>{escape(t('rep.what', lang))}</h2>")
        parts += [card_html(card, lang) for card in cards]
    parts.append(f'<h2>{escape(t("map.title", lang))}</h2><img class="vk-map-img" alt="{escape(t("map.title", lang))}" '
                 f'src="{png_data_url(map_png(model, measure))}" style="max-width:100%;image-rendering:pixelated"/>')
    parts.append(f"<div>{charts_svg(run, lang)}</div></body></html>")
    return "\n".join(parts)
