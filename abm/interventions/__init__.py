"""Interventions (policy levers) and shocks: declared once, checked like parameters.

The fourteen interventions of DESIGN.md (the ten recommendations of seed 004 plus levers
from the other seeds) and two shocks. Each intervention has a start month, a number of
units (households in a programme, places, professionals, FTE, or a share), a cost per
unit and month, an effect strength, and a mechanism that runs through named causal links:
switching such a link off (``--off``) switches off that part of the effect.

An intervention acts in one of four ways, each month while it runs:

* **programme**: enrols up to ``units`` households or persons (those in most need first,
  ties broken by keyed draws) and moves their stocks a little each month;
* **parameter**: changes parameters or link strengths for as long as it runs;
* **facility**: places meeting places or service points on the grid, by position or by
  count (a household living on a chosen cell moves to the nearest empty dwelling);
* **staff**: adds professionals with their caseloads.

Its cost in a month is the units actually in use (enrolled, placed, employed) times the
cost per unit. The costs are rough Dutch orders of magnitude (sources in the table);
they are inputs to set per municipality, not findings.

Shocks (``lockdown``, ``inflation``) have a start, a duration and a severity.

Scenario TOML::

    [interventions.single_parent_support]
    units = 60          # households in the programme
    start = 12          # month (after burn-in) it starts

    [shocks.inflation]
    start = 120
    months = 24
    severity = 0.2

Command line: ``--intervention single_parent_support:units=60,start=12`` and
``--shock inflation:start=120,months=24``.

The package has three rooms: :mod:`~abm.interventions.specs` (what each intervention and
shock is and which settings it takes, checked), :mod:`~abm.interventions.plan` (the
interventions and shocks of one run and their month) and
:mod:`~abm.interventions.mechanisms` (what each does, registered by name).
"""

from abm.interventions.mechanisms import MECHANISMS, Mechanism, mechanism
from abm.interventions.plan import Plan, make_plan
from abm.interventions.specs import (
    MAX_CELL,
    MAX_MONTH,
    SHOCKS,
    SPECS,
    Intervention,
    InterventionSpec,
    Shock,
    intervention_rows,
    make_intervention,
    make_shock,
    parse_cli,
    setting_bounds,
)

__all__ = [
    "MAX_CELL", "MAX_MONTH", "MECHANISMS", "SHOCKS", "SPECS", "Intervention", "InterventionSpec",
    "Mechanism", "Plan", "Shock", "intervention_rows", "make_intervention", "make_plan", "make_shock",
    "mechanism", "parse_cli", "setting_bounds",
]
