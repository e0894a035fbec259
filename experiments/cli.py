"""The command line of Veerkracht.

``run``     one simulation of a scenario, results written to a folder
``sweep``   many runs from a sweep file, on all cores or a Dask cluster, resumable
``compare`` two scenarios with common random numbers: differences with 95% intervals
``analyse`` Morris and Sobol sensitivity and link ablation over a sweep file's inputs
``validate`` presets against the calibration targets (experiments/targets/*.toml), resumable
``calibrate`` fit the presets' shared behavioural parameters to the targets (Optuna), resumable
``anchors`` the interventions' effect sizes against the literature (DESIGN.md's anchors)
``bench``   throughput of the kernels and the model
``params``  the parameter schema (name, default, range, unit)
``links``   the causal links that ``--off`` can switch off
``interventions`` the interventions and shocks
``outcomes`` the outcomes batch runs can keep

Bad input (unknown names, values out of range, a bad scenario file, an unusable output
folder) gets one line on stderr naming the bad thing and what is allowed, exit status 2,
and no output left behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from tqdm import tqdm

from abm.interventions import SHOCKS, intervention_rows, parse_cli
from abm.model import new_seed
from abm.outcomes import OUTCOMES
from abm.params import ParameterError, RunSettings, coerce, schema_rows, shown, whole_arg
from experiments import analyse, anchors, calibrate, compare, ensemble, validate
from experiments.bench import BenchError, against, run_bench, sweep_throughput
from experiments.build import recipe
from experiments.results import OutputDir, OutputError, check_out_path, write_run
from experiments.runner import EngineError, add_security_options, security_from_args
from experiments.scenario import ScenarioError, load, presets
from experiments.sweep import load_spec, run_sweep, sweep_text
from experiments.tasks import check_build

EXIT_USAGE = 2


class UsageError(ValueError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parse_sets(items: list[str]) -> dict:
    changes = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--set {shown(item)}: expected name=value, e.g. --set trust_mean=0.5")
        name, value = item.split("=", 1)
        changes[name.strip()] = coerce(name.strip(), value.strip())
    return changes


def _parse_levers(items: list[str], kind: str) -> dict:
    """``--intervention``/``--shock`` values as {name: settings}.

    A repeated intervention's settings add to the earlier ones; a repeated shock is another
    crisis of that kind (a list: crises in sequence).
    """
    out: dict = {}
    for item in items:
        name, settings = parse_cli(item, kind)
        if kind == "shock" and name in out:
            out[name] = [*(out[name] if isinstance(out[name], list) else [out[name]]), settings]
        else:
            out[name] = {**out.get(name, {}), **settings}
    return out


def _engine_options(p) -> None:
    """Where batch runs go: --scheduler (with its TLS files), --workers, --quiet."""
    p.add_argument("--scheduler", metavar="tls://HOST:PORT",
                   help="run on this Dask scheduler: tls:// with --tls-ca-file, --tls-cert, --tls-key, or an "
                        "unauthenticated tcp:// (default: a local cluster on all cores, TLS with a temporary "
                        "certificate)")
    p.add_argument("--workers", type=whole_arg("workers", 1, 1024),
                   help="processes of the local cluster (default: one per core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_security_options(p)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="run.py", description="Veerkracht: resilience in a deprived Dutch neighbourhood.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("run", help="simulate one scenario and write its results")
    r.add_argument("--scenario", default="krachtwijk",
                   help=f"preset ({', '.join(presets())}) or path to a .toml file (default: krachtwijk)")
    r.add_argument("--steps", type=RunSettings.arg("steps"), help="months to simulate (default: the scenario's, 480)")
    r.add_argument("--seed", type=RunSettings.arg("seed"), help="seed (default: the scenario's)")
    r.add_argument("--out", required=True, help="results folder (must be new or empty, or use --overwrite)")
    r.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a parameter (repeatable); `run.py params` lists them")
    r.add_argument("--off", action="append", default=[], metavar="LINK",
                   help="switch a causal link off (repeatable); `run.py links` lists them")
    r.add_argument("--intervention", action="append", default=[], metavar="NAME[:KEY=VALUE,...]",
                   help="switch an intervention on, e.g. single_parent_support:units=60,start=12 "
                        "(repeatable); `run.py interventions` lists them")
    r.add_argument("--shock", action="append", default=[], metavar="NAME[:KEY=VALUE,...]",
                   help="schedule a shock, e.g. inflation:start=120,months=24,severity=0.2 (repeatable; the same shock "
                        "again is another crisis, e.g. two lockdowns in sequence)")
    r.add_argument("--overwrite", action="store_true", help="replace an existing results folder")
    r.add_argument("--parallel", action="store_true", help="multi-threaded kernels (same results)")
    r.add_argument("--ensemble", action="store_true",
                   help="one run per plausible parameter set of the scenario's calibration file, all with the same "
                        "seed, each into OUT/member_K/ like a single run, and the headline outcomes across the sets "
                        "in OUT/members.csv")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    w = sub.add_parser("sweep", help="run many simulations from a sweep file (grid, Latin hypercube, SALib); "
                                     "resumable")
    w.add_argument("spec", metavar="SPEC.toml", help="the sweep file (see experiments/sweeps/example.toml)")
    w.add_argument("--out", required=True, help="results folder; run the same command again to resume it")
    w.add_argument("--ensemble", action="store_true",
                   help=f"{ensemble.HELP}; the summaries pool each point's sets and replicates")
    _engine_options(w)
    compare.add_parser(sub, _engine_options)
    analyse.add_parser(sub, _engine_options)
    validate.add_parser(sub, _engine_options)
    calibrate.add_parser(sub, _engine_options)
    anchors.add_parser(sub)
    b = sub.add_parser("bench", help="measure kernel and model throughput")
    b.add_argument("--out", help="write the figures as JSON to this file")
    b.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    b.add_argument("--sweep", action="store_true",
                   help="measure sweep throughput instead: serial runs against the engine on all cores")
    b.add_argument("--against", metavar="REF",
                   help="compare the whole-model figures with those of git commit REF, measured in turns in one run "
                        "(ratios after/before)")
    b.add_argument("--rounds", type=whole_arg("rounds", 1, 20), default=3,
                   help="measurements of each side with --against (default: 3; medians are compared)")
    b.add_argument("--runs", type=whole_arg("runs", 1, 100_000), default=200,
                   help="default runs through the engine with --sweep (default: 200)")
    sub.add_parser("params", help="list the parameters")
    sub.add_parser("links", help="list the causal links")
    sub.add_parser("interventions", help="list the interventions and shocks")
    sub.add_parser("outcomes", help="list the outcomes that sweeps, comparisons and analyses can keep")
    a = sub.add_parser("app", help="the browser view (Solara) on http://127.0.0.1:8765, works offline")
    a.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: the local network)")
    a.add_argument("--port", type=whole_arg("port", 1, 65535), default=8765, help="port (default 8765)")
    a.add_argument("--results-root", default=None, metavar="DIR",
                   help="the only folder whose results and scenario files the page may open (default: results/ "
                        "under the current folder); paths outside it, and symlinks leading out, are refused")
    return parser


def cmd_run(args) -> int:
    check_out_path(args.out)
    if args.ensemble:
        return _run_sets(args)
    scenario = load(args.scenario)
    run = recipe(scenario, _parse_sets(args.set), _parse_levers(args.intervention, "intervention"),
                 _parse_levers(args.shock, "shock"), args.off)
    steps = args.steps or scenario.steps
    seed = args.seed if args.seed is not None else (scenario.seed if scenario.seed is not None else new_seed())
    out = OutputDir(Path(args.out), overwrite=args.overwrite)
    out.check()
    t0 = time.perf_counter()
    with _StopsBetweenMonths() as stops:
        # built before the output folder exists: an error that shows only now (a facility on
        # the school's cell) leaves nothing behind
        model = run.build(seed, parallel=args.parallel)
        stops.check()
        with out as folder:
            _run_months(model, steps, f"{scenario.name} seed {seed}", args.quiet, stops)
            summary = write_run(folder, model, scenario.name, steps)
            stops.check()  # a stop while writing: the results are not complete, so not kept
    elapsed = time.perf_counter() - t0
    print(_summary_text(summary, args.out, elapsed))
    return 0


def _run_sets(args) -> int:
    """``run --ensemble``: one run per plausible set (same seed), each in ``OUT/member_K/``, and a table across them.

    Every set's run is checked and built (without stepping) before the folder is made; the
    folder appears only when every run is written.
    """
    found = ensemble.plausible_sets(args.scenario)
    changes = _parse_sets(args.set)
    interventions, shocks = _parse_levers(args.intervention, "intervention"), _parse_levers(args.shock, "shock")
    runs = [recipe(load(args.scenario, member=k), changes, interventions, shocks, args.off) for k in range(found.sets)]
    scenario = runs[0].scenario
    steps = args.steps or scenario.steps
    seed = args.seed if args.seed is not None else (scenario.seed if scenario.seed is not None else new_seed())
    for k, run in enumerate(runs):
        try:
            check_build(run.params, run.off, run.plan, seed)
        except ParameterError as e:
            raise ParameterError(f"plausible set {k}: {e}") from None
    out = OutputDir(Path(args.out), overwrite=args.overwrite)
    out.check()
    t0 = time.perf_counter()
    rows = []
    with _StopsBetweenMonths() as stops, out as folder:
        for k, run in enumerate(runs):
            model = run.build(seed, parallel=args.parallel)
            stops.check()
            _run_months(model, steps, f"{scenario.name} set {k} of {found.sets}, seed {seed}", args.quiet, stops)
            (folder / f"member_{k}").mkdir()
            summary = write_run(folder / f"member_{k}", model, scenario.name, steps)
            rows.append({ensemble.LABEL: k, **ensemble.headline(model, summary)})
            stops.check()
        ensemble.write_sets(rows, folder / ensemble.SETS_CSV)
        stops.check()  # a stop while writing: the results are not complete, so not kept
    elapsed = time.perf_counter() - t0
    print(f"Veerkracht: scenario {scenario.name}, seed {seed}, {steps} months, once for each of the {found.sets} "
          f"plausible sets of {found.file} in {elapsed:.1f} s")
    print(ensemble.sets_text(rows))
    print(f"  results: {args.out}/member_0/ to member_{found.sets - 1}/ (each as a single run's folder), "
          f"{args.out}/{ensemble.SETS_CSV} (the headline outcomes of each set)")
    return 0


def _fmt(x, spec=".3f"):
    return "n/a" if x is None else format(x, spec)


def _pct(x) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _summary_text(s: dict, out: str, elapsed: float) -> str:
    p, f, tr, res = s["provenance"], s["final"], s["transmission"], s["resilience"]
    kinds, sv = s["by_household_kind"], s["survey"]["all"]
    lines = [
        f"Veerkracht {p['version']}: scenario {p['scenario']}, seed {p['seed']}, {p['steps']} months "
        f"({p['steps'] / 12:.0f} years) in {elapsed:.1f} s" + (f"; links off: {', '.join(p['links_off'])}" if p["links_off"] else ""),
        f"  residents at the end: {f['persons']:.0f} in {f['households']:.0f} households "
        f"(single parents: {f['share_single_parent']:.0%} of families)",
        f"  adults: stress {_fmt(f['stress_mean'])}, wellbeing {_fmt(f['wellbeing_mean'])}, "
        f"existential security {_fmt(f['security_mean'])}, trust {_fmt(f['trust_mean'])}",
        f"  Rotterdam categories: strong {f['share_strong']:.0%}, vulnerable {f['share_vulnerable']:.0%}, "
        f"survivors/decliners {f['share_decliner']:.0%}",
        f"  stress of single parents {_fmt(kinds['single_parent']['stress'])} vs couples with children "
        f"{_fmt(kinds['couple_children']['stress'])}",
        f"  households: low income {_pct(sv['low_income'])}, problematic debt {_pct(sv['problem_debt'])}, "
        f"difficulty making ends meet {_pct(sv['ends_meet_difficulty'])}; social assistance not claimed by "
        f"{_pct(sv['assistance_non_take_up'])} of the eligible; unemployment {_pct(sv['unemployment_rate'])}",
        f"  setbacks followed: {res['setbacks']}; bounce forward {res['bounce_forward']:.0%}, back "
        f"{res['bounce_back']:.0%}, not {res['not_recovered']:.0%}",
        f"  stress transmission parent->child (slope adjusted for shared circumstances): all {_fmt(tr['all']['slope'], '.2f')} (n={tr['all']['n']}), "
        f"single parents {_fmt(tr['single_parent']['slope'], '.2f')}, couples {_fmt(tr['couple']['slope'], '.2f')}",
        f"  results: {out}/ (timeseries, blocks, setbacks, lineage, costs .parquet; summary.json; overview.png)",
    ]
    return "\n".join(lines)


def cmd_params(_args) -> int:
    for row in schema_rows():
        if row["kind"] == "param":
            print(f"{row['name']:<32} {row['default']!s:>8}  [{row['lo']}, {row['hi']}] {row['unit']}: {row['label']}")
    return 0


def cmd_links(_args) -> int:
    for row in schema_rows():
        if row["kind"] == "link":
            print(f"{row['name']:<28} loop {row['loop']:<5} {row['sign']} {row['default']!s:>5}  {row['label']}")
    return 0


def cmd_interventions(_args) -> int:
    for row in intervention_rows():
        print(f"{row['number']:>2} {row['name']:<24} {row['kind']:<9} units: {row['unit']} (default {row['units_default']}, "
              f"max {row['units_max']}); EUR {row['cost_per_unit']:,.0f} per unit and month; via {row['links']}")
    print("settings of every intervention: units, start, months, cost, effect (facilities also: cells = [[x, y], ...])")
    for name, d in SHOCKS.items():
        print(f"shock {name:<18} severity {d['severity_default']} for {d['months_default']} months; via {', '.join(d['links'])}")
    print("settings of every shock: start, months, severity")
    return 0


def _run_months(model, steps: int, desc: str, quiet: bool, stops) -> None:
    """Run ``model`` for ``steps`` months with a progress bar on stderr, stopping between months on a signal."""
    with tqdm(total=steps, unit="month", disable=quiet, file=sys.stderr, desc=desc) as bar:

        def progress(n: int) -> None:
            bar.update(n)
            stops.check()

        model.run(steps, progress=progress)


def cmd_sweep(args) -> int:
    check_out_path(args.out)

    def run() -> int:
        spec = load_spec(args.spec)
        summary = run_sweep(spec, args.out, scheduler=args.scheduler, workers=args.workers, progress=not args.quiet,
                            security=args.security, use_ensemble=args.ensemble)
        print(sweep_text(summary, args.out))
        return 0 if summary["complete"] else 1

    return _batch(run, args)


def _batch(run, args) -> int:
    """Run a batch command: engine errors as usage errors, Ctrl-C keeps what finished."""
    if args.scheduler and args.workers:
        raise UsageError("--workers sets the size of the local cluster; with --scheduler, start the workers "
                         "on the cluster (`dask worker`)")
    try:
        args.security = security_from_args(args)  # checked before anything runs or is written
        return run()
    except EngineError as e:
        raise UsageError(str(e)) from None
    except KeyboardInterrupt:
        print(f"error: interrupted; the finished runs are kept in {args.out}; run the same command to resume",
              file=sys.stderr)
        return 130


def cmd_compare(args) -> int:
    check_out_path(args.out)
    try:
        return _batch(lambda: compare.run_command(args, _parse_sets, _parse_levers), args)
    except compare.ComparisonFailed as e:  # the runs ran (and are kept) but cannot be compared
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 1


def cmd_validate(args) -> int:
    check_out_path(args.out)
    return _batch(lambda: validate.run_command(args, _parse_sets), args)


def cmd_calibrate(args) -> int:
    check_out_path(args.out)
    return _batch(lambda: calibrate.run_command(args), args)


def cmd_anchors(args) -> int:
    return anchors.run_command(args, _parse_sets)


def cmd_analyse(args) -> int:
    check_out_path(args.out)
    try:
        return _batch(lambda: analyse.run_command(args), args)
    except analyse.AnalysisFailed as e:  # the runs ran (and are kept) but give nothing to analyse
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 1


# how long the server keeps a tab whose connection is gone before freeing it (its model, its play loop);
# a tab that comes back sooner (a brief network hiccup) carries on where it was
APP_CULL_TIMEOUT = "15s"


def app_command(host: str, port: int, results_root: str | None = None) -> tuple[list[str], dict]:
    """The command and environment that serve the browser view: no outbound calls, assets local.

    ``results_root`` (default ``results`` under the current folder) is the only folder the
    page may read, passed to the server as ``VEERKRACHT_RESULTS_ROOT``; a missing folder
    given explicitly, or one that is a file, raises UsageError. A tab whose connection is
    gone is freed after :data:`APP_CULL_TIMEOUT` (``SOLARA_KERNEL_CULL_TIMEOUT`` in the
    environment overrides it), and glibc is asked for two malloc arenas (``MALLOC_ARENA_MAX``)
    so the memory of closed tabs goes back to the next ones.
    """
    root = Path(results_root if results_root is not None else "results").expanduser().resolve()
    if (results_root is not None and not root.is_dir()) or (root.exists() and not root.is_dir()):
        raise UsageError(f"--results-root '{results_root or root}': not a folder; give the folder that holds the "
                         "results the page may open")
    solara = str(Path(sys.executable).with_name("solara"))
    app = str(Path(__file__).resolve().parent.parent / "viz" / "app.py")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "SOLARA_TELEMETRY_SENTRY_ENABLE": "false",
           "MPLBACKEND": "Agg", "VEERKRACHT_RESULTS_ROOT": str(root),
           # no "made with Solara" badge over the page, and the page's own title in the tab
           "SOLARA_THEME_SHOW_BANNER": "false", "SOLARA_THEME_TITLE": "Veerkracht",
           "SOLARA_KERNEL_CULL_TIMEOUT": os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", APP_CULL_TIMEOUT),
           # two malloc arenas, not one per thread: memory freed by a closed tab is reused, not kept per arena
           "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
    return [solara, "run", app, "--host", host, "--port", str(port), "--no-check-version", "--production",
            "--no-open"], env


def cmd_app(args) -> int:
    cmd, env = app_command(args.host, args.port, args.results_root)
    where = "this computer" if args.host in ("127.0.0.1", "localhost") else "the network"
    print(f"Veerkracht in the browser: open http://{'127.0.0.1' if args.host == '0.0.0.0' else args.host}:{args.port} "
          f"(serving {where}; Ctrl-C stops it)", flush=True)
    print(f"The page opens results and scenario files only inside {env['VEERKRACHT_RESULTS_ROOT']}", flush=True)
    os.execve(cmd[0], cmd, env)  # the server takes this process's place: stopping it stops the server


def cmd_outcomes(_args) -> int:
    for name, outcome in OUTCOMES.items():
        print(f"{name:<28} {outcome.description()}")
    return 0


def cmd_bench(args) -> int:
    if args.against:
        try:
            against(args.against, rounds=args.rounds, quick=args.quick, out=args.out)
        except BenchError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return 0
    if args.sweep:
        sweep_throughput(runs=args.runs, out=args.out, quick=args.quick)
        return 0
    run_bench(out=args.out, quick=args.quick)
    return 0


class Stopped(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) turned into an interrupt, so results are cleaned up like on Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, _frame):
    raise Stopped(signum)


class _StopsBetweenMonths:
    """Ctrl-C, SIGTERM and SIGHUP during a run, acted on between months.

    Raising from the signal handler itself could land inside a numba kernel's callback and
    come out as a SystemError; so the handler notes the signal and :meth:`check` (after each
    month, after building, after writing) raises KeyboardInterrupt (Ctrl-C) or
    :class:`Stopped`. A second signal before that stops at once.
    """

    SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self):
        self.signum: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> "_StopsBetweenMonths":
        try:
            for name in self.SIGNALS:
                sig = getattr(signal, name)
                self._previous[sig] = signal.signal(sig, self._note)
        except ValueError:  # not the main thread
            pass
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _note(self, signum, _frame) -> None:
        if self.signum is not None:
            self.check()  # asked twice: stop now
        self.signum = signum

    def check(self) -> None:
        if self.signum is None:
            return
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(self.signum)


def _one_line(e: BaseException) -> str:
    """An error's message on one line (a message from a library may span several)."""
    return " ".join(str(e).split())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    stop_signals = (signal.SIGTERM, signal.SIGHUP)
    try:
        previous = {sig: signal.signal(sig, _stop) for sig in stop_signals}
    except ValueError:  # not the main thread: leave the signals alone
        previous = {}
    try:
        args = parser.parse_args(argv)
        return {"run": cmd_run, "sweep": cmd_sweep, "compare": cmd_compare, "analyse": cmd_analyse,
                "validate": cmd_validate, "calibrate": cmd_calibrate, "anchors": cmd_anchors, "bench": cmd_bench, "params": cmd_params, "links": cmd_links,
                "interventions": cmd_interventions, "outcomes": cmd_outcomes, "app": cmd_app}[args.command](args)
    except (UsageError, ParameterError, ScenarioError, OutputError) as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except Stopped as e:
        name = signal.Signals(e.signum).name
        print(f"error: stopped ({name}); no results written", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("error: interrupted; no results written", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
