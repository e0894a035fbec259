"""Fast pictures of a running neighbourhood: the map as PNG, charts as inline SVG; text as HTML.

Matplotlib redraws whole figures (about 50-100 ms each), too slow for a live run at five or
more months a second with a map and two charts. Here the map is a numpy image (one colour
per dwelling, scaled up without smoothing) encoded as PNG with Pillow, and the charts are
SVG polylines written as text: a few milliseconds each, and the browser draws them.

Markdown text (headings, tables, lists) is turned into HTML here (:func:`markdown_html`,
:func:`Markdown`) rather than by ``solara.Markdown``, whose widget loads KaTeX and mermaid
from the CDN path on every mount: KaTeX is not among the installed assets, so each tab got
404s (and the server tried to fetch it from the internet).
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Sequence

import markdown
import numpy as np
import solara
from PIL import Image, ImageDraw

from abm import queries
from abm.queries import CATEGORY_NAMES, MEASURES
from abm.state import CellKind

# colour ramps: low -> high
_RED_GREEN = np.array([[198, 40, 40], [251, 192, 45], [46, 125, 50]], dtype=float)
CATEGORY = "category"
CATEGORY_COLOURS = {"strong": (46, 125, 50), "vulnerable": (251, 192, 45), "decliner": (198, 40, 40)}
EMPTY = (224, 224, 224)
# a category's colour by its value (abm.queries.CATEGORY_NAMES), then that of a household without adults
_CATEGORY_PALETTE = np.array([*(CATEGORY_COLOURS[n] for n in CATEGORY_NAMES), EMPTY], dtype=np.uint8)
FACILITY_COLOURS = {
    CellKind.MEETING_PLACE: (123, 31, 162),
    CellKind.SCHOOL: (21, 101, 192),
    CellKind.SERVICE_POINT: (0, 137, 123),
    CellKind.MENTAL_HEALTH: (40, 53, 147),
}
PRO_COLOUR = (255, 255, 255)
TIE_COLOURS = {"bonding": (40, 40, 40, 70), "bridging": (230, 81, 0, 90)}


def ramp(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """uint8[n, 3] colours of values in [0, 1]: red (bad) through yellow to green (good)."""
    v = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)
    if not higher_is_better:
        v = 1.0 - v
    x = v * 2.0
    lo = np.minimum(x.astype(int), 1)
    frac = (x - lo)[:, None]
    return (_RED_GREEN[lo] * (1 - frac) + _RED_GREEN[lo + 1] * frac).astype(np.uint8)


def household_values(model, measure: str) -> np.ndarray:
    """The measure of every household id, as the map colours it.

    A :data:`MEASURES` mean over the partners, or for :data:`CATEGORY` the Rotterdam category
    of :func:`abm.queries.household_categories` (0 strong, 1 vulnerable, 2 decliner, -1 no adult):
    the rule the monthly metric counts with.
    """
    if measure == CATEGORY:
        return queries.household_categories(model)
    return queries.household_means(model, measure)


def map_rgb(model, measure: str = "stress") -> np.ndarray:
    """uint8[height, width, 3]: one pixel per cell."""
    s = model.state
    w, h = s.grid_w, s.grid_h
    img = np.empty((s.n_cells, 3), dtype=np.uint8)
    img[:] = EMPTY
    cells, hh = queries.household_cells(model)
    values = household_values(model, measure)[hh]
    if measure == CATEGORY:
        img[cells] = _CATEGORY_PALETTE[values]  # -1 (no adult) takes the last colour
    else:
        img[cells] = ramp(values, MEASURES[measure][1])
    for kind, at in queries.facility_cells(model).items():
        img[at] = FACILITY_COLOURS[kind]
    return img.reshape(h, w, 3)


def cell_size(width: int, height: int, target: int = 640) -> int:
    """Pixels per cell so the map is about ``target`` pixels across (at least 3)."""
    return max(3, target // max(width, height))


def map_png(model, measure: str = "stress", network: bool = False, target: int = 640, max_ties: int = 700) -> bytes:
    """The map as PNG bytes: households coloured by ``measure``, facilities, professionals, ties."""
    s = model.state
    k = cell_size(s.grid_w, s.grid_h, target)
    rgb = np.repeat(np.repeat(map_rgb(model, measure), k, axis=0), k, axis=1)
    image = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    w = s.grid_w
    if network:
        _draw_ties(model, draw, k, max_ties)
    # professionals: a white dot each, around the cell they work from
    for n, cell in enumerate(queries.professional_cells(model).tolist()):
        cx, cy = (cell % w) * k + k // 2, (cell // w) * k + k // 2
        angle = 2 * np.pi * n / 8
        r = max(2, k // 2)
        x, y = cx + r * np.cos(angle), cy + r * np.sin(angle)
        d = max(1.5, k / 5)
        draw.ellipse([x - d, y - d, x + d, y + d], fill=PRO_COLOUR, outline=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _draw_ties(model, draw, k: int, max_ties: int) -> None:
    """Lines between the homes of tied adults outside their household (a sample if there are many)."""
    w = model.state.grid_w
    ci, cj, kind = queries.household_ties(model, max_ties)
    for a, b, t in zip(ci.tolist(), cj.tolist(), kind.tolist()):
        if a < 0 or b < 0:
            continue
        draw.line([((a % w) * k + k / 2, (a // w) * k + k / 2), ((b % w) * k + k / 2, (b // w) * k + k / 2)],
                  fill=TIE_COLOURS.get(t, (0, 0, 0, 80)), width=1)


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def line_chart_svg(series: dict[str, list[float]], colours: dict[str, str], title: str, *, width: int = 460,
                   height: int = 190, ymin: float | None = None, ymax: float | None = None,
                   x0: float = 0.0, dx: float = 1.0 / 12, xlabel: str = "", zero_line: bool = False,
                   css_class: str = "vk-chart") -> str:
    """An SVG line chart: one polyline per series, y axis with three ticks, a legend."""
    pad_l, pad_r, pad_t, pad_b = 44, 10, 26, 26
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
    values = [np.asarray(v, dtype=float) for v in series.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.zeros(0)
    lo = ymin if ymin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = ymax if ymax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    n = max((len(v) for v in values), default=0)
    parts = [f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{pad_l}" y="16" font-size="13" font-weight="600">{escape(title)}</text>',
             f'<rect x="{pad_l}" y="{pad_t}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>']
    for frac in (0.0, 0.5, 1.0):
        y = pad_t + ph * (1 - frac)
        parts.append(f'<text x="{pad_l - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{lo + frac * (hi - lo):.2f}</text>')
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
    if zero_line and lo < 0 < hi:
        y = pad_t + ph * (1 - (0 - lo) / (hi - lo))
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#777"/>')
    if n > 1:
        parts.append(f'<text x="{pad_l}" y="{height - 6}" font-size="11">{x0:.0f}</text>')
        parts.append(f'<text x="{pad_l + pw}" y="{height - 6}" font-size="11" text-anchor="end">'
                     f'{x0 + (n - 1) * dx:.0f} {escape(xlabel)}</text>')
    legend_x = pad_l + 8
    for (name, v), colour in zip(series.items(), (colours.get(k, "#333") for k in series)):
        v = np.asarray(v, dtype=float)
        if v.size:
            xs = pad_l + pw * np.arange(v.size) / max(n - 1, 1)
            ys = pad_t + ph * (1 - (np.clip(v, lo, hi) - lo) / (hi - lo))
            ok = np.isfinite(ys)
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[ok], ys[ok]))
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"/>')
        parts.append(f'<rect x="{legend_x}" y="{pad_t + 6}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14}" y="{pad_t + 15}" font-size="11">{escape(name)}</text>')
        legend_x += 14 + 7 * len(name) + 14
    parts.append("</svg>")
    return "".join(parts)


def markdown_html(text: str) -> str:
    """Markdown (headings, emphasis, lists, tables) as HTML; HTML inside ``text`` is shown as text, not run."""
    md = markdown.Markdown(extensions=["tables"], output_format="html")
    for name in ("link", "reference", "image_link", "image_reference", "short_reference", "short_image_ref",
                 "autolink", "automail", "html", "entity"):
        if name in md.inlinePatterns:
            md.inlinePatterns.deregister(name)  # no links or images: the text may come from a results file
    return md.convert(escape(str(text), quote=False))


def Markdown(text: str, style: str = "", classes: Sequence[str] = ()):
    """Markdown on a Solara page, with nothing loaded from a CDN (call inside a component)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown_html(text), style=style or None,
                       classes=["vk-markdown", "solara-markdown", "rendered_html", "jp-RenderedHTMLCommon", *classes])
