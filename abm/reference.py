"""Plain-Python reference twins of the numba kernels in :mod:`abm.kernels`.

Each twin has the same signature and the same in-place semantics as its kernel, but is
written independently, person by person, in ordinary Python (Python ints and floats,
``math.exp`` overflowing to inf as ``np.exp`` does). It is slow and meant only for the
tests, which assert that kernel and twin agree on generated inputs. Floating-point
expressions are written in the same order as in the kernels, so the two agree to the last
bit or very nearly so.

Only shared definitions are imported from :mod:`abm.kernels`: the layout enums and the
draw numbers of the random stream; no kernel logic.
"""

import bisect
import math

import numpy as np

from abm.kernels import (
    Role,
    D_ATTEMPT,
    D_BER,
    D_CARE_END,
    D_GIVE_UP,
    D_YOUTH_END,
    D_YOUTH_GIVE_UP,
    D_CLAIM,
    D_DEBT_END,
    D_DEBT_SEEK,
    D_DISABLED,
    D_DISCOURAGED,
    D_EVICT,
    D_FRAUD,
    D_ILL,
    D_JOB,
    D_JOB_FIND,
    D_REENTER,
    D_SEEK,
    D_SIGNAL,
    D_SUCCESS,
    T_COMM,
    T_COMM_WHO,
    T_MEET,
    T_MEET_WHO,
    T_NEIGH,
    T_NEIGH_CELL,
    T_NEIGH_WHO,
    T_SCHOOL,
    T_SCHOOL_WHO,
    T_WORK,
    T_WORK_WHO,
    Activity,
    B,
    C,
    CitizenStyle,
    Ev,
    F,
    Help,
    I,
    K,
    L,
    Limit,
    M,
    N_S,
    S,
    TieType,
)

# --------------------------------------------------------------------------------------
# Counter-based random numbers
# --------------------------------------------------------------------------------------

_MASK64 = 0xFFFFFFFFFFFFFFFF


