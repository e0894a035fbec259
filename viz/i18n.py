"""Every label, caption and help text of the browser view, in Dutch and English.

``t(key, lang)`` returns the text; a missing key raises (a test checks that every key has
both languages). The Dutch terms of the sources are explained in :data:`GLOSSARY`, shown
as tooltips.
"""

from __future__ import annotations

from viz.params_nl import GROUP_NL, PARAM_NL, UNIT_NL

LANGS = ("nl", "en")

TEXT: dict[str, dict[str, str]] = {
    # app
    "app.title": {"nl": "Veerkracht in de wijk", "en": "Resilience in the neighbourhood"},
    "app.language": {"nl": "Taal", "en": "Language"},
    "tab.live": {"nl": "Live", "en": "Live"},
    "tab.futures": {"nl": "Twee toekomsten", "en": "Two futures"},
    "tab.family": {"nl": "Een gezin door de generaties", "en": "A family across generations"},
    "tab.batch": {"nl": "Resultaten van reeksen", "en": "Batch results"},
    # controls
    "ctl.play": {"nl": "Afspelen", "en": "Play"},
    "ctl.pause": {"nl": "Pauze", "en": "Pause"},
    "ctl.step": {"nl": "Stap", "en": "Step"},
    "ctl.reset": {"nl": "Opnieuw", "en": "Reset"},
    "ctl.scenario": {"nl": "Wijk", "en": "Neighbourhood"},
    "ctl.seed": {"nl": "Toevalsgetal (seed)", "en": "Seed"},
    "ctl.colour": {"nl": "Kleur huishoudens naar", "en": "Colour households by"},
    "ctl.network": {"nl": "Sociaal netwerk tonen", "en": "Show the social network"},
    "ctl.params": {"nl": "Instellingen", "en": "Settings"},
    "ctl.group": {"nl": "Groep", "en": "Group"},
    "ctl.scenario_file": {"nl": "Of een scenariobestand (.toml)", "en": "Or a scenario file (.toml)"},
    "ctl.load": {"nl": "Laden", "en": "Load"},
    "ctl.all": {"nl": "alle, per groep", "en": "all, by group"},
    "ctl.interventions": {"nl": "Beleid (interventies)", "en": "Policies (interventions)"},
    "ctl.crisis": {"nl": "Crisis nu", "en": "Crisis now"},
    "ctl.lockdown": {"nl": "Lockdown nu", "en": "Lockdown now"},
    "ctl.inflation": {"nl": "Inflatie- en energiecrisis nu", "en": "Inflation and energy crisis now"},
    "ctl.units": {"nl": "Omvang", "en": "Size"},
    "ctl.speed": {"nl": "Maanden per seconde", "en": "Months per second"},
    # measures
    "m.stress": {"nl": "Stress", "en": "Stress"},
    "m.wellbeing": {"nl": "Welbevinden", "en": "Wellbeing"},
    "m.security": {"nl": "Bestaanszekerheid", "en": "Existential security"},
    "m.category": {"nl": "Rotterdamse categorie", "en": "Rotterdam category"},
    "m.trust": {"nl": "Vertrouwen", "en": "Trust"},
    "m.participation": {"nl": "Meedoen", "en": "Participation"},
    "cat.strong": {"nl": "sociaal sterk", "en": "socially strong"},
    "cat.vulnerable": {"nl": "sociaal kwetsbaar", "en": "socially vulnerable"},
    "cat.decliner": {"nl": "overlevers en afglijders", "en": "survivors and decliners"},
    # map legend
    "map.title": {"nl": "De wijk", "en": "The neighbourhood"},
    "map.low": {"nl": "laag", "en": "low"},
    "map.high": {"nl": "hoog", "en": "high"},
    "map.empty": {"nl": "lege woning", "en": "empty dwelling"},
    "map.meeting": {"nl": "ontmoetingsplek", "en": "meeting place"},
    "map.school": {"nl": "school", "en": "school"},
    "map.service": {"nl": "loket", "en": "service point"},
    "map.ggz": {"nl": "ggz", "en": "mental-health service"},
    "map.pro": {"nl": "professional", "en": "professional"},
    # charts and stats
    "chart.stress_wellbeing": {"nl": "Stress en welbevinden (volwassenen)", "en": "Stress and wellbeing (adults)"},
    "chart.security_trust": {"nl": "Bestaanszekerheid en vertrouwen", "en": "Existential security and trust"},
    "chart.difference": {"nl": "Verschil: met beleid min zonder", "en": "Difference: with policy minus without"},
    "stat.month": {"nl": "Maand", "en": "Month"},
    "stat.year": {"nl": "Jaar", "en": "Year"},
    "stat.residents": {"nl": "Bewoners", "en": "Residents"},
    "stat.cost": {"nl": "Kosten per maand", "en": "Cost per month"},
    "stat.steps_per_s": {"nl": "maanden per seconde", "en": "months per second"},
    "stat.changed": {"nl": "Aangepast", "en": "Changed"},
    # futures
    "fut.without": {"nl": "Zonder beleid", "en": "Without the policy"},
    "fut.with": {"nl": "Met beleid", "en": "With the policy"},
    "fut.same_seed": {"nl": "Dezelfde wijk, hetzelfde toeval: alleen het beleid verschilt.",
                      "en": "The same neighbourhood, the same luck: only the policy differs."},
    # errors
    "err.bad_value": {"nl": "Deze waarde kan niet", "en": "This value is not allowed"},
    "err.title": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    "err.too_deep": {"nl": "het scenariobestand is te diep genest om te lezen",
                     "en": "the scenario file is nested too deeply to read"},
    "err.scenario": {"nl": "dit scenario kan niet worden gebruikt: {msg}", "en": "this scenario cannot be used: {msg}"},
    # paths a visitor types (the scenario file, the batch page): only inside the results root
    "path.refused": {"nl": "'{path}' kan niet worden geopend: het bestaat niet in de resultatenmap ({root}) of ligt "
                           "erbuiten. Alleen wat in die map staat kan hier worden geopend.",
                     "en": "'{path}' cannot be opened: it does not exist in the results folder ({root}) or lies "
                           "outside it. Only what is in that folder can be opened here."},
    "path.too_large": {"nl": "'{path}' is te groot om hier te openen (hoogstens {limit}).",
                       "en": "'{path}' is too large to open here (at most {limit})."},
    "path.not_file": {"nl": "'{path}' is geen bestand.", "en": "'{path}' is not a file."},
    "path.not_folder": {"nl": "'{path}' is geen map.", "en": "'{path}' is not a folder."},
}

