"""The browser view: a live neighbourhood, two futures side by side, a family, batch results.

Start it with ``python run.py app`` (or ``solara run viz/app.py``) and open
http://127.0.0.1:8765. Everything the page needs is served from the installed packages:
it works without internet.

Safe to share with a room (there is no login): every tab has its own neighbourhood (a
:class:`Session` per Solara virtual kernel); a tab that closes, or whose connection stays
gone for the cull timeout ``run.py app`` sets, stops playing and is freed; paths a visitor
types are read only inside the results root (:func:`viz.sim.confine`). The server prints
one line when a tab opens or closes, with the number of tabs open.

Test handles (CSS classes) for browser tests: ``vk-lang`` (language toggle), ``vk-play``,
``vk-pause``, ``vk-step``, ``vk-reset``, ``vk-month`` (the month shown), ``vk-rate``
(months per second achieved while playing), ``vk-map`` (the map image), ``vk-chart``
(each chart), ``vk-error`` (a readable error), ``vk-param-NAME`` (a slider),
``vk-policy-NAME`` (a policy switch), ``vk-crisis-lockdown``/``vk-crisis-inflation``,
``vk-futures-without``/``vk-futures-with`` (the two maps), ``vk-difference``.
"""

from __future__ import annotations

import logging
import threading
import time

import ipywidgets as widgets
import solara

import collections
import shutil
import tempfile
from html import escape
from pathlib import Path

from abm.interventions import SHOCKS, SPECS
from abm.params import schema_rows
from abm.state import CellKind
from experiments.scenario import presets
from viz import i18n, report
from viz.family import FamilyView, warm as warm_family
from viz.fmt import auto, money, num, signed
from viz.i18n import error_nl, gloss, param_label, scenario_label, t
from viz.i18n_room import info_text
from viz.render import (
    CATEGORY, FACILITY_COLOURS, MEASURES, Markdown, difference_png, line_chart_svg, map_png, png_data_url, ramp_css,
)
from viz.sim import (
    DEFAULT_SEED, KEY_PARAMS, SCENARIO_MAX_BYTES, Futures, Run, ViewError, error_text, results_root, size_label,
)

log = logging.getLogger("veerkracht.app")

lang = solara.reactive("nl")
tick = solara.reactive(0)  # bumped after every step: redraws what shows the neighbourhood
changed = solara.reactive(0)  # bumped when a visitor changes something: redraws the controls
playing = solara.reactive(False)
speed = solara.reactive(12.0)  # months per second asked for (the page keeps up with 8 or more)
error = solara.reactive("")
measure = solara.reactive("stress")
network = solara.reactive(False)
scenario = solara.reactive("krachtwijk")
view = solara.reactive("live")  # which run the play loop steps: live | futures
present = solara.reactive(False)  # presentation mode: map and charts only, large type
blocks = solara.reactive(False)  # the map shows the mean per block instead of each household
settings_group = solara.reactive("population")  # the group of settings shown under "all settings"

class Session:
    """What one visitor's page works on: the live run, the two futures, and who draws them.

    Every browser tab has its own (keyed on the tab's virtual kernel, not on the browser's
    cookie), so a workshop can open the page on many laptops, and two tabs of one browser
    are two neighbourhoods. A path the visitor types is read only inside the results root.
    """

    def __init__(self) -> None:
        root = results_root()
        self.run = Run(root=root)
        self.futures = Futures(root=root)
        # functions that redraw a display widget from its run; the play loop calls them every month
        self.updaters: set = set()
        self.rate = 0.0  # months per second achieved while playing (steps and drawing), over the last seconds
        self.cards: list[dict] = []  # the "what changed" cards made in this session (for the report)
        self.folder = Path(tempfile.mkdtemp(prefix="veerkracht-tab-"))  # a scenario file sent from the browser
        self.lock = threading.Lock()
        self.closed = threading.Event()  # set when the tab is gone: the play loop stops

    def close(self) -> None:
        """The tab is gone: stop its play loop and let go of its models and display widgets."""
        self.closed.set()
        with self.lock:  # after the step in progress, if any
            self.updaters.clear()
            self.run.close()
            self.futures.close()
            self.cards.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


_SESSIONS: dict[str, Session] = {}  # kernel id -> session; an entry leaves when its tab's kernel closes
_OPEN: set[str] = set()  # kernel ids of the tabs open now
_SESSIONS_LOCK = threading.Lock()


def _kernel_id() -> str:
    try:
        return solara.get_kernel_id(ipython_fallback=False)
    except Exception:  # noqa: BLE001 - no server context (rendered in a test)
        return "local"


def _kernel_closed() -> bool:
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context().closed_event.is_set()
    except Exception:  # noqa: BLE001 - no server context
        return False


def S() -> Session:
    """The session of the tab being served (one for a test that renders without a server)."""
    key = _kernel_id()
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = Session()
            if not _kernel_closed():  # a straggler of a closed tab gets a session that is not kept
                _SESSIONS[key] = session
    return session


