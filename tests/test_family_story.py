"""The family story for a class: its conclusions follow from its numbers, in plain Dutch.

Unit tests of :mod:`viz.family_story` on families built by hand (no model run): a
mother and her children whose stocks are set month by month, so each test knows what
the story must conclude. Thresholds are read from the module (``NEAR``, ``SAME``...),
not repeated here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

from abm.kernels import Role
from experiments.family import ADULT, MEASURES, YEAR, Event, FamilyTrace, Member, compare_traces
from viz import family_story as fs
from viz.family import _choice_label, error_text, handout_bytes
from viz.family_chart import EVENT_KEY, event_key, family_svg
from viz.family_story import caption_text, handout_html, policy_facts, story, table_markdown
from viz.i18n import t

HOUSEHOLD, SEED = 7, 1
REF = {"stress": 0.40, "parenting": 0.60, "attachment": 0.55, "life_skills": 0.60, "wellbeing": 0.55,
       "security": 0.55, "income": 0.50}
SNAKE = re.compile(r"[a-z]+_[a-z_]+")


@dataclass
class Kid:
    """A child of the built family: age at the start (years), life skills, stress as a young adult."""

    name: str
    sex: int
    age: int
    skills: float = 0.60
    stress: float = 0.40
    parenting: float = 0.55
    left: int | None = None  # the month the child moves out of the neighbourhood (absent from then on)


def make_trace(kids, months: int = 20 * YEAR, parent_stress: float = 0.70, setbacks=(), reached: int | None = None,
               policy: str = "none") -> FamilyTrace:
    """A single mother (Sanne, 35) and ``kids``, recorded month by month as the model's trace would.

    ``setbacks``: (month, kind, stress from then on) of the mother; ``reached``: the month a
    policy reaches her (a programme event, as :class:`FamilyTrace` records it).
    """
    trace = object.__new__(FamilyTrace)
    trace.household, trace.seed, trace.start_month, trace.policy = HOUSEHOLD, SEED, 0, policy
    mother = Member(pid=100, name="Sanne", sex=0, generation=0, relation="parent", mother=-1, father=-1,
                    first_month=0, age_first=35 * YEAR)
    members = [mother] + [Member(pid=101 + k, name=kid.name, sex=kid.sex, generation=1, relation="child",
                                 mother=100, father=-1, first_month=0, age_first=kid.age * YEAR)
                          for k, kid in enumerate(kids)]
    trace.members = {m.pid: m for m in members}
    trace.events = []
    rows = {k: [] for k in ("month", "pid", "role", "age", "household", "kind", "has_pro", "reached", *MEASURES)}

    def add(month, pid, role, age, stocks):
        for k, v in (("month", month), ("pid", pid), ("role", int(role)), ("age", age), ("household", HOUSEHOLD),
                     ("kind", 0), ("has_pro", False), ("reached", reached is not None and month >= reached)):
            rows[k].append(v)
        for name in MEASURES:
            rows[name].append(stocks.get(name, 0.5))

    for month in range(months + 1):
        stress = parent_stress
        for when, _, after in setbacks:
            if month >= when:
                stress = after
        add(month, 100, Role.PARTNER, 35 * YEAR + month, {"stress": stress})
        for k, kid in enumerate(kids):
            if kid.left is not None and month >= kid.left:
                continue
            age = kid.age * YEAR + month
            add(month, 101 + k, Role.CHILD, age, {"stress": kid.stress if age >= ADULT else 0.30,
                                                  "parenting": kid.parenting, "life_skills": kid.skills})
            if age == ADULT:
                trace.events.append(Event(month, 101 + k, "adult", {"life_skills": kid.skills}))
    for when, kind, _ in setbacks:
        trace.events.append(Event(when, 100, kind))
    for k, kid in enumerate(kids):
        if kid.left is not None:
            trace.events.append(Event(kid.left, 101 + k, "moved_away", {"age": kid.age * YEAR + kid.left}))
    if reached is not None:
        trace.events.append(Event(reached, 100, "programme", {"household": HOUSEHOLD}))
    trace.events.sort(key=lambda e: e.month)
    trace._rows = rows
    trace._ref = {"month": list(range(months + 1)), **{k: [REF[k]] * (months + 1) for k in MEASURES}}
    trace.months = list(range(months + 1))
    trace._frame = None
    return trace


def text(trace, comparison=None, lang="nl") -> str:
    return "\n".join(caption_text(c, lang) for c in story(trace, comparison))


# ---- did the stress pass from parent to child? ------------------------------------------------------

def test_children_ending_near_the_neighbourhood_average_did_not_take_on_the_stress():
    near = fs.NEAR / 100
    trace = make_trace([Kid("Noor", 0, 2, skills=REF["life_skills"] - near, stress=REF["stress"] + near)],
                       parent_stress=0.80)
    story_nl = text(trace)
    assert "hier ging de stress niet van ouder op kind over" in story_nl
    assert "ging de stress van ouder op kind over" not in story_nl
    assert "Zo gaat stress van ouder op kind over" not in story_nl
    assert "here the stress did not pass from parent to child" in text(trace, lang="en")


def test_children_with_clearly_higher_stress_took_it_on():
    trace = make_trace([Kid("Noor", 0, 2, skills=REF["life_skills"], stress=REF["stress"] + (fs.NEAR + 1) / 100)],
                       parent_stress=0.80)
    story_nl = text(trace)
    assert "hier ging de stress van ouder op kind over" in story_nl
    assert "niet van ouder op kind over" not in story_nl
    # the sentence before the conclusion shows the numbers it follows from
    assert "stress 46 (volwassenen in de wijk: 40)" in story_nl


def test_one_child_near_and_one_clearly_behind_is_told_child_by_child():
    trace = make_trace([Kid("Iris", 0, 3, skills=0.62, stress=0.41),
                        Kid("Luuk", 1, 5, skills=REF["life_skills"] - 0.20, stress=0.41)], parent_stress=0.80)
    conclusion = caption_text(story(trace)[-1], "nl")
    assert conclusion.startswith("Conclusie: bij Luuk ging de stress van ouder op kind over, bij Iris niet")


def test_parents_without_extra_stress_pass_none_on():
    trace = make_trace([Kid("Noor", 0, 2)], parent_stress=REF["stress"] + 0.02)
    story_nl = text(trace)
    assert "Hier ging geen stress van ouder op kind over" in story_nl
    assert "Dat scheelt weinig." in story_nl and "ging de stress van ouder op kind over" not in story_nl


# ---- what a policy changed ------------------------------------------------------------------------

@pytest.mark.parametrize("reached", [None, 13])
def test_identical_numbers_with_and_without_a_policy_made_no_difference(reached):
    kids = [Kid("Noor", 0, 2, skills=0.40, stress=0.60)]
    base = make_trace(kids)
    other = make_trace(kids, reached=reached, policy="income_floor")
    c = compare_traces(base, other, "income_floor")
    facts = policy_facts(c)
    assert facts["identical"] and facts["verdict"] == "same" and facts["parted"] is None
    story_nl = text(base, c)
    assert "een inkomensvloer maakte voor dit gezin geen verschil" in story_nl
    assert "uiteen" not in story_nl and "duidelijk sterker" not in story_nl
    assert "made no difference for this family" in text(base, c, "en")
    if reached is None:
        assert "Het beleid bereikt dit gezin zelf niet." in story_nl and "Toch verandert er iets" not in story_nl
    else:
        assert "Het beleid bereikt het gezin in jaar 2." in story_nl


def test_a_policy_that_changes_the_children_clearly_is_told_so_with_the_tables_numbers():
    base = make_trace([Kid("Noor", 0, 2, skills=0.40, stress=0.60)])
    other = make_trace([Kid("Noor", 0, 2, skills=0.48, stress=0.52, parenting=0.70)], reached=1,
                       policy="parenting_support")
    c = compare_traces(base, other, "parenting_support")
    story_nl = text(base, c)
    assert "Vanaf jaar 1 lopen de lijnen van Noor met en zonder beleid uiteen" in story_nl
    assert "Met opvoedsteun was Noor 18 geworden met levensvaardigheden 48 in plaats van 40." in story_nl
    assert "duidelijk sterker aan hun volwassen leven: per kind 16 punten beter" in story_nl
    assert "| Noor | 55 / 70 | 40 / 48 | 60 / 52 |" in table_markdown(c, "nl")


def test_a_difference_within_the_threshold_is_no_difference():
    base = make_trace([Kid("Noor", 0, 2, skills=0.40, stress=0.60)])
    other = make_trace([Kid("Noor", 0, 2, skills=0.40 + fs.SAME / 100, stress=0.60)], policy="known_professional")
    c = compare_traces(base, other, "known_professional")
    facts = policy_facts(c)
    assert not facts["identical"] and facts["same"] and facts["verdict"] == "same"
    story_nl = text(base, c)
    assert "maakte voor dit gezin geen verschil: de cijfers in de tabel verschillen met en zonder beleid " \
           "hoogstens 1 punt" in story_nl
    assert "in plaats van" not in story_nl and "ongeveer dezelfde levensvaardigheden: 41 met, 40 zonder" in story_nl


# ---- children who leave ---------------------------------------------------------------------------

def test_a_child_who_left_in_year_6_is_said_to_be_gone_and_given_no_later_values():
    kids = [Kid("Noor", 0, 2, skills=0.30, left=5 * YEAR + 1), Kid("Luuk", 1, 4, skills=0.62, stress=0.41)]
    trace = make_trace(kids, parent_stress=0.80)
    caps = story(trace)
    story_nl = "\n".join(caption_text(c, "nl") for c in caps)
    assert "Jaar 6: Noor (7 jaar) verhuist uit de wijk; daarna volgt het model haar niet meer." in story_nl
    assert "Noor vertrok in jaar 6 uit de wijk, op 7-jarige leeftijd; daarna volgt het model haar niet meer." \
        in story_nl
    assert "Noor werd 18" not in story_nl and "Noor wordt 18" not in story_nl
    assert "levensvaardigheden van Noor" not in story_nl and "30" not in story_nl  # her skills are never told
    # the conclusion is about the child seen growing up only
    conclusion = caption_text(caps[-1], "nl")
    assert "Luuk" in conclusion and "Noor" not in conclusion
    # under a policy: followed as far as she is seen, and the table says so
    other = make_trace([Kid("Noor", 0, 2, skills=0.35, left=5 * YEAR + 1), kids[1]], policy="parenting_support")
    c = compare_traces(trace, other, "parenting_support")
    with_policy = text(trace, c)
    assert "Noor is tot 7 jaar te volgen." in with_policy and "Noor 18 geworden" not in with_policy
    assert "(op 7 jaar, daarna niet meer te volgen)" in table_markdown(c, "nl")


def test_a_child_still_young_at_the_end_is_not_judged():
    trace = make_trace([Kid("Noor", 0, 2)], months=5 * YEAR)
    caps = story(trace)
    story_nl = "\n".join(caption_text(c, "nl") for c in caps)
    assert "Noor is aan het eind 7 jaar en nog geen 18" in story_nl
    assert caps[-1].key == "family.concl.none_grown"
    assert "ging de stress" not in story_nl


# ---- plain Dutch ----------------------------------------------------------------------------------

def _stories():
    """Stories of several built families, with and without a policy, in Dutch and English."""
    kids = [Kid("Iris", 0, 3, skills=0.45, stress=0.55), Kid("Lina", 0, 5, skills=0.62),
            Kid("Luuk", 1, 8, left=4 * YEAR)]
    base = make_trace(kids, setbacks=[(14, "debt", 0.70), (40, "job_loss", 0.85)])
    other = make_trace([Kid("Iris", 0, 3, skills=0.50, stress=0.50), kids[1], kids[2]], reached=2,
                       setbacks=[(14, "debt", 0.70), (40, "job_loss", 0.80)], policy="income_floor")
    c = compare_traces(base, other, "income_floor")
    one = make_trace([Kid("Noor", 0, 2)], parent_stress=0.42, setbacks=[(30, "illness", 0.42)])
    return [(base, None), (base, c), (one, None)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_story_reads_as_plain_language_without_code_names(lang):
    for trace, c in _stories():
        for cap in story(trace, c):
            sentence = caption_text(cap, lang)
            assert "&" not in sentence and "kind(eren)" not in sentence and "child(ren)" not in sentence
            assert "gemiddeld gemiddeld" not in sentence and "{" not in sentence and "}" not in sentence
            assert not SNAKE.search(sentence), sentence
            assert not re.search(r"\b(?:van|from) (\d+) (?:naar|to) \1\b", sentence), sentence
            assert "  " not in sentence and not sentence.endswith(" ")
    story_nl = text(*_stories()[1])
    assert "Maak kennis met Sanne (35 jaar). Sanne is moeder en voedt 3 kinderen alleen op: Iris (3 jaar), " \
           "Lina (5 jaar) en Luuk (8 jaar)." in story_nl
    assert "een typerend gezin" in t("family.pick.auto", "nl")
    # a stress that did not change is told as staying the same, not as "from 42 to 42"
    assert "De stress van Sanne blijft in het halfjaar daarna ongeveer gelijk: eerst 42, daarna hoogstens 42." \
        in text(*_stories()[2])


def test_one_child_and_several_children_in_the_pick_list():
    one = {"hh": 12, "kind": "fam.kind.single_parent", "n": 1, "ages": [4], "stress": 0.613}
    three = {**one, "n": 3, "ages": [3, 5, 8]}
    assert _choice_label(one, "nl") == "Huishouden 12: eenoudergezin, 1 kind (4 jaar), stress 61"
    assert _choice_label(three, "nl") == "Huishouden 12: eenoudergezin, 3 kinderen (3, 5 en 8 jaar), stress 61"
    assert _choice_label(three, "en") == "Household 12: single parent, 3 children (aged 3, 5 and 8), stress 61"


def test_errors_name_policies_and_settings_by_their_dutch_names():
    from abm.params import ParameterError
    from experiments.family import FamilyError, family_params

    message = error_text(FamilyError("fam.err.policy", policy="gratis_geld", allowed="x"), "nl")
    assert "opvoedsteun, een inkomensvloer en een vaste professional" in message
    with pytest.raises(ParameterError) as info:
        family_params(size=5)
    message = error_text(info.value, "nl")
    assert message.startswith("Deze instelling kan niet") and "grid_width" not in message
    assert "1.000" in message  # Dutch thousands separator


def test_numbers_are_written_the_dutch_way():
    base = make_trace([Kid("Iris", 0, 3, skills=0.40, stress=0.60), Kid("Luuk", 1, 5, skills=0.40, stress=0.60)])
    other = make_trace([Kid("Iris", 0, 3, skills=0.43, stress=0.60), Kid("Luuk", 1, 5, skills=0.44, stress=0.60)],
                       policy="parenting_support")
    c = compare_traces(base, other, "parenting_support")
    assert policy_facts(c)["gain"] == pytest.approx(3.5) and policy_facts(c)["verdict"] == "better_little"
    assert "per kind 3,5 punten beter" in text(base, c, "nl")
    assert "3.5 points better per child" in text(base, c, "en")
    assert fs.join_names(["Iris", "Lina", "Luuk"], "nl") == "Iris, Lina en Luuk"


# ---- the key and the handout ----------------------------------------------------------------------

def test_the_key_explains_every_symbol_the_chart_draws():
    trace = make_trace([Kid("Noor", 0, 2, left=19 * YEAR)], setbacks=[(14, "debt", 0.8)])
    svg = family_svg(trace, "nl")
    drawn = set(re.findall(r'class="vk-family-event"><title>[^<]*</title>([^<]+)</text>', svg))
    assert drawn == {"!", "18", "\u2192"}
    key = dict(event_key("nl", trace))
    assert set(key) == drawn
    assert key["\u2192"].startswith("verhuist uit de wijk")
    every = event_key("nl")
    assert len(every) == len(EVENT_KEY) and all(meaning for _, meaning in every)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs


def test_the_handout_is_one_printable_page_with_the_story_table_and_key():
    base = make_trace([Kid("Noor", 0, 2, skills=0.40, stress=0.60)], setbacks=[(14, "debt", 0.8)])
    other = make_trace([Kid("Noor", 0, 2, skills=0.48, stress=0.52)], reached=1, policy="parenting_support")
    c = compare_traces(base, other, "parenting_support")
    page = handout_html(base, c, "nl", chart_svg=family_svg(base, "nl", other=other))
    for cap in story(base, c):
        assert caption_text(cap, "nl").replace("'", "&#x27;") in page
    for glyph, meaning in event_key("nl", base):
        assert f"<dt>{glyph}</dt><dd>{meaning}</dd>" in page
    assert "<table" in page and "<td>40 / 48</td>" in page and "Tekens in de grafiek" in page
    assert "@media print" in page and "<svg" in page
    tags = _Tags()
    tags.feed(page)
    assert "script" not in tags.tags and "<script" not in page.lower()
    assert not [v for k, v in tags.attrs if k in ("src", "href") or (v or "").startswith("http")
                and k != "xmlns"]
    assert not [k for k, _ in tags.attrs if k.startswith("on")]  # no event handlers either
    data = handout_bytes(base, c, "nl")
    assert isinstance(data, bytes) and data.decode("utf-8").startswith("<!DOCTYPE html>")
    assert "Noor" in data.decode("utf-8") and "<svg" not in data.decode("utf-8")