GLOSSARY: dict[str, dict[str, str]] = {
    "veerkracht": {
        "nl": "Veerkracht: het vermogen om na tegenslag weer op te veren, of zelfs sterker terug te komen.",
        "en": "Veerkracht (resilience): the capacity to bounce back after a setback, or even come back stronger.",
    },
    "bestaanszekerheid": {
        "nl": "Bestaanszekerheid: genoeg inkomen, geen knellende schulden, een dak boven je hoofd: zekerheid over morgen.",
        "en": "Bestaanszekerheid (existential security): enough income, no crushing debt, a roof over your head: "
              "certainty about tomorrow.",
    },
    "draagkracht": {
        "nl": "Draagkracht: wat iemand kan dragen (eigen kracht, steun, middelen).",
        "en": "Draagkracht (capacity): what a person can carry (own strength, support, means).",
    },
    "draaglast": {
        "nl": "Draaglast: wat er op iemand drukt (zorgen, schulden, zorgtaken). Stress ontstaat als de last de kracht overstijgt.",
        "en": "Draaglast (load): what weighs on a person (worries, debt, care). Stress builds when load exceeds capacity.",
    },
}


def param_label(name: str, english: str, lang: str) -> str:
    """A parameter's label in ``lang`` (the schema's labels are English; Dutch in viz/params_nl.py)."""
    return PARAM_NL[name] if lang == "nl" else english


def unit_label(unit: str, lang: str) -> str:
    return UNIT_NL[unit] if lang == "nl" else unit


def group_label(group: str, lang: str) -> str:
    return GROUP_NL[group] if lang == "nl" else group


def t(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` ('nl' or 'en'); raises KeyError for an unknown key or language."""
    if lang not in LANGS:
        raise KeyError(f"language {lang!r}; allowed: {', '.join(LANGS)}")
    return TEXT[key][lang]


def gloss(term: str, lang: str) -> str:
    """The tooltip explaining a Dutch term of the sources."""
    return GLOSSARY[term][lang]
