"""The family's story in plain words: a short list of captions a class can step through.

Built from a :class:`experiments.family.FamilyTrace` (and a
:class:`experiments.family.Comparison` with a policy): who the family is, the parents'
setbacks, the parenting the children received, help that arrived, the children at 18,
their own households and children, deaths and moves, a look back, and what a policy
would have changed. Each :class:`Caption` names a text of :mod:`viz.i18n` (keys
``family.*``, and a few ``fam.*``), so the story reads in Dutch and English; numbers are
written by :mod:`viz.fmt` in the reader's language when the caption is shown.

Written for a class of 15-year-olds, so every conclusion must follow from the numbers
next to it. Every stock is shown as a whole score from 0 to 100 (:func:`points`), and
every comparison is made on those shown scores, with the thresholds below, so no
sentence can say "higher" next to two equal numbers. A child who left the neighbourhood
is said to be gone; the story reports no values for the time after.

:func:`handout_html` writes the story, the comparison table and the key to the chart's
symbols as one printable HTML page (no scripts, nothing loaded from elsewhere).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.family import ADULT, POLICIES, YEAR, Comparison, FamilyTrace, Member, child_outcomes
from viz import fmt
from viz.family_chart import event_key
from viz.i18n import t

__all__ = [
    "CLEAR", "MIN_CHILDHOOD", "NEAR", "PART", "SAME", "Caption", "Gain", "NameAges", "Names", "Pts", "TableRow",
    "caption_text", "handout_html", "join_names", "look_back", "parting", "points", "policy_captions",
    "policy_facts", "story", "story_texts", "table_html", "table_markdown",
]

# ---- thresholds: every comparison of the story, in points of the 0-100 scores it shows -----------
# SAME: two scores at most 1 point apart are told as "about the same". A person's stocks move
# by up to about a point from one month to the next on their own (the 90th percentile of the
# monthly change in the small neighbourhood is 0.3 to 1 point), and rounding to whole
# points alone can turn a difference of 0.1 into 1.
SAME = 1
# NEAR: a family member within 5 points of the neighbourhood's average is "near the average";
# more than 5 points away is "clearly" above or below it. The average itself moves by
# 3 to 6 points over twenty years, and 5 points is the smallest gap a class sees at a
# glance in the chart (a panel is 150 pixels for 100 points, so 5 points are 7.5 pixels,
# three times a line's width).
NEAR = 5
# CLEAR: a policy changes the children's start in adult life "clearly" when their life
# skills at 18 rise and their stress from 18 to 21 falls by 5 points or more together (per
# child, on average); less, but more than SAME, is "a little". Same reasoning as NEAR.
CLEAR = 5
# PART: the lines with and without a policy "part" where a member's stock differs by more
# than 3 points: 4.5 pixels in the chart, twice the width of a line, so the dashed line
# visibly leaves the solid one.
PART = 3
# MIN_CHILDHOOD: a child counts in the look back on the parents' stress only with at least
# two years of childhood in the story (months as a minor); less says little about a home.
MIN_CHILDHOOD = 24


# ---- values the captions carry (formatted in the reader's language when shown) ----------------

def points(value: float) -> int | None:
    """A stock in [0, 1] as the whole score from 0 to 100 the story shows (None if unknown)."""
    if value is None or not np.isfinite(value):
        return None
    return int(round(100 * float(value)))


@dataclass(frozen=True)
class Pts:
    """A stock in [0, 1], shown as its score from 0 to 100 (see :func:`points`)."""

    value: float


@dataclass(frozen=True)
class Gain:
    """A number of points (a difference or a mean of differences), shown without its sign."""

    value: float


@dataclass(frozen=True)
class Names:
    """Names joined as a reader writes them: 'Iris, Lina en Luuk' (nl), 'Iris, Lina and Luuk' (en)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class NameAges:
    """Names with their ages in years: 'Iris (3 jaar), Lina (5 jaar) en Luuk (8 jaar)'."""

    items: tuple[tuple[str, int], ...]


@dataclass
class Caption:
    """One step of the story: a text key, the values to fill in, and the words to translate.

    ``terms`` maps a named slot of the text to a text key (a word such as 'high' or 'her'
    that depends on the language; it may itself use the values); ``month`` is where the
    chart puts its marker; ``more`` are sentences that follow in the same step.
    """

    month: int
    key: str
    values: dict = field(default_factory=dict)
    terms: dict = field(default_factory=dict)
    more: list = field(default_factory=list)