def _tab_opened():
    """Solara calls this when a tab's virtual kernel starts; the function it returns runs when it closes.

    A tab closes when the browser says goodbye, or when its connection has been gone for
    the server's cull timeout (``run.py app`` sets it short, see ``app_command``).
    """
    key = _kernel_id()
    with _SESSIONS_LOCK:
        _OPEN.add(key)
        n = len(_OPEN)
    _say(f"a tab opened; tabs open: {n}")

    def closed():
        with _SESSIONS_LOCK:
            _OPEN.discard(key)
            session = _SESSIONS.pop(key, None)
            n = len(_OPEN)
        if session is not None:
            session.close()
        _say(f"a tab closed; tabs open: {n}")
        # once Solara has closed the tab's widgets too: free the cycles and hand the memory back
        timer = threading.Timer(2.0, _release_memory)
        timer.daemon = True
        timer.start()

    return closed


def _release_memory() -> None:
    """Collect what closed tabs left (a model's agents refer to it and back) and return freed heap to the OS.

    Without the trim, glibc keeps the freed pages of every thread's arena, so the server's
    memory kept growing by about 15 MB a visit although nothing of the visit was left.
    """
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is free for the next tab anyway
        pass


def _say(message: str) -> None:
    """One line for whoever runs the server (no visitor sees it)."""
    print(f"{time.strftime('%H:%M:%S')} veerkracht: {message}", flush=True)


solara.lab.on_kernel_start(_tab_opened)
# the family tab's first family, made while the server waits for its first visitor
threading.Thread(target=warm_family, daemon=True, name="veerkracht-family-warm").start()
SCHEMA = {r["name"]: r for r in schema_rows() if r["kind"] == "param"}
COLOURS = report.COLOURS  # the measures' colours, as the charts and the exports draw them


def _guard(action):
    """Run ``action``; any failure becomes one readable line on the page, never a traceback."""
    try:
        with S().lock:
            action()
        error.set("")
    except ViewError as e:
        error.set(error_nl(e, lang.value) or error_text(e, lang.value))
    except Exception as e:  # noqa: BLE001 - the last resort: the page keeps working, the server log has the trace
        log.exception("an action of the page failed")
        error.set(f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:300]}")
    tick.set(tick.value + 1)
    changed.set(changed.value + 1)


def _stepper(session: Session | None = None):
    session = session or S()
    return session.futures.step if view.value == "futures" else session.run.step


def _play_loop(cancel: threading.Event) -> None:
    """Step while playing, paced to ``speed``; measures the rate achieved including drawing.

    Stops when paused, when the page starts another loop (``cancel``), and when the tab is
    gone (its session closed): a closed tab costs nothing.
    """
    session = S()
    step = _stepper(session)
    recent: collections.deque = collections.deque()  # the clock times of the months drawn in the last 2 s
    try:
        while not cancel.is_set() and not session.closed.is_set() and playing.value:
            start = time.perf_counter()
            try:
                with session.lock:
                    if session.closed.is_set():
                        break
                    step(1)
            except ViewError as e:
                error.set(error_nl(e, lang.value) or error_text(e, lang.value))
                playing.set(False)
                break
            now = time.perf_counter()
            recent.append(now)
            while recent and now - recent[0] > 2.0:
                recent.popleft()
            if len(recent) > 1:
                session.rate = (len(recent) - 1) / (recent[-1] - recent[0])
            for update in list(session.updaters):  # straight into the display widgets: no re-render of the page
                update()
            wait = 1.0 / max(speed.value, 0.1) - (time.perf_counter() - start)
            if wait > 0:
                cancel.wait(wait)
    except Exception:
        if session.closed.is_set():
            return  # the tab closed under the loop: nothing left to tell
        raise
    if session.closed.is_set():
        return
    session.rate = 0.0
    tick.set(tick.value + 1)  # the controls catch up once playing stops


# ---- small pieces ------------------------------------------------------------------------

FACILITY_LETTERS = {CellKind.MEETING_PLACE: "O", CellKind.SCHOOL: "S", CellKind.SERVICE_POINT: "L",
                    CellKind.MENTAL_HEALTH: "G"}
_FACILITY_KEYS = {CellKind.MEETING_PLACE: "map.meeting", CellKind.SCHOOL: "map.school",
                  CellKind.SERVICE_POINT: "map.service", CellKind.MENTAL_HEALTH: "map.ggz"}


@solara.component
def Term(term: str):
    """A Dutch term of the sources with its explanation as a tooltip."""
    with solara.Tooltip(gloss(term, lang.value)):
        solara.Text(term, style={"text-decoration": "underline dotted", "margin-right": "12px"},
                    classes=[f"vk-term-{term}"])


@solara.component
def Info(text: str, css: str = ""):
    """An info mark (ⓘ) whose tooltip explains what sits beside it."""
    with solara.Tooltip(text):
        solara.Text("i", style={"cursor": "help", "color": "white", "background": "#1565c0", "margin-left": "6px",
                                "font-size": "12px", "font-weight": "700", "border-radius": "50%", "width": "17px",
                                "height": "17px", "display": "inline-flex", "align-items": "center",
                                "justify-content": "center", "font-style": "italic", "font-family": "serif"},
                    classes=["vk-info", *([css] if css else [])])


