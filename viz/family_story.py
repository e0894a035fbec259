"""The family's story in plain words: a short list of captions a class can step through.

Built from a :class:`experiments.family.FamilyTrace` (and a
:class:`experiments.family.Comparison` with a policy): who the family is, the parents'
setbacks, the parenting the children received, help that arrived, the children at 18,
their own households and children, deaths and moves, a look back, and where a policy
would have changed the path. Each :class:`Caption` names a text of :mod:`viz.i18n`
(keys ``fam.story.*`` and ``fam.verdict.*``), so the story reads in Dutch and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from experiments.family import ADULT, POLICIES, YEAR, Comparison, FamilyTrace, Member, child_outcomes
from viz.i18n import t

__all__ = ["Caption", "caption_text", "pct", "story"]


@dataclass
class Caption:
    """One step of the story: a text key, the values to fill in, and the terms to translate.

    ``terms`` maps a named slot of the text to a text key (a word such as 'high' or 'her' that depends
    on the language); ``month`` is where the chart puts its marker.
    """

    month: int
    key: str
    values: dict = field(default_factory=dict)
    terms: dict = field(default_factory=dict)


def caption_text(caption: Caption, lang: str) -> str:
    """The caption in ``lang`` ('nl' or 'en')."""
    words = {k: t(v, lang).format(**caption.values) for k, v in caption.terms.items()}
    return t(caption.key, lang).format(**caption.values, **words)


def _level(value: float, load: bool) -> str:
    """Text key of a plain word for a stock's level."""
    if load:
        cut = ((0.3, "low"), (0.45, "moderate"), (0.6, "high"))
        return next((f"fam.lvl.{w}" for c, w in cut if value < c), "fam.lvl.very_high")
    cut = ((0.35, "weak"), (0.5, "fair"), (0.65, "good"))
    return next((f"fam.lvl.{w}" for c, w in cut if value < c), "fam.lvl.strong")


def pct(value: float) -> int | str:
    """A stock as a score out of 100 ('-' if unknown)."""
    return int(round(100 * value)) if np.isfinite(value) else "-"


def _value_at(trace: FamilyTrace, pid: int, month: int, measure: str) -> float:
    months, values = trace.series(pid, measure)
    if months.size == 0:
        return math.nan
    k = int(np.searchsorted(months, month, side="right")) - 1
    return float(values[max(k, 0)])


def _pron(member: Member) -> str:
    return "fam.pron.his" if member.sex == 1 else "fam.pron.her"


