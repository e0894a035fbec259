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

from abm.interventions import SPECS
from abm.params import schema_rows
from experiments.scenario import presets
from viz import i18n
from viz.family import FamilyView
from viz.i18n import gloss, t
from viz.render import CATEGORY, MEASURES, Markdown, line_chart_svg, map_png, png_data_url
from viz.sim import DEFAULT_SEED, KEY_PARAMS, Futures, Run, ViewError, error_text, results_root

log = logging.getLogger("veerkracht.app")

lang = solara.reactive("nl")
tick = solara.reactive(0)  # bumped after every step: redraws what shows the neighbourhood
changed = solara.reactive(0)  # bumped when a visitor changes something: redraws the controls
playing = solara.reactive(False)
speed = solara.reactive(8.0)  # months per second asked for
error = solara.reactive("")
measure = solara.reactive("stress")
network = solara.reactive(False)
scenario = solara.reactive("krachtwijk")
view = solara.reactive("live")  # which run the play loop steps: live | futures
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
        self.rate = 0.0  # months per second achieved while playing (steps and drawing)
        self.lock = threading.Lock()
        self.closed = threading.Event()  # set when the tab is gone: the play loop stops

    def close(self) -> None:
        """The tab is gone: stop its play loop and let go of its models and display widgets."""
        self.closed.set()
        with self.lock:  # after the step in progress, if any
            self.updaters.clear()
            self.run.close()
            self.futures.close()


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
SCHEMA = {r["name"]: r for r in schema_rows() if r["kind"] == "param"}
COLOURS = {"stress": "#c62828", "wellbeing": "#2e7d32", "security": "#1565c0", "trust": "#6a1b9a"}


def _guard(action):
    """Run ``action``; any failure becomes one readable line on the page, never a traceback."""
    try:
        with S().lock:
            action()
        error.set("")
    except ViewError as e:
        error.set(error_text(e, lang.value))
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
    done, t0 = 0, time.perf_counter()
    try:
        while not cancel.is_set() and not session.closed.is_set() and playing.value:
            start = time.perf_counter()
            try:
                with session.lock:
                    if session.closed.is_set():
                        break
                    step(1)
            except ViewError as e:
                error.set(error_text(e, lang.value))
                playing.set(False)
                break
            done += 1
            elapsed = time.perf_counter() - t0
            if elapsed > 0.5:
                session.rate = done / elapsed
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

@solara.component
def Term(term: str):
    """A Dutch term of the sources with its explanation as a tooltip."""
    with solara.Tooltip(gloss(term, lang.value)):
        solara.Text(term, style={"text-decoration": "underline dotted", "margin-right": "12px"},
                    classes=[f"vk-term-{term}"])


@solara.component
def ErrorBox():
    if error.value:
        solara.Error(f"{t('err.title', lang.value)}: {error.value}", classes=["vk-error"])


@solara.component
def Display(run: Run, map_css: str, charts: bool = True):
    """Everything that changes every month, as one HTML widget.

    While playing, the play loop writes the new HTML straight into the widget (one small
    message to the browser per month) instead of re-rendering the page's component tree,
    which costs tens of milliseconds for a page this size.
    """
    tick.value  # noqa: B018  (a manual step, reset or setting redraws through the component)
    L, m, net = lang.value, measure.value, network.value
    session = S()
    widget = solara.use_memo(lambda: widgets.HTML(), [])

    def update():
        with session.lock:
            if not session.closed.is_set():
                widget.value = display_html(run, L, m, net, map_css, charts,
                                            rate=session.rate if playing.value else 0.0)

    update()

    def register():
        session.updaters.add(update)
        return lambda: session.updaters.discard(update)

    solara.use_effect(register, [run, L, m, net, map_css, charts])
    solara.Column(children=[widget])


def display_html(run: Run, L: str, measure_name: str, net: bool, map_css: str, charts: bool,
                 rate: float = 0.0) -> str:
    """Stats, map, legend and (optionally) the two charts of ``run`` as one HTML string (``rate``: while playing)."""
    model = run.ensure()
    persons = model.recorder.rows[-1]["persons"]
    parts = [f'<div style="font-size:18px;margin-bottom:6px"><span class="vk-month" style="font-weight:600">'
             f'{t("stat.month", L)} {model.month}</span> &middot; {t("stat.residents", L)} {persons:,} &middot; '
             f'{t("stat.cost", L)} &euro; {run.cost_this_month():,.0f}']
    if rate:
        parts.append(f' &middot; <span class="vk-rate">{rate:.1f} {t("stat.steps_per_s", L)}</span>')
    parts.append("</div>")
    if run.changes:
        changed = ", ".join(f"{name} = {value:.3g}" for name, value in sorted(run.changes.items()))
        parts.append(f'<div class="vk-changes" style="font-size:14px;color:#555">{t("stat.changed", L)}: {changed}</div>')
    png = map_png(model, measure_name, net)
    parts.append(f'<img class="{map_css}" src="{png_data_url(png)}" alt="{t("map.title", L)}" '
                 'style="max-width:100%;image-rendering:pixelated"/>')
    parts.append(legend_html(L, measure_name))
    if charts:
        parts.append(charts_html(run, L))
    return "".join(parts)