@solara.component
def ErrorBox():
    if error.value:
        solara.Error(f"{t('err.title', lang.value)}: {error.value}", classes=["vk-error"])


@solara.component_vue("keys.vue")
def SpaceKey(event_space):
    """The space bar plays and pauses (the page's keyboard handler; see keys.vue)."""


def _toggle_play():
    playing.set(not playing.value)


def use_live_html(render, dependencies: list):
    """An HTML widget showing ``render()``, rewritten every month by the play loop.

    While playing, the play loop writes the new HTML straight into the widget (one small
    message to the browser per month) instead of re-rendering the page's component tree,
    which costs tens of milliseconds for a page this size. ``dependencies``: what makes a
    new ``render`` (the updater is registered again when they change).
    """
    session = S()
    widget = solara.use_memo(lambda: widgets.HTML(), [])

    def update():
        with session.lock:  # not while a month is being stepped
            if not session.closed.is_set():
                widget.value = render()

    update()

    def register():
        session.updaters.add(update)
        return lambda: session.updaters.discard(update)

    solara.use_effect(register, dependencies)
    return widget


@solara.component
def Display(run: Run, map_css: str, charts: bool = True):
    """Everything that changes every month, as one HTML widget (:func:`use_live_html`)."""
    tick.value  # noqa: B018  (a manual step, reset or setting redraws through the component)
    L, m, net, big, per_block = lang.value, measure.value, network.value, present.value, blocks.value
    session = S()
    widget = use_live_html(lambda: display_html(run, L, m, net, map_css, charts,
                                                rate=session.rate if playing.value else 0.0, big=big,
                                                per_block=per_block),
                           [run, L, m, net, map_css, charts, big, per_block])
    solara.Column(children=[widget], style={"width": "100%"})


def header_html(run: Run, L: str, rate: float = 0.0, big: bool = False) -> str:
    """Month and year, residents and cost so far; a banner while a crisis lasts."""
    model = run.ensure()
    persons = model.recorder.rows[-1]["persons"]
    size = 30 if big else 20
    total = sum(c["total"] for c in run.costs().values())
    parts = [f'<div style="font-size:{size}px;margin-bottom:4px;display:flex;flex-wrap:wrap;gap:4px 14px;'
             f'align-items:baseline"><span class="vk-month" style="font-weight:700">{t("stat.month", L)} '
             f'{model.month}</span><span class="vk-year" style="font-weight:600">{t("stat.year", L)} '
             f'{num(model.month / 12.0, L, 1)}</span><span style="font-size:0.8em">{t("stat.residents", L)} '
             f'{num(persons, L)}</span><span class="vk-cost-total" style="font-size:0.8em">{t("cost.so_far", L)} '
             f'{money(total, L)}</span>']
    if rate:
        parts.append(f'<span class="vk-rate" style="font-size:0.7em">{num(rate, L, 1)} {t("stat.steps_per_s", L)}</span>')
    parts.append("</div>")
    for name, left in run.crises_now():
        label = SHOCKS[name]["label_nl"] if L == "nl" else SHOCKS[name]["label"]
        word = t("word.month" if left == 1 else "word.months", L)
        parts.append(f'<div class="vk-banner" style="background:#ef6c00;color:white;font-weight:700;padding:6px 12px;'
                     f'border-radius:6px;margin:4px 0;font-size:{size - 2}px">'
                     f'{escape(t("banner.crisis", L).format(name=label, n=left, months=word))}</div>')
    return "".join(parts)


def changes_html(run: Run, L: str) -> str:
    if not run.changes:
        return ""
    changed = ", ".join(f"{escape(param_label(name, L))} = {auto(value, L)}" for name, value in sorted(run.changes.items()))
    return f'<div class="vk-changes" style="font-size:14px;color:#555">{t("stat.changed", L)}: {changed}</div>'


def display_html(run: Run, L: str, measure_name: str, net: bool, map_css: str, charts: bool,
                 rate: float = 0.0, big: bool = False, per_block: bool = False) -> str:
    """Month, banner, map with its legend and (optionally) the two charts of ``run``, as one HTML string."""
    model = run.ensure()
    parts = [header_html(run, L, rate, big), changes_html(run, L)]
    png = map_png(model, measure_name, net, blocks=per_block, labels=FACILITY_LETTERS)
    map_height = "58vh" if big else "42vh"
    parts.append('<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">')
    parts.append(f'<div style="flex:0 0 auto;width:min-content"><img class="{map_css}" src="{png_data_url(png)}" alt="{t("map.title", L)}" '
                 f'style="height:{map_height};width:auto;image-rendering:pixelated;display:block"/>'
                 f'{legend_html(L, measure_name, big, per_block)}</div>')
    if charts:
        font, box = (18, "33vh") if big else (14, "27vh")
        parts.append(f'<div class="vk-charts" style="flex:1 1 340px;min-width:300px">'
                     f'{report.charts_svg(run, L, font, box)}</div>')
    parts.append("</div>")
    return "".join(parts)