def join_names(names, lang: str) -> str:
    """'A', 'A en B', 'A, B en C' (nl); 'A and B' (en). Never an ampersand."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + t("family.and", lang) + names[-1]


def _show(value, lang: str) -> str:
    """A value of a caption in ``lang``: scores, differences and counts through :mod:`viz.fmt`."""
    if isinstance(value, Pts):
        p = points(value.value)
        return fmt.DASH if p is None else fmt.num(p, lang)
    if isinstance(value, Gain):
        x = abs(float(value.value))
        x = round(x, 1)
        return fmt.num(x, lang, 0 if float(x).is_integer() else 1)
    if isinstance(value, Names):
        return join_names(value.names, lang)
    if isinstance(value, NameAges):
        return join_names([t("family.name_age", lang).format(name=n, age=fmt.num(a, lang)) for n, a in value.items],
                          lang)
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return fmt.num(int(value), lang)
    if isinstance(value, (float, np.floating)):
        return fmt.auto(float(value), lang)
    return str(value)


def caption_text(caption: Caption, lang: str) -> str:
    """The caption in ``lang`` ('nl' or 'en'), with the sentences that follow it."""
    values = {k: _show(v, lang) for k, v in caption.values.items()}
    words = {k: t(v, lang).format(**values) for k, v in caption.terms.items()}
    text = t(caption.key, lang).format(**values, **words)
    return " ".join([text, *(caption_text(c, lang) for c in caption.more)])


def story_texts(captions: list[Caption], lang: str) -> list[str]:
    """The captions' texts in ``lang``."""
    return [caption_text(c, lang) for c in captions]


# ---- levels and comparisons ----------------------------------------------------------------------

def _level(value: float, load: bool) -> str:
    """Text key of a plain word for a stock's level (stress is a load: higher is worse)."""
    p = points(value)
    if p is None:
        return "family.lvl.unknown"
    if load:
        cut = ((30, "low"), (45, "mid"), (60, "high"))
        return next((f"family.lvl.stress.{w}" for c, w in cut if p < c), "family.lvl.stress.very_high")
    cut = ((35, "weak"), (50, "fair"), (65, "good"))
    return next((f"family.lvl.skills.{w}" for c, w in cut if p < c), "family.lvl.skills.strong")


def _against(value: float, ref: float) -> str:
    """'below', 'near' or 'above' the neighbourhood's average: more than NEAR points away is clear."""
    a, b = points(value), points(ref)
    if a is None or b is None:
        return "near"
    if a < b - NEAR:
        return "below"
    if a > b + NEAR:
        return "above"
    return "near"


def _trend(before: float, after: float) -> str:
    """'fall', 'same' or 'rise' between two shown scores: SAME points or less is the same."""
    a, b = points(before), points(after)
    if a is None or b is None or abs(b - a) <= SAME:
        return "same"
    return "rise" if b > a else "fall"


def _value_at(trace: FamilyTrace, pid: int, month: int, measure: str) -> float:
    """The member's ``measure`` in ``month`` (or the last month before it seen; the first if none)."""
    months, values = trace.series(pid, measure)
    if months.size == 0:
        return math.nan
    k = int(np.searchsorted(months, month, side="right")) - 1
    return float(values[max(k, 0)])


def _ref_at(ref: pd.DataFrame, month: int, measure: str) -> float:
    return float(ref.loc[month, measure]) if month in ref.index else math.nan


def _obj(member: Member) -> str:
    return "family.obj.m" if member.sex == 1 else "family.obj.f"


def _pron(member: Member) -> str:
    return "fam.pron.his" if member.sex == 1 else "fam.pron.her"


def _year(trace: FamilyTrace, month: int) -> int:
    """The story's year of ``month``: 1 in the first twelve months."""
    return trace.year_of(month) + 1


def _left(trace: FamilyTrace, pid: int):
    """The first move out of the neighbourhood or death of ``pid`` (an Event), or None."""
    gone = trace.events_of(("moved_away", "death"), pid)
    return min(gone, key=lambda e: e.month) if gone else None


def _last_age(trace: FamilyTrace, pid: int) -> int:
    """The member's age in whole years the last month the trace saw them."""
    months, ages = trace.series(pid, "age")
    return int(ages[-1]) // YEAR if ages.size else 0


# ---- the story -----------------------------------------------------------------------------------

