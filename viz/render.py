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


def block_means(model, measure: str) -> np.ndarray:
    """float64[n_blocks]: the mean of ``measure`` over each block's households (NaN where none lives)."""
    s = model.state
    cells, hh = queries.household_cells(model)
    values = household_values(model, measure)[hh].astype(float)
    ok = np.isfinite(values)
    block = s.cell_block[cells[ok]]
    sums = np.bincount(block, weights=values[ok], minlength=s.n_blocks)
    counts = np.bincount(block, minlength=s.n_blocks)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def map_rgb(model, measure: str = "stress", blocks: bool = False) -> np.ndarray:
    """uint8[height, width, 3]: one pixel per cell (``blocks``: every dwelling in the colour of its block's mean)."""
    s = model.state
    w, h = s.grid_w, s.grid_h
    img = np.empty((s.n_cells, 3), dtype=np.uint8)
    img[:] = EMPTY
    if blocks and measure != CATEGORY:
        means = block_means(model, measure)
        dwelling = np.flatnonzero(s.cell_kind == CellKind.DWELLING)
        img[dwelling] = ramp(means[s.cell_block[dwelling]], MEASURES[measure][1])
        for kind, at in queries.facility_cells(model).items():
            img[at] = FACILITY_COLOURS[kind]
        return img.reshape(h, w, 3)
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


