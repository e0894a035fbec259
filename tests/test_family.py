"""The teaching view's family: picking, tracing, events, counterfactuals, story, chart, page.

Real model runs of the small neighbourhood (20 x 20 dwellings); one family is picked and
run once per module (about 5 s in all), the rest reads it.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import solara

from abm.interventions import make_plan
from abm.kernels import F, I, Role
from abm.model import VeerkrachtModel
from abm.params import ParameterError
from abm.state import Departure, HouseholdKind
from experiments import family as fam
from experiments.family import (
    ADULT, EVENT_KINDS, MEASURES, POLICIES, FamilyError, FamilyTrace, compare_policy, compare_traces, counterfactuals,
    family_candidates, family_params, neighbourhood_means, pick_family, run_family, telling_family,
)
from tests.conftest import SMALL_SEED, small_params
from tests.widgets import by_class
from viz.family import FamilyView, error_text
from viz.family_chart import family_svg
from viz.family_story import caption_text, story
from viz.i18n import TEXT, TEXT_FAMILY, t

MONTHS = 240


@pytest.fixture(scope="module")
def picked() -> FamilyTrace:
    """The family the page picks in the small neighbourhood (seed 2024), followed 20 years."""
    return pick_family(small_params(), SMALL_SEED, MONTHS)


@pytest.fixture(scope="module")
def comparisons(picked) -> dict:
    return counterfactuals(small_params(), SMALL_SEED, MONTHS, picked.household, base=picked)


# ---- picking a family ------------------------------------------------------------------

def test_telling_family_is_a_stressed_parent_with_young_children_and_the_same_for_a_seed():
    a = VeerkrachtModel(small_params(), seed=5)
    b = VeerkrachtModel(small_params(), seed=5)
    hh = telling_family(a)
    assert hh == telling_family(b) == family_candidates(a)[0]
    s = a.state
    members = s.members(hh)
    minors = members[(s.i[I.ROLE, members] == Role.CHILD) & (s.i[I.AGE, members] < ADULT)]
    assert minors.size and s.i[I.AGE, minors].min() < 6 * 12
    assert s.hh_kind[hh] == HouseholdKind.SINGLE_PARENT
    # no other single parent with a child under 6 carries more stress
    stress = fam.partner_stress(a, hh)[0]
    for other in s.active_households().tolist():
        o_stress, n_partners, ages = fam.partner_stress(a, other)
        if s.hh_kind[other] == HouseholdKind.SINGLE_PARENT and n_partners and ages.size and ages.min() < 72:
            assert o_stress <= stress


def test_pick_family_keeps_a_family_whose_children_grow_up_here(picked):
    assert picked.policy == "none" and picked.start_month == 0 and picked.end_month == MONTHS
    assert len(picked.months) == MONTHS + 1
    children = picked.founder_children()
    assert children and picked.parents()
    seen = picked.frame()[picked.frame()["pid"].isin([m.pid for m in children])]
    assert seen["month"].max() >= 10 * 12  # the children are seen for at least ten years
    again = pick_family(small_params(), SMALL_SEED, MONTHS)
    assert again.household == picked.household
    pd.testing.assert_frame_equal(again.frame(), picked.frame())
    assert [(e.month, e.pid, e.kind) for e in again.events] == [(e.month, e.pid, e.kind) for e in picked.events]


# ---- the trace ---------------------------------------------------------------------------

def test_trace_records_the_state_of_every_member_and_finds_every_descendant():
    model = VeerkrachtModel(small_params(), seed=SMALL_SEED)
    hh = telling_family(model)
    founders = model.state.members(hh).tolist()
    trace = FamilyTrace(model, hh)
    for _ in range(120):
        model.step()
        trace.observe(model)
    s = model.state
    assert [m.pid for m in trace.founders()] == founders
    last = trace.frame()[trace.frame()["month"] == model.month].set_index("pid")
    present = [pid for pid in trace.members if s.i[I.ALIVE, pid] == 1]
    assert sorted(last.index) == sorted(present)
    for pid in present:
        for name in MEASURES:
            assert last.loc[pid, name] == s.f[F[name.upper()], pid]
        assert last.loc[pid, "age"] == s.i[I.AGE, pid] and last.loc[pid, "household"] == s.i[I.HOUSEHOLD, pid]
        assert last.loc[pid, "has_pro"] == (s.i[I.PRO, pid] >= 0)
    # every person whose mother or father is a blood member is a member too
    blood = {pid for pid, m in trace.members.items() if m.relation != "partner"}
    n = s.n
    for pid in range(n):
        if s.i[I.MOTHER, pid] in blood or s.i[I.FATHER, pid] in blood:
            assert pid in trace.members and trace.members[pid].generation >= 1
    # the yardstick is the neighbourhood's mean at the end
    means = neighbourhood_means(model)
    ref = trace.reference().iloc[-1]
    for name in MEASURES:
        assert ref[name] == pytest.approx(means[name])


def test_deaths_are_told_from_moves_by_the_models_record():
    """A member's death or move out is the model's record of why and when the member left."""
    model = VeerkrachtModel(small_params(mortality_log_a=-7.5, p_outmigration=0.15), seed=3)
    traces = [FamilyTrace(model, hh) for hh in family_candidates(model)]
    for _ in range(240):
        model.step()
        for trace in traces:
            trace.observe(model)
    s = model.state
    told = {}
    for trace in traces:
        for e in trace.events_of(("death", "moved_away")):
            assert s.left_month[e.pid] == e.month - 1  # it happened in the month just stepped
            assert (s.left_reason[e.pid] == Departure.DIED) == (e.kind == "death")
            told[e.kind] = told.get(e.kind, 0) + 1
        # every member who left is told once
        gone = [pid for pid in trace.members if s.i[I.ALIVE, pid] != 1]
        assert sorted(e.pid for e in trace.events_of(("death", "moved_away"))) == sorted(gone)
    assert told.get("death", 0) > 0 and told.get("moved_away", 0) > 0


def test_events_agree_with_the_records(picked):
    df = picked.frame()
    kinds = {e.kind for e in picked.events}
    assert kinds <= set(EVENT_KINDS) | {"couple"}
    assert "adult" in kinds
    for e in picked.events:
        rows = df[(df["pid"] == e.pid)]
        if e.kind in ("death", "moved_away"):
            assert rows["month"].max() < e.month  # not seen from then on
        elif e.kind == "birth":
            first = rows.iloc[0]
            assert first["month"] == e.month and first["age"] == 0
            m = picked.members[e.pid]
            assert m.mother in picked.members or m.father in picked.members
        elif e.kind == "adult":
            assert rows[rows["month"] == e.month]["age"].iloc[0] == ADULT
        elif e.kind == "own_household":
            now = rows[rows["month"] == e.month].iloc[0]
            before = rows[rows["month"] == e.month - 1].iloc[0]
            assert now["role"] == Role.PARTNER and before["role"] == Role.CHILD
            assert now["household"] != before["household"]
        elif e.kind == "parent":
            child = picked.members[e.detail["child"]]
            assert e.pid in (child.mother, child.father)


# ---- policies and common random numbers --------------------------------------------------

def test_a_policy_that_starts_later_leaves_the_family_untouched_until_then(picked):
    p = small_params()
    base = run_family(p, SMALL_SEED, 60, picked.household)
    late = run_family(p, SMALL_SEED, 60, picked.household,
                      plan=make_plan(interventions={"single_parent_support": {"units": 40, "start": 24}}))
    a, b = base.frame(), late.frame()
    pd.testing.assert_frame_equal(a[a["month"] <= 24].drop(columns="reached"),
                                  b[b["month"] <= 24].drop(columns="reached"))
    c = compare_traces(base, late, "parenting_support")
    assert c.first_difference is not None and c.first_difference > 24
    assert c.reached_month is not None and c.reached_month >= 25
    assert not b[b["month"] <= 24]["reached"].any()


def test_parenting_support_reaches_the_family_and_raises_the_parenting_its_children_receive(comparisons):
    c = comparisons["parenting_support"]
    assert c.reached_month == 1 and c.first_difference == 1
    observed = c.children[c.children["months_minor"] >= 12]
    assert len(observed)
    assert (observed["parenting_with"] > observed["parenting_without"] + 0.05).all()
    assert (observed["d_life_skills_18"] >= 0).all()
    assert c.verdict in ("broken", "weakened")


def test_counterfactuals_cover_the_three_policies_against_one_run_without(comparisons, picked):
    assert set(comparisons) == set(POLICIES) == {"parenting_support", "income_floor", "known_professional"}
    for name, c in comparisons.items():
        assert c.policy == name and c.base is picked
        assert c.other.policy == name
        assert c.verdict in ("broken", "weakened", "none", "worse", "unknown")
        assert list(c.children["pid"]) == [m.pid for m in picked.founder_children()]
        if c.parted_month is not None:
            assert c.first_difference is not None and c.first_difference <= c.parted_month


def test_bad_input_is_a_readable_error_in_both_languages(picked):
    model = VeerkrachtModel(small_params(), seed=1)
    for bad in (-1, 10**9, "3", True):
        with pytest.raises(FamilyError) as info:
            FamilyTrace(model, bad)
        assert "0" in error_text(info.value, "nl") and error_text(info.value, "nl") != error_text(info.value, "en")
    with pytest.raises(FamilyError, match="Seed -5 is not allowed"):
        run_family(small_params(), -5, 12, 0)
    with pytest.raises(FamilyError, match="months"):
        run_family(small_params(), 1, 0, 0)
    with pytest.raises(FamilyError, match="Unknown policy 'free_money'"):
        compare_policy(small_params(), 1, 12, picked.household, "free_money", base=picked)
    with pytest.raises(ParameterError):
        family_params(size=5)
    try:
        family_params(size=5)
    except ParameterError as e:
        assert error_text(e, "nl").startswith("Deze instelling kan niet")
    with pytest.raises(FamilyError):
        compare_traces(picked, run_family(small_params(), 3, 12, picked.household), "income_floor")


# ---- the story --------------------------------------------------------------------------

def test_story_tells_the_family_in_plain_words_in_dutch_and_english(picked, comparisons):
    caps = story(picked, comparisons["parenting_support"])
    assert len(caps) >= 5
    assert caps[0].key in ("family.story.intro_single", "family.story.intro_couple")
    keys = [c.key for c in caps]
    assert "family.look.parents" in keys and any(k.startswith("family.concl.") for k in keys)
    assert any(k.startswith("family.parenting.") for k in keys)
    assert any(k.startswith("family.verdict.") or k == "fam.verdict.unknown" for k in keys)
    policy_keys = ("family.policy.", "family.pc.", "family.verdict.", "fam.verdict.", "family.look.", "family.concl.")
    own = [c for c in caps if not c.key.startswith(policy_keys)]
    assert [c.month for c in own] == sorted(c.month for c in own)
    names = {m.name for m in picked.members.values()}
    for c in caps:
        nl, en = caption_text(c, "nl"), caption_text(c, "en")
        assert nl != en and "{" not in nl + en and "}" not in nl + en
    intro = caption_text(caps[0], "en")
    assert picked.parents()[0].name in intro and all(m.name in intro for m in picked.founder_children())
    assert any(name in caption_text(c, "nl") for c in caps[1:] for name in names)
    # without a comparison: no policy captions
    assert not any(c.key.startswith(("family.verdict", "family.policy", "fam.verdict")) for c in story(picked))


def test_a_family_followed_for_one_month_still_gets_a_story_and_a_chart():
    model = VeerkrachtModel(small_params(), seed=3)
    trace = run_family(small_params(), 3, 1, telling_family(model))
    caps = story(trace)
    assert caps and caps[0].key.startswith("family.story.intro")
    assert all("{" not in caption_text(c, "en") for c in caps)
    ET.fromstring(family_svg(trace, "en", tuple(MEASURES)))


def test_every_text_has_dutch_and_english_and_reaches_the_page_texts():
    for key, texts in TEXT_FAMILY.items():
        assert set(texts) == {"nl", "en"} and all(texts.values()), key
        assert TEXT[key] is texts
        assert t(key, "nl") == texts["nl"]


# ---- the chart ---------------------------------------------------------------------------

def test_chart_is_valid_svg_with_one_line_per_member_and_the_policy_dashed(picked, comparisons):
    svg = family_svg(picked, "en", ("stress", "parenting", "life_skills"), highlight=60)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    paths = root.findall(f"{ns}path")
    solid = [p for p in paths if p.get("stroke") not in ("#999",) and not p.get("stroke-dasharray")]
    assert solid and not [p for p in paths if p.get("stroke-dasharray") == "6,4"]
    drawn = {p.find(f"{ns}title").text.split(" (")[0] for p in solid}
    assert {m.name for m in picked.founder_children()} <= drawn
    assert root.find(f"{ns}line[@class='vk-family-now']") is not None
    with_policy = ET.fromstring(family_svg(picked, "nl", other=comparisons["parenting_support"].other))
    assert [p for p in with_policy.findall(f"{ns}path") if p.get("stroke-dasharray") == "6,4"]
    assert with_policy.find(f"{ns}title").text == t("fam.chart.title", "nl") != root.find(f"{ns}title").text
    # events are marked and explained on hover
    marks = root.findall(f"{ns}text[@class='vk-family-event']")
    assert len(marks) >= 3 and all(m.find(f"{ns}title").text.startswith("Year ") for m in marks)


# ---- the page ------------------------------------------------------------------------------



def wait_for(root, name: str, timeout: float = 60.0) -> list:
    start = time.time()
    while time.time() - start < timeout:
        found = by_class(root, name)
        if found:
            return found
        time.sleep(0.05)
    raise TimeoutError(f"no widget with class {name}")


def test_family_view_renders_steps_through_the_story_compares_a_policy_and_explains_bad_input():
    box, rc = solara.render(FamilyView(lang="nl", params=small_params()), handle_error=False)
    try:
        wait_for(box, "vk-family-chart")
        for name in ("vk-family", "vk-family-pick", "vk-family-policy", "vk-family-seed", "vk-family-years",
                     "vk-family-measures", "vk-family-members", "vk-family-glossary", "vk-family-term-veerkracht",
                     "vk-family-term-draagkracht", "vk-family-term-draaglast", "vk-family-story"):
            assert by_class(box, name), name
        assert "<svg" in by_class(box, "vk-family-chart")[0].unsafe_innerHTML
        first = by_class(box, "vk-family-caption")[0].children[0]
        assert first.startswith("Maak kennis met")
        assert "typerend gezin" in str(by_class(box, "vk-family-pick")[0])
        key = by_class(box, "vk-family-key")
        assert key and by_class(box, "vk-family-key-item")
        assert by_class(box, "vk-family-handout")
        by_class(box, "vk-family-next")[0].click()
        assert by_class(box, "vk-family-caption")[0].children[0] != first
        assert by_class(box, "vk-family-step")[0].children[0].startswith("2 van ")
        by_class(box, "vk-family-prev")[0].click()
        assert by_class(box, "vk-family-caption")[0].children[0] == first
        by_class(box, "vk-family-policy")[0].v_model = 1  # parenting support
        summary = wait_for(box, "vk-family-summary")[0]
        assert "opvoedsteun" in str(summary)
        seed = by_class(box, "vk-family-seed")[0]
        seed.v_model = "-5"
        seed.fire_event("focusout", None)
        error = wait_for(box, "vk-family-error")[0]
        assert error.children[0] == "Toevalsgetal -5 kan niet; kies een geheel getal vanaf 0."
        assert "Traceback" not in str(box)
    finally:
        rc.close()