def story(trace: FamilyTrace, comparison: Comparison | None = None, max_setbacks: int = 2) -> list[Caption]:
    """The family's story as a short list of captions, in the order they happened.

    Built from the trace: who the family is; the parents' setbacks and what they did to
    stress; the parenting the children received and their attachment; help that arrived;
    each child at 18 (life skills against the neighbourhood's young adults); leaving home,
    a household of their own, becoming a parent (the next generation); deaths and moves;
    a look back; and, with a ``comparison``, where the policy would have changed the path.
    """
    caps: list[Caption] = []
    start = trace.start_month
    parents, children = trace.parents(), trace.founder_children()
    ref = trace.reference().set_index("month")
    head = parents[0] if parents else (children[0] if children else None)
    if head is None:
        return caps
    kids_names = _join_names([m.name for m in children]) if children else ""
    kids_ages = ", ".join(str(m.age_first // YEAR) for m in children)
    stress0 = _value_at(trace, head.pid, start, "stress")
    kids = "fam.word.one_child" if len(children) == 1 else "fam.word.n_children"
    if len(parents) == 1:
        caps.append(Caption(start, "fam.story.intro_single",
                            {"name": head.name, "age": head.age_first // YEAR, "children": kids_names,
                             "ages": kids_ages, "n": len(children), "stress": pct(stress0)},
                            {"rel": head.role_key(), "level": _level(stress0, True), "kids": kids}))
    else:
        other = parents[1] if len(parents) > 1 else head
        caps.append(Caption(start, "fam.story.intro_couple",
                            {"name": head.name, "other": other.name, "children": kids_names, "ages": kids_ages,
                             "n": len(children), "stress": pct(stress0)},
                            {"level": _level(stress0, True), "kids": kids}))
    # setbacks of the parents while the children are young
    childhood_end = start + (ADULT - min((m.age_first for m in children), default=ADULT))
    parent_ids = {m.pid for m in parents} | {m.pid for m in trace.members.values()
                                             if m.relation == "partner" and m.generation == 0}
    told = 0
    told_kinds: set[str] = set()
    for e in trace.events:
        if told >= max_setbacks:
            break
        if e.pid in parent_ids and e.kind in ("job_loss", "debt", "eviction", "separation", "illness") \
                and e.month <= childhood_end and e.kind not in told_kinds:
            told_kinds.add(e.kind)
            who = trace.members[e.pid]
            before = _value_at(trace, e.pid, e.month - 1, "stress")
            after = max(_value_at(trace, e.pid, mo, "stress") for mo in range(e.month, e.month + 7))
            caps.append(Caption(e.month, f"fam.story.{e.kind}",
                                {"name": who.name, "year": trace.year_of(e.month) + 1, "month": e.month - start,
                                 "before": pct(before), "after": pct(after)},
                                {"pron": _pron(who), "before_lvl": _level(before, True),
                                 "after_lvl": _level(after, True)}))
            told += 1
    # the children's parenting at its lowest (while minors)
    if children:
        df = trace.frame()
        kids = df[df["pid"].isin([m.pid for m in children]) & (df["age"] < ADULT)]
        if len(kids) >= 2:
            by_month = kids.groupby("month")[["parenting", "attachment"]].mean()
            low = int(by_month["parenting"].idxmin())
            par = float(by_month.loc[low, "parenting"])
            att0 = float(by_month["attachment"].iloc[0])
            att = float(by_month.loc[low, "attachment"])
            ref_par = float(ref.loc[low, "parenting"]) if low in ref.index else math.nan
            key = "fam.story.parenting_low" if par < ref_par else "fam.story.parenting_ok"
            caps.append(Caption(low, key, {"year": trace.year_of(low) + 1, "parenting": pct(par),
                                           "ref": pct(ref_par), "attachment": pct(att), "attachment0": pct(att0)},
                                {"trend": "fam.word.falls" if att < att0 - 0.01 else (
                                    "fam.word.rises" if att > att0 + 0.01 else "fam.word.holds")}))
    # help that reached the family
    helped = [e for e in trace.events if e.kind in ("professional", "programme") and e.pid in parent_ids]
    if helped:
        e = helped[0]
        who = trace.members[e.pid]
        if e.kind == "professional":
            caps.append(Caption(e.month, "fam.story.professional",
                                {"name": who.name, "year": trace.year_of(e.month) + 1},
                                {"pro": f"fam.pro.{e.detail['pro']}"}))
        else:
            policy = trace.policy if trace.policy in POLICIES else "custom"
            caps.append(Caption(e.month, "fam.story.programme", {"name": who.name, "year": trace.year_of(e.month) + 1},
                                {"policy": f"fam.policy.{policy}"}))
    # new partners of the parents and of the grown children
    for e in trace.events_of(("couple",)):
        who = trace.members[e.pid]
        if who in parents:
            caps.append(Caption(e.month, "fam.story.couple", {"name": who.name, "year": trace.year_of(e.month) + 1,
                                                              "partner": trace.members[e.detail["with"]].name}))
    # the next generation: coming of age, leaving home, own household, parenthood
    for m in children:
        for e in trace.events_of(("adult", "own_household", "parent"), m.pid):
            if e.kind == "adult":
                skills = e.detail["life_skills"]
                ref_sk = float(ref.loc[e.month, "life_skills"]) if e.month in ref.index else math.nan
                caps.append(Caption(e.month, "fam.story.adult_lower" if skills < ref_sk else "fam.story.adult_higher",
                                    {"name": m.name, "skills": pct(skills), "ref": pct(ref_sk),
                                     "year": trace.year_of(e.month) + 1},
                                    {"level": _level(skills, False)}))
            elif e.kind == "own_household":
                stress = _value_at(trace, m.pid, e.month, "stress")
                caps.append(Caption(e.month, "fam.story.own_household",
                                    {"name": m.name, "age": e.detail["age"] // YEAR, "stress": pct(stress),
                                     "year": trace.year_of(e.month) + 1},
                                    {"level": _level(stress, True)}))
            else:
                child = trace.members[e.detail["child"]]
                stress = _value_at(trace, m.pid, e.month, "stress")
                caps.append(Caption(e.month, "fam.story.parent",
                                    {"name": m.name, "child": child.name, "year": trace.year_of(e.month) + 1,
                                     "stress": pct(stress)},
                                    {"rel": "fam.rel.mother" if m.sex == 0 else "fam.rel.father",
                                     "level": _level(stress, True)}))
    # deaths, and moves out of the neighbourhood (members who leave together in one caption)
    followed = [*parents, *children]
    for e in trace.events_of(("death",)):
        if trace.members[e.pid] in followed:
            caps.append(Caption(e.month, "fam.story.death", {"name": trace.members[e.pid].name,
                                                             "year": trace.year_of(e.month) + 1}))
    moves: dict[int, list[Member]] = {}
    left_home = {e.pid for e in trace.events_of(("own_household",))}
    for e in trace.events_of(("moved_away",)):
        who = trace.members[e.pid]
        if who in parents or (who in children and who.pid not in left_home):
            moves.setdefault(e.month, []).append(who)
    for month, who in sorted(moves.items()):
        names = _join_names([m.name for m in who])
        if len(who) == 1:
            m = who[0]
            age = int(trace.frame().query("pid == @m.pid")["age"].max()) // YEAR
            caps.append(Caption(month, "fam.story.moved_one", {"name": m.name, "age": age,
                                                               "year": trace.year_of(month) + 1}))
        else:
            caps.append(Caption(month, "fam.story.moved_many", {"names": names, "year": trace.year_of(month) + 1}))
    caps.sort(key=lambda c: c.month)
    # looking back
    outcomes = child_outcomes(trace)
    seen = outcomes[outcomes["months_minor"] >= 24]
    if len(seen):
        stress_parents = float(seen["parents_stress"].mean())
        skills = float(seen["life_skills_18"].mean())
        ref_skills = float(ref["life_skills"].mean())
        key = "fam.story.look_back" if skills < ref_skills else "fam.story.look_back_not_passed"
        caps.append(Caption(trace.end_month, key,
                            {"stress": pct(stress_parents), "skills": pct(skills),
                             "years": trace.year_of(trace.end_month), "ref": pct(ref_skills)},
                            {"level": _level(stress_parents, True), "skills_lvl": _level(skills, False)}))
    if comparison is not None:
        caps += _policy_captions(comparison)
    return caps


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]


def _policy_captions(c: Comparison) -> list[Caption]:
    policy = f"fam.policy.{c.policy}"
    end = c.other.end_month
    if c.reached_month is None:
        return [Caption(end, "fam.story.policy_missed", {}, {"policy": policy})]
    caps = [Caption(c.reached_month, "fam.story.policy_reached",
                    {"year": c.base.year_of(c.reached_month) + 1,
                     "parted": c.base.year_of(c.parted_month) + 1 if c.parted_month is not None else "-"},
                    {"policy": policy})]
    for row in c.children.itertuples():
        if row.months_minor < 24:
            continue
        values = {"name": row.name, "with": pct(row.life_skills_18_with), "without": pct(row.life_skills_18_without),
                  "age": row.point_age}
        if not row.at_18:
            key = "fam.story.policy_child_last"
        elif np.isnan(row.stress_young_with) or np.isnan(row.stress_young_without):
            key = "fam.story.policy_child_18"
        else:
            key = "fam.story.policy_child_stress"
            values.update(stress_with=pct(row.stress_young_with), stress_without=pct(row.stress_young_without))
        caps.append(Caption(end, key, values, {"policy": policy}))
    caps.append(Caption(end, f"fam.verdict.{c.verdict}", {}, {"policy": policy}))
    return caps
