"""Texts of the page for a room (presentation, what changed, cost, futures, saving, info), Dutch and English.

Merged into :data:`viz.i18n.TEXT`; ``t(key, lang)`` reads them like every other text. Also
the Dutch (and English) wording of the model's errors (:func:`error_text`), so the page
never shows the command line's English lines or a parameter's code name.
"""

from __future__ import annotations

TEXT_ROOM: dict[str, dict[str, str]] = {
    # neighbourhoods (presets) by name
    "sc.krachtwijk": {"nl": "krachtwijk (achterstandswijk)", "en": "krachtwijk (deprived neighbourhood)"},
    "sc.mixed": {"nl": "gemengde wijk", "en": "mixed neighbourhood"},
    "sc.average_nl": {"nl": "gemiddelde Nederlandse wijk", "en": "average Dutch neighbourhood"},
    "sc.file": {"nl": "eigen scenario", "en": "own scenario"},
    # controls
    "ctl.present": {"nl": "Presentatie", "en": "Presentation"},
    "ctl.present.off": {"nl": "Presentatie uit", "en": "Leave presentation"},
    "ctl.present.help": {"nl": "Alleen kaart en grafieken, in grote letters. Spatiebalk: afspelen en pauzeren.",
                         "en": "Only the map and the charts, in large type. Space bar: play and pause."},
    "ctl.defaults": {"nl": "Terug naar de standaard", "en": "Back to the defaults"},
    "ctl.seed.apply": {"nl": "Opnieuw met dit toevalsgetal", "en": "Start again with this seed"},
    "ctl.seed.help": {"nl": "Hetzelfde toevalsgetal geeft precies dezelfde wijk en hetzelfde verloop.",
                      "en": "The same seed gives exactly the same neighbourhood and the same course."},
    "ctl.months": {"nl": "Duur (maanden; leeg: tot het eind)", "en": "Duration (months; empty: to the end)"},
    "ctl.policy.start": {"nl": "Nu aanzetten", "en": "Switch on now"},
    "ctl.after": {"nl": "Start over (maanden; leeg: nu)", "en": "Starts in (months; empty: now)"},
    "err.after": {"nl": "Start over {value} maanden kan niet; kies 0 tot 1200 maanden.",
                  "en": "Starting in {value} months is not allowed; choose 0 to 1200 months."},
    "ctl.policy.stop": {"nl": "Nu stoppen", "en": "Stop now"},
    "ctl.policy.info": {"nl": "Wat doet dit beleid?", "en": "What does this policy do?"},
    "ctl.policy.cost": {"nl": "kosten {cost} per {unit} per maand", "en": "cost {cost} per {unit} a month"},
    "ctl.policy.size": {"nl": "Omvang ({unit})", "en": "Size ({unit})"},
    "ctl.view": {"nl": "Kaart toont", "en": "The map shows"},
    "view.households": {"nl": "huishoudens", "en": "households"},
    "view.blocks": {"nl": "gemiddelde per blok", "en": "the mean per block"},
    # banner, markers and the year
    "banner.crisis": {"nl": "Crisis: {name}, nog {n} {months}", "en": "Crisis: {name}, {n} {months} to go"},
    "word.month": {"nl": "maand", "en": "month"},
    "word.months": {"nl": "maanden", "en": "months"},
    "stat.when": {"nl": "Maand {month} (jaar {year})", "en": "Month {month} (year {year})"},
    "mark.start": {"nl": "start", "en": "start"},
    "mark.end": {"nl": "einde", "en": "end"},
    "chart.unit01": {"nl": "schaal 0-1", "en": "scale 0-1"},
    "chart.diff_unit": {"nl": "verschil, schaal 0-1", "en": "difference, scale 0-1"},
    # cost
    "cost.title": {"nl": "Kosten", "en": "Cost"},
    "cost.so_far": {"nl": "Kosten tot nu toe", "en": "Cost so far"},
    "cost.month": {"nl": "vorige maand", "en": "last month"},
    "cost.none": {"nl": "Er loopt geen beleid: nog geen kosten.", "en": "No policy is running: no cost yet."},
    "cost.per_point": {"nl": "kosten per punt minder stress", "en": "cost per point less stress"},
    "cost.point_help": {"nl": "Een punt is 0,01 op de stressschaal van 0 tot 1, gemiddeld over de volwassenen.",
                        "en": "A point is 0.01 on the stress scale of 0 to 1, averaged over the adults."},
    # what changed
    "card.title": {"nl": "Wat veranderde er door {name}?", "en": "What did {name} change?"},
    "card.button": {"nl": "Vergelijk met dezelfde wijk zonder {name}", "en": "Compare with the same neighbourhood without {name}"},
    "card.ask": {"nl": "Wat veranderde er?", "en": "What changed?"},
    "card.intro": {"nl": "Dezelfde wijk met hetzelfde toeval, alleen zonder {name}: het verschil, gemiddeld over "
                         "de {n} maanden sinds de start (met min zonder).",
                   "en": "The same neighbourhood with the same luck, only without {name}: the difference, averaged "
                         "over the {n} months since it started (with minus without)."},
    "card.from_start": {"nl": "Dit beleid liep al vanaf het begin; vergelijk het in het tabblad Twee toekomsten.",
                        "en": "This policy ran from the start; compare it in the Two futures tab."},
    "card.not_yet": {"nl": "Laat eerst een paar maanden lopen: er is nog niets om te vergelijken.",
                     "en": "Let a few months run first: there is nothing to compare yet."},
    "card.better": {"nl": "beter", "en": "better"},
    "card.worse": {"nl": "slechter", "en": "worse"},
    "card.same": {"nl": "geen verschil", "en": "no difference"},
    "card.help_reach": {"nl": "Bereik van hulp", "en": "Help reach"},
    "card.cost": {"nl": "Kosten van {name} tot nu toe", "en": "Cost of {name} so far"},
    "card.no_effect": {"nl": "Nog geen minder stress, dus geen kosten per punt.",
                       "en": "No less stress yet, so no cost per point."},
    # two futures
    "fut.from_now": {"nl": "Beleid dat je nu aan- of uitzet, geldt vanaf deze maand in de tweede toekomst. "
                           "Tot nu toe liepen beide gelijk.",
                     "en": "A policy you switch on or off now applies from this month in the second future. "
                           "Up to now both ran alike."},
    "fut.numbers": {"nl": "Nu", "en": "Now"},
    "fut.diff_map": {"nl": "Verschil per woning (met min zonder)", "en": "Difference per dwelling (with minus without)"},
    "fut.measure": {"nl": "Maat", "en": "Measure"},
    "fut.difference": {"nl": "verschil", "en": "difference"},
    "fut.none": {"nl": "geen", "en": "none"},
    # export and keep
    "exp.title": {"nl": "Bewaren", "en": "Keep"},
    "exp.csv": {"nl": "Reeksen (CSV)", "en": "Series (CSV)"},
    "exp.png": {"nl": "Kaart (PNG)", "en": "Map (PNG)"},
    "exp.charts": {"nl": "Grafieken (PNG)", "en": "Charts (PNG)"},
    "exp.report": {"nl": "Verslag van de sessie (HTML)", "en": "Session report (HTML)"},
    "exp.save": {"nl": "Scenario opslaan (TOML)", "en": "Save the scenario (TOML)"},
    "exp.load": {"nl": "Scenario laden (.toml):", "en": "Load a scenario (.toml):"},
    "save.header": {"nl": "Opgeslagen in de browserweergave: wijk {scenario}, maand {month}. "
                          "Laad met: run.py run --scenario DIT_BESTAND",
                    "en": "Saved from the browser view: neighbourhood {scenario}, month {month}. "
                          "Load with: run.py run --scenario THIS_FILE"},
    "save.late": {"nl": "tijdens de run veranderd (geldt in dit bestand vanaf maand 0)",
                  "en": "changed during the run (applies from month 0 in this file)"},
    "rep.title": {"nl": "Verslag van de sessie", "en": "Session report"},
    "rep.made": {"nl": "Gemaakt op {date}", "en": "Made on {date}"},
    "rep.what": {"nl": "Wat er te zien was", "en": "What was shown"},
    "rep.levers": {"nl": "Beleid en crises", "en": "Policies and crises"},
    "rep.changes": {"nl": "Veranderde instellingen", "en": "Changed settings"},
    "rep.none": {"nl": "geen", "en": "none"},
    "rep.from_to": {"nl": "van maand {start} tot {end}", "en": "from month {start} to {end}"},
    "rep.from": {"nl": "vanaf maand {start}", "en": "from month {start}"},
    "rep.now": {"nl": "Zo staat de wijk er nu voor", "en": "How the neighbourhood stands now"},
    "rep.costs": {"nl": "Kosten", "en": "Cost"},
    # info
    "tab.info": {"nl": "Over het model", "en": "About the model"},
    "info.mark": {"nl": "Uitleg", "en": "Explanation"},
    "info.range": {"nl": "Van {lo} tot en met {hi} ({unit}).", "en": "From {lo} to {hi} ({unit})."},
    "info.default": {"nl": "Standaard {value}.", "en": "Default {value}."},
    "info.source": {"nl": "Bron", "en": "Source"},
    "info.see_odd": {"nl": "de modelbeschrijving (docs/ODD.md) noemt bron en onderbouwing",
                     "en": "the model description (docs/ODD.md) names the source"},
    "map.block": {"nl": "grens van een blok (buurt)", "en": "boundary of a block (buurt)"},
    # errors of the model, by what was wrong
    "why.range": {"nl": "{label} = {value} kan niet: kies van {lo} tot en met {hi}{unit}.",
                  "en": "{label} = {value} is not allowed: choose from {lo} to {hi}{unit}."},
    "why.not_number": {"nl": "{label} moet een getal zijn (van {lo} tot en met {hi}{unit}).",
                       "en": "{label} must be a number (from {lo} to {hi}{unit})."},
    "why.not_finite": {"nl": "{label} moet een gewoon getal zijn (van {lo} tot en met {hi}{unit}).",
                       "en": "{label} must be an ordinary number (from {lo} to {hi}{unit})."},
    "why.not_whole": {"nl": "{label} moet een geheel getal zijn (van {lo} tot en met {hi}{unit}).",
                      "en": "{label} must be a whole number (from {lo} to {hi}{unit})."},
    "why.styles": {"nl": "De aandelen van de vier burgerstijlen tellen op tot {total}; samen moeten ze 1 zijn.",
                   "en": "The shares of the four citizen styles add up to {total}; together they must be 1."},
    "why.households": {"nl": "Alleenstaanden en stellen zonder kinderen zijn samen {total} van de huishoudens; "
                             "dat mag hoogstens 1 zijn.",
                       "en": "Single adults and couples without children are {total} of the households together; "
                             "that may be at most 1."},
    "why.grid": {"nl": "{label} = {value} kan niet: het moet een veelvoud zijn van de blokgrootte ({block}).",
                 "en": "{label} = {value} is not allowed: it must be a multiple of the block size ({block})."},
    "why.thresholds": {"nl": "De grens voor afglijders ({low}) moet lager liggen dan die voor sociaal sterken ({high}).",
                       "en": "The line for decliners ({low}) must lie below the one for the socially strong ({high})."},
}