def legend_html(L: str, measure_name: str) -> str:
    """What the colours of the map mean."""
    items = [("#2e7d32", f"{t('map.low', L)} → {t('map.high', L)}" if measure_name != "stress" else
              f"{t('map.low', L)} ({t('m.stress', L)})"), ("#e0e0e0", t("map.empty", L)),
             ("#7b1fa2", t("map.meeting", L)), ("#1565c0", t("map.school", L)), ("#00897b", t("map.service", L)),
             ("#283593", t("map.ggz", L)), ("#ffffff", t("map.pro", L))]
    if measure_name == CATEGORY:
        items = [("#2e7d32", t("cat.strong", L)), ("#fbc02d", t("cat.vulnerable", L)),
                 ("#c62828", t("cat.decliner", L))] + items[1:]
    return '<div style="font-size:14px">' + "".join(
        f'<span style="display:inline-block;margin-right:10px"><span style="display:inline-block;width:12px;'
        f'height:12px;background:{c};border:1px solid #999;margin-right:4px"></span>{label}</span>'
        for c, label in items) + "</div>"


def charts_html(run: Run, L: str) -> str:
    """The two time-series charts of a run as inline SVG."""
    year = t("stat.year", L).lower()
    return (line_chart_svg({t("m.stress", L): run.series("stress_mean"), t("m.wellbeing", L): run.series("wellbeing_mean")},
                           {t("m.stress", L): COLOURS["stress"], t("m.wellbeing", L): COLOURS["wellbeing"]},
                           t("chart.stress_wellbeing", L), ymin=0.0, ymax=1.0, xlabel=year)
            + line_chart_svg({t("m.security", L): run.series("security_mean"), t("m.trust", L): run.series("trust_mean")},
                             {t("m.security", L): COLOURS["security"], t("m.trust", L): COLOURS["trust"]},
                             t("chart.security_trust", L), ymin=0.0, ymax=1.0, xlabel=year))


@solara.component
def Controls(reset_action):
    L = lang.value
    solara.use_thread(_play_loop, dependencies=[playing.value, view.value])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        if playing.value:
            solara.Button(t("ctl.pause", L), on_click=lambda: playing.set(False), classes=["vk-pause"],
                          color="warning")
        else:
            solara.Button(t("ctl.play", L), on_click=lambda: playing.set(True), classes=["vk-play"], color="primary")
        solara.Button(t("ctl.step", L), on_click=lambda: _guard(lambda: _stepper()(1)), classes=["vk-step"],
                      disabled=playing.value)
        solara.Button(t("ctl.reset", L), on_click=lambda: _guard(reset_action), classes=["vk-reset"])
        solara.SliderFloat(t("ctl.speed", L), value=speed, min=1, max=30, step=1)


@solara.component
def Settings():
    """Sliders generated from the parameter schema: the key ones, then every group."""
    L = lang.value

    def slider(name):
        row = SCHEMA[name]
        label = f"{i18n.param_label(name, L)} ({i18n.unit_label(row['unit'], L)})"
        css = [f"vk-param-{name}"]
        value = S().run.changes.get(name, _current(name))
        with solara.Div(classes=css, style={"width": "100%"}):
            solara.Text(label, style={"font-size": "14px"})  # above the slider: long labels leave the track its width
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


@solara.component
def Policies(on_change=None):
    L = lang.value
    changed.value  # noqa: B018
    running = {iv.name for iv in S().run.running_policies()} if view.value == "live" else set(S().futures.with_.policies)
    with solara.Details(t("ctl.interventions", L), expand=True):
        for name, sp in sorted(SPECS.items(), key=lambda kv: kv[1].number):
            label = sp.label_nl if L == "nl" else sp.label

            def toggle(on, n=name):
                if view.value == "live":
                    _guard(lambda: S().run.switch_policy(n, on))
                else:
                    pol = dict(S().futures.with_.policies)
                    if on:
                        pol[n] = SPECS[n].units_default
                    else:
                        pol.pop(n, None)
                    _guard(lambda: S().futures.reset(scenario.value, DEFAULT_SEED, S().run.changes, pol))
                if on_change:
                    on_change()

            solara.Switch(label=label, value=name in running, on_value=toggle, classes=[f"vk-policy-{name}"])