def story(trace: FamilyTrace, comparison: Comparison | None = None, max_setbacks: int = 2) -> list[Caption]:
    """The family's story as a short list of captions, in the order they happened.

    Who the family is; the parents' setbacks and what they did to stress; the parenting
    the children received and their attachment; help that arrived; each child at 18 (life
    skills against the neighbourhood's young adults); leaving home, a household of their
    own, becoming a parent; deaths and moves out of the neighbourhood (after which the
    model no longer follows them); a look back with its conclusion (:func:`look_back`);
    and, with a ``comparison``, what the policy would have changed (:func:`policy_captions`).
    """
    parents, children = trace.parents(), trace.founder_children()
    if not parents and not children:
        return []
    ref = trace.reference().set_index("month")
    caps = [_intro(trace, parents, children, ref)]
    caps += _setbacks(trace, parents, children, max_setbacks)
    caps += _parenting(trace, children, ref)
    caps += _help(trace, parents)
    for e in trace.events_of(("couple",)):
        who = trace.members[e.pid]
        if who in parents:
            caps.append(Caption(e.month, "fam.story.couple", {"name": who.name, "year": _year(trace, e.month),
                                                              "partner": trace.members[e.detail["with"]].name}))
    caps += _next_generation(trace, children, ref)
    caps += _departures(trace, parents, children)
    first, rest = caps[:1], sorted(caps[1:], key=lambda c: c.month)
    caps = first + rest + look_back(trace)
    if comparison is not None:
        caps += policy_captions(comparison)
    return caps