def _mix64_ref(z):
    """SplitMix64 finaliser on a Python int in [0, 2**64)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _as_uint64(x):
    """An int64 read as uint64 (two's complement), as ``np.uint64(x)`` does."""
    return int(x) & _MASK64


def uniform_ref(seed, step, key, draw):
    """Reference twin of :func:`abm.kernels.uniform`.

    Args:
        seed: the run's seed (int64).
        step: the model step (int64, negative in burn-in).
        key: the person (or household, cell) the draw belongs to.
        draw: which draw of that key in that step.

    Returns:
        float in [0, 1) built from the top 53 bits of the mixed counter.
    """
    z = _mix64_ref((_as_uint64(seed) + 0x9E3779B97F4A7C15) & _MASK64)
    z = _mix64_ref(z ^ ((_as_uint64(step) * 0xD1B54A32D192ED03) & _MASK64))
    z = _mix64_ref(z ^ ((_as_uint64(key) * 0xAEF17502108EF2D9) & _MASK64))
    z = _mix64_ref(z ^ ((_as_uint64(draw) * 0x9E3779B97F4A7C15) & _MASK64))
    return float(z >> 11) * (1.0 / 9007199254740992.0)


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _exp(x):
    """``math.exp`` that overflows to inf, as ``np.exp`` does, instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sigmoid(x):
    return 1.0 / (1.0 + _exp(-x))


def _hazard_ref(p_year):
    """Yearly hazard ``-log(1 - p)`` (inf for p = 1, where ``math.log1p`` would raise)."""
    return math.inf if p_year >= 1.0 else -math.log1p(-p_year)


def _happens(u, p_year, mult):
    """Whether draw ``u`` is an event of yearly probability ``p_year`` with hazard multiplier
    ``mult``: ``u < 1 - (1 - p)**(mult / 12)``, through the yearly hazard ``-log(1 - p)``
    (draws at or above ``lam = hazard * mult / 12`` are never events, as in the kernel)."""
    lam = _hazard_ref(p_year) * mult / 12.0
    return u < lam and u < 1.0 - _exp(-lam)


def _combine(shock, hit):
    """Severity of two independent hits together: ``1 - (1 - shock) * (1 - hit)``."""
    return 1.0 - (1.0 - shock) * (1.0 - hit)


def _term(pv, sw, name):
    """The switched strength ``pv[K.name] * sw[L.name]`` of a causal link."""
    return float(pv[K[name]]) * float(sw[L[name]])


def _resilience(f, j):
    return (float(f[F.WELLBEING, j]) + float(f[F.AGENCY, j]) + float(f[F.LIFE_SKILLS, j])) / 3.0


# --------------------------------------------------------------------------------------
# Kernel 1: support and network measures over ties
# --------------------------------------------------------------------------------------


def spread_support_ref(f, iv, tie_other, tie_w, tie_type, active, pv, sw, ctx):
    """Reference twin of :func:`abm.kernels.spread_support`.

    Writes rows RESILIENCE, SUPPORT_IN, NET_Q and BRIDGING of ``ctx`` for each active
    person; everything else is left as it was. A minor's support to an adult counts
    ``minor_support`` times.
    """
    persons = [int(i) for i in active]
    g_give = _term(pv, sw, "giveback_support")
    minor_weight = float(pv[K.minor_support])
    for i in persons:
        ctx[C.RESILIENCE, i] = _resilience(f, i)
    for i in persons:
        is_adult = int(iv[I.AGE, i]) >= 18 * 12
        support = 0.0
        weight_sum = 0.0
        bridging_weight = 0.0
        for k in range(tie_other.shape[1]):
            j = int(tie_other[i, k])
            if j < 0:
                continue
            w = float(tie_w[i, k])
            # a parent's stress lowers what he or she gives the own children as far as the link holds
            parent = j in (int(iv[I.MOTHER, i]), int(iv[I.FATHER, i]))
            wp = _term(pv, sw, "parent_stress_support") if parent else 1.0
            spare = (1.0 - wp * float(f[F.STRESS, j])) * (1.0 - wp * float(f[F.ACUTE, j]))
            give = spare * (1.0 + g_give * _resilience(f, j)) / (1.0 + 0.5 * g_give)
            if is_adult and int(iv[I.AGE, j]) < 18 * 12:
                # a minor gives an adult emotional, not practical support
                support += w * minor_weight * give
            else:
                support += w * give
            weight_sum += w
            if tie_type[i, k] == TieType.BRIDGING:
                bridging_weight += w
        ctx[C.SUPPORT_IN, i] = 1.0 - _exp(-support / float(pv[K.support_scale]))
        ctx[C.NET_Q, i] = 1.0 - _exp(-weight_sum / float(pv[K.network_scale]))
        ctx[C.BRIDGING, i] = bridging_weight / weight_sum if weight_sum > 0.0 else 0.0


# --------------------------------------------------------------------------------------
# Kernel 2: the person update
# --------------------------------------------------------------------------------------


def update_persons_ref(f, iv, ctx, active, pv, sw, seed, step, events):
    """Reference twin of :func:`abm.kernels.update_persons`.

    Updates ``f`` (income, debt and buffer are read, not written: they are the household
    budget's), ``iv`` (ACTIVITY, EMPLOYED, JOBLESS_MONTHS, HELP, WAIT_SINCE, CARE_MONTHS,
    EVER_HELPED) and ``events`` in place for each active person, one person at a time.
    """
    for i in active:
        _update_person_ref(f, iv, ctx, int(i), pv, sw, int(seed), int(step), events)


def _update_person_ref(f, iv, ctx, i, pv, sw, seed, step, events):
    """One month of person ``i`` (see :func:`update_persons_ref`)."""

    def p(name):
        return float(pv[K[name]])

    def link(name):
        return _term(pv, sw, name)

    def u(draw):
        return uniform_ref(seed, step, iv[I.KEY, i], draw)

    def stock(row):
        return float(f[row, i])

    def context(row):
        return float(ctx[row, i])

    r_stress = p("rate_stress")
    r_wellbeing = p("rate_wellbeing")
    r_slow = p("rate_slow")
    r_fast = p("rate_fast")

    ev = 0
    age = int(iv[I.AGE, i])
    age_y = age / 12.0
    is_child = age_y < 18.0
    is_adult = not is_child
    working_age = is_adult and age < int(p("pension_age") * 12.0)
    activity = int(iv[I.ACTIVITY, i])
    plasticity = p("plasticity_adult") + (1.0 - p("plasticity_adult")) * _exp(
        -age_y / p("plasticity_tau_years")
    )

    stress = stock(F.STRESS)
    acute = stock(F.ACUTE)
    wellbeing = stock(F.WELLBEING)
    security = stock(F.SECURITY)
    future = stock(F.FUTURE)
    functioning = stock(F.FUNCTIONING)
    skills = stock(F.LIFE_SKILLS)
    trust = stock(F.TRUST)
    navigation = stock(F.NAVIGATION)
    support = stock(F.SUPPORT)
    # physical health at the start of the month: it moves the job and disability events
    physical = stock(F.PHYSICAL)
    net_q = context(C.NET_Q)
    pro = context(C.PRO_TIE)
    help_state = int(iv[I.HELP, i])
    youth_state = int(iv[I.YOUTH_HELP, i])
    in_care = 1.0 if help_state == Help.CARE else 0.0

    if is_child:  # a child shares the household's housing; income, debt and buffer are the budget's
        f[F.HOUSING, i] = context(C.HH_HOUSING)
    income = stock(F.INCOME)
    debt = stock(F.DEBT)
    housing = stock(F.HOUSING)
    buffer = stock(F.BUFFER)

    # ---- life events: what a person does (Activity) moves through them ----
    risk = link("insecurity_events") * (0.5 - security) + link("stress_events") * (stress - 0.5)
    mult = _exp(risk)
    shock = 0.0
    if is_adult:
        health_term = link("health_employment") * (physical - 0.5)
        if activity == Activity.WORK:
            m_job = mult * _exp(-link("functioning_employment") * (functioning - 0.5) - health_term)
            if _happens(u(D_JOB), p("p_job_loss"), m_job):
                ev |= Ev.JOB_LOSS
                activity = Activity.SEEKING
                shock = _combine(shock, p("hit_job_loss"))
        elif activity == Activity.SEEKING:
            newcomer = 1.0 if (int(iv[I.LIMITS, i]) & Limit.NEWCOMER) else 0.0
            m_find = _exp(
                link("functioning_employment") * (functioning - 0.5)
                + link("bridging_employment") * (context(C.BRIDGING) - 0.5)
                + health_term
                - link("newcomer_obstacles") * newcomer
            )
            if _happens(u(D_JOB_FIND), p("p_job_find"), m_find):
                ev |= Ev.JOB_FOUND
                activity = Activity.WORK
            # a year or more without work: some stop looking
            if activity == Activity.SEEKING and int(iv[I.JOBLESS_MONTHS, i]) >= 12:
                if _happens(u(D_DISCOURAGED), p("p_discouraged"), 1.0):
                    activity = Activity.INACTIVE
        elif activity == Activity.INACTIVE and working_age:
            if _happens(u(D_REENTER), p("p_reenter"), 1.0):
                activity = Activity.SEEKING
        if working_age and activity not in (Activity.DISABLED, Activity.STUDY):
            if _happens(u(D_DISABLED), p("p_disability"), _exp(link("health_disability") * (0.5 - physical))):
                if activity == Activity.WORK:
                    ev |= Ev.JOB_LOSS
                    shock = _combine(shock, p("hit_job_loss"))
                activity = Activity.DISABLED
        iv[I.ACTIVITY, i] = activity
        iv[I.EMPLOYED, i] = 1 if activity == Activity.WORK else 0
        if activity == Activity.WORK:
            iv[I.JOBLESS_MONTHS, i] = 0
        elif working_age:
            iv[I.JOBLESS_MONTHS, i] += 1
        if working_age:
            # the share of the adult months so far spent in work
            adult_months = age - 18 * 12 + 1.0
            in_work = 1.0 if activity == Activity.WORK else 0.0
            f[F.WORK_HISTORY, i] = stock(F.WORK_HISTORY) + (in_work - stock(F.WORK_HISTORY)) / adult_months
        if _happens(u(D_EVICT), p("p_eviction"), mult * _exp(link("debt_eviction") * (debt - 0.5))):
            ev |= Ev.EVICTION
            housing -= p("hit_eviction") * housing
            shock = _combine(shock, p("hit_eviction"))
        if activity != Activity.WORK and working_age:
            if _happens(u(D_FRAUD), p("p_fraud_suspicion"), 1.0):
                ev |= Ev.FRAUD_SUSPICION
    if _happens(u(D_ILL), p("p_illness"), mult * (0.3 + link("age_illness") * age_y)):
        ev |= Ev.ILLNESS
        f[F.PHYSICAL, i] = stock(F.PHYSICAL) - p("hit_illness") * stock(F.PHYSICAL)
        shock = _combine(shock, p("hit_illness"))
    if _happens(u(D_BER), p("p_bereavement"), 1.0):
        ev |= Ev.BEREAVEMENT
        shock = _combine(shock, p("hit_bereavement"))

    # ---- acute stress: recovery with capacity (draagkracht) ----
    capacity = (
        link("psy_capacity") * (stock(F.SELF_ESTEEM) + skills + stock(F.AGENCY)) / 3.0
        + link("support_capacity") * support
        + link("identity_capacity") * stock(F.IDENTITY)
        + link("material_capacity") * (income + buffer + housing) / 3.0
    ) / max(1.0, link("psy_capacity") + link("support_capacity") + link("identity_capacity") + link("material_capacity"))
    scar = stock(F.SCAR)
    capacity *= 1.0 - link("scar_recovery") * scar
    acute += link("events_stress") * shock * (1.0 - acute)
    acute -= p("acute_recovery") * capacity * acute

    # ---- chronic stress ----
    if is_adult:  # a couple shares the care tasks; a single parent carries them alone
        care = (0.5 * context(C.CARE) * (1.0 + link("closure_care") * p("schools_closed"))
                * (1.0 + link("single_care") * context(C.IS_SINGLE)))
    else:
        care = 0.0
    if is_child or activity == Activity.STUDY:
        pressure = p("school_pressure") if age_y >= 4.0 else 0.0
    else:
        pressure = p("work_pressure") if activity == Activity.WORK else 0.0
    identity = stock(F.IDENTITY)
    grown = 1.0 if is_adult else 0.0  # security and future perspective count from age 18
    x = (
        p("bias_stress")
        + link("acute_chronic") * (acute - 0.25)
        - link("security_stress") * grown * (security - 0.5)
        - link("future_stress") * grown * (future - 0.5)
        - link("skills_stress") * (skills - 0.5)
        - link("network_stress") * (net_q - 0.5)
        - link("support_stress") * grown * (support - 0.5)
        - link("identity_stress") * (identity - 0.5)
        + link("care_stress") * care
        + link("pressure_stress") * pressure
        + link("nuisance_stress") * (context(C.NUISANCE_B) - 0.5)
        - link("housing_quality_stress") * (context(C.HOUSING_Q_B) - 0.5)
    )
    stress_new = stress + r_stress * (_sigmoid(x) - stress)

    # ---- mental and physical health ----
    mental = stock(F.MENTAL)
    x = (p("bias_mental") + link("stress_mental") * (stress - 0.5) - link("help_mental") * in_care
         - link("youth_care_child") * (context(C.HH_YOUTH_CARE) if is_child else 0.0))
    mental_new = mental + r_slow * (_sigmoid(x) - mental)
    physical = stock(F.PHYSICAL)  # after this month's illness
    x = p("bias_physical") - link("stress_health") * (stress - 0.5) - link("age_health") * (age_y - 40.0)
    physical_new = physical + r_slow * (_sigmoid(x) - physical)

    # ---- wellbeing: the stress felt now, chronic and acute together ----
    felt = 1.0 - (1.0 - stress) * (1.0 - acute)  # acute after this month's events and recovery
    x = (
        p("bias_wellbeing")
        - link("stress_wellbeing") * (felt - 0.5)
        + link("support_wellbeing") * (support - 0.5)
        - link("mental_wellbeing") * (mental - 0.5)
        + link("health_wellbeing") * (physical - 0.5)
    )
    wellbeing_new = wellbeing + r_wellbeing * (_sigmoid(x) - wellbeing)

    # ---- functioning ----
    x = (
        p("bias_functioning")
        - link("stress_functioning") * (stress - 0.5)
        + link("skills_functioning") * (skills - 0.5)
    )
    functioning_new = functioning + r_fast * (_sigmoid(x) - functioning)

    # ---- existential security and future perspective ----
    x = (
        p("bias_security")
        + link("wellbeing_security") * (wellbeing - 0.5)
        + link("functioning_security") * (functioning - 0.5)
        + link("income_security") * (income - 0.5)
        - link("debt_security") * (debt - 0.5)
        + link("housing_security") * (housing - 0.5)
    )
    security_new = security + r_slow * (_sigmoid(x) - security)
    x = p("bias_future") + link("security_future") * (security - 0.5) + link("identity_future") * (identity - 0.5)
    future_new = future + r_slow * (_sigmoid(x) - future)
    if is_child:  # a minor's security and perspective wait until adulthood
        security_new = security
        future_new = future

    # ---- housing security (adults; a child's is the household's, copied above) ----
    if is_adult:
        x = (
            p("bias_housing")
            + link("income_housing") * (income - 0.5)
            - link("debt_housing") * (debt - 0.5)
            + link("social_housing") * context(C.SOCIAL_HOUSING)
        )
        housing_new = housing + r_slow * (_sigmoid(x) - housing)
    else:
        housing_new = housing

    # ---- parenting received, attachment, life skills ----
    parenting = stock(F.PARENTING)
    if is_child:
        parents_stress = context(C.HH_STRESS)
        x = (
            p("bias_parenting")
            - link("stress_parenting") * (parents_stress - 0.5)
            # less time for care when working, and the stress carried alone
            - link("single_parenting") * context(C.IS_SINGLE) * 0.5 * (0.5 + 0.5 * context(C.HH_WORKING) + parents_stress)
            + link("youth_care_parenting") * context(C.HH_YOUTH_CARE)
        )
        parenting_new = parenting + r_fast * (_sigmoid(x) - parenting)
    else:
        parenting_new = parenting
    attachment = stock(F.ATTACHMENT)
    if is_child:
        x = p("bias_attachment") + link("parenting_attachment") * (parenting - 0.5)
        attachment_new = attachment + plasticity * r_fast * (_sigmoid(x) - attachment)
    else:
        attachment_new = attachment
    participation = stock(F.PARTICIPATION)
    x = (
        p("bias_skills")
        + link("attachment_skills") * (attachment - 0.5)
        + link("network_skills") * (net_q - 0.5)
        + link("help_skills") * in_care
        + link("participation_skills") * (participation - 0.5)
        - link("scar_skills") * scar
    )
    skills_new = skills + plasticity * p("rate_skills") * (_sigmoid(x) - skills)

    # ---- scars of long spells ----
    causes = (
        link("jobless_scar") * (working_age and activity in (Activity.SEEKING, Activity.INACTIVE)
                                and int(iv[I.JOBLESS_MONTHS, i]) >= 12),
        link("debt_scar") * (debt > 0.5),
        link("stress_scar") * (stress > p("chronic_stress_line")),
    )
    pressed = 1.0 - math.prod(1.0 - c for c in causes)
    scar_new = scar + p("rate_scar") * pressed * (1.0 - scar) - p("rate_scar_heal") * (1.0 - pressed) * scar

    # ---- self-esteem, agency, success experiences ----
    self_esteem = stock(F.SELF_ESTEEM)
    success = stock(F.SUCCESS)
    school_child = 1.0 if (is_child and age_y >= 4.0) else 0.0
    x = (
        p("bias_selfesteem")
        + link("network_selfesteem") * (net_q - 0.5)
        + link("success_selfesteem") * (success - 0.5)
        - link("teacher_expectations") * school_child * p("teacher_low_expectation")
    )
    self_esteem_new = self_esteem + r_slow * (_sigmoid(x) - self_esteem)
    agency = stock(F.AGENCY)
    x = p("bias_agency") + link("network_agency") * (net_q - 0.5) + link("success_agency") * (success - 0.5)
    agency_new = agency + r_slow * (_sigmoid(x) - agency)

    # ---- participation and attempts ----
    style_offset = {
        CitizenStyle.DUTIFUL: p("style_offset_dutiful"),
        CitizenStyle.RESPONSIBLE: p("style_offset_responsible"),
        CitizenStyle.PRAGMATIC: p("style_offset_pragmatic"),
    }.get(int(iv[I.STYLE, i]), p("style_offset_outsider"))
    x = (
        p("bias_participation")
        + style_offset
        + link("agency_participation") * (agency - 0.5)
        + link("network_participation") * (net_q - 0.5)
        - link("shame_participation") * (0.5 - income)
        - link("debt_shame") * (debt - 0.5)
        - link("stress_withdrawal") * (stress - 0.5)
        + link("meeting_participation") * (context(C.MEET_OPEN) - 0.5)
        + link("builder_participation") * context(C.PRO_BUILDER)
        + link("giveback_participation") * (context(C.RESILIENCE) - 0.5)
    )
    participation_new = participation + r_slow * (_sigmoid(x) - participation)
    success_new = success - r_slow * 0.25 * success  # no attempt this month
    if age_y >= 12.0:
        p_attempt = p("p_attempt") * (1.0 - link("participation_success") * (1.0 - participation))
        if u(D_ATTEMPT) < p_attempt:
            ev |= Ev.ATTEMPT
            x = (
                p("bias_success")
                + link("efficacy_success") * (context(C.EFFICACY) - 0.5)
                + link("agency_participation") * (agency - 0.5)
            )
            if u(D_SUCCESS) < _sigmoid(x):
                ev |= Ev.SUCCESS
                success_new = success + r_fast * (1.0 - success)
            else:
                success_new = success - r_fast * 0.5 * success

    # ---- identity and meaning ----
    member = 1.0 if int(iv[I.COMMUNITY, i]) >= 0 else 0.0
    x = p("bias_identity") + link("community_identity") * (member - 0.5)
    identity_new = identity + r_slow * (_sigmoid(x) - identity)

    # ---- trust in institutions and navigation ----
    waits = [(step - int(iv[since, i])) / 12.0 for state, since in
             ((help_state, I.WAIT_SINCE), (youth_state, I.YOUTH_WAIT_SINCE)) if state == Help.WAITING]
    waiting_years = max(waits, default=0.0)
    in_contact = (help_state != Help.NONE or youth_state != Help.NONE or int(iv[I.CLAIM, i]) == 1
                  or (working_age and activity == Activity.SEEKING))
    contact = 1.0 if in_contact else 0.0
    fraud = 1.0 if (ev & Ev.FRAUD_SUSPICION) else 0.0
    trust_mean = min(max(p("trust_mean"), 0.01), 0.99)
    x = (
        math.log(trust_mean / (1.0 - trust_mean))
        + link("knownface_trust") * pro
        + link("service_point_trust") * context(C.SERVICE_POINT)
        - link("bad_contact_trust") * contact * p("bureaucracy")
        - link("wait_trust") * waiting_years
    )
    trust_new = trust + r_slow * (_sigmoid(x) - trust)
    trust_new -= link("fraud_trust") * fraud * p("hit_fraud") * trust_new
    limited = 1.0 if int(iv[I.LIMITS, i]) != 0 else 0.0
    x = (
        p("bias_navigation")
        - link("complexity_navigation") * p("system_complexity")
        - link("limits_navigation") * limited
        + link("familiarity_navigation") * int(iv[I.EVER_HELPED, i])
        + link("network_navigation") * (net_q - 0.5)
        + link("pro_navigation") * pro
        + link("service_point_navigation") * context(C.SERVICE_POINT)
    )
    navigation_new = navigation + r_slow * (_sigmoid(x) - navigation)

    # ---- need, signal, seeking help through the neighbourhood team ----
    need_mental = need_youth = 0.0
    if is_adult:
        need_mental = link("mental_need") * mental
        need_youth = link("parenting_need") * context(C.HH_CHILD_PROBLEM)
        need = 1.0 - (1.0 - need_mental) * (1.0 - need_youth)
        if need > p("need_threshold"):
            ev |= Ev.NEED
            # referred to the service of the larger need, unless that service already has the person
            to_youth = need_youth > need_mental
            if (youth_state if to_youth else help_state) == Help.NONE:
                p_signal = 1.0 - (
                    (1.0 - p("p_self_signal"))
                    * (1.0 - link("pro_signal") * pro)
                    * (1.0 - link("service_point_signal") * context(C.SERVICE_POINT))
                    * (1.0 - link("school_signal") * context(C.SCHOOL_CHILD) * (1.0 - p("schools_closed")))
                    * (1.0 - link("network_signal") * net_q)
                )
                if u(D_SIGNAL) < p_signal:
                    x = (
                        p("bias_seek")
                        + link("navigation_seek") * (navigation - 0.5)
                        + link("trust_seek") * (trust - 0.5)
                    )
                    if u(D_SEEK) < _sigmoid(x):
                        ev |= Ev.SOUGHT
                        state_row, since_row = (I.YOUTH_HELP, I.YOUTH_WAIT_SINCE) if to_youth else (I.HELP, I.WAIT_SINCE)
                        iv[state_row, i] = Help.WAITING
                        iv[since_row, i] = step
                    else:
                        ev |= Ev.DECLINED
    # leaving a queue: the need has gone, or giving up
    for state, need_of, state_row, since_row, draw in (
            (help_state, need_mental, I.HELP, I.WAIT_SINCE, D_GIVE_UP),
            (youth_state, need_youth, I.YOUTH_HELP, I.YOUTH_WAIT_SINCE, D_YOUTH_GIVE_UP)):
        if state == Help.WAITING:
            leave = p("p_queue_recovered") if need_of <= p("need_threshold") else p("p_queue_give_up")
            if u(draw) < leave:
                iv[state_row, i] = Help.NONE
                iv[since_row, i] = -1
    for state, state_row, months_row, draw, mean in (
            (help_state, I.HELP, I.CARE_MONTHS, D_CARE_END, "care_months_mean"),
            (youth_state, I.YOUTH_HELP, I.YOUTH_MONTHS, D_YOUTH_END, "youth_care_months")):
        if state == Help.CARE:
            iv[months_row, i] += 1
            if u(draw) < 1.0 / p(mean):
                ev |= Ev.CARE_END
                iv[state_row, i] = Help.NONE
                iv[months_row, i] = 0
                iv[I.EVER_HELPED, i] = 1

    # ---- write back ----
    f[F.ACUTE, i] = acute
    f[F.STRESS, i] = stress_new
    f[F.MENTAL, i] = mental_new
    f[F.PHYSICAL, i] = physical_new
    f[F.WELLBEING, i] = wellbeing_new
    f[F.FUNCTIONING, i] = functioning_new
    f[F.SECURITY, i] = security_new
    f[F.FUTURE, i] = future_new
    f[F.HOUSING, i] = housing_new
    f[F.PARENTING, i] = parenting_new
    f[F.ATTACHMENT, i] = attachment_new
    f[F.LIFE_SKILLS, i] = skills_new
    f[F.SELF_ESTEEM, i] = self_esteem_new
    f[F.AGENCY, i] = agency_new
    f[F.PARTICIPATION, i] = participation_new
    f[F.SUCCESS, i] = success_new
    f[F.IDENTITY, i] = identity_new
    f[F.TRUST, i] = trust_new
    f[F.NAVIGATION, i] = navigation_new
    f[F.SUPPORT, i] = support + r_fast * (context(C.SUPPORT_IN) - support)
    f[F.NETWORK, i] = net_q
    f[F.SCAR, i] = scar_new
    events[i] = int(ev)


# --------------------------------------------------------------------------------------
# Kernel 3: ties
# --------------------------------------------------------------------------------------


def _row_partners(tie_other, i):
    """The filled slots of row i, as a list of partner ids (rows are packed)."""
    return [int(j) for j in tie_other[i] if j >= 0]


def _slot_of(tie_other, i, j):
    """The slot of row i that holds j (j = -1: the first empty slot), or -1."""
    for k in range(tie_other.shape[1]):
        if tie_other[i, k] == j:
            return k
    return -1


def _remove_slot(tie_other, tie_w, tie_type, i, k):
    """Empty slot k of row i; the row's last filled slot moves into k to keep it packed."""
    last = len(_row_partners(tie_other, i)) - 1
    if last != k:
        tie_other[i, k] = tie_other[i, last]
        tie_w[i, k] = tie_w[i, last]
        tie_type[i, k] = tie_type[i, last]
    tie_other[i, last] = -1
    tie_w[i, last] = 0.0
    tie_type[i, last] = TieType.NONE


def _meet(tie_other, tie_w, tie_type, i, j, kind, gain):
    """A contact of i with j: strengthen their tie, or make a new one if both have room."""
    k = _slot_of(tie_other, i, j)
    if k >= 0:
        w = float(tie_w[i, k])
        w += gain * (1.0 - w)
        tie_w[i, k] = w
        tie_w[j, _slot_of(tie_other, j, i)] = w
        return
    free_i = _slot_of(tie_other, i, -1)
    free_j = _slot_of(tie_other, j, -1)
    if free_i < 0 or free_j < 0:
        return
    tie_other[i, free_i] = j
    tie_w[i, free_i] = gain
    tie_type[i, free_i] = kind
    tie_other[j, free_j] = i
    tie_w[j, free_j] = gain
    tie_type[j, free_j] = kind


class _Group:
    """The members of one contact group: a read-only view, sorted by id."""

    def __init__(self, g_start, g_members, g):
        self.members = g_members[int(g_start[g]) : int(g_start[g + 1])]

    def __len__(self):
        return len(self.members)

    def __contains__(self, i):
        k = bisect.bisect_left(self.members, i)
        return k < len(self.members) and int(self.members[k]) == i

    def __getitem__(self, k):
        return int(self.members[k])


def _group(g_start, g_members, g):
    """The members of group g (a view: the twin must not copy whole groups per person)."""
    return _Group(g_start, g_members, g)


def _pick(members, u):
    """The member picked by the uniform draw u, or -1 if there are none."""
    if len(members) == 0:
        return -1
    return members[int(u * len(members))]


def update_ties_ref(
    f, iv, tie_other, tie_w, tie_type, active, hh_cell, cell_hh, grid_wh, g_start, g_members,
    g_base, g_flags, pv, sw, seed, step,
):
    """Reference twin of :func:`abm.kernels.update_ties`.

    First every tie decays (ties within a household are refreshed instead) and ties below
    ``tie_min`` are dropped; then each active person, in the order of ``active``, makes
    this month's contacts through the five channels. Tie arrays are updated in place.
    """
    seed = int(seed)
    step = int(step)
    persons = [int(i) for i in active]
    decay = float(pv[K.tie_decay])
    tie_min = float(pv[K.tie_min])
    gain = float(pv[K.tie_gain])
    width = int(grid_wh[0])
    height = int(grid_wh[1])

    # 1. decay, row by row: both ends of a tie hold the same weight and get the same update
    for i in persons:
        k = 0
        while k < tie_other.shape[1] and tie_other[i, k] >= 0:
            j = int(tie_other[i, k])
            old = float(tie_w[i, k])
            if iv[I.HOUSEHOLD, j] == iv[I.HOUSEHOLD, i]:
                w = old + gain * (1.0 - old)
            else:
                w = old * (1.0 - decay)
            if w < tie_min:
                _remove_slot(tie_other, tie_w, tie_type, i, k)
                continue  # slot k now holds another tie: look at it again
            tie_w[i, k] = w
            k += 1

    # 2. contacts
    def u(i, draw):
        return uniform_ref(seed, step, iv[I.KEY, i], draw)

    for i in persons:
        household = int(iv[I.HOUSEHOLD, i])
        x = (
            _term(pv, sw, "participation_ties") * (float(f[F.PARTICIPATION, i]) - 0.5)
            - _term(pv, sw, "stress_withdrawal") * (float(f[F.STRESS, i]) - 0.5)
            - _term(pv, sw, "distrust_withdrawal") * (0.5 - float(f[F.TRUST, i]))
        )
        sociability = 2.0 / (1.0 + _exp(-x))
        partners = []

        # grid neighbour: one of the 8 cells around the household's cell
        if u(i, T_NEIGH) < float(pv[K.p_contact_neighbour]) * sociability:
            cell = int(hh_cell[household])
            cx, cy = cell % width, cell // width
            offsets = [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
            dx, dy = offsets[int(u(i, T_NEIGH_CELL) * 8.0)]
            nx, ny = cx + dx, cy + dy
            if 0 <= nx < width and 0 <= ny < height:
                other_household = int(cell_hh[ny * width + nx])
                if other_household >= 0:
                    group = _group(g_start, g_members, int(g_base[0]) + other_household)
                    partners.append(_pick(group, u(i, T_NEIGH_WHO)))

        # meeting place: only for those who attend this month
        m = int(iv[I.MEETING, i])
        if m >= 0:
            group = _group(g_start, g_members, int(g_base[1]) + m)
            if i in group and u(i, T_MEET) < float(pv[K.p_contact_meeting] * (pv[K.meeting_ties] * sw[L.meeting_ties])) * sociability:
                partners.append(_pick(group, u(i, T_MEET_WHO)))

        # school gate
        group = _group(g_start, g_members, int(g_base[2]))
        if i in group and u(i, T_SCHOOL) < float(pv[K.p_contact_school] * (pv[K.school_gate_ties] * sw[L.school_gate_ties])) * sociability:
            partners.append(_pick(group, u(i, T_SCHOOL_WHO)))

        # community of shared ideals or faith
        c = int(iv[I.COMMUNITY, i])
        if c >= 0:
            p_comm = float(pv[K.p_contact_community]) * float(pv[K.community_ties]) * float(sw[L.community_ties])
            if u(i, T_COMM) < p_comm * sociability:
                group = _group(g_start, g_members, int(g_base[3]) + c)
                partners.append(_pick(group, u(i, T_COMM_WHO)))

        # work
        if int(iv[I.EMPLOYED, i]) != 0:
            if u(i, T_WORK) < float(pv[K.p_contact_work]) * sociability:
                group = _group(g_start, g_members, int(g_base[4]))
                partners.append(_pick(group, u(i, T_WORK_WHO)))

        # each contact in channel order, so earlier contacts can fill the slots
        for j in partners:
            if j < 0 or j == i:
                continue
            alike = int(iv[I.STYLE, j]) == int(iv[I.STYLE, i]) and abs(
                float(f[F.EARNING, j]) - float(f[F.EARNING, i])
            ) < float(pv[K.similarity_income])
            if int(iv[I.HOUSEHOLD, j]) == household or alike:
                kind = TieType.BONDING
            else:
                kind = TieType.BRIDGING
            _meet(tie_other, tie_w, tie_type, i, j, kind, gain)


# --------------------------------------------------------------------------------------
# Kernel 0: the context of each person
# --------------------------------------------------------------------------------------


def gather_context_ref(f, iv, active, hh_info, block_info, pro_info, fac_open, ctx):
    """Reference twin of :func:`abm.kernels.gather_context`, written with numpy group sums.

    An independent formulation: household sums by ``np.bincount`` instead of a loop.
    """
    active = np.asarray(active, dtype=np.int64)
    nh = hh_info.shape[1]
    hh = iv[I.HOUSEHOLD, active]
    partner = iv[I.ROLE, active] == Role.PARTNER
    age = iv[I.AGE, active]
    minor = age < 18 * 12
    hp, ap = hh[partner], active[partner]
    n_p = np.maximum(np.bincount(hp, minlength=nh).astype(float), 1.0)

    def mean_partners(row):
        return np.bincount(hp, weights=f[row, ap], minlength=nh) / n_p

    n_kids = np.bincount(hh[minor], minlength=nh).astype(float)
    school = np.bincount(hh[minor & (age >= 48)], minlength=nh)
    km = active[minor]
    problem = np.maximum(f[F.MENTAL, km], 1.0 - f[F.PARENTING, km])
    child_problem = np.bincount(hh[minor], weights=problem, minlength=nh) / np.maximum(n_kids, 1.0)
    ctx[C.HH_STRESS, active] = mean_partners(F.STRESS)[hh]
    ctx[C.IS_SINGLE, active] = (hh_info[0, hh] == 3).astype(float)
    ctx[C.CARE, active] = np.where(partner, np.minimum(n_kids[hh], 3.0) / 3.0, 0.0)
    ctx[C.HH_HOUSING, active] = mean_partners(F.HOUSING)[hh]
    working = np.bincount(hp, weights=(iv[I.EMPLOYED, ap] == 1).astype(float), minlength=nh)
    ctx[C.HH_WORKING, active] = (working / n_p)[hh]
    ctx[C.HH_CHILD_PROBLEM, active] = np.where(partner, child_problem[hh], 0.0)
    ctx[C.SCHOOL_CHILD, active] = (school[hh] > 0).astype(float)
    youth_care = np.bincount(hp, weights=(iv[I.YOUTH_HELP, ap] == Help.CARE).astype(float), minlength=nh)
    ctx[C.HH_YOUTH_CARE, active] = (youth_care[hh] > 0).astype(float)
    ctx[C.SOCIAL_HOUSING, active] = hh_info[1, hh].astype(float)
    block = hh_info[2, hh]
    ctx[C.EFFICACY, active] = block_info[0, block]
    ctx[C.ATTACHMENT_B, active] = block_info[1, block]
    ctx[C.NUISANCE_B, active] = block_info[2, block]
    ctx[C.HOUSING_Q_B, active] = block_info[3, block]
    pro = iv[I.PRO, active]
    has = pro >= 0
    tie = np.zeros(active.size)
    tie[has] = pro_info[0, pro[has]]
    ctx[C.PRO_TIE, active] = tie
    ctx[C.PRO_BUILDER, active] = np.where(has, tie * pro_info[1, np.maximum(pro, 0)], 0.0)
    m = iv[I.MEETING, active]
    ctx[C.MEET_OPEN, active] = np.where(m >= 0, fac_open[np.maximum(m, 0)], 0).astype(float)
    ctx[C.SERVICE_POINT, active] = 0.0


def _group_stable(labels, members, n_groups):
    """Group ``members`` by ``labels`` with a stable sort: CSR (start, grouped)."""
    order = np.argsort(labels, kind="stable")
    start = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(labels, minlength=n_groups), out=start[1:])
    return start, np.asarray(members, dtype=np.int64)[order]


def adult_summary_ref(f, iv, events, tie_other, tie_type, ids, strong_threshold, decliner_threshold, strong_max_stress,
                      chronic_stress_line):
    """Reference twin of :func:`abm.kernels.adult_summary`, with numpy masks."""
    ids = np.asarray(ids, dtype=np.int64)
    psy = (f[F.SELF_ESTEEM, ids] + f[F.LIFE_SKILLS, ids] + f[F.AGENCY, ids]) / 3.0
    soc = (f[F.SUPPORT, ids] + f[F.NETWORK, ids] + f[F.PARTICIPATION, ids]) / 3.0
    cul = f[F.IDENTITY, ids]
    mat = (f[F.INCOME, ids] + f[F.BUFFER, ids] + f[F.HOUSING, ids] + 1.0 - f[F.DEBT, ids]) / 4.0
    stress = f[F.STRESS, ids]
    dist = np.vstack([stress, f[F.WELLBEING, ids], f[F.SECURITY, ids], psy, soc, cul, mat])
    index = (psy + soc + cul + mat) / 4.0
    decliner = index < decliner_threshold
    strong = ~decliner & (index >= strong_threshold) & (stress < strong_max_stress)
    ev = events[ids]
    need = (ev & Ev.NEED) != 0
    help_state = iv[I.HELP, ids]
    others = tie_other[ids]
    valid = others >= 0
    outside = valid & (iv[I.HOUSEHOLD, np.maximum(others, 0)] != iv[I.HOUSEHOLD, ids][:, None])
    sums = np.zeros(N_S)
    sums[S.PARTICIPATION] = f[F.PARTICIPATION, ids].sum()
    sums[S.ATTEMPTS] = ((ev & Ev.ATTEMPT) != 0).sum()
    sums[S.SUCCESSES] = ((ev & Ev.SUCCESS) != 0).sum()
    sums[S.TRUST] = f[F.TRUST, ids].sum()
    sums[S.NAVIGATION] = f[F.NAVIGATION, ids].sum()
    sums[S.MENTAL] = f[F.MENTAL, ids].sum()
    sums[S.CHRONIC] = (stress > chronic_stress_line).sum()
    sums[S.NEED] = need.sum()
    youth_state = iv[I.YOUTH_HELP, ids]
    helped = (help_state == Help.CARE) | (youth_state == Help.CARE)
    waiting = ~helped & ((help_state == Help.WAITING) | (youth_state == Help.WAITING))
    sums[S.NEED_HELPED] = (need & helped).sum()
    sums[S.NEED_WAITING] = (need & waiting).sum()
    sums[S.NEED_UNHELPED] = (need & ~helped & ~waiting).sum()
    sums[S.YOUTH_CARE] = (youth_state == Help.CARE).sum()
    sums[S.YOUTH_WAITING] = (youth_state == Help.WAITING).sum()
    sums[S.DECLINED] = ((ev & Ev.DECLINED) != 0).sum()
    sums[S.IN_CARE] = (help_state == Help.CARE).sum()
    sums[S.WAITING] = (help_state == Help.WAITING).sum()
    sums[S.DEGREE] = valid.sum()
    sums[S.BRIDGING] = ((tie_type[ids] == TieType.BRIDGING) & valid).sum()
    sums[S.ISOLATED] = (~outside.any(axis=1)).sum()
    sums[S.STRONG] = strong.sum()
    sums[S.DECLINER] = decliner.sum()
    sums[S.VULNERABLE] = ids.size - strong.sum() - decliner.sum()
    return dist, sums


def contact_groups_ref(iv, events, fac_open, active, n_hh, n_fac, n_comm):
    """Reference twin of :func:`abm.kernels.contact_groups`: numpy masks and a stable grouping."""
    act = np.asarray(active, dtype=np.int64)
    hh = iv[I.HOUSEHOLD, act]
    m = iv[I.MEETING, act]
    at_meeting = (m >= 0) & ((events[act] & Ev.ATTEMPT) != 0)
    at_meeting &= fac_open[np.maximum(m, 0)] == 1
    age = iv[I.AGE, act]
    school_hh = np.zeros(n_hh, dtype=bool)
    school_hh[hh[(age >= 48) & (age < 216)]] = True
    at_school = (iv[I.ROLE, act] == Role.PARTNER) & school_hh[hh]
    comm = iv[I.COMMUNITY, act]
    working = iv[I.EMPLOYED, act] == 1
    base = np.array([0, n_hh, n_hh + n_fac, n_hh + n_fac + 1, n_hh + n_fac + 1 + n_comm], dtype=np.int64)
    labels = np.concatenate([hh, base[1] + m[at_meeting], np.full(int(at_school.sum()), base[2]),
                             base[3] + comm[comm >= 0], np.full(int(working.sum()), base[4])])
    members = np.concatenate([act, act[at_meeting], act[at_school], act[comm >= 0], act[working]])
    start, grouped = _group_stable(labels.astype(np.int64), members, int(base[4] + 1))
    flags = np.zeros(iv.shape[1], dtype=np.int8)
    for bit, mask in enumerate((np.ones(act.size, dtype=bool), at_meeting, at_school, comm >= 0, working)):
        flags[act[mask]] |= np.int8(1 << bit)
    return start, grouped, base, flags


def partner_means_ref(f, iv, active, n_hh, rows):
    """Reference twin of :func:`abm.kernels.partner_means`, with ``np.bincount``."""
    active = np.asarray(active, dtype=np.int64)
    partners = active[iv[I.ROLE, active] == Role.PARTNER]
    value = np.zeros(partners.size)
    for r in rows:
        value = value + f[int(r), partners]
    value = value / len(rows)
    hh = iv[I.HOUSEHOLD, partners]
    count = np.bincount(hh, minlength=n_hh).astype(float)
    total = np.bincount(hh, weights=value, minlength=n_hh)
    return np.where(count > 0, total / np.maximum(count, 1.0), 0.0)


def admit_queue_ref(iv, active, n_admit, step, help_row, since_row, months_row):
    """Reference twin of :func:`abm.kernels.admit_queue`, with ``np.lexsort``.

    The queue is given by its rows: ``I.HELP, I.WAIT_SINCE, I.CARE_MONTHS`` (mental-health
    service) or ``I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS`` (debt counselling).
    """
    active = np.asarray(active, dtype=np.int64)
    waiting = active[iv[help_row, active] == Help.WAITING]
    order = np.lexsort((waiting, iv[since_row, waiting]))
    admitted = waiting[order[: min(int(n_admit), waiting.size)]]
    waited = step - iv[since_row, admitted]
    iv[help_row, admitted] = Help.CARE
    iv[since_row, admitted] = -1
    iv[months_row, admitted] = 0
    return admitted.astype(np.int64), waited.astype(np.int64)


# --------------------------------------------------------------------------------------
# Household budgets
# --------------------------------------------------------------------------------------


def _monthly_ref(p_year, mult):
    """Monthly probability ``1 - exp(-h * mult / 12)`` of a yearly probability with multiplier."""
    return 1.0 - _exp(-_hazard_ref(p_year) * mult / 12.0)


def person_income_ref(f, iv, i, pv):
    """Own net income of person ``i`` this month, in euros (the loop of :func:`abm.kernels.household_sums`).

    Work pays the wage of the earning capacity, scaled by hours, experience and health; a job
    seeker gets unemployment benefit for ``ww_months`` after the job ended; the retired a
    pension from the work history; students and the work-disabled a fixed amount.
    """

    def p(name):
        return float(pv[K[name]])

    activity = int(iv[I.ACTIVITY, i])
    if activity == Activity.STUDY:
        return p("student_income")
    if activity == Activity.DISABLED:
        return p("disability_benefit")
    if activity not in (Activity.WORK, Activity.SEEKING, Activity.RETIRED):
        return 0.0
    full_time = p("wage_min") + (p("wage_top") - p("wage_min")) * float(f[F.EARNING, i]) ** p("wage_curve")
    if activity == Activity.RETIRED:
        return p("pension_share") * full_time * float(f[F.WORK_HISTORY, i])
    years_in_work = max(int(iv[I.AGE, i]) / 12.0 - 18.0, 0.0)
    experience = 1.0 - (1.0 - p("youth_wage")) * _exp(-years_in_work / p("experience_years"))
    health = 1.0 - p("health_wage") * (1.0 - float(f[F.PHYSICAL, i]))
    wage = full_time * float(f[F.HOURS, i]) * experience * health
    if activity == Activity.WORK:
        return wage
    return p("ww_share") * wage if int(iv[I.JOBLESS_MONTHS, i]) < p("ww_months") else 0.0


class _Household:
    """The members of one household this month and the sums its budget starts from."""

    def __init__(self, f, iv, mo, members, pension_m):
        self.members = members  # in the order of ``active``
        self.partners = [i for i in members if iv[I.ROLE, i] == Role.PARTNER]
        self.n_adults = sum(1 for i in members if iv[I.AGE, i] >= 18 * 12)
        self.n_minors = len(members) - self.n_adults
        self.n_retired = sum(1 for i in self.partners if iv[I.ACTIVITY, i] == Activity.RETIRED)
        self.n_working_age = sum(1 for i in self.partners
                                 if iv[I.ACTIVITY, i] != Activity.RETIRED and iv[I.AGE, i] < pension_m)
        self.own = 0.0  # summed one by one in member order (``sum`` would compensate the rounding)
        for i in members:
            self.own += float(mo[M.INCOME, i])
        self.savings = 0.0
        self.arrears = 0.0
        for i in self.partners:
            self.savings += float(mo[M.SAVINGS, i])
            self.arrears += float(mo[M.ARREARS, i])
        self.first = min(self.partners) if self.partners else -1
        self.claims = any(iv[I.CLAIM, i] == 1 for i in self.partners)
        self.navigation = max([0.0] + [float(f[F.NAVIGATION, i]) for i in self.partners])
        self.trust = max([0.0] + [float(f[F.TRUST, i]) for i in self.partners])
        # the partner whose debt-counselling case is furthest along (in care before waiting), lowest id among equals
        cases = [i for i in self.partners if iv[I.DEBT_HELP, i] != Help.NONE]
        self.case = min(cases, key=lambda i: (-int(iv[I.DEBT_HELP, i]), members.index(i))) if cases else -1


def _households_ref(f, iv, mo, active, nh, pv):
    """Each person's own income into ``mo[M.INCOME]``, and a :class:`_Household` per household."""
    pension_m = int(float(pv[K.pension_age]) * 12.0)
    members = [[] for _ in range(nh)]
    for i in (int(x) for x in active):
        mo[M.INCOME, i] = person_income_ref(f, iv, i, pv)
        members[int(iv[I.HOUSEHOLD, i])].append(i)
    return [_Household(f, iv, mo, members[h], pension_m) for h in range(nh)]


def _income_ref(hh, claiming, social, floor, pv):
    """The income side of a household's budget (the income rule of :func:`abm.kernels.household_budgets`), as a dict."""

    def p(name):
        return float(pv[K[name]])

    couple = len(hh.partners) >= 2
    adults = float(hh.n_adults)
    minors = float(hh.n_minors)
    eq = (max(adults, 1.0) + p("eq_child_weight") * minors) ** p("eq_power")
    own = hh.own + hh.n_retired * (p("aow_couple") if couple else p("aow_single"))
    norm = p("assistance_couple") if couple else p("assistance_single")
    limit = p("asset_limit") * (2.0 if couple else 1.0)
    # social assistance tops up a working-age household without pensioners, with little savings
    eligible = hh.n_working_age > 0 and hh.n_retired == 0 and own < norm and hh.savings < limit
    assistance = norm - own if (eligible and claiming) else 0.0
    base = own + assistance
    low = base / eq < p("allowance_line") * p("low_income_line")
    allowances = p("care_allowance") * adults + minors * p("child_budget") if low else 0.0
    rent_allowance = p("rent_allowance") if low else 0.0
    measured = base + allowances + minors * p("child_benefit")  # CBS leaves out the rent allowance
    measured = max(measured, floor * eq)  # an income floor (an intervention)
    rent = p("rent_social") if social == 1 else p("rent_private")
    energy = p("energy_cost") * (1.0 + p("energy_per_person") * (len(hh.members) - 1.0))
    costs = p("price_level") * (rent + energy + p("living_cost") * adults + p("child_cost") * minors)
    return dict(eligible=eligible, assistance=assistance, disposable=measured + rent_allowance,
                measured=measured, eq=eq, costs=costs)


def household_income_ref(f, iv, mo, active, hh_info, pv):
    """Reference twin of :func:`abm.kernels.household_income`: measured income, equivalence factor, costs."""
    nh = hh_info.shape[1]
    out = np.zeros((3, nh))
    for h, hh in enumerate(_households_ref(f, iv, mo, active, nh, pv)):
        if hh_info[2, h] < 0 or not hh.partners:
            continue
        money = _income_ref(hh, hh.claims, int(hh_info[1, h]), 0.0, pv)
        out[:, h] = money["measured"], money["eq"], money["costs"]
    return out


def household_budgets_ref(f, iv, mo, active, hh_info, pv, sw, income_floor, seed, step, bud, events):
    """Reference twin of :func:`abm.kernels.household_budgets`, one household at a time.

    Households gone (block -1) or without partners get ``bud[B.PERSONS] = 0`` and nothing
    else; the others get this month's budget, their partners' money and claim, their
    debt-counselling case (held by the partner of the lowest id) and their members' income,
    debt and buffer stocks; partners whose debt became problematic this month get
    ``Ev.DEBT`` and an acute-stress bump.
    """

    def p(name):
        return float(pv[K[name]])

    def link(name):
        return _term(pv, sw, name)

    seed, step = int(seed), int(step)
    nh = hh_info.shape[1]
    line = p("low_income_line")
    households = _households_ref(f, iv, mo, active, nh, pv)
    for h, hh in enumerate(households):
        if hh_info[2, h] < 0 or not hh.partners:
            bud[B.PERSONS, h] = 0.0
            continue
        k = hh.first
        c = hh.case
        if c >= 0 and c != k:  # the case passes to the first partner (unless that one has a case)
            if int(iv[I.DEBT_HELP, k]) == Help.NONE:
                for row in (I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS):
                    iv[row, k] = iv[row, c]
            iv[I.DEBT_HELP, c] = Help.NONE
            iv[I.DEBT_WAIT_SINCE, c] = -1
            iv[I.DEBT_MONTHS, c] = 0
        social = int(hh_info[1, h])
        floor = float(income_floor[h])
        money = _income_ref(hh, hh.claims, social, floor, pv)
        claiming = False
        if money["eligible"]:
            if hh.claims:
                claiming = True
            else:  # non-take-up: claiming takes finding your way and trust
                mult = _exp(link("navigation_claim") * (hh.navigation - 0.5) + link("trust_claim") * (hh.trust - 0.5))
                if uniform_ref(seed, step, iv[I.KEY, k], D_CLAIM) < _monthly_ref(p("p_claim"), mult):
                    claiming = True
                    money = _income_ref(hh, True, social, floor, pv)
        residual = money["disposable"] - money["costs"]
        savings, arrears = hh.savings, hh.arrears
        in_counselling = int(iv[I.DEBT_HELP, k]) == Help.CARE
        if residual >= 0.0:  # a surplus pays off arrears, part of the rest is saved
            repay = min(arrears, p("repay_share") * residual)
            arrears -= repay
            savings += p("save_share") * (residual - repay)
        else:  # a shortfall comes out of savings, the rest becomes arrears
            from_savings = min(savings, -residual)
            savings -= from_savings
            arrears += -residual - from_savings
        savings -= p("savings_use") * savings
        if in_counselling:
            arrears -= p("settle_rate") * arrears
            iv[I.DEBT_MONTHS, k] += 1
            if uniform_ref(seed, step, iv[I.KEY, k], D_DEBT_END) < 1.0 / p("debt_care_months"):
                arrears = 0.0  # the rest is written off
                iv[I.DEBT_HELP, k] = Help.NONE
                iv[I.DEBT_MONTHS, k] = 0
        else:
            arrears += p("collection_rate") * arrears
        problem = arrears > p("problem_debt_months") * max(money["disposable"], 1.0)
        became_problem = problem and bud[B.PROBLEM_DEBT, h] == 0.0
        if problem and int(iv[I.DEBT_HELP, k]) == Help.NONE:
            mult = _exp(link("navigation_seek") * (hh.navigation - 0.5) + link("trust_seek") * (hh.trust - 0.5))
            if uniform_ref(seed, step, iv[I.KEY, k], D_DEBT_SEEK) < _monthly_ref(p("p_debt_seek"), mult):
                iv[I.DEBT_HELP, k] = Help.WAITING
                iv[I.DEBT_WAIT_SINCE, k] = step
        eq = money["eq"]
        bud[B.DISPOSABLE, h] = money["disposable"]
        bud[B.MEASURED, h] = money["measured"]
        bud[B.EQUIVALENCE, h] = eq
        bud[B.COSTS, h] = money["costs"]
        bud[B.RESIDUAL, h] = residual
        bud[B.ELIGIBLE, h] = float(money["eligible"])
        bud[B.CLAIMING, h] = float(claiming)
        bud[B.ASSISTANCE, h] = money["assistance"]
        bud[B.LOW, h] = float(money["measured"] / eq < line)
        bud[B.PROBLEM_DEBT, h] = float(problem)
        bud[B.ENDS_MEET, h] = float(residual < p("ends_meet_margin") * eq)
        bud[B.SAVINGS, h] = savings
        bud[B.ARREARS, h] = arrears
        bud[B.PERSONS, h] = float(len(hh.members))

        # the members: the stocks on the unit scale; the money held by the partners in equal shares
        disposable = max(money["disposable"], 1.0)
        eq_income = max(money["measured"], 1.0) / eq
        hit = p("events_stress") * float(sw[L.events_stress]) * p("hit_debt")
        for i in hh.members:
            f[F.INCOME, i] = 1.0 / (1.0 + (eq_income / line) ** -p("adequacy_slope"))
            f[F.DEBT, i] = arrears / (arrears + p("debt_scale_months") * disposable)
            f[F.BUFFER, i] = savings / (savings + p("buffer_months") * max(money["costs"], 1.0))
            if iv[I.ROLE, i] == Role.PARTNER:
                mo[M.SAVINGS, i] = savings / len(hh.partners)
                mo[M.ARREARS, i] = arrears / len(hh.partners)
                iv[I.CLAIM, i] = int(claiming)
                if became_problem:
                    events[i] |= Ev.DEBT
                    f[F.ACUTE, i] = float(f[F.ACUTE, i]) + hit * (1.0 - float(f[F.ACUTE, i]))


def person_survey_ref(f, iv, low, ids, mhi5_offset, mhi5_cutoff, disorder_line):
    """Reference twin of :func:`abm.kernels.person_survey`: the counts of :class:`abm.kernels.V`, by masks."""
    from abm.kernels import N_V, V

    ids = np.asarray(ids, dtype=np.int64)
    age = iv[I.AGE, ids]
    act = iv[I.ACTIVITY, ids]
    score = 100.0 * 0.5 * ((1.0 - f[F.MENTAL, ids]) + f[F.WELLBEING, ids]) - mhi5_offset
    minor, twelve = age < 216, age >= 144
    adult = (age >= 216) & (age < 65 * 12)
    disorder = adult & (f[F.MENTAL, ids] > disorder_line)
    jobless = adult & np.isin(act, [Activity.SEEKING, Activity.INACTIVE, Activity.DISABLED])
    labour = (age >= 15 * 12) & (age < 75 * 12)
    c = np.zeros(N_V)
    c[V.PERSONS] = ids.size
    c[V.MINORS] = minor.sum()
    c[V.MINORS_LOW] = (minor & (low[iv[I.HOUSEHOLD, ids]] > 0.5)).sum()
    c[V.TWELVE] = twelve.sum()
    c[V.UNHEALTHY] = (twelve & (score < mhi5_cutoff)).sum()
    c[V.ADULTS] = adult.sum()
    c[V.DISORDER] = disorder.sum()
    c[V.JOBLESS] = jobless.sum()
    c[V.JOBLESS_DISORDER] = (jobless & disorder).sum()
    c[V.LABOUR_AGE] = labour.sum()
    c[V.EMPLOYED] = (labour & (act == Activity.WORK)).sum()
    c[V.SEEKING] = (labour & (act == Activity.SEEKING)).sum()
    c[V.UNDER_20] = (age < 20 * 12).sum()
    c[V.OVER_65] = (age >= 65 * 12).sum()
    c[V.DEBT_CARE] = (iv[I.DEBT_HELP, ids] == Help.CARE).sum()
    c[V.DEBT_WAITING] = (iv[I.DEBT_HELP, ids] == Help.WAITING).sum()
    return c