def legend_html(L: str, measure_name: str, big: bool = False, per_block: bool = False) -> str:
    """What the colours of the map mean: the colour scale with its values, named categories and places."""
    size = 16 if big else 13
    swatch = ('<span style="display:inline-block;width:{s}px;height:{s}px;background:{c};border:1px solid #999;'
              'margin-right:4px;vertical-align:middle"></span>')
    out = [f'<div class="vk-legend" style="font-size:{size}px;max-width:640px;margin-top:4px">']
    if measure_name == CATEGORY:
        for colour, key in (("#2e7d32", "cat.strong"), ("#fbc02d", "cat.vulnerable"), ("#c62828", "cat.decliner")):
            out.append(f'<span style="margin-right:12px">{swatch.format(s=size, c=colour)}{t(key, L)}</span>')
    else:
        what = t(f"m.{measure_name}", L) + (f" ({t('view.blocks', L)})" if per_block else "")
        ticks = "".join(f'<span style="position:absolute;left:{f * 100:.0f}%;transform:translateX(-{f * 100:.0f}%)">'
                        f'{num(f, L, 2 if f in (0.25, 0.75) else 1)}</span>' for f in (0.0, 0.25, 0.5, 0.75, 1.0))
        out.append(f'<div style="font-weight:600">{escape(what)}: {t("map.low", L)} → {t("map.high", L)}</div>'
                   f'<div class="vk-scale" style="height:14px;width:260px;background:{ramp_css(MEASURES[measure_name][1])};'
                   f'border:1px solid #999"></div><div style="position:relative;width:260px;height:1.3em;'
                   f'font-size:0.85em">{ticks}</div>')
    out.append(f'<div style="margin-top:2px">{swatch.format(s=size, c="#e0e0e0")}{t("map.empty", L)} &nbsp; ')
    for kind, letter in FACILITY_LETTERS.items():
        r, g, b = FACILITY_COLOURS[kind]
        out.append(f'<span style="margin-right:10px"><span style="display:inline-block;min-width:{size}px;'
                   f'background:rgb({r},{g},{b});color:white;text-align:center;font-weight:700;margin-right:4px">'
                   f'{letter}</span>{t(_FACILITY_KEYS[kind], L)}</span>')
    out.append(f'<span>{swatch.format(s=size, c="#ffffff")}{t("map.pro", L)}</span>'
               f' &nbsp; <span>▭ {t("map.block", L)}</span></div></div>')
    return "".join(out)


@solara.component
def PlayLoop():
    """Steps the run while playing (a thread per play; see :func:`_play_loop`); shows nothing."""
    solara.use_thread(_play_loop, dependencies=[playing.value, view.value])
    solara.Div(style={"display": "none"})


@solara.component
def Controls(reset_action, defaults_action=None):
    L = lang.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        if playing.value:
            solara.Button(t("ctl.pause", L), on_click=lambda: playing.set(False), classes=["vk-pause"],
                          color="warning")
        else:
            solara.Button(t("ctl.play", L), on_click=lambda: playing.set(True), classes=["vk-play"], color="primary")
        solara.Button(t("ctl.step", L), on_click=lambda: _guard(lambda: _stepper()(1)), classes=["vk-step"],
                      disabled=playing.value)
        solara.Button(t("ctl.reset", L), on_click=lambda: _guard(reset_action), classes=["vk-reset"])
    if defaults_action is not None:
        solara.Button(t("ctl.defaults", L), on_click=lambda: _guard(defaults_action), classes=["vk-defaults"],
                      text=True, style={"align-self": "flex-start"})
    with solara.Row(style={"align-items": "center", "margin-top": "18px"}):
        solara.SliderFloat(t("ctl.speed", L), value=speed, min=1, max=30, step=1, thumb_label="always")


@solara.component
def SeedField(apply):
    """The seed of the run, and a button that starts again with the one typed."""
    L = lang.value
    changed.value  # noqa: B018  (a reset or a loaded scenario may bring another seed)
    seed = int(S().run.seed)
    # a new model (reset, new seed, loaded scenario) shows its seed again, whatever was typed before
    value, set_value = solara.use_state(seed, key=f"{seed}-{id(S().run.model)}")
    with solara.Row(style={"align-items": "center"}):
        solara.InputInt(t("ctl.seed", L), value=value, on_value=lambda v: set_value(v if v is not None else 0),
                        classes=["vk-seed"], continuous_update=True, style={"min-width": "160px"})
        solara.Button(t("ctl.seed.apply", L), on_click=lambda: _guard(lambda: apply(value)), classes=["vk-seed-apply"],
                      text=True)
        Info(t("ctl.seed.help", L))


def _param_info(name: str, L: str) -> str:
    row = SCHEMA[name]
    source = row.get("source", "") if L == "en" else t("info.see_odd", L)
    return (f"{param_label(name, L)}. {t('info.range', L).format(lo=auto(row['lo'], L), hi=auto(row['hi'], L), unit=i18n.unit_label(row['unit'], L))} "
            f"{t('info.default', L).format(value=auto(row['default'], L))} {t('info.source', L)}: {source}")