def _intro(trace: FamilyTrace, parents: list[Member], children: list[Member], ref: pd.DataFrame) -> Caption:
    start = trace.start_month
    kids = NameAges(tuple((m.name, m.age_first // YEAR) for m in children))
    n = len(children)
    count = "family.kids.one" if n == 1 else "family.kids.many"
    if not parents:
        return Caption(start, "family.story.intro_kids", {"children": kids, "n": n})
    head = parents[0]
    stress = _value_at(trace, head.pid, start, "stress")
    values = {"name": head.name, "age": head.age_first // YEAR, "children": kids, "n": n, "stress": Pts(stress),
              "ref": Pts(_ref_at(ref, start, "stress"))}
    terms = {"level": _level(stress, True), "kids": count, "rel": head.role_key()}
    if len(parents) == 1:
        return Caption(start, "family.story.intro_single", values, terms)
    return Caption(start, "family.story.intro_couple", {**values, "other": parents[1].name}, terms)


def _setbacks(trace: FamilyTrace, parents: list[Member], children: list[Member], max_setbacks: int) -> list[Caption]:
    """The parents' first setbacks of each kind while the children are young, and their stress after."""
    start = trace.start_month
    childhood_end = start + (ADULT - min((m.age_first for m in children), default=ADULT))
    parent_ids = {m.pid for m in parents} | {m.pid for m in trace.members.values()
                                             if m.relation == "partner" and m.generation == 0}
    caps: list[Caption] = []
    told: set[str] = set()
    for e in trace.events:
        if len(caps) >= max_setbacks:
            break
        if e.pid in parent_ids and e.kind in ("job_loss", "debt", "eviction", "separation", "illness") \
                and e.month <= childhood_end and e.kind not in told:
            told.add(e.kind)
            who = trace.members[e.pid]
            before = _value_at(trace, e.pid, e.month - 1, "stress")
            # the highest stress in the half year from the setback on
            after = max(_value_at(trace, e.pid, mo, "stress") for mo in range(e.month, e.month + 6))
            values = {"name": who.name, "year": _year(trace, e.month), "before": Pts(before), "after": Pts(after)}
            then = Caption(e.month, f"family.stress.{_trend(before, after)}", values,
                           {"after_lvl": _level(after, True)})
            caps.append(Caption(e.month, f"family.setback.{e.kind}", values, {"pron": _pron(who)}, [then]))
    return caps


def _parenting(trace: FamilyTrace, children: list[Member], ref: pd.DataFrame) -> list[Caption]:
    """The month the children's parenting was lowest, against the neighbourhood, and their attachment."""
    if not children:
        return []
    df = trace.frame()
    kids = df[df["pid"].isin([m.pid for m in children]) & (df["age"] < ADULT)]
    if len(kids) < 2:
        return []
    by_month = kids.groupby("month")[["parenting", "attachment"]].mean()
    low = int(by_month["parenting"].idxmin())
    par = float(by_month.loc[low, "parenting"])
    # the attachment of the children of that month, then and when the story first saw them as children
    order = {m.pid: k for k, m in enumerate(children)}  # the order the intro names them in
    there = sorted(kids.loc[kids["month"] == low, "pid"].tolist(), key=order.get)
    first = kids[kids["pid"].isin(there)].sort_values("month").groupby("pid")["attachment"].first()
    att0 = float(first.mean())
    att = float(kids.loc[kids["month"] == low, "attachment"].mean())
    names = tuple(trace.members[pid].name for pid in there)
    values = {"year": _year(trace, low), "kids": Names(names), "parenting": Pts(par),
              "ref": Pts(_ref_at(ref, low, "parenting")), "att0": Pts(att0), "att": Pts(att)}
    verb = "family.verb.gets.one" if len(names) == 1 else "family.verb.gets.many"
    attach = Caption(low, f"family.attach.{_trend(att0, att)}", values)
    return [Caption(low, f"family.parenting.{_against(par, _ref_at(ref, low, 'parenting'))}", values,
                    {"gets": verb}, [attach])]


def _help(trace: FamilyTrace, parents: list[Member]) -> list[Caption]:
    parent_ids = {m.pid for m in parents} | {m.pid for m in trace.members.values()
                                             if m.relation == "partner" and m.generation == 0}
    helped = [e for e in trace.events if e.kind in ("professional", "programme") and e.pid in parent_ids]
    if not helped:
        return []
    e = helped[0]
    who = trace.members[e.pid]
    if e.kind == "professional":
        return [Caption(e.month, "fam.story.professional", {"name": who.name, "year": _year(trace, e.month)},
                        {"pro": f"fam.pro.{e.detail['pro']}"})]
    policy = trace.policy if trace.policy in POLICIES else "custom"
    return [Caption(e.month, "fam.story.programme", {"name": who.name, "year": _year(trace, e.month)},
                    {"policy": f"fam.policy.{policy}"})]


def _next_generation(trace: FamilyTrace, children: list[Member], ref: pd.DataFrame) -> list[Caption]:
    caps: list[Caption] = []
    for m in children:
        for e in trace.events_of(("adult", "own_household", "parent"), m.pid):
            year = _year(trace, e.month)
            if e.kind == "adult":
                skills = float(e.detail["life_skills"])
                ref_sk = _ref_at(ref, e.month, "life_skills")
                caps.append(Caption(e.month, f"family.adult.{_against(skills, ref_sk)}",
                                    {"name": m.name, "skills": Pts(skills), "ref": Pts(ref_sk), "year": year},
                                    {"level": _level(skills, False)}))
            elif e.kind == "own_household":
                stress = _value_at(trace, m.pid, e.month, "stress")
                caps.append(Caption(e.month, "family.own_household",
                                    {"name": m.name, "age": e.detail["age"] // YEAR, "stress": Pts(stress),
                                     "year": year}, {"level": _level(stress, True)}))
            else:
                child = trace.members[e.detail["child"]]
                stress = _value_at(trace, m.pid, e.month, "stress")
                caps.append(Caption(e.month, "family.parent",
                                    {"name": m.name, "child": child.name, "year": year, "stress": Pts(stress)},
                                    {"rel": "fam.rel.mother" if m.sex == 0 else "fam.rel.father",
                                     "level": _level(stress, True)}))
    return caps


def _departures(trace: FamilyTrace, parents: list[Member], children: list[Member]) -> list[Caption]:
    """Deaths, and moves out of the neighbourhood (members who leave together in one caption)."""
    followed = {m.pid for m in (*parents, *children)}
    caps: list[Caption] = []
    moves: dict[int, list[Member]] = {}
    for e in trace.events_of(("death", "moved_away")):
        if e.pid not in followed:
            continue
        who = trace.members[e.pid]
        if e.kind == "death":
            caps.append(Caption(e.month, "fam.story.death", {"name": who.name, "year": _year(trace, e.month)}))
        else:
            moves.setdefault(e.month, []).append(who)
    for month, who in sorted(moves.items()):
        if len(who) == 1:
            m = who[0]
            caps.append(Caption(month, "family.moved.one", {"name": m.name, "age": _last_age(trace, m.pid),
                                                            "year": _year(trace, month)}, {"obj": _obj(m)}))
        else:
            caps.append(Caption(month, "family.moved.many", {"names": Names(tuple(m.name for m in who)),
                                                             "year": _year(trace, month)}))
    return caps


# ---- looking back --------------------------------------------------------------------------------

def look_back(trace: FamilyTrace) -> list[Caption]:
    """The look back over the years and its conclusion: did the parents' stress pass to the children?

    The parents' stress while the children grew up is set against the neighbourhood's
    adults over the same months; each child seen turning 18 is set against the
    neighbourhood's young adults (life skills at 18) and adults (stress from 18 to 21).
    A child is "clearly worse off" with life skills more than :data:`NEAR` points below
    or stress more than NEAR points above; the parents' stress is "clearly higher" more
    than NEAR points above. The stress passed on where the parents' stress was clearly
    higher and a child is clearly worse off; it did not where neither holds for the
    children. Children who left before 18 are said to be gone, children still under 18
    to be too young; neither gives values after the last month seen.
    """
    children = [m for m in trace.founder_children() if m.age_first < ADULT]  # those with a childhood here
    parents = trace.parents()
    end = trace.end_month
    if not children:
        return []
    ref = trace.reference().set_index("month")
    df = trace.frame()
    outcomes = child_outcomes(trace).set_index("pid")
    grown, others = [], []
    childhood_stress, childhood_ref = [], []
    for m in children:
        mine = df[df["pid"] == m.pid]
        minor_months = mine.loc[mine["age"] < ADULT, "month"]
        row = outcomes.loc[m.pid]
        if len(minor_months) >= MIN_CHILDHOOD and np.isfinite(row["parents_stress"]):
            childhood_stress.append(float(row["parents_stress"]))
            childhood_ref.append(float(ref.loc[ref.index.isin(minor_months), "stress"].mean()))
        adult = trace.events_of(("adult",), m.pid)
        left = _left(trace, m.pid)
        if adult:
            month18 = adult[0].month
            young = mine[(mine["age"] >= ADULT) & (mine["age"] < 22 * YEAR)]
            grown.append({"member": m, "skills": float(adult[0].detail["life_skills"]),
                          "ref_skills": _ref_at(ref, month18, "life_skills"),
                          "stress": float(young["stress"].mean()) if len(young) else math.nan,
                          "ref_stress": float(ref.loc[ref.index.isin(young["month"]), "stress"].mean())
                          if len(young) else math.nan})
        elif left is not None:
            key = "family.look.died" if left.kind == "death" else "family.look.gone"
            others.append(Caption(end, key, {"name": m.name, "year": _year(trace, left.month),
                                             "age": _last_age(trace, m.pid)}, {"obj": _obj(m)}))
        else:
            others.append(Caption(end, "family.look.young", {"name": m.name, "age": _last_age(trace, m.pid)},
                                  {"obj": _obj(m)}))
    years = trace.year_of(end)
    sentences: list[Caption] = []
    for g in grown:
        values = {"name": g["member"].name, "skills": Pts(g["skills"]), "ref_skills": Pts(g["ref_skills"]),
                  "stress": Pts(g["stress"]), "ref_stress": Pts(g["ref_stress"])}
        key = "family.look.grown" if np.isfinite(g["stress"]) else "family.look.grown_no_stress"
        sentences.append(Caption(end, key, values))
    sentences += others
    many = "many" if len(parents) > 1 else "one"
    who = {"parents": Names(tuple(m.name for m in parents)), "kids": Names(tuple(m.name for m in children))}
    verbs = {"had": f"family.verb.had.{many}", "grew": f"family.verb.grew.{'many' if len(children) > 1 else 'one'}"}
    if childhood_stress and parents:
        stress, ref_stress = float(np.mean(childhood_stress)), float(np.mean(childhood_ref))
        parents_high = _against(stress, ref_stress) == "above"
        head = Caption(end, "family.look.parents", {"years": years, "stress": Pts(stress), "ref": Pts(ref_stress),
                                                    **who},
                       {"level": _level(stress, True), "cmp": f"family.cmp.{_against(stress, ref_stress)}", **verbs},
                       sentences)
    else:
        parents_high = None
        head = Caption(end, "family.look.start", {"years": years}, {}, sentences)
    caps = [head]
    if not grown:
        caps.append(Caption(end, "family.concl.none_grown"))
        return caps
    worse = [g["member"].name for g in grown if _worse_off(g)]
    fine = [g["member"].name for g in grown if not _worse_off(g)]
    values = {"names": Names(tuple(worse or fine)), "worse": Names(tuple(worse)), "fine": Names(tuple(fine)),
              "near": NEAR, **who}
    if parents_high is None:
        key = "family.concl.unknown_parents"
    elif parents_high:
        key = "family.concl.passed" if not fine else ("family.concl.not_passed" if not worse else "family.concl.mixed")
    else:
        key = "family.concl.calm_worse" if worse else "family.concl.calm_fine"
    caps.append(Caption(end, key, values, verbs))
    return caps


def _worse_off(g: dict) -> bool:
    """A grown child clearly worse off than the neighbourhood's young adults (see :func:`look_back`)."""
    skills_low = _against(g["skills"], g["ref_skills"]) == "below"
    stress_high = np.isfinite(g["stress"]) and _against(g["stress"], g["ref_stress"]) == "above"
    return bool(skills_low or stress_high)


# ---- the policy ----------------------------------------------------------------------------------

_CELLS = ("parenting", "life_skills_18", "stress_young")
# the lines of the chart (viz.family_chart): each stock and whom it is drawn for
_LINES = {"stress": "adults", "wellbeing": "adults", "security": "adults", "parenting": "minors",
          "attachment": "minors", "life_skills": "young"}
_STOCKS = tuple(_LINES)


@dataclass
class TableRow:
    """One child of the comparison table: each cell's shown scores (without, with), None if not seen."""

    pid: int
    name: str
    cells: dict
    at_18: bool
    point_age: int

    def differs(self, by: int = SAME) -> bool:
        """Whether a cell's two scores differ by more than ``by`` points."""
        return any(a is not None and b is not None and abs(b - a) > by for a, b in self.cells.values())

    def gain(self) -> float | None:
        """Life skills up plus stress down, in shown points (None if life skills are not seen in both)."""
        a, b = self.cells["life_skills_18"]
        if a is None or b is None:
            return None
        s0, s1 = self.cells["stress_young"]
        return float((b - a) - ((s1 - s0) if s0 is not None and s1 is not None else 0))


def table_rows(c: Comparison) -> list[TableRow]:
    """The comparison table: each child of the starting household, scores without and with the policy."""
    rows = []
    for r in c.children.itertuples():
        cells = {name: (points(getattr(r, f"{name}_without")), points(getattr(r, f"{name}_with")))
                 for name in _CELLS}
        cells = {k: (a, b) if a is not None and b is not None else (None, None) for k, (a, b) in cells.items()}
        rows.append(TableRow(int(r.pid), str(r.name), cells, bool(r.at_18), int(r.point_age)))
    return rows


def parting(c: Comparison) -> tuple[int, int] | None:
    """(month, pid): the first month a line of a member of the starting household parts by more than PART points.

    A line is a stock where the chart draws it (:data:`_LINES`: stress, wellbeing and
    security of adults, parenting and attachment of minors, life skills of the children);
    being there in one run and not the other (moved, died) parts the lines too. None if
    the lines never part.
    """
    founders = [m.pid for m in c.base.founders()]
    gens = {m.pid: m.generation for m in c.base.members.values()}
    a, b = c.base.frame(), c.other.frame()
    a = a[a["pid"].isin(founders)][["month", "pid", "age", *_STOCKS]]
    b = b[b["pid"].isin(founders)][["month", "pid", "age", *_STOCKS]]
    both = a.merge(b, on=["month", "pid"], how="outer", suffixes=("_a", "_b"), indicator=True)
    age = both["age_a"].fillna(both["age_b"]).to_numpy(float)
    drawn = {"adults": age >= ADULT, "minors": age < ADULT,
             "young": both["pid"].map(gens).fillna(0).to_numpy() >= 1}
    gap = np.zeros(len(both))
    for name, who in _LINES.items():
        d = np.abs(both[f"{name}_a"].to_numpy(float) - both[f"{name}_b"].to_numpy(float))
        gap = np.maximum(gap, np.where(drawn[who], np.nan_to_num(d, nan=0.0), 0.0))
    hit = both[(gap * 100 > PART) | (both["_merge"] != "both")].sort_values(["month", "pid"])
    if hit.empty:
        return None
    first = hit.iloc[0]
    return int(first["month"]), int(first["pid"])


def policy_facts(c: Comparison) -> dict:
    """What the policy changed, from the numbers the table shows.

    ``rows`` (:func:`table_rows`); ``identical`` (every cell the same), ``same`` (no
    cell differs by more than SAME points); ``gain`` (per child with life skills seen in
    both runs, the mean of life skills up plus stress down, in shown points; None if no
    child); ``parted`` (:func:`parting`); ``verdict``: ``same`` (the table shows no
    difference), ``unknown`` (no child to compare), ``better_clear`` / ``worse_clear``
    (gain at least CLEAR points either way), ``better_little`` / ``worse_little`` (more
    than SAME), else ``none``.
    """
    rows = table_rows(c)
    gains = [g for g in (r.gain() for r in rows) if g is not None]
    gain = float(np.mean(gains)) if gains else None
    identical = not any(r.differs(0) for r in rows)
    same = not any(r.differs(SAME) for r in rows)
    if gain is None:
        verdict = "unknown"
    elif same:
        verdict = "same"
    elif gain >= CLEAR:
        verdict = "better_clear"
    elif gain > SAME:
        verdict = "better_little"
    elif gain <= -CLEAR:
        verdict = "worse_clear"
    elif gain < -SAME:
        verdict = "worse_little"
    else:
        verdict = "none"
    return {"rows": rows, "identical": identical, "same": same, "gain": gain, "parted": parting(c),
            "verdict": verdict}


def policy_captions(c: Comparison) -> list[Caption]:
    """What the policy would have changed, told from the comparison table's numbers (:func:`policy_facts`)."""
    facts = policy_facts(c)
    policy = f"fam.policy.{c.policy if c.policy in POLICIES else 'custom'}"
    end = c.other.end_month
    base = c.base
    parted = facts["parted"]
    changed = parted is not None or not facts["same"]
    first = Caption(c.reached_month if c.reached_month is not None else end,
                    "family.policy.reached" if c.reached_month is not None else "family.policy.missed",
                    {"year": _year(base, c.reached_month) if c.reached_month is not None else 0}, {"policy": policy})
    if c.reached_month is None and changed:
        first.more.append(Caption(end, "family.policy.missed_but"))
    values = {"part": PART, "same": SAME}
    if parted is None:
        first.more.append(Caption(end, "family.part.close", values))
    else:
        month, pid = parted
        key = "family.part.only" if facts["same"] else "family.part.apart"
        first.more.append(Caption(month, key, {**values, "year": _year(base, month),
                                               "name": base.members[pid].name}))
    caps = [first]
    for row in facts["rows"]:
        sk0, sk1 = row.cells["life_skills_18"]
        if sk0 is None:
            continue
        values = {"name": row.name, "with": sk1, "without": sk0, "age": row.point_age}
        same = abs(sk1 - sk0) <= SAME
        if row.at_18:
            cap = Caption(end, "family.pc.skills18." + ("same" if same else "diff"), values, {"policy": policy})
            st0, st1 = row.cells["stress_young"]
            if st0 is not None:
                cap.more.append(Caption(end, "family.pc.stress." + ("same" if abs(st1 - st0) <= SAME else "diff"),
                                        {"name": row.name, "with": st1, "without": st0}, {"policy": policy}))
        else:
            cap = Caption(end, "family.pc.last." + ("same" if same else "diff"), values, {"policy": policy})
        caps.append(cap)
    verdict = facts["verdict"]
    # with lines apart somewhere but the table the same, the difference did not last for the children
    whom = "family.whom.family" if parted is None else "family.whom.children"
    if verdict == "unknown":
        caps.append(Caption(end, "fam.verdict.unknown", {}, {"policy": policy}))
    elif verdict == "same":
        caps.append(Caption(end, "family.verdict.same_exact" if facts["identical"] else "family.verdict.same",
                            {"same": SAME}, {"policy": policy, "whom": whom}))
    else:
        caps.append(Caption(end, f"family.verdict.{verdict}", {"gain": Gain(facts["gain"]), "same": SAME,
                                                               "clear": CLEAR}, {"policy": policy}))
    return caps


# ---- the table and the handout -------------------------------------------------------------------

def _cell(pair, lang: str) -> str:
    a, b = pair
    if a is None or b is None:
        return t("family.table.unseen", lang)
    return f"{fmt.num(a, lang)} / {fmt.num(b, lang)}"


def _table(c: Comparison, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [t("fam.compare.col.name", lang), t("family.table.parenting", lang), t("family.table.skills", lang),
            t("family.table.stress", lang)]
    body = []
    for row in table_rows(c):
        skills = _cell(row.cells["life_skills_18"], lang)
        if not row.at_18 and row.cells["life_skills_18"][0] is not None:
            skills += " " + t("family.table.at_age", lang).format(age=fmt.num(row.point_age, lang))
        body.append([row.name, _cell(row.cells["parenting"], lang), skills, _cell(row.cells["stress_young"], lang)])
    return head, body


def table_markdown(c: Comparison, lang: str) -> str:
    """The comparison table as Markdown (each cell: without / with the policy), with its note."""
    head, body = _table(c, lang)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n\n" + t("family.table.note", lang).format(same=fmt.num(SAME, lang))


def table_html(c: Comparison, lang: str) -> str:
    """The comparison table as an HTML table (escaped), with its note."""
    esc = html.escape
    head, body = _table(c, lang)
    rows = ["<tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>"]
    rows += ["<tr>" + "".join(f"<td>{esc(x)}</td>" for x in cells) + "</tr>" for cells in body]
    note = t("family.table.note", lang).format(same=fmt.num(SAME, lang))
    return f'<table class="vk-table">{"".join(rows)}</table><p class="note">{esc(note)}</p>'


_PRINT_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; font-size: 12pt; line-height: 1.5; color: #111;
       max-width: 46em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 20pt; margin-bottom: 0.2em; } h2 { font-size: 14pt; margin-top: 1.4em; }
.meta, .note { color: #444; font-size: 10.5pt; }
ol.story li { margin-bottom: 0.6em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eee; }
dl.key { display: grid; grid-template-columns: 3em 1fr; gap: 2px 8px; }
dl.key dt { font-weight: bold; text-align: center; font-family: sans-serif; } dl.key dd { margin: 0; }
.chart svg { width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; } li, tr, dl.key { break-inside: avoid; }
  .chart { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 18mm; }
"""


def handout_html(trace: FamilyTrace, comparison: Comparison | None = None, lang: str = "nl",
                 chart_svg: str | None = None, captions: list[Caption] | None = None) -> str:
    """The story as one printable HTML page: who, the story, the comparison table, the chart's key.

    Self-contained: no scripts, no links to load anything, print CSS for A4. ``chart_svg``
    (an inline SVG from :func:`viz.family_chart.family_svg`) is added after the key if
    given; ``captions`` defaults to :func:`story` of ``trace`` and ``comparison``.
    """
    esc = html.escape
    lang = lang if lang in ("nl", "en") else "nl"
    caps = captions if captions is not None else story(trace, comparison)
    members = join_names([f"{m.name} ({t(m.role_key(), lang)})" for m in trace.founders()], lang)
    meta = t("family.handout.meta", lang).format(hh=trace.household, seed=trace.seed,
                                                 years=fmt.num(trace.year_of(trace.end_month), lang))
    if comparison is not None:
        policy = t(f"fam.policy.{comparison.policy if comparison.policy in POLICIES else 'custom'}", lang)
        meta += " " + t("family.handout.policy", lang).format(policy=policy)
    parts = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f'<title>{esc(t("fam.title", lang))}</title>\n<style>{_PRINT_CSS}</style>\n</head>\n<body>\n',
             f'<h1>{esc(t("fam.title", lang))}</h1>\n<p class="meta">{esc(meta)}</p>\n',
             f'<h2>{esc(t("family.handout.members", lang))}</h2>\n<p>{esc(members)}</p>\n',
             f'<h2>{esc(t("family.handout.story", lang))}</h2>\n<ol class="story">\n']
    if not caps:
        parts.append(f"<li>{esc(t('fam.story.empty', lang))}</li>\n")
    parts += [f"<li>{esc(caption_text(c, lang))}</li>\n" for c in caps]
    parts.append("</ol>\n")
    if comparison is not None:
        parts.append(f'<h2>{esc(t("fam.compare", lang))}</h2>\n{table_html(comparison, lang)}\n')
    key = event_key(lang, trace) or event_key(lang)
    parts.append(f'<h2>{esc(t("family.key.title", lang))}</h2>\n<p class="note">{esc(t("family.key.colour", lang))}'
                 f'</p>\n<dl class="key">\n')
    parts += [f"<dt>{esc(glyph)}</dt><dd>{esc(text)}</dd>\n" for glyph, text in key]
    parts.append("</dl>\n")
    if chart_svg:
        parts.append(f'<h2>{esc(t("fam.chart.title", lang))}</h2>\n<div class="chart">{chart_svg}</div>\n')
    parts.append(f'<p class="note">{esc(t("family.handout.footer", lang))}</p>\n</body>\n</html>\n')
    return "".join(parts)