def map_png(model, measure: str = "stress", network: bool = False, target: int = 640, max_ties: int = 700,
            blocks: bool = False, labels: dict | None = None) -> bytes:
    """The map as PNG bytes: households (or ``blocks``' means) coloured by ``measure``, block boundaries,
    facilities with a letter (``labels``: kind -> letter), professionals, ties."""
    s = model.state
    k = cell_size(s.grid_w, s.grid_h, target)
    rgb = np.repeat(np.repeat(map_rgb(model, measure, blocks), k, axis=0), k, axis=1)
    image = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    w = s.grid_w
    _draw_blocks(draw, s.grid_w, s.grid_h, s.block_size, k)
    if labels:
        for kind, at in queries.facility_cells(model).items():
            letter = labels.get(kind)
            for cell in np.atleast_1d(at).tolist() if letter else ():
                x, y = (cell % w) * k, (cell // w) * k
                draw.text((x + k * 0.22, y - k * 0.05), letter, fill=(255, 255, 255), font_size=max(8, int(k * 0.95)))
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


def _draw_blocks(draw, width: int, height: int, block: int, k: int) -> None:
    """Dark lines along the blocks' (buurten's) boundaries."""
    colour = (40, 40, 40, 170)
    for x in range(0, width + 1, block):
        draw.line([(x * k - (x == width), 0), (x * k - (x == width), height * k)], fill=colour, width=2)
    for y in range(0, height + 1, block):
        draw.line([(0, y * k - (y == height)), (width * k, y * k - (y == height))], fill=colour, width=2)


def difference_png(a, b, measure: str, target: int = 640, span: float = 0.2) -> bytes:
    """PNG of ``b`` minus ``a`` per dwelling where both have a household (grey where not): blue where
    ``b`` is better, orange where it is worse, full colour at ``span``."""
    s = a.state
    va, vb = np.full(s.n_cells, np.nan), np.full(b.state.n_cells, np.nan)
    for model, out in ((a, va), (b, vb)):
        cells, hh = queries.household_cells(model)
        out[cells] = household_values(model, measure)[hh]
    diff = vb - va
    if not MEASURES[measure][1]:
        diff = -diff  # positive: better
    img = np.empty((s.n_cells, 3), dtype=float)
    img[:] = EMPTY
    ok = np.isfinite(diff)
    x = np.clip(diff[ok] / span, -1.0, 1.0)[:, None]
    white, good, bad = np.array([247, 247, 247.0]), np.array([33, 102, 172.0]), np.array([230, 97, 1.0])
    img[ok] = np.where(x >= 0, white + (good - white) * x, white + (bad - white) * (-x))
    k = cell_size(s.grid_w, s.grid_h, target)
    rgb = np.repeat(np.repeat(img.astype(np.uint8).reshape(s.grid_h, s.grid_w, 3), k, axis=0), k, axis=1)
    image = Image.fromarray(rgb, "RGB")
    _draw_blocks(ImageDraw.Draw(image, "RGBA"), s.grid_w, s.grid_h, s.block_size, k)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def ramp_css(higher_is_better: bool) -> str:
    """The map's colour ramp as a CSS gradient from the low end (left) to the high end."""
    stops = [f"rgb({int(r)},{int(g)},{int(b)})" for r, g, b in _RED_GREEN]
    return "linear-gradient(to right, " + ", ".join(stops if higher_is_better else stops[::-1]) + ")"


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


def line_chart_svg(series: dict[str, list[float]], colours: dict[str, str], title: str, *, width: int = 440,
                   height: int = 210, ymin: float | None = None, ymax: float | None = None,
                   x0: float = 0.0, dx: float = 1.0 / 12, xlabel: str = "", zero_line: bool = False,
                   css_class: str = "vk-chart", lang: str = "nl", unit: str = "",
                   markers: Sequence[tuple[int, str, str]] = (), font: int = 14, box_height: str = "") -> str:
    """An SVG line chart: one polyline per series, y axis with three ticks (``unit`` beside it), a legend.

    The chart scales to the width of its box (``viewBox``). ``markers``: (month index, label,
    colour) vertical lines where a policy or crisis started or ended. Tick labels are written
    as ``lang`` writes numbers. ``box_height``: a CSS height for the chart (e.g. ``30vh``), the
    drawing keeping its proportions inside it.
    """
    from viz.fmt import num

    pad_l, pad_r, pad_t, pad_b = 12 + 4 * font, 12, 2 * font + 6, 2 * font + 4
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
    values = [np.asarray(v, dtype=float) for v in series.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.zeros(0)
    lo = ymin if ymin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = ymax if ymax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    span = hi - lo
    digits = 2 if span >= 0.05 else 3 if span >= 0.005 else 4
    n = max((len(v) for v in values), default=0)
    small = font - 2
    parts = [f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="100%" '
             f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" role="img" '
             f'aria-label="{escape(title)}" style="max-width:{width * 2}px;font-family:sans-serif'
             + (f";height:{box_height}" if box_height else "") + '">',
             f'<text x="{pad_l}" y="{font + 2}" font-size="{font}" font-weight="600">{escape(title)}'
             + (f'<tspan font-weight="400" font-size="{small}"> ({escape(unit)})</tspan>' if unit else "")
             + "</text>",
             f'<rect x="{pad_l}" y="{pad_t}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>']
    for frac in (0.0, 0.5, 1.0):
        y = pad_t + ph * (1 - frac)
        parts.append(f'<text x="{pad_l - 4}" y="{y + small / 3:.1f}" font-size="{small}" text-anchor="end">'
                     f'{num(lo + frac * span, lang, digits)}</text>')
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
    if zero_line and lo < 0 < hi:
        y = pad_t + ph * (1 - (0 - lo) / span)
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#777"/>')
    if n > 1:
        parts.append(f'<text x="{pad_l}" y="{height - 6}" font-size="{small}">{num(x0, lang)}</text>')
        parts.append(f'<text x="{pad_l + pw}" y="{height - 6}" font-size="{small}" text-anchor="end">'
                     f'{num(x0 + (n - 1) * dx, lang, 0 if dx * (n - 1) >= 3 else 1)} {escape(xlabel)}</text>')
    for k, (at, label, colour) in enumerate(markers):
        if n > 1 and 0 <= at <= n - 1:
            x = pad_l + pw * at / max(n - 1, 1)
            y = pad_t + ph - 4 - (k % 3) * (small + 2)  # staggered, so that labels of close markers do not overlap
            parts.append(f'<line class="vk-marker" x1="{x:.1f}" x2="{x:.1f}" y1="{pad_t}" y2="{pad_t + ph}" '
                         f'stroke="{colour}" stroke-width="2" stroke-dasharray="5,3"/>'
                         f'<text x="{x + 3:.1f}" y="{y:.1f}" font-size="{small}" fill="{colour}">'
                         f'{escape(label)}</text>')
    legend_x = pad_l + 8
    for (name, v), colour in zip(series.items(), (colours.get(k, "#333") for k in series)):
        v = np.asarray(v, dtype=float)
        if v.size:
            xs = pad_l + pw * np.arange(v.size) / max(n - 1, 1)
            ys = pad_t + ph * (1 - (np.clip(v, lo, hi) - lo) / span)
            ok = np.isfinite(ys)
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[ok], ys[ok]))
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{pts}"/>')
        parts.append(f'<rect x="{legend_x}" y="{pad_t + 6}" width="{small}" height="{small}" fill="{colour}"/>'
                     f'<text x="{legend_x + small + 4}" y="{pad_t + 5 + small}" font-size="{small}">{escape(name)}</text>')
        legend_x += small + 4 + int(0.6 * small * len(name)) + 16
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