@solara.component
def Settings():
    """Sliders generated from the parameter schema: the key ones, then every group; each shows its value."""
    L = lang.value

    def slider(name):
        row = SCHEMA[name]
        label = f"{i18n.param_label(name, L)} ({i18n.unit_label(row['unit'], L)})"
        css = [f"vk-param-{name}"]
        value = S().run.changes.get(name, _current(name))
        with solara.Div(classes=css, style={"width": "100%"}):
            with solara.Row(style={"align-items": "center"}):
                solara.Text(f"{label}: ", style={"font-size": "14px"})
                solara.Text(auto(value, L), style={"font-size": "14px", "font-weight": "700"},
                            classes=[f"vk-value-{name}"])
                Info(_param_info(name, L))
            if isinstance(row["default"], int) and not isinstance(row["default"], bool):
                top = int(min(row["hi"], 10 * max(1, row["default"]) + 50))  # a usable range on a slider
                solara.SliderInt("", value=int(value), min=int(row["lo"]), max=top,
                                 on_value=lambda v, n=name: _guard(lambda: S().run.set_param(n, int(v))))
            else:
                step = (float(row["hi"]) - float(row["lo"])) / 1000

                def moved(v, n=name, now=float(value), step=step):
                    if abs(float(v) - now) >= step / 2:  # not the slider snapping the value to its grid
                        _guard(lambda: S().run.set_param(n, float(v)))

                solara.SliderFloat("", value=float(value), min=float(row["lo"]), max=float(row["hi"]), step=step,
                                   on_value=moved)

    with solara.Details(t("ctl.params", L), expand=True):
        for name in KEY_PARAMS:
            slider(name)
        groups = sorted({r["group"] for r in SCHEMA.values()})
        group, set_group = settings_group.value, settings_group.set
        with solara.Column(classes=["vk-all-settings"]):
            solara.Text(f"{t('ctl.params', L)}: {t('ctl.all', L)}", style={"font-weight": "600", "margin-top": "12px"})
            shown = {i18n.group_label(g, L): g for g in groups}  # group names in the page's language
            solara.Select(t("ctl.group", L), values=list(shown), value=i18n.group_label(group, L),
                          on_value=lambda label: set_group(shown[label]), classes=["vk-group-select"])
            for name, row in SCHEMA.items():
                if row["group"] == group and name not in KEY_PARAMS and name not in ("grid_width", "grid_height",
                                                                                        "block_size", "burn_in_months"):
                    slider(name)


def _current(name):
    model = S().run.model
    return getattr(model.p_base, name) if model is not None else SCHEMA[name]["default"]


def policy_unit(name: str, L: str) -> str:
    sp = SPECS[name]
    return (getattr(sp, "unit_nl", "") or sp.unit) if L == "nl" else sp.unit


def _policy_info(name: str, L: str) -> str:
    sp = SPECS[name]
    text = (getattr(sp, "mechanism_nl", "") or sp.mechanism) if L == "nl" else sp.mechanism
    source = sp.source if L == "en" else t("info.see_odd", L)
    return (f"{text} {t('ctl.policy.cost', L).format(cost=money(sp.cost_per_unit, L), unit=policy_unit(name, L))}. "
            f"{t('info.source', L)}: {source}")