@solara.component
def Crisis():
    L = lang.value
    with solara.Row():
        solara.Button(t("ctl.lockdown", L), color="error", classes=["vk-crisis-lockdown"],
                      on_click=lambda: _guard(lambda: S().run.crisis("lockdown")))
        solara.Button(t("ctl.inflation", L), color="error", classes=["vk-crisis-inflation"],
                      on_click=lambda: _guard(lambda: S().run.crisis("inflation")))


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


@solara.component
def LiveView():
    L = lang.value
    with solara.Columns([1, 2]):
        with solara.Column():
            Controls(_reset_live)
            solara.Select(t("ctl.scenario", L), values=presets(), value=scenario,
                          on_value=lambda v: _guard(_reset_live))
            ScenarioFile()
            names = {t(f"m.{m}", L): m for m in [*MEASURES, CATEGORY]}  # shown in the page's language
            solara.Select(t("ctl.colour", L), values=list(names), value=t(f"m.{measure.value}", L),
                          on_value=lambda label: measure.set(names[label]), classes=["vk-measure"])
            solara.Switch(label=t("ctl.network", L), value=network)
            Crisis()
            Policies()
            Settings()
        with solara.Column():
            ErrorBox()
            Display(S().run, "vk-map")


def _reset_futures():
    S().futures.reset(scenario.value, DEFAULT_SEED, S().run.changes, dict(S().futures.with_.policies))


@solara.component
def FuturesView():
    L = lang.value
    changed.value  # noqa: B018
    if S().futures.without.model is None:
        _guard(_reset_futures)
    Markdown(t("fut.same_seed", L))
    with solara.Columns([1, 3]):
        with solara.Column():
            Controls(_reset_futures)
            Policies()
        with solara.Column():
            ErrorBox()
            with solara.Columns([1, 1]):
                with solara.Column():
                    solara.Text(t("fut.without", L), style={"font-weight": "600"})
                    Display(S().futures.without, "vk-futures-without", charts=False)
                with solara.Column():
                    solara.Text(f"{t('fut.with', L)}: {', '.join(S().futures.with_.policies) or '-'}",
                                style={"font-weight": "600"})
                    Display(S().futures.with_, "vk-futures-with", charts=False)
            Difference()


@solara.component
def Difference():
    tick.value  # noqa: B018
    L = lang.value
    session = S()
    widget = solara.use_memo(lambda: widgets.HTML(), [])

    def update():
        if not session.closed.is_set():
            widget.value = difference_svg(L, session)

    update()

    def register():
        session.updaters.add(update)
        return lambda: session.updaters.discard(update)

    solara.use_effect(register, [L])
    solara.Column(children=[widget])


def difference_svg(L: str, session: Session | None = None) -> str:
    """The difference chart of the two futures: with the policy minus without."""
    futures = (session or S()).futures
    return line_chart_svg({t("m.stress", L): futures.difference("stress_mean"),
                           t("m.wellbeing", L): futures.difference("wellbeing_mean")},
                          {t("m.stress", L): COLOURS["stress"], t("m.wellbeing", L): COLOURS["wellbeing"]},
                          t("chart.difference", L), zero_line=True, xlabel=t("stat.year", L).lower(),
                          css_class="vk-chart vk-difference")


@solara.component
def Page():
    L = lang.value
    solara.Title(t("app.title", L))
    with solara.AppBar():
        solara.ToggleButtonsSingle(value=lang, values=["nl", "en"], classes=["vk-lang"])
    with solara.Column(style={"padding": "12px", "font-size": "16px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(t("app.title", L), style={"font-size": "24px", "font-weight": "700", "margin-right": "24px"})
            for term in ("veerkracht", "bestaanszekerheid", "draagkracht", "draaglast"):
                Term(term)
        tabs = [("live", t("tab.live", L)), ("futures", t("tab.futures", L)), ("family", t("tab.family", L)),
                ("batch", t("tab.batch", L))]
        names = [name for name, _ in tabs]

        def choose(index):
            playing.set(False)
            view.set(names[index])

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


_TAB_VIEWS = {"live": LiveView, "futures": FuturesView, "family": _family, "batch": _batch}
__all__ = ["Page"]