_INFO = {
    "nl": """## Wat dit model is

Een **agent-gebaseerd model**: een denkbeeldige wijk van huishoudens, eenoudergezinnen en
professionals op een raster van woningen, verdeeld in blokken (buurten). Iedere bewoner heeft
psychologische, sociale, culturele en materiële hulpbronnen, en een hoeveelheid stress. Elke
maand verandert dat: door werk, geld en schulden, door steun uit het eigen netwerk, door hulp
(als die er is en als iemand die durft te vragen), en door de buurt. Kinderen nemen iets mee van
de stress van hun ouders. Zo laat het model zien hoe de zes terugkoppelingen uit het TNO-rapport
elkaar versterken of afremmen.

## Wat het niet is

- **Geen voorspelling** voor een echte wijk of een echt gezin. Het is een oefenwijk: het laat
  zien hoe mechanismen samenwerken, niet wat er in uw wijk gaat gebeuren.
- **Geen oordeel over mensen.** De bewoners zijn rekenregels die uit onderzoek zijn afgeleid.
- **Geen vervanging van gesprekken** met bewoners en professionals.

## Bronnen

Het model is gebouwd op vijf Nederlandse teksten: het TNO-rapport *Metaonderzoek veerkracht*
(2023) is de kern; verder artikelen over veerkracht en wantrouwen in krachtwijken, de Rotterdamse
indeling van bewoners en burgerstijlen, en een blog over draagkracht en draaglast. Cijfers over
inkomen, huishoudens en verhuizingen komen van het CBS. Elke instelling noemt haar bron in de
modelbeschrijving (`docs/ODD.md`).

## Afstemming op cijfers (kalibratie)

De drie voorbeeldwijken (krachtwijk, gemengde wijk, gemiddelde Nederlandse wijk) zijn afgestemd op
{targets} Nederlandse cijfers (zoals het aandeel lage inkomens, psychische klachten, werk en
schulden). Met de beste instellingen vallen er **{in_band} van de {targets}** binnen hun marge.
Wat buiten de marge valt, staat in de modelbeschrijving, met de reden.

## Onzekerheid

Meerdere sets instellingen passen ongeveer even goed bij de cijfers ({ensemble} sets). Een
uitkomst is pas stevig als ze voor al die sets en voor verschillende toevalsgetallen hetzelfde
zegt. Op deze pagina ziet u één toevalsgetal en de beste set: kijk bij het vergelijken van beleid
daarom naar grote, blijvende verschillen, niet naar kleine schommelingen. Voor onderzoek is er de
opdrachtregel (`run.py compare --ensemble`), die over alle sets en herhalingen rekent en
betrouwbaarheidsmarges geeft.
""",
    "en": """## What this model is

An **agent-based model**: an imaginary neighbourhood of households, single-parent households and
professionals on a grid of dwellings, divided into blocks (buurten). Every resident has
psychological, social, cultural and material resources, and a load of stress. Each month these
change: through work, money and debt, support from the resident's own network, help (when there
is any and when someone dares to ask for it), and the neighbourhood. Children take on some of
their parents' stress. The model shows how the six feedback loops of the TNO report reinforce or
dampen one another.

## What it is not

- **Not a forecast** for a real neighbourhood or a real family. It is a practice
  neighbourhood: it shows how mechanisms work together, not what will happen where you live.
- **Not a judgement of people.** The residents are rules derived from research.
- **Not a substitute for conversations** with residents and professionals.

## Sources

The model is built on five Dutch texts: the TNO report *Metaonderzoek veerkracht* (2023) is the
core; further articles on resilience and distrust in krachtwijken, the Rotterdam typology of
residents and citizen styles, and a blog on capacity and load. Figures on income, households and
moving come from CBS. Every setting names its source in the model description (`docs/ODD.md`).

## Fitted to figures (calibration)

The three example neighbourhoods (krachtwijk, mixed, average Dutch) are fitted to {targets}
Dutch figures (such as the share of low incomes, mental-health complaints, work and debt). With
the best settings **{in_band} of the {targets}** lie within their bands. What lies outside is
listed in the model description, with the reason.

## Uncertainty

Several sets of settings fit the figures about equally well ({ensemble} sets). An outcome is only
solid if it says the same for all of them and for different seeds. This page shows one seed and
the best set: when comparing policies, look for large, lasting differences, not small wobbles.
For research there is the command line (`run.py compare --ensemble`), which runs over all sets and
replicates and gives confidence intervals.
""",
}


def info_text(lang: str) -> str:
    """The info tab's text, with the calibration's figures from the presets' calibration file."""
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "experiments" / "calibration" / "calibrated.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        prov = data["provenance"]
        facts = {"targets": prov["targets"], "in_band": prov["targets_in_band"], "ensemble": len(data.get("ensemble", []))}
    except (OSError, KeyError, ValueError):
        facts = {"targets": "?", "in_band": "?", "ensemble": "?"}
    return _INFO[lang].format(**facts)