@solara.component
def Policy(name: str, running: bool, on_switch, settings: bool = True):
    """One policy: its switch, its size and duration, what it does, units and cost."""
    L = lang.value
    sp = SPECS[name]
    label = sp.label_nl if L == "nl" else sp.label
    units, set_units = solara.use_state(float(sp.units_default))
    months, set_months = solara.use_state(None)
    after, set_after = solara.use_state(None)
    with solara.Div(classes=[f"vk-policy-box-{name}"], style={"width": "100%"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Switch(label=label, value=running, on_value=lambda on: on_switch(name, on, units, months, after),
                          classes=[f"vk-policy-{name}"])
            Info(_policy_info(name, L), css=f"vk-policy-info-{name}")
        if settings and not running:
            with solara.Column(style={"padding-left": "36px", "margin-top": "-6px"}, gap="0px"):
                with solara.Div(classes=[f"vk-units-{name}"], style={"min-width": "220px"}):
                    if sp.whole_units:
                        solara.SliderInt(t("ctl.policy.size", L).format(unit=policy_unit(name, L)), value=int(units),
                                         min=0, max=int(sp.units_max), on_value=lambda v: set_units(float(v)),
                                         thumb_label="always")
                    else:
                        solara.SliderFloat(t("ctl.policy.size", L).format(unit=policy_unit(name, L)), value=units,
                                           min=0.0, max=float(sp.units_max), on_value=set_units, thumb_label="always")
                solara.InputInt(t("ctl.months", L), value=months, optional=True, on_value=set_months,
                                classes=[f"vk-months-{name}"], style={"max-width": "220px"})
                solara.InputInt(t("ctl.after", L), value=after, optional=True, on_value=set_after,
                                classes=[f"vk-after-{name}"], style={"max-width": "220px"})


@solara.component
def Policies(on_change=None):
    L = lang.value
    changed.value  # noqa: B018
    live = view.value == "live"
    running = S().run.planned_policies() if live else set(S().futures.policies())

    def switch(name, on, units, months, after=None):
        units = int(units) if SPECS[name].whole_units else float(units)
        if live:
            _guard(lambda: S().run.switch_policy(name, on, units=units, months=months, after=after))
        else:
            _guard(lambda: S().futures.branch(name, on, units=units))
        if on_change:
            on_change()

    with solara.Details(t("ctl.interventions", L), expand=True):
        for name, sp in sorted(SPECS.items(), key=lambda kv: kv[1].number):
            Policy(name, name in running, switch, settings=live)


@solara.component
def Crisis():
    L = lang.value

    def hit(name):
        if view.value == "futures":
            _guard(lambda: S().futures.crisis(name))
        else:
            _guard(lambda: S().run.crisis(name))

    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button(t("ctl.lockdown", L), color="error", classes=["vk-crisis-lockdown"], on_click=lambda: hit("lockdown"))
        solara.Button(t("ctl.inflation", L), color="error", classes=["vk-crisis-inflation"],
                      on_click=lambda: hit("inflation"))


@solara.component
def CostPanel():
    """Cost so far, per policy, and last month's."""
    tick.value  # noqa: B018
    L = lang.value
    costs = S().run.costs()
    rows = "".join(f'<tr><td style="padding-right:10px">{escape(report.lever_label("policy", n, L))}</td>'
                   f'<td style="text-align:right;padding-right:10px" class="vk-cost-{n}">{money(c["total"], L)}</td>'
                   f'<td style="text-align:right;color:#555">{money(c["month"], L)}</td></tr>' for n, c in costs.items())
    html = (f'<table class="vk-costs" style="font-size:14px"><tr><th style="text-align:left">{t("cost.title", L)}</th>'
            f'<th style="text-align:right;padding-right:10px">{t("cost.so_far", L)}</th><th style="text-align:right">'
            f'{t("cost.month", L)}</th></tr>{rows}</table>' if costs else f'<div style="font-size:14px">{t("cost.none", L)}</div>')
    solara.HTML(tag="div", unsafe_innerHTML=html)


@solara.component
def ChangeCard():
    """After a policy or crisis: what it changed against the same neighbourhood without it (same seed)."""
    changed.value  # noqa: B018
    tick.value  # noqa: B018
    L = lang.value
    session = S()
    levers = [lv for lv in session.run.levers() if lv["action"] is not None] if session.run.model is not None else []
    shown, set_shown = solara.use_state("")
    choice, set_choice = solara.use_state("")
    if not levers:
        return
    names = {f"{report.lever_label(lv['kind'], lv['name'], L)} ({t('stat.month', L).lower()} {lv['start']})": k
             for k, lv in enumerate(levers)}
    if choice not in names:
        choice = list(names)[-1]  # the latest lever, unless another was chosen
    lever = levers[names[choice]]

    def compute():
        def action():
            card = session.run.what_changed(lever)
            session.cards.append(card)
            set_shown(report.card_html(card, L))
        playing.set(False)
        _guard(action)

    with solara.Column(classes=["vk-change"]):
        if len(names) > 1:
            solara.Select(t("rep.levers", L), values=list(names), value=choice, on_value=set_choice)
        name = report.lever_label(lever["kind"], lever["name"], L)
        solara.Button(t("card.ask", L), on_click=compute, classes=["vk-card-make"], color="primary", outlined=True)
        solara.Text(t("card.button", L).format(name=name), style={"font-size": "13px", "color": "#555"})
        if shown:
            solara.HTML(tag="div", unsafe_innerHTML=shown)


@solara.component_vue("upload.vue")
def Upload(label: str, limit: int, event_upload):
    """A file input: the chosen file's text goes to ``event_upload`` (see upload.vue)."""


@solara.component
def Keep():
    """Export and keep: series CSV, map and chart PNGs, a session report, the scenario as TOML; load one."""
    L = lang.value
    session = S()
    run = session.run
    stamp = lambda: f"m{run.month}"  # noqa: E731

    def on_upload(info):
        def action():
            text = info.get("text")
            if text is None:
                raise ViewError(key="path.too_large", path=str(info.get("name", ""))[:200],
                                limit=size_label(SCENARIO_MAX_BYTES))
            run.load_toml(str(text).encode("utf-8"), session.folder)
            scenario.set(run.scenario if run.scenario in presets() else scenario.value)
        _guard(action)

    with solara.Details(t("exp.title", L), expand=False):
        with solara.Column(classes=["vk-keep"]):
            solara.FileDownload(lambda: report.series_csv(run, L).encode("utf-8"), filename=f"veerkracht-{stamp()}.csv",
                                label=t("exp.csv", L), mime_type="text/csv")
            solara.FileDownload(lambda: map_png(run.ensure(), measure.value, blocks=blocks.value, labels=FACILITY_LETTERS),
                                filename=f"veerkracht-kaart-{stamp()}.png", label=t("exp.png", L), mime_type="image/png")
            solara.FileDownload(lambda: report.charts_png(run, L), filename=f"veerkracht-grafieken-{stamp()}.png",
                                label=t("exp.charts", L), mime_type="image/png")
            solara.FileDownload(lambda: report.session_report_html(run, L, session.cards, measure.value).encode("utf-8"),
                                filename=f"veerkracht-verslag-{stamp()}.html", label=t("exp.report", L),
                                mime_type="text/html")
            solara.FileDownload(lambda: run.scenario_toml(L).encode("utf-8"), filename=f"veerkracht-scenario-{stamp()}.toml",
                                label=t("exp.save", L), mime_type="application/toml")
            Upload(label=t("exp.load", L), limit=SCENARIO_MAX_BYTES, event_upload=on_upload)


# ---- views -------------------------------------------------------------------------------

@solara.component
def ScenarioFile():
    """Load a scenario from a TOML file on the server (a bad file is explained, not shown as a traceback)."""
    L = lang.value
    path, set_path = solara.use_state("")

    def load_file():
        def action():
            run = S().run
            previous = run.scenario
            run.scenario = path.strip()
            try:
                run.reset()  # a path only inside the results root; the model shown before runs on if this fails
            except Exception:
                run.scenario = previous
                raise
        _guard(action)

    with solara.Row(style={"align-items": "center"}):
        solara.InputText(t("ctl.scenario_file", L), value=path, on_value=set_path, continuous_update=True,
                         classes=["vk-scenario-file"])
        solara.Button(t("ctl.load", L), on_click=load_file, classes=["vk-scenario-load"])


def _reset_live():
    S().run.scenario = scenario.value
    S().run.reset()


def _defaults_live():
    S().run.scenario = scenario.value
    S().run.defaults()


def _reseed_live(seed: int):
    from abm.params import RunSettings

    try:
        RunSettings.check(seed=seed)
    except Exception as e:  # noqa: BLE001 - one readable line
        raise ViewError(error_nl(e, lang.value) or str(e)) from None
    S().run.seed = int(seed)
    _reset_live()


@solara.component
def LiveView():
    L = lang.value
    big = present.value
    PlayLoop()
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap", "gap": "16px"}):
        if not big:
            LiveControls()
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            ErrorBox()
            Display(S().run, "vk-map")


@solara.component
def LiveControls():
    L = lang.value
    names = {scenario_label(p, L): p for p in presets()}
    with solara.Column(style={"flex": "0 0 34%", "max-width": "440px", "min-width": "300px"}):
        Controls(_reset_live, _defaults_live)
        solara.Select(t("ctl.scenario", L), values=list(names), value=scenario_label(scenario.value, L),
                      on_value=lambda label: (scenario.set(names[label]), _guard(_reset_live)),
                      classes=["vk-scenario"])
        SeedField(_reseed_live)
        ScenarioFile()
        measures = {t(f"m.{m}", L): m for m in [*MEASURES, CATEGORY]}  # shown in the page's language
        solara.Select(t("ctl.colour", L), values=list(measures), value=t(f"m.{measure.value}", L),
                      on_value=lambda label: measure.set(measures[label]), classes=["vk-measure"])
        solara.Switch(label=t("view.blocks", L), value=blocks, classes=["vk-blocks"])
        solara.Switch(label=t("ctl.network", L), value=network)
        Crisis()
        Policies()
        CostPanel()
        ChangeCard()
        Keep()
        Settings()


def _reset_futures():
    S().futures.reset(scenario.value, S().run.seed, S().run.changes, {})


@solara.component
def FuturesView():
    L = lang.value
    changed.value  # noqa: B018
    if S().futures.without.model is None:
        _guard(_reset_futures)
    PlayLoop()
    Markdown(t("fut.same_seed", L) + " " + t("fut.from_now", L))
    with solara.Columns([1, 3]):
        with solara.Column():
            Controls(_reset_futures)
            measures = {t(f"m.{m}", L): m for m in MEASURES}
            solara.Select(t("fut.measure", L), values=list(measures), value=t(f"m.{measure.value}", L)
                          if measure.value in MEASURES else list(measures)[0],
                          on_value=lambda label: measure.set(measures[label]), classes=["vk-futures-measure"])
            Crisis()
            Policies()
        with solara.Column():
            ErrorBox()
            FuturesNumbers()
            with solara.Columns([1, 1, 1]):
                with solara.Column():
                    solara.Text(t("fut.without", L), style={"font-weight": "600"})
                    Display(S().futures.without, "vk-futures-without", charts=False)
                with solara.Column():
                    pols = ", ".join(report.lever_label("policy", n, L) for n in S().futures.policies()) or t("fut.none", L)
                    solara.Text(f"{t('fut.with', L)}: {pols}", style={"font-weight": "600"}, classes=["vk-futures-policies"])
                    Display(S().futures.with_, "vk-futures-with", charts=False)
                with solara.Column():
                    solara.Text(t("fut.diff_map", L), style={"font-weight": "600"})
                    DifferenceMap()
            Difference()


def _live_measure() -> str:
    return measure.value if measure.value in MEASURES else "stress"


@solara.component
def FuturesNumbers():
    """The chosen measure now in both futures and their difference, with its unit."""
    tick.value  # noqa: B018
    L, futures = lang.value, S().futures
    solara.Column(children=[use_live_html(lambda: futures_numbers_html(futures, _live_measure(), L),
                                          [L, measure.value])])


def futures_numbers_html(futures: Futures, m: str, L: str) -> str:
    column = f"{m}_mean"
    a, b = futures.without.series(column)[-1], futures.with_.series(column)[-1]
    label = t(f"m.{m}", L)
    return (f'<table class="vk-futures-numbers" style="font-size:18px"><tr><th></th><th style="padding:0 14px">'
            f'{t("fut.without", L)}</th><th style="padding:0 14px">{t("fut.with", L)}</th><th style="padding:0 14px">'
            f'{t("fut.difference", L)}</th></tr><tr><td>{escape(label)} ({t("chart.unit01", L)}), '
            f'{t("stat.month", L).lower()} {futures.month}</td><td style="text-align:center">{num(a, L, 3)}</td>'
            f'<td style="text-align:center">{num(b, L, 3)}</td><td style="text-align:center;font-weight:700" '
            f'class="vk-futures-diff">{signed(b - a, L, 3)}</td></tr></table>')


@solara.component
def DifferenceMap():
    tick.value  # noqa: B018
    L, f = lang.value, S().futures

    def render():
        png = difference_png(f.without.ensure(), f.with_.ensure(), _live_measure())
        return (f'<img class="vk-difference-map" src="{png_data_url(png)}" '
                'style="max-width:100%;height:32vh;image-rendering:pixelated"/>'
                f'<div style="font-size:13px"><span style="color:#2166ac">■</span> {t("card.better", L)}'
                f' &nbsp; <span style="color:#e66101">■</span> {t("card.worse", L)}</div>')

    solara.Column(children=[use_live_html(render, [L, measure.value])])


@solara.component
def Difference():
    tick.value  # noqa: B018
    L, session = lang.value, S()
    solara.Column(children=[use_live_html(lambda: difference_svg(L, session), [L, measure.value])])


def difference_svg(L: str, session: Session | None = None) -> str:
    """The difference chart of the two futures: with the policy minus without, in the chosen measure's unit."""
    futures = (session or S()).futures
    m = _live_measure()
    label = t(f"m.{m}", L)
    return line_chart_svg({label: futures.difference(f"{m}_mean")}, {label: COLOURS.get(m, "#333")},
                          t("chart.difference", L), zero_line=True, xlabel=t("stat.year", L).lower(),
                          css_class="vk-chart vk-difference", lang=L, unit=t("chart.diff_unit", L),
                          markers=report.markers(futures.with_, L))


@solara.component
def InfoView():
    """What the model is and is not, its sources, its calibration and its uncertainty."""
    Markdown(info_text(lang.value), classes=["vk-info-tab"], style="max-width:60em;font-size:16px")


@solara.component
def Page():
    L = lang.value
    solara.Title(t("app.title", L))
    SpaceKey(event_space=lambda *_: _toggle_play())
    with solara.AppBar():
        solara.ToggleButtonsSingle(value=lang, values=["nl", "en"], classes=["vk-lang"])
    with solara.Column(style={"padding": "6px 12px", "font-size": "16px"}):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text(t("app.title", L), style={"font-size": "22px", "font-weight": "700", "margin-right": "16px"},
                        classes=["vk-title"])
            if not present.value:
                for term in ("veerkracht", "bestaanszekerheid", "draagkracht", "draaglast"):
                    Term(term)
            solara.Button(t("ctl.present.off", L) if present.value else t("ctl.present", L),
                          on_click=lambda: present.set(not present.value), classes=["vk-present"],
                          color="primary", outlined=True, icon_name="mdi-projector-screen")
            if present.value:
                if playing.value:
                    solara.Button(t("ctl.pause", L), on_click=lambda: playing.set(False), classes=["vk-pause"],
                                  color="warning")
                else:
                    solara.Button(t("ctl.play", L), on_click=lambda: playing.set(True), classes=["vk-play"],
                                  color="primary")
            Info(t("ctl.present.help", L))
        tabs = [("live", t("tab.live", L)), ("futures", t("tab.futures", L)), ("family", t("tab.family", L)),
                ("batch", t("tab.batch", L)), ("info", t("tab.info", L))]
        names = [name for name, _ in tabs]

        def choose(index):
            playing.set(False)
            view.set(names[index])

        if present.value and view.value in ("live", "futures"):
            _TAB_VIEWS[view.value]()  # the view alone, without the tabs: all of the screen for the room
            return
        with solara.lab.Tabs(value=names.index(view.value) if view.value in names else 0, on_value=choose):
            for name, label in tabs:
                with solara.lab.Tab(label, classes=[f"vk-tab-{name}"]):
                    if view.value == name:
                        _TAB_VIEWS[name]()


def _family():
    FamilyView(lang=lang.value, glossary=False)  # the page's header already explains the Dutch terms


def _batch():
    from viz.batch import BatchView

    BatchView(lang=lang.value)


_TAB_VIEWS = {"live": LiveView, "futures": FuturesView, "family": _family, "batch": _batch, "info": InfoView}
__all__ = ["Page"]
