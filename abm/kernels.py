"""Numba kernels of the monthly step, and the array layouts they share.

Every kernel is a pure function over arrays: no globals but the layout enums below, no
objects, no hidden random state. Random numbers come from a counter-based stream keyed by
``(seed, step, person, draw)`` (:func:`uniform`), so adding a person or a tie does not shift
anybody else's stream, and a kernel gives the same result serial or parallel.

Each per-step kernel (``gather_context``, ``spread_support``, ``update_persons``,
``update_ties``, ``contact_groups``, ``adult_summary``, ``partner_means``, ``admit_queue``,
``uniform``, ``household_budgets``, ``household_income``, ``person_survey``) has a plain-Python twin of
the same signature in :mod:`abm.reference`; the tests assert that the two agree on
generated inputs. The small tie helpers (``link_groups``, ``drop_person_ties``) are
checked through the tie invariants instead, and ``rotterdam_categories`` (what the views
ask, :mod:`abm.queries`) against ``adult_summary`` and its twin: both apply
:func:`category_of`.

The layouts (``F``, ``I``, ``C``, ``K``, ``L``) live in this file on purpose: numba's
on-disk cache is invalidated only when the file holding the kernel changes, so a layout
kept elsewhere could go stale against a cached kernel.

Conventions:
    * every stock is a float64 in [0, 1] and moves by a relaxation towards a target,
      ``x += rate * (target - x)`` with ``target = sigmoid(bias + sum of link terms)``,
      or by a bounded bump ``x += size * (1 - x)``; nothing is clipped;
    * every causal link is one term ``pv[K.name] * sw[L.name] * f(source)``;
      centred sources ``(x - 0.5)`` keep a link's average effect near zero, so switching
      one off does not shift the whole population;
    * yearly event rates ``p`` become monthly probabilities ``1 - (1 - p)**(m / 12)``
      where ``m`` is a positive hazard multiplier (``m = 1``: the plain conversion),
      computed as ``1 - exp(-m * h / 12)`` with the yearly hazard ``h = -log(1 - p)``.
"""

import types
from enum import IntEnum

import numpy as np
from numba import njit, prange


# --------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------


class F(IntEnum):
    """Rows of the person float stocks ``PersonState.f`` (all in [0, 1])."""

    SELF_ESTEEM = 0
    LIFE_SKILLS = 1
    AGENCY = 2
    SUCCESS = 3
    SUPPORT = 4
    PARTICIPATION = 5
    IDENTITY = 6
    INCOME = 7
    DEBT = 8
    HOUSING = 9
    BUFFER = 10
    EARNING = 11
    ACUTE = 12
    STRESS = 13
    WELLBEING = 14
    MENTAL = 15
    PHYSICAL = 16
    SECURITY = 17
    FUTURE = 18
    FUNCTIONING = 19
    TRUST = 20
    NAVIGATION = 21
    PARENTING = 22
    ATTACHMENT = 23
    NETWORK = 24
    WORK_HISTORY = 25  # share of the adult months so far spent in work (the pension builds on it)
    HOURS = 26  # hours of a job as a share of full time (set at 18 and at arrival)
    SCAR = 27  # lasting damage of long unemployment, debt or chronic stress (slower recovery, lower skills)


N_F = len(F)


class I(IntEnum):
    """Rows of the person integer state ``PersonState.i``."""

    ALIVE = 0  # 1 present in the neighbourhood, 0 dead or moved away
    AGE = 1  # months
    SEX = 2  # 0 female, 1 male
    HOUSEHOLD = 3
    MOTHER = 4  # person id or -1
    FATHER = 5
    ROLE = 6  # Role
    STYLE = 7  # CitizenStyle
    EMPLOYED = 8  # 0/1
    HELP = 9  # Help
    WAIT_SINCE = 10  # step the person joined the queue, -1 if not waiting
    CARE_MONTHS = 11  # months in care so far
    LIMITS = 12  # bit mask of Limit
    COMMUNITY = 13  # community of shared ideals or faith, -1 if none
    PRO = 14  # professional with a linking tie, -1 if none
    EVER_HELPED = 15  # 0/1: familiarity with the help system
    MEETING = 16  # meeting place (facility index) within reach, -1 if none
    ACTIVITY = 17  # Activity: school, study, work, seeking, inactive, work-disabled, retired
    JOBLESS_MONTHS = 18  # months since the last job ended (0 while working)
    CLAIM = 19  # 0/1: the household claims social assistance (written on its partners)
    DEBT_HELP = 20  # Help state of the household's debt counselling (held by its first partner)
    DEBT_WAIT_SINCE = 21  # step the household joined the debt-counselling queue, -1 if not waiting
    DEBT_MONTHS = 22  # months in debt counselling so far
    KEY = 23  # stable identity: the key of the person's random draws (identity_keys), not the array index
    YOUTH_HELP = 24  # Help state of the household's parenting support and youth care (held by the parent who asked)
    YOUTH_WAIT_SINCE = 25  # step the parent joined that queue, -1 if not waiting
    YOUTH_MONTHS = 26  # months in parenting support and youth care so far


N_I = len(I)


class C(IntEnum):
    """Rows of the per-person context ``ctx``, gathered before :func:`update_persons`."""

    SUPPORT_IN = 0  # support received through ties, saturating in [0, 1)
    NET_Q = 1  # network size/quality, saturating in [0, 1)
    BRIDGING = 2  # share of tie weight that is bridging
    HH_STRESS = 3  # mean chronic stress of the household's partners (parents)
    IS_SINGLE = 4  # 1 if the household is a single-parent household
    CARE = 5  # care load of a partner: minors in the household, 0..1 (0 for others)
    HH_HOUSING = 6  # mean of the partners' housing security (a minor shares it)
    HH_CHILD_PROBLEM = 7  # for parents: the children's problems (mental, parenting)
    SCHOOL_CHILD = 8  # 1 if the household has a child of school age (4-17)
    SOCIAL_HOUSING = 9  # 1 if the dwelling is social housing
    EFFICACY = 10  # collective efficacy of the person's block
    ATTACHMENT_B = 11  # neighbourhood attachment (buurtgevoel) of the block
    PRO_TIE = 12  # linking tie to a professional times the professional's effectiveness
    PRO_BUILDER = 13  # the same, if that professional is a community builder
    MEET_OPEN = 14  # 1 if the person's meeting place is open
    RESILIENCE = 15  # the person's resilience index (filled by spread_support)
    HH_WORKING = 16  # share of the household's partners in work
    HH_YOUTH_CARE = 17  # 1 if the household gets parenting support and youth care (a parent's case in care)
    NUISANCE_B = 18  # nuisance and unsafety in the person's block
    HOUSING_Q_B = 19  # quality of the housing and public space of the person's block
    SERVICE_POINT = 20  # 1 if a low-threshold service point is within reach of the person's home (an intervention)


N_C = len(C)


class Role(IntEnum):
    PARTNER = 0  # an adult who heads the household (one or two per household)
    CHILD = 1  # a child of the household, of any age, still living at home


class Help(IntEnum):
    NONE = 0
    WAITING = 1
    CARE = 2


class Activity(IntEnum):
    """What a person does (``I.ACTIVITY``): the life course from school to retirement."""

    INFANT = 0  # under school age
    SCHOOL = 1  # compulsory school and a start qualification (4 to 18)
    STUDY = 2  # studying after 18
    WORK = 3  # employed (``I.EMPLOYED`` is 1 exactly then)
    SEEKING = 4  # unemployed and looking for work
    INACTIVE = 5  # neither working nor looking (caring, discouraged)
    DISABLED = 6  # work-disabled, on a disability benefit
    RETIRED = 7  # from the state pension age, on AOW and a pension


class M(IntEnum):
    """Rows of the person money ``PersonState.m`` (euros, held by the partners of a household)."""

    SAVINGS = 0  # savings, >= 0
    ARREARS = 1  # payment arrears, >= 0
    INCOME = 2  # own net income this month (earnings or benefit), written by household_budgets


N_M = len(M)


class B(IntEnum):
    """Rows of the household budget ``State.hh_budget``, written each month by :func:`household_budgets`."""

    DISPOSABLE = 0  # disposable income, euros per month (earnings, benefits, allowances)
    EQUIVALENCE = 1  # CBS equivalence factor of the household
    COSTS = 2  # fixed costs: rent, energy, living costs of adults and children
    RESIDUAL = 3  # disposable income minus fixed costs
    ELIGIBLE = 4  # 1 if eligible for social assistance
    CLAIMING = 5  # 1 if eligible and claiming it
    ASSISTANCE = 6  # social assistance paid this month
    LOW = 7  # 1 if the equivalised disposable income lies below the low-income line
    PROBLEM_DEBT = 8  # 1 if the arrears count as problematic debt
    ENDS_MEET = 9  # 1 if the household has difficulty making ends meet
    SAVINGS = 10  # the household's savings
    ARREARS = 11  # the household's arrears
    PERSONS = 12  # members (0 for a household without partners this month)
    MEASURED = 13  # disposable income as the low-income line measures it (without the rent allowance)


N_B = len(B)


class CitizenStyle(IntEnum):
    """Citizen styles of seed 001 (Motivaction)."""

    DUTIFUL = 0
    RESPONSIBLE = 1
    PRAGMATIC = 2
    OUTSIDER = 3


class Limit(IntEnum):
    """Bits of ``I.LIMITS``: limitations that make finding one's way hard."""

    LOW_LITERACY = 1
    MILD_ID = 2  # mild intellectual disability (LVB)
    NEWCOMER = 4


class TieType(IntEnum):
    NONE = 0
    BONDING = 1
    BRIDGING = 2


class Ev(IntEnum):
    """Bits of the per-person event mask written by :func:`update_persons`."""

    JOB_LOSS = 1
    ILLNESS = 2
    BEREAVEMENT = 4
    DEBT = 8
    EVICTION = 16
    FRAUD_SUSPICION = 32
    SEPARATION = 64  # written by the demography step
    CRISIS = 128  # written by shocks
    ATTEMPT = 256  # a participation attempt this month
    SUCCESS = 512  # ... that succeeded
    NEED = 1024  # need for help above the threshold
    SOUGHT = 2048  # sought help (joined the queue) this month
    DECLINED = 4096  # signalled with a need, but did not seek help (non-take-up)
    CARE_END = 8192
    JOB_FOUND = 16384


SETBACKS = Ev.JOB_LOSS | Ev.ILLNESS | Ev.BEREAVEMENT | Ev.DEBT | Ev.EVICTION | Ev.SEPARATION | Ev.CRISIS


# --- generated: parameter index (python -m abm.codegen --write) ---


class K(IntEnum):
    """Index of each kernel parameter in the parameter vector ``pv``.

    Generated from :class:`abm.params.Params` (schema order): the fields the kernels read
    as ``K.name``. Link strengths share their names with the links in :class:`L`.
    """

    # population
    trust_mean = 0
    # life course
    pension_age = 1
    p_disability = 2
    p_discouraged = 3
    p_reenter = 4
    # economy
    low_income_line = 5
    eq_child_weight = 6
    eq_power = 7
    wage_min = 8
    wage_top = 9
    wage_curve = 10
    youth_wage = 11
    experience_years = 12
    health_wage = 13
    ww_share = 14
    ww_months = 15
    student_income = 16
    disability_benefit = 17
    pension_share = 18
    aow_single = 19
    aow_couple = 20
    assistance_single = 21
    assistance_couple = 22
    asset_limit = 23
    p_claim = 24
    child_benefit = 25
    child_budget = 26
    care_allowance = 27
    rent_allowance = 28
    allowance_line = 29
    rent_social = 30
    rent_private = 31
    energy_cost = 32
    energy_per_person = 33
    living_cost = 34
    child_cost = 35
    price_level = 36
    save_share = 37
    savings_use = 38
    repay_share = 39
    collection_rate = 40
    problem_debt_months = 41
    ends_meet_margin = 42
    p_debt_seek = 43
    settle_rate = 44
    debt_care_months = 45
    adequacy_slope = 46
    debt_scale_months = 47
    buffer_months = 48
    # rates
    rate_stress = 49
    rate_wellbeing = 50
    rate_slow = 51
    rate_fast = 52
    rate_skills = 53
    plasticity_adult = 54
    plasticity_tau_years = 55
    acute_recovery = 56
    # baselines
    bias_stress = 57
    bias_wellbeing = 58
    bias_security = 59
    bias_future = 60
    bias_functioning = 61
    bias_mental = 62
    bias_physical = 63
    bias_parenting = 64
    bias_attachment = 65
    bias_skills = 66
    bias_selfesteem = 67
    bias_agency = 68
    bias_participation = 69
    bias_success = 70
    bias_navigation = 71
    bias_identity = 72
    bias_housing = 73
    bias_seek = 74
    # outputs
    chronic_stress_line = 75
    # styles
    style_offset_dutiful = 76
    style_offset_responsible = 77
    style_offset_pragmatic = 78
    style_offset_outsider = 79
    # events
    p_job_loss = 80
    p_job_find = 81
    p_illness = 82
    p_bereavement = 83
    p_eviction = 84
    p_fraud_suspicion = 85
    hit_job_loss = 86
    hit_illness = 87
    hit_bereavement = 88
    hit_debt = 89
    hit_eviction = 90
    hit_fraud = 91
    # help
    need_threshold = 92
    care_months_mean = 93
    youth_care_months = 94
    p_queue_recovered = 95
    p_queue_give_up = 96
    p_self_signal = 97
    system_complexity = 98
    bureaucracy = 99
    # levels
    work_pressure = 100
    # rates
    rate_scar = 101
    rate_scar_heal = 102
    # levels
    schools_closed = 103
    school_pressure = 104
    teacher_low_expectation = 105
    p_attempt = 106
    # network
    minor_support = 107
    support_scale = 108
    network_scale = 109
    tie_decay = 110
    tie_gain = 111
    tie_min = 112
    p_contact_neighbour = 113
    p_contact_meeting = 114
    p_contact_school = 115
    p_contact_community = 116
    p_contact_work = 117
    similarity_income = 118
    # link strengths (names equal L)
    stress_wellbeing = 119
    wellbeing_security = 120
    security_stress = 121
    stress_functioning = 122
    functioning_security = 123
    security_future = 124
    future_stress = 125
    stress_parenting = 126
    parent_stress_support = 127
    single_parenting = 128
    parenting_attachment = 129
    attachment_skills = 130
    skills_stress = 131
    skills_functioning = 132
    mental_need = 133
    parenting_need = 134
    pro_signal = 135
    school_signal = 136
    network_signal = 137
    navigation_seek = 138
    trust_seek = 139
    complexity_navigation = 140
    limits_navigation = 141
    familiarity_navigation = 142
    network_navigation = 143
    pro_navigation = 144
    help_mental = 145
    help_skills = 146
    youth_care_child = 147
    youth_care_parenting = 148
    wait_trust = 149
    network_selfesteem = 150
    network_agency = 151
    network_skills = 152
    network_participation = 153
    network_stress = 154
    participation_ties = 155
    community_ties = 156
    participation_skills = 157
    success_agency = 158
    success_selfesteem = 159
    agency_participation = 160
    participation_success = 161
    efficacy_success = 162
    events_stress = 163
    acute_chronic = 164
    insecurity_events = 165
    stress_events = 166
    support_stress = 167
    support_wellbeing = 168
    care_stress = 169
    pressure_stress = 170
    shame_participation = 171
    debt_shame = 172
    stress_mental = 173
    mental_wellbeing = 174
    stress_health = 175
    health_wellbeing = 176
    knownface_trust = 177
    bad_contact_trust = 178
    fraud_trust = 179
    giveback_support = 180
    giveback_participation = 181
    nuisance_stress = 182
    housing_quality_stress = 183
    teacher_expectations = 184
    identity_stress = 185
    identity_future = 186
    community_identity = 187
    income_security = 188
    debt_security = 189
    housing_security = 190
    functioning_employment = 191
    bridging_employment = 192
    newcomer_obstacles = 193
    builder_participation = 194
    meeting_participation = 195
    stress_withdrawal = 196
    distrust_withdrawal = 197
    navigation_claim = 198
    trust_claim = 199
    health_employment = 200
    health_disability = 201
    debt_eviction = 202
    age_illness = 203
    age_health = 204
    psy_capacity = 205
    support_capacity = 206
    identity_capacity = 207
    material_capacity = 208
    jobless_scar = 209
    debt_scar = 210
    stress_scar = 211
    scar_recovery = 212
    scar_skills = 213
    service_point_navigation = 214
    service_point_trust = 215
    service_point_signal = 216
    closure_care = 217
    single_care = 218
    income_housing = 219
    debt_housing = 220
    social_housing = 221
    meeting_ties = 222
    school_gate_ties = 223


N_K = len(K)


class L(IntEnum):
    """Causal links, each with an on/off switch ``sw[L.name]`` and strength ``pv[K.name]``.

    Generated from :class:`abm.params.Params`: every link, in schema order. The links
    computed outside the kernels (demography, blocks, professionals) are listed here too,
    so that one switch vector serves the whole model.
    """

    # loop 1
    stress_wellbeing = 0
    wellbeing_security = 1
    security_stress = 2
    # loop 2
    stress_functioning = 3
    functioning_security = 4
    security_future = 5
    future_stress = 6
    # loop 3
    stress_parenting = 7
    parent_stress_support = 8
    single_parenting = 9
    parenting_attachment = 10
    attachment_skills = 11
    skills_stress = 12
    skills_functioning = 13
    skills_chances = 14
    # loop 4
    mental_need = 15
    parenting_need = 16
    pro_signal = 17
    school_signal = 18
    network_signal = 19
    navigation_seek = 20
    trust_seek = 21
    complexity_navigation = 22
    limits_navigation = 23
    familiarity_navigation = 24
    network_navigation = 25
    pro_navigation = 26
    help_mental = 27
    help_skills = 28
    youth_care_child = 29
    youth_care_parenting = 30
    wait_trust = 31
    # loop 5
    network_selfesteem = 32
    network_agency = 33
    network_skills = 34
    network_participation = 35
    network_stress = 36
    participation_ties = 37
    community_ties = 38
    participation_skills = 39
    # loop 6
    success_agency = 40
    success_selfesteem = 41
    agency_participation = 42
    participation_success = 43
    efficacy_success = 44
    participation_efficacy = 45
    support_efficacy = 46
    # other links
    events_stress = 47
    acute_chronic = 48
    insecurity_events = 49
    stress_events = 50
    support_stress = 51
    support_wellbeing = 52
    care_stress = 53
    pressure_stress = 54
    shame_participation = 55
    debt_shame = 56
    stress_mental = 57
    mental_wellbeing = 58
    stress_health = 59
    health_wellbeing = 60
    knownface_trust = 61
    bad_contact_trust = 62
    fraud_trust = 63
    bureaucracy_effectiveness = 64
    competition_effectiveness = 65
    giveback_support = 66
    giveback_participation = 67
    turnover_attachment = 68
    lowincome_attachment = 69
    media_attachment = 70
    polarisation_attachment = 71
    mix_attachment = 72
    # loop 6
    disadvantage_efficacy = 73
    instability_efficacy = 74
    efficacy_nuisance = 75
    # other links
    disadvantage_nuisance = 76
    nuisance_stress = 77
    housing_quality_stress = 78
    attachment_efficacy = 79
    teacher_expectations = 80
    identity_stress = 81
    identity_future = 82
    community_identity = 83
    income_security = 84
    debt_security = 85
    housing_security = 86
    functioning_employment = 87
    bridging_employment = 88
    newcomer_obstacles = 89
    builder_participation = 90
    meeting_participation = 91
    stress_withdrawal = 92
    distrust_withdrawal = 93
    # loop 4
    navigation_claim = 94
    trust_claim = 95
    # other links
    health_employment = 96
    health_disability = 97
    debt_eviction = 98
    age_illness = 99
    age_health = 100
    psy_capacity = 101
    # loop 5
    support_capacity = 102
    # other links
    identity_capacity = 103
    material_capacity = 104
    # loop 2
    jobless_scar = 105
    # loop 1
    debt_scar = 106
    stress_scar = 107
    scar_recovery = 108
    # loop 2
    scar_skills = 109
    # loop 4
    service_point_navigation = 110
    service_point_trust = 111
    service_point_signal = 112
    # loop 3
    closure_care = 113
    single_care = 114
    # other links
    income_housing = 115
    debt_housing = 116
    social_housing = 117
    stress_separation = 118
    selective_outmigration = 119
    attachment_stay = 120
    # loop 6
    meeting_ties = 121
    school_gate_ties = 122
    # loop 3
    support_parenting = 123
    relief_care = 124
    # loop 1
    cash_savings = 125
    floor_income = 126
    relief_arrears = 127
    # other links
    exceptions_bureaucracy = 128
    # loop 5
    peer_group_support = 129
    # loop 4
    peer_group_mental = 130
    # loop 2
    training_skills = 131
    training_earning = 132
    # loop 5
    pairing_ties = 133


N_L = len(L)

# --- end of generated parameter index ---


# --------------------------------------------------------------------------------------
# Counter-based random numbers
# --------------------------------------------------------------------------------------

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, inline="always")
def _mix64(z):
    """SplitMix64 finaliser: a bijective scramble of a uint64."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def uniform(seed, step, key, draw):
    """A uniform number in [0, 1) for ``(seed, step, key, draw)``.

    Args:
        seed: int64, the run's seed.
        step: int64, the model step (month); burn-in uses negative steps.
        key: int64, the person (or household, cell) the draw belongs to.
        draw: int64, which draw of that key in that step (a small constant per use).

    Returns:
        float64 in [0, 1), 53 random bits.
    """
    z = _mix64(np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15))
    z = _mix64(z ^ (np.uint64(step) * np.uint64(0xD1B54A32D192ED03)))
    z = _mix64(z ^ (np.uint64(key) * np.uint64(0xAEF17502108EF2D9)))
    z = _mix64(z ^ (np.uint64(draw) * np.uint64(0x9E3779B97F4A7C15)))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def uniform_array(seed, step, keys, draw):
    """:func:`uniform` for an array of keys (int64, 1-d); returns float64, same shape."""
    out = np.empty(keys.shape[0], dtype=np.float64)
    for n in range(keys.shape[0]):
        out[n] = uniform(seed, step, keys[n], draw)
    return out


# what made an identity (identity_keys): the origin is a dwelling and slot, a mother, a dwelling, a person
KEY_ARRIVAL, KEY_BIRTH, KEY_HOUSEHOLD_ARRIVAL, KEY_HOUSEHOLD_NEW = 1, 2, 3, 4


@njit(cache=True)
def identity_keys(origins, step, kind):
    """int64[m] (non-negative): stable identities made from ``origins``, the month ``step`` and ``kind``.

    A person's identity keys all of his or her random draws, so two runs that differ in one
    birth or one move still give everyone else the same draws (common random numbers between
    policy arms). It depends only on where the person came from: a person who moves in, on
    the dwelling and the slot in the household (``KEY_ARRIVAL``, origin ``cell * 8 + slot``)
    and the month; a newborn on the mother's identity and the month of birth
    (``KEY_BIRTH``); a household on its dwelling and month of arrival
    (``KEY_HOUSEHOLD_ARRIVAL``) or on the identity of the person who starts it
    (``KEY_HOUSEHOLD_NEW``). Distinct origins give distinct keys except with probability
    about m^2 / 2^62.
    """
    out = np.empty(origins.shape[0], dtype=np.int64)
    base = _mix64(np.uint64(kind) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019))
    base = _mix64(base ^ (np.uint64(step) * np.uint64(0xD1B54A32D192ED03)))
    for n in range(origins.shape[0]):
        z = _mix64(base ^ (np.uint64(origins[n]) * np.uint64(0xAEF17502108EF2D9)))
        out[n] = np.int64(z >> np.uint64(2))
    return out


@njit(cache=True)
def uniform_rows(seed, step, keys, draws):
    """float64[len(draws), len(keys)]: :func:`uniform_array` for each draw number of ``draws`` (one call for many)."""
    out = np.empty((draws.shape[0], keys.shape[0]), dtype=np.float64)
    for r in range(draws.shape[0]):
        for n in range(keys.shape[0]):
            out[r, n] = uniform(seed, step, keys[n], draws[r])
    return out


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _named(fn, suffix: str):
    """A copy of ``fn`` under another name.

    numba's on-disk cache keys a function by its name and line, not by ``parallel``: the
    serial and parallel builds of one Python function would share (and overwrite) one
    cache entry, so the parallel build gets its own name.
    """
    clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + suffix, fn.__defaults__, fn.__closure__)
    clone.__qualname__ = fn.__qualname__ + suffix
    clone.__doc__ = fn.__doc__
    return clone


@njit(cache=True, inline="always")
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# slack on the upper bounds of event multipliers, against rounding in their products
_BOUND_MARGIN = 1.0 + 1e-9
# persons younger than this (in months) take their plasticity from a table
_PLAST_MONTHS = 130 * 12


@njit(cache=True, inline="always")
def _hazard(p_year):
    """Yearly hazard ``-log(1 - p)`` of a yearly probability (inf for p = 1)."""
    return -np.log1p(-p_year)


@njit(cache=True, inline="always")
def _happens(u, h_year, mult):
    """Whether a uniform draw ``u`` falls below the monthly probability of an event.

    The probability is ``1 - (1 - p)**(mult / 12) = 1 - exp(-lam)`` with
    ``lam = h * mult / 12`` and the yearly hazard ``h`` of p. As ``1 - exp(-lam) <= lam``,
    a draw at or above ``lam`` is never an event, so the ``exp`` is only needed for the
    few draws below it.
    """
    lam = h_year * mult / 12.0
    return u < lam and u < 1.0 - np.exp(-lam)


# --------------------------------------------------------------------------------------
# Kernel 0: the context of each person (household, block, professional, meeting place)
# --------------------------------------------------------------------------------------


def _gather_context(f, iv, active, hh_info, block_info, pro_info, fac_open, ctx):
    """Fill the household, block, professional and meeting-place rows of ``ctx``.

    Household means are over the partners (the adults who head it); the care load and the
    children's problems over the minors.

    Args:
        f: float64[N_F, n] person stocks (read).
        iv: int64[N_I, n] person integers (read).
        active: int64[m] alive persons.
        hh_info: int64[3, n_households] kind (``HouseholdKind`` of abm.state: 3 is a
            single parent), social housing (0/1) and block of each household.
        block_info: float64[4, n_blocks] collective efficacy, neighbourhood attachment,
            nuisance and unsafety, housing quality.
        pro_info: float64[2, n_pro] effectiveness and 1 if a community builder.
        fac_open: int8[n_facilities] 1 if open.
        ctx: float64[N_C, n]; every row but SUPPORT_IN, NET_Q, BRIDGING, RESILIENCE is
            written for the active persons.
    """
    nh = hh_info.shape[1]
    acc = np.zeros((8, nh))  # partners: n, stress, housing, working, in youth care; minors: n, school, problem
    for n in range(active.shape[0]):
        i = active[n]
        h = iv[I.HOUSEHOLD, i]
        age = iv[I.AGE, i]
        if iv[I.ROLE, i] == Role.PARTNER:
            acc[0, h] += 1.0
            acc[1, h] += f[F.STRESS, i]
            acc[2, h] += f[F.HOUSING, i]
            if iv[I.EMPLOYED, i] == 1:
                acc[3, h] += 1.0
            if iv[I.YOUTH_HELP, i] == Help.CARE:
                acc[7, h] += 1.0
        if age < 216:
            acc[4, h] += 1.0
            if age >= 48:
                acc[5, h] += 1.0
            acc[6, h] += max(f[F.MENTAL, i], 1.0 - f[F.PARENTING, i])
    for n in prange(active.shape[0]):
        i = active[n]
        h = iv[I.HOUSEHOLD, i]
        n_p = max(acc[0, h], 1.0)
        n_k = acc[4, h]
        ctx[C.HH_STRESS, i] = acc[1, h] / n_p
        ctx[C.IS_SINGLE, i] = 1.0 if hh_info[0, h] == 3 else 0.0
        # care tasks fall on the partners, not on grown children still living at home
        ctx[C.CARE, i] = min(n_k, 3.0) / 3.0 if iv[I.ROLE, i] == Role.PARTNER else 0.0
        ctx[C.HH_HOUSING, i] = acc[2, h] / n_p
        ctx[C.HH_WORKING, i] = acc[3, h] / n_p
        if iv[I.ROLE, i] == Role.PARTNER:
            ctx[C.HH_CHILD_PROBLEM, i] = acc[6, h] / max(n_k, 1.0)
        else:
            ctx[C.HH_CHILD_PROBLEM, i] = 0.0
        ctx[C.SCHOOL_CHILD, i] = 1.0 if acc[5, h] > 0.0 else 0.0
        ctx[C.HH_YOUTH_CARE, i] = 1.0 if acc[7, h] > 0.0 else 0.0
        ctx[C.SOCIAL_HOUSING, i] = float(hh_info[1, h])
        b = hh_info[2, h]
        ctx[C.EFFICACY, i] = block_info[0, b]
        ctx[C.ATTACHMENT_B, i] = block_info[1, b]
        ctx[C.NUISANCE_B, i] = block_info[2, b]
        ctx[C.HOUSING_Q_B, i] = block_info[3, b]
        pro = iv[I.PRO, i]
        if pro >= 0:
            ctx[C.PRO_TIE, i] = pro_info[0, pro]
            ctx[C.PRO_BUILDER, i] = pro_info[0, pro] * pro_info[1, pro]
        else:
            ctx[C.PRO_TIE, i] = 0.0
            ctx[C.PRO_BUILDER, i] = 0.0
        m = iv[I.MEETING, i]
        ctx[C.MEET_OPEN, i] = float(fac_open[m]) if m >= 0 else 0.0
        ctx[C.SERVICE_POINT, i] = 0.0  # set by the service-point intervention where it runs


gather_context = njit(cache=True)(_gather_context)


@njit(cache=True)
def admit_queue(iv, active, n_admit, step, help_row, since_row, months_row):
    """A service admits up to ``n_admit`` of the longest waiting (first come, first served).

    One shape for every queue: the mental-health service (rows ``I.HELP``,
    ``I.WAIT_SINCE``, ``I.CARE_MONTHS``) and debt counselling (``I.DEBT_HELP``,
    ``I.DEBT_WAIT_SINCE``, ``I.DEBT_MONTHS``). Ties in the waiting time go to the lower id.
    Admitted persons move from WAITING to CARE (in place in ``iv``).

    Args:
        iv: int64[N_I, n] person integers; the three rows named are updated.
        active: int64[m] alive persons; n_admit: places this month; step: the month.
        help_row, since_row, months_row: the rows of the queue's state, waiting start and
            months in care.

    Returns:
        int64[k] the admitted persons and int64[k] the months each had waited (k <= n_admit).
    """
    # one pass over the persons, into arrays long enough for all (a second pass to count costs more)
    waiting = np.empty(active.shape[0], dtype=np.int64)
    count = 0
    for n in range(active.shape[0]):
        i = active[n]
        if iv[help_row, i] == Help.WAITING:
            waiting[count] = i
            count += 1
    waiting = waiting[:count]
    since = np.empty(count, dtype=np.int64)
    for k in range(count):
        since[k] = iv[since_row, waiting[k]]
    order = np.argsort(since, kind="mergesort")  # stable: equal waits stay in id order
    take = min(n_admit, count)
    admitted = np.empty(take, dtype=np.int64)
    waited = np.empty(take, dtype=np.int64)
    for k in range(take):
        i = waiting[order[k]]
        admitted[k] = i
        waited[k] = step - iv[since_row, i]
        iv[help_row, i] = Help.CARE
        iv[since_row, i] = -1
        iv[months_row, i] = 0
    return admitted, waited


@njit(cache=True)
def partner_means(f, iv, active, n_hh, rows):
    """Per household, the mean over its partners of the mean of ``rows`` of ``f``.

    Args:
        f: float64[N_F, n]; iv: int64[N_I, n]; active: int64[m] alive persons.
        n_hh: number of households; rows: int64[r] rows of ``f`` to average.

    Returns:
        float64[n_hh]; 0 for households without partners.
    """
    total = np.zeros(n_hh)
    count = np.zeros(n_hh)
    for n in range(active.shape[0]):
        i = active[n]
        if iv[I.ROLE, i] != Role.PARTNER:
            continue
        x = 0.0
        for r in range(rows.shape[0]):
            x += f[rows[r], i]
        h = iv[I.HOUSEHOLD, i]
        total[h] += x / rows.shape[0]
        count[h] += 1.0
    for h in range(n_hh):
        if count[h] > 0.0:
            total[h] /= count[h]
    return total


@njit(cache=True)
def childhood_month(f, iv, ctx, active, parent_stress, months, single_months, income, network, nuisance, housing):
    """Add this month to the childhood record of each active minor (see :func:`abm.metrics.accumulate_childhood`).

    The parents' stress, the months (and single-parent months), the household's material
    resource (income adequacy, buffer, housing security and the absence of debt), the
    child's network quality and the block's nuisance and housing quality are summed per
    person, in place. Returns the number of minors.
    """
    count = 0
    for n in range(active.shape[0]):
        i = active[n]
        if iv[I.AGE, i] >= 216:
            continue
        count += 1
        parent_stress[i] += ctx[C.HH_STRESS, i]
        months[i] += 1
        if ctx[C.IS_SINGLE, i] > 0.5:
            single_months[i] += 1
        income[i] += (f[F.INCOME, i] + f[F.BUFFER, i] + f[F.HOUSING, i] + 1.0 - f[F.DEBT, i]) / 4.0
        network[i] += ctx[C.NET_Q, i]
        nuisance[i] += ctx[C.NUISANCE_B, i]
        housing[i] += ctx[C.HOUSING_Q_B, i]
    return count


@njit(cache=True)
def block_sums(f, iv, adults, hh_cell, cell_block, low, hh_social, n_blocks):
    """Per block, over the adults ``adults``: count, participation, support, low income and social housing.

    Returns float64[5, n_blocks]: the count of adults (at least 1), then the means of
    ``F.PARTICIPATION``, ``F.SUPPORT``, the household's low-income flag ``low`` and its
    social-housing flag ``hh_social``, each summed in the order of ``adults`` (as
    ``np.bincount`` does).
    """
    out = np.zeros((5, n_blocks))
    for n in range(adults.shape[0]):
        i = adults[n]
        h = iv[I.HOUSEHOLD, i]
        b = cell_block[hh_cell[h]]
        out[0, b] += 1.0
        out[1, b] += f[F.PARTICIPATION, i]
        out[2, b] += f[F.SUPPORT, i]
        out[3, b] += low[h]
        out[4, b] += float(hh_social[h])
    for b in range(n_blocks):
        if out[0, b] < 1.0:
            out[0, b] = 1.0
        for r in range(1, 5):
            out[r, b] /= out[0, b]
    return out


# draw numbers of household_budgets (keyed by the household's first partner)
D_CLAIM, D_DEBT_SEEK, D_DEBT_END = 12, 13, 14


@njit(cache=True, inline="always")
def equivalence_factor(adults, minors, child_weight, power):
    """The CBS equivalence factor of a household of ``adults`` and ``minors``: ``(adults + w * minors) ** power``.

    The power law with the CBS weights (:class:`abm.params.Params`: ``eq_child_weight``,
    ``eq_power``) gives 1 for one adult; ``adults`` is at least 1.
    """
    return (max(adults, 1.0) + child_weight * minors) ** power


@njit(cache=True)
def equivalence_table(pv):
    """float64[8, 16]: :func:`equivalence_factor` for 0-7 adults and 0-15 minors (a power per household costs a third of the budget loop)."""
    tab = np.empty((8, 16))
    for a in range(8):
        for c in range(16):
            tab[a, c] = equivalence_factor(float(a), float(c), pv[K.eq_child_weight], pv[K.eq_power])
    return tab


@njit(cache=True)
def household_sums(f, iv, mo, active, nh, pv, dense=True):
    """Per household, the sums a budget starts from (one pass over the persons).

    Writes each person's own net income this month (euros) to ``mo[M.INCOME]``: work pays
    the wage of the earning capacity (between the net minimum wage and the top of the
    neighbourhood's range), scaled by the hours, the age (experience: youth wages) and the
    health limits; seeking pays unemployment benefit (WW) for ``ww_months`` after the job
    ended; study pays study finance and a side job; work disability a disability benefit;
    retirement a pension from the working life (AOW is paid per household). Nothing
    otherwise (social assistance is the household's, :func:`household_budgets`). The rule
    is written out in the loop rather than called: a call per person costs four times the
    loop (measured, 100,000 persons).

    ``dense``: every household's entries are set (0 for those without members in
    ``active``); otherwise only those of ``active``'s households.

    Returns:
        cnt: float64[6, nh] partners, adults, minors, retired partners, members, working-age partners;
        money: float64[3, nh] own incomes, the partners' savings and arrears;
        best: float64[2, nh] the highest navigation and trust among the partners;
        first: int64[nh] the first partner (lowest id; -1 if none), who holds the household's
            claim and debt-counselling case;
        claim: int64[nh] 1 if a partner claims social assistance;
        case: int64[nh] a partner with a debt-counselling case (waiting or in care; the one
            furthest along, the lowest id among equals), -1 if none.
    """
    pension_m = int(pv[K.pension_age] * 12.0)
    # the experience factor of wages by age in months (ages beyond the table: its last value)
    young_table = np.empty(_PLAST_MONTHS)
    for a in range(_PLAST_MONTHS):
        young_table[a] = 1.0 - (1.0 - pv[K.youth_wage]) * np.exp(-max(a / 12.0 - 18.0, 0.0) / pv[K.experience_years])
    last = young_table.shape[0] - 1
    if dense:
        cnt = np.zeros((6, nh))
        money = np.zeros((3, nh))
        best = np.zeros((2, nh))
        first = np.full(nh, -1, dtype=np.int64)
        claim = np.zeros(nh, dtype=np.int64)
        case = np.full(nh, -1, dtype=np.int64)
    else:
        # only the households of ``active`` are set (a few new households among many: no pass
        # over all of them); the other entries are undefined
        cnt = np.empty((6, nh))
        money = np.empty((3, nh))
        best = np.empty((2, nh))
        first = np.empty(nh, dtype=np.int64)
        claim = np.empty(nh, dtype=np.int64)
        case = np.empty(nh, dtype=np.int64)
        for n in range(active.shape[0]):
            h = iv[I.HOUSEHOLD, active[n]]
            cnt[:, h] = 0.0
            money[:, h] = 0.0
            best[:, h] = 0.0
            first[h] = -1
            claim[h] = 0
            case[h] = -1
    for n in range(active.shape[0]):
        i = active[n]
        h = iv[I.HOUSEHOLD, i]
        age = iv[I.AGE, i]
        act = iv[I.ACTIVITY, i]
        own = 0.0
        if act == Activity.WORK or act == Activity.SEEKING or act == Activity.RETIRED:
            full = pv[K.wage_min] + (pv[K.wage_top] - pv[K.wage_min]) * f[F.EARNING, i] ** pv[K.wage_curve]
            if act == Activity.RETIRED:
                own = pv[K.pension_share] * full * f[F.WORK_HISTORY, i]
            else:
                young = young_table[min(age, last)]
                wage = full * f[F.HOURS, i] * young * (1.0 - pv[K.health_wage] * (1.0 - f[F.PHYSICAL, i]))
                if act == Activity.WORK:
                    own = wage
                elif iv[I.JOBLESS_MONTHS, i] < pv[K.ww_months]:
                    own = pv[K.ww_share] * wage
        elif act == Activity.STUDY:
            own = pv[K.student_income]
        elif act == Activity.DISABLED:
            own = pv[K.disability_benefit]
        mo[M.INCOME, i] = own
        money[0, h] += own
        cnt[4, h] += 1.0
        if age < 216:
            cnt[2, h] += 1.0
        else:
            cnt[1, h] += 1.0
        if iv[I.ROLE, i] == Role.PARTNER:
            cnt[0, h] += 1.0
            if first[h] < 0 or i < first[h]:
                first[h] = i
            if iv[I.ACTIVITY, i] == Activity.RETIRED:
                cnt[3, h] += 1.0
            elif age < pension_m:
                cnt[5, h] += 1.0
            money[1, h] += mo[M.SAVINGS, i]
            money[2, h] += mo[M.ARREARS, i]
            if iv[I.CLAIM, i] == 1:
                claim[h] = 1
            if iv[I.DEBT_HELP, i] != Help.NONE and (case[h] < 0 or iv[I.DEBT_HELP, i] > iv[I.DEBT_HELP, case[h]]):
                case[h] = i
            best[0, h] = max(best[0, h], f[F.NAVIGATION, i])
            best[1, h] = max(best[1, h], f[F.TRUST, i])
    return cnt, money, best, first, claim, case


@njit(cache=True)
def household_income(f, iv, mo, active, hh_info, pv):
    """float64[3, n_households]: income on the low-income line's measure, equivalence factor and costs, with the claims as they stand.

    :func:`household_budgets` in its dry mode: no draws and no change to the budgets (the
    first draw of a household fits its income to the scenario's low-income share with it);
    households without partners among ``active`` get zeros.
    """
    nh = hh_info.shape[1]
    # only the columns of active's households are written and read (no pass over all households)
    bud = np.empty((N_B, nh))
    household_budgets(f, iv, mo, active, hh_info, pv, np.ones(N_L), np.zeros(nh), 0, 0, bud,
                      np.zeros(0, dtype=np.int64), True)
    out = np.zeros((3, nh))
    for n in range(active.shape[0]):
        i = active[n]
        h = iv[I.HOUSEHOLD, i]
        if iv[I.ROLE, i] == Role.PARTNER and hh_info[2, h] >= 0:
            out[0, h] = bud[B.MEASURED, h]
            out[1, h] = bud[B.EQUIVALENCE, h]
            out[2, h] = bud[B.COSTS, h]
    return out


@njit(cache=True)
def household_budgets(f, iv, mo, active, hh_info, pv, sw, floor, seed, step, bud, events, dry=False):
    """One month of every household's budget: income, benefits, costs, savings, arrears, debt help.

    Disposable income is the members' own income (:func:`household_sums`), AOW for the retired
    partners, social assistance up to the norm for an eligible household that claims it
    (claiming depends on navigation and trust: links ``navigation_claim``, ``trust_claim``),
    allowances for low incomes, child benefits, and a top-up to an income floor (``floor``, set
    by an intervention). Equivalised
    with the CBS scale, it is compared with the low-income line. Fixed costs (rent, energy,
    living costs; times ``price_level``) are paid from it; a surplus pays off arrears and
    adds to savings, a shortfall is taken from savings and then becomes arrears, which grow
    with collection costs (``collection_rate``) unless the household is in debt counselling.
    Arrears above ``problem_debt_months`` of income are problematic debt: the partners get a
    setback (``Ev.DEBT``) when it starts, and may seek debt counselling (a queue, admitted
    by the caller with :func:`admit_queue`).

    The household's savings and arrears are held by its partners in equal shares; the
    partners' and children's income adequacy, debt and buffer stocks (in [0, 1]) are the
    household's figures mapped onto the unit scale.

    Args:
        f: float64[N_F, n]; INCOME, DEBT, BUFFER and ACUTE are written.
        iv: int64[N_I, n]; CLAIM, DEBT_HELP, DEBT_WAIT_SINCE, DEBT_MONTHS are written.
        mo: float64[N_M, n] person money (euros); SAVINGS, ARREARS, INCOME written.
        active: int64[m] alive persons.
        hh_info: int64[3, n_households] kind, social housing, block (-1 when gone).
        pv, sw: parameters and switches; floor: float64[n_households] the income floor of
            each household this month, euros of equivalised income (0: none).
        seed, step: keys of the random stream.
        bud: float64[N_B, n_households] the budgets, written (its PROBLEM_DEBT row is read
            first: problematic debt last month).
        events: int64[n]; ``Ev.DEBT`` is added for the partners of a household whose debt
            became problematic this month.
        dry: only the income side, with the claims as they stand (:func:`household_income`):
            ``bud``'s PERSONS, DISPOSABLE, MEASURED, EQUIVALENCE, COSTS, ELIGIBLE, CLAIMING
            and ASSISTANCE rows are written, nothing else, and nothing is drawn.

    The income rule is written once, in the loop (a call per household costs a third of
    the loop, measured at 100,000 persons): own income with AOW, social assistance for an
    eligible household that claims it, allowances, child benefits, an income floor, the
    CBS equivalence factor and the fixed costs.
    """
    nh = hh_info.shape[1]
    cnt, money, best, first, claim, case = household_sums(f, iv, mo, active, nh, pv, not dry)
    eq_tab = equivalence_table(pv)
    line = pv[K.low_income_line]
    h_claim = -np.log1p(-pv[K.p_claim])
    h_seek = -np.log1p(-pv[K.p_debt_seek])
    a_nav = pv[K.navigation_claim] * sw[L.navigation_claim]
    a_trust = pv[K.trust_claim] * sw[L.trust_claim]
    s_nav = pv[K.navigation_seek] * sw[L.navigation_seek]
    s_trust = pv[K.trust_seek] * sw[L.trust_seek]
    unit = np.empty((3, nh))  # written for the households with partners, read only for them
    if dry:
        # only the households of ``active`` (each once: by its first partner)
        todo = np.empty(active.shape[0], dtype=np.int64)
        m = 0
        for n in range(active.shape[0]):
            i = active[n]
            if first[iv[I.HOUSEHOLD, i]] == i:
                todo[m] = iv[I.HOUSEHOLD, i]
                m += 1
        todo = todo[:m]
    else:
        todo = np.arange(nh)
    for h in todo:
        partners = cnt[0, h]
        if hh_info[2, h] < 0 or partners == 0.0:
            bud[B.PERSONS, h] = 0.0
            continue
        k = first[h]
        c = case[h]
        if c >= 0 and c != k and not dry:
            # the household's debt-counselling case passes to its first partner (after a couple
            # formed, the case of the partner who moved in); a case of the first partner stays
            if iv[I.DEBT_HELP, k] == Help.NONE:
                iv[I.DEBT_HELP, k] = iv[I.DEBT_HELP, c]
                iv[I.DEBT_WAIT_SINCE, k] = iv[I.DEBT_WAIT_SINCE, c]
                iv[I.DEBT_MONTHS, k] = iv[I.DEBT_MONTHS, c]
            iv[I.DEBT_HELP, c] = Help.NONE
            iv[I.DEBT_WAIT_SINCE, c] = -1
            iv[I.DEBT_MONTHS, c] = 0
        savings = money[1, h]
        arrears = money[2, h]
        claiming = claim[h] == 1
        # the income rule; a second time when an eligible household starts to claim this month
        for _ in range(2):
            minors = cnt[2, h]
            adults = int(cnt[1, h])
            if adults < eq_tab.shape[0] and minors < eq_tab.shape[1]:
                eq = eq_tab[adults, int(minors)]
            else:
                eq = equivalence_factor(cnt[1, h], minors, pv[K.eq_child_weight], pv[K.eq_power])
            retired = cnt[3, h]
            own = money[0, h] + retired * (pv[K.aow_couple] if partners >= 2.0 else pv[K.aow_single])
            # social assistance: a floor for a working-age household that claims it
            norm = pv[K.assistance_couple] if partners >= 2.0 else pv[K.assistance_single]
            limit = pv[K.asset_limit] * (2.0 if partners >= 2.0 else 1.0)
            eligible = cnt[5, h] > 0.0 and retired == 0.0 and own < norm and money[1, h] < limit
            assistance = norm - own if (eligible and claiming) else 0.0
            base = own + assistance
            allowances = 0.0
            rent_allowance = 0.0
            if base / eq < pv[K.allowance_line] * pv[K.low_income_line]:
                allowances = pv[K.care_allowance] * cnt[1, h] + minors * pv[K.child_budget]
                rent_allowance = pv[K.rent_allowance]
            measured = base + allowances + minors * pv[K.child_benefit]
            # an income floor (an intervention): a top-up to ``floor`` euros of equivalised income
            measured = max(measured, floor[h] * eq)
            disposable = measured + rent_allowance
            rent = pv[K.rent_social] if hh_info[1, h] == 1 else pv[K.rent_private]
            costs = pv[K.price_level] * (
                rent + pv[K.energy_cost] * (1.0 + pv[K.energy_per_person] * (cnt[4, h] - 1.0))
                + pv[K.living_cost] * cnt[1, h] + pv[K.child_cost] * minors
            )
            if dry or claiming or not eligible:
                break
            mult = np.exp(a_nav * (best[0, h] - 0.5) + a_trust * (best[1, h] - 0.5))
            if uniform(seed, step, iv[I.KEY, k], D_CLAIM) >= 1.0 - np.exp(-h_claim * mult / 12.0):
                break
            claiming = True
        claiming = claiming and eligible
        bud[B.DISPOSABLE, h] = disposable
        bud[B.MEASURED, h] = measured
        bud[B.EQUIVALENCE, h] = eq
        bud[B.COSTS, h] = costs
        bud[B.ELIGIBLE, h] = 1.0 if eligible else 0.0
        bud[B.CLAIMING, h] = 1.0 if claiming else 0.0
        bud[B.ASSISTANCE, h] = assistance
        if dry:
            bud[B.PERSONS, h] = cnt[4, h]
            continue
        residual = disposable - costs
        # debt counselling: arrears frozen and settled; ends by a keyed draw, the rest written off
        helped = iv[I.DEBT_HELP, k] == Help.CARE
        if residual >= 0.0:
            repay = min(arrears, pv[K.repay_share] * residual)
            arrears -= repay
            savings += pv[K.save_share] * (residual - repay)
        else:
            take = min(savings, -residual)
            savings -= take
            arrears += -residual - take
        # savings are also spent (larger purchases, holidays): they settle where saving and spending meet
        savings -= pv[K.savings_use] * savings
        if helped:
            arrears -= pv[K.settle_rate] * arrears
            iv[I.DEBT_MONTHS, k] += 1
            if uniform(seed, step, iv[I.KEY, k], D_DEBT_END) < 1.0 / pv[K.debt_care_months]:
                arrears = 0.0
                iv[I.DEBT_HELP, k] = Help.NONE
                iv[I.DEBT_MONTHS, k] = 0
        else:
            arrears += pv[K.collection_rate] * arrears
        problem = arrears > pv[K.problem_debt_months] * max(disposable, 1.0)
        if problem and bud[B.PROBLEM_DEBT, h] == 0.0:
            bud[B.PERSONS, h] = -1.0  # marks a new problematic debt for the pass over persons
        else:
            bud[B.PERSONS, h] = cnt[4, h]
        if problem and iv[I.DEBT_HELP, k] == Help.NONE:
            mult = np.exp(s_nav * (best[0, h] - 0.5) + s_trust * (best[1, h] - 0.5))
            if uniform(seed, step, iv[I.KEY, k], D_DEBT_SEEK) < 1.0 - np.exp(-h_seek * mult / 12.0):
                iv[I.DEBT_HELP, k] = Help.WAITING
                iv[I.DEBT_WAIT_SINCE, k] = step
        bud[B.RESIDUAL, h] = residual
        bud[B.LOW, h] = 1.0 if measured / eq < line else 0.0
        bud[B.PROBLEM_DEBT, h] = 1.0 if problem else 0.0
        bud[B.ENDS_MEET, h] = 1.0 if residual < pv[K.ends_meet_margin] * eq else 0.0
        bud[B.SAVINGS, h] = savings
        bud[B.ARREARS, h] = arrears
        claim[h] = 1 if claiming else 0
        # the household's figures on the unit scale: income adequacy, debt, buffer
        eq_income = max(measured, 1.0) / eq
        unit[0, h] = 1.0 / (1.0 + (eq_income / line) ** -pv[K.adequacy_slope])
        unit[1, h] = arrears / (arrears + pv[K.debt_scale_months] * max(disposable, 1.0))
        unit[2, h] = savings / (savings + pv[K.buffer_months] * max(costs, 1.0))
    if dry:
        return
    # the members: money held by the partners in equal shares; stocks on the unit scale
    hit = pv[K.events_stress] * sw[L.events_stress] * pv[K.hit_debt]
    for n in range(active.shape[0]):
        i = active[n]
        h = iv[I.HOUSEHOLD, i]
        persons = bud[B.PERSONS, h]
        if persons == 0.0:
            continue
        f[F.INCOME, i] = unit[0, h]
        f[F.DEBT, i] = unit[1, h]
        f[F.BUFFER, i] = unit[2, h]
        if iv[I.ROLE, i] == Role.PARTNER:
            mo[M.SAVINGS, i] = bud[B.SAVINGS, h] / cnt[0, h]
            mo[M.ARREARS, i] = bud[B.ARREARS, h] / cnt[0, h]
            iv[I.CLAIM, i] = claim[h]
            if persons < 0.0:
                events[i] |= Ev.DEBT
                f[F.ACUTE, i] += hit * (1.0 - f[F.ACUTE, i])
    for h in range(nh):
        if bud[B.PERSONS, h] < 0.0:
            bud[B.PERSONS, h] = cnt[4, h]


@njit(cache=True)
def contact_groups(iv, events, fac_open, active, n_hh, n_fac, n_comm):
    """The contact groups of :func:`update_ties`, as CSR (start, members, base) and flags.

    Groups, in order: one per household id (its alive members), one per facility (those who
    took part at their open meeting place this month), the school gate (partners with a
    child aged 4-17), one per community, and work (the employed). Members are in the
    order of ``active`` (ascending ids) within each group.

    Args:
        iv: int64[N_I, n]; events: int64[n] this month's events; fac_open: int8[n_fac].
        active: int64[m] alive persons, ascending.
        n_hh, n_fac, n_comm: numbers of households, facilities and communities.

    Returns:
        start: int64[n_groups + 1]; members: int64[...]; base: int64[5] first group of each
        channel; flags: int8[n] per person, bit ``c`` set when in a group of channel ``c``
        (so :func:`update_ties` needs no search to know who attends the meeting place or
        stands at the school gate).
    """
    base = np.array([0, n_hh, n_hh + n_fac, n_hh + n_fac + 1, n_hh + n_fac + 1 + n_comm], dtype=np.int64)
    n_groups = base[4] + 1
    school_hh = np.zeros(n_hh, dtype=np.bool_)
    for n in range(active.shape[0]):
        i = active[n]
        age = iv[I.AGE, i]
        if 48 <= age < 216:
            school_hh[iv[I.HOUSEHOLD, i]] = True
    labels = np.full((active.shape[0], 5), -1, dtype=np.int64)
    flags = np.zeros(iv.shape[1], dtype=np.int8)
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for n in range(active.shape[0]):
        i = active[n]
        h = iv[I.HOUSEHOLD, i]
        labels[n, 0] = h
        m = iv[I.MEETING, i]
        if m >= 0 and (events[i] & Ev.ATTEMPT) != 0 and fac_open[m] == 1:
            labels[n, 1] = base[1] + m
        if iv[I.ROLE, i] == Role.PARTNER and school_hh[h]:
            labels[n, 2] = base[2]
        c = iv[I.COMMUNITY, i]
        if c >= 0:
            labels[n, 3] = base[3] + c
        if iv[I.EMPLOYED, i] == 1:
            labels[n, 4] = base[4]
        for ch in range(5):
            if labels[n, ch] >= 0:
                start[labels[n, ch] + 1] += 1
                flags[i] |= 1 << ch
    for g in range(n_groups):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    members = np.empty(start[n_groups], dtype=np.int64)
    for n in range(active.shape[0]):
        for ch in range(5):
            g = labels[n, ch]
            if g >= 0:
                members[fill[g]] = active[n]
                fill[g] += 1
    return start, members, base, flags


class S(IntEnum):
    """Entries of the sums returned by :func:`adult_summary`."""

    PARTICIPATION = 0  # sum of participation levels
    ATTEMPTS = 1
    SUCCESSES = 2
    TRUST = 3
    NAVIGATION = 4
    MENTAL = 5
    CHRONIC = 6  # adults with chronic stress above chronic_stress_line
    NEED = 7
    NEED_HELPED = 8  # with a need, in the care of a service (mental-health care, parenting support and youth care)
    NEED_UNHELPED = 9  # with a need, neither waiting nor in care
    DECLINED = 10
    IN_CARE = 11
    WAITING = 12
    DEGREE = 13  # sum of ties
    BRIDGING = 14  # sum of bridging ties
    ISOLATED = 15  # adults without a tie outside their household
    STRONG = 16  # Rotterdam categories
    VULNERABLE = 17
    DECLINER = 18
    NEED_WAITING = 19  # with a need, waiting for a service and in the care of none
    YOUTH_CARE = 20  # parents with a case in parenting support and youth care
    YOUTH_WAITING = 21  # ... on its waiting list


N_S = len(S)


class Category(IntEnum):
    """The Rotterdam categories of seed 001 (an output only), as :func:`category_of` gives them."""

    STRONG = 0  # socially strong
    VULNERABLE = 1  # socially vulnerable
    DECLINER = 2  # survivor/decliner


@njit(cache=True)
def resources(f, i):
    """The four resources of seed 004 of person ``i``: (psychological, social, cultural, material).

    Psychological: self-esteem, life skills, agency; social: support, network,
    participation; cultural: identity; material: income, buffer, housing, 1 - debt (each
    the mean of its stocks).
    """
    psy = (f[F.SELF_ESTEEM, i] + f[F.LIFE_SKILLS, i] + f[F.AGENCY, i]) / 3.0
    soc = (f[F.SUPPORT, i] + f[F.NETWORK, i] + f[F.PARTICIPATION, i]) / 3.0
    cul = f[F.IDENTITY, i]
    mat = (f[F.INCOME, i] + f[F.BUFFER, i] + f[F.HOUSING, i] + 1.0 - f[F.DEBT, i]) / 4.0
    return psy, soc, cul, mat


@njit(cache=True)
def category_of(psy, soc, cul, mat, stress, strong_threshold, decliner_threshold, strong_max_stress):
    """The Rotterdam category (seed 001) of a resident with these four resources and chronic ``stress``.

    The resource index is the mean of the four resources (:func:`resources`).
    Survivor/decliner below ``decliner_threshold``; socially strong at or above
    ``strong_threshold`` with chronic stress below ``strong_max_stress``; socially vulnerable otherwise. The
    one rule that the monthly metric (:func:`adult_summary`) and the map
    (:func:`abm.queries.household_categories`) share.
    """
    index = (psy + soc + cul + mat) / 4.0
    if index < decliner_threshold:
        return Category.DECLINER
    if index >= strong_threshold and stress < strong_max_stress:
        return Category.STRONG
    return Category.VULNERABLE


@njit(cache=True)
def rotterdam_categories(f, ids, strong_threshold, decliner_threshold, strong_max_stress):
    """int8[m]: the :class:`Category` of each person ``ids[n]`` (the rule of :func:`category_of`)."""
    m = ids.shape[0]
    out = np.empty(m, dtype=np.int8)
    for n in range(m):
        i = ids[n]
        psy, soc, cul, mat = resources(f, i)
        out[n] = category_of(psy, soc, cul, mat, f[F.STRESS, i], strong_threshold, decliner_threshold,
                             strong_max_stress)
    return out


@njit(cache=True)
def adult_summary(f, iv, events, tie_other, tie_type, ids, strong_threshold, decliner_threshold, strong_max_stress,
                  chronic_stress_line):
    """One pass over the adults ``ids`` for the monthly outputs.

    Returns:
        dist: float64[7, m] stress, wellbeing, security and the four resources of seed 004
            (:func:`resources`).
        sums: float64[N_S] the counts and sums of :class:`S`. The Rotterdam category
            (seed 001) is that of :func:`category_of`, on the mean of the four resources.
    """
    m = ids.shape[0]
    dist = np.empty((7, m))
    sums = np.zeros(N_S)
    for n in range(m):
        i = ids[n]
        stress = f[F.STRESS, i]
        dist[0, n] = stress
        dist[1, n] = f[F.WELLBEING, i]
        dist[2, n] = f[F.SECURITY, i]
        psy, soc, cul, mat = resources(f, i)
        dist[3, n] = psy
        dist[4, n] = soc
        dist[5, n] = cul
        dist[6, n] = mat
        category = category_of(psy, soc, cul, mat, stress, strong_threshold, decliner_threshold, strong_max_stress)
        if category == Category.DECLINER:
            sums[S.DECLINER] += 1.0
        elif category == Category.STRONG:
            sums[S.STRONG] += 1.0
        else:
            sums[S.VULNERABLE] += 1.0
        ev = events[i]
        sums[S.PARTICIPATION] += f[F.PARTICIPATION, i]
        if ev & Ev.ATTEMPT:
            sums[S.ATTEMPTS] += 1.0
        if ev & Ev.SUCCESS:
            sums[S.SUCCESSES] += 1.0
        sums[S.TRUST] += f[F.TRUST, i]
        sums[S.NAVIGATION] += f[F.NAVIGATION, i]
        sums[S.MENTAL] += f[F.MENTAL, i]
        if stress > chronic_stress_line:
            sums[S.CHRONIC] += 1.0
        help_state = iv[I.HELP, i]
        youth_state = iv[I.YOUTH_HELP, i]
        if ev & Ev.NEED:
            # help is care from a service (contact with a professional is not help)
            sums[S.NEED] += 1.0
            if help_state == Help.CARE or youth_state == Help.CARE:
                sums[S.NEED_HELPED] += 1.0
            elif help_state == Help.WAITING or youth_state == Help.WAITING:
                sums[S.NEED_WAITING] += 1.0
            else:
                sums[S.NEED_UNHELPED] += 1.0
        if youth_state == Help.CARE:
            sums[S.YOUTH_CARE] += 1.0
        elif youth_state == Help.WAITING:
            sums[S.YOUTH_WAITING] += 1.0
        if ev & Ev.DECLINED:
            sums[S.DECLINED] += 1.0
        if help_state == Help.CARE:
            sums[S.IN_CARE] += 1.0
        elif help_state == Help.WAITING:
            sums[S.WAITING] += 1.0
        outside = 0
        for k in range(tie_other.shape[1]):
            j = tie_other[i, k]
            if j < 0:
                break
            sums[S.DEGREE] += 1.0
            if tie_type[i, k] == TieType.BRIDGING:
                sums[S.BRIDGING] += 1.0
            if iv[I.HOUSEHOLD, j] != iv[I.HOUSEHOLD, i]:
                outside += 1
        if outside == 0:
            sums[S.ISOLATED] += 1.0
    return dist, sums


class V(IntEnum):
    """Entries of the counts returned by :func:`person_survey`."""

    PERSONS = 0
    MINORS = 1
    MINORS_LOW = 2  # minors in a household below the low-income line
    TWELVE = 3  # aged 12 and over
    UNHEALTHY = 4  # ... with an MHI-5 score below the cut-off
    ADULTS = 5  # aged 18 to 64
    DISORDER = 6  # ... with a mental disorder
    JOBLESS = 7  # ... out of work (seeking, inactive, work-disabled)
    JOBLESS_DISORDER = 8
    LABOUR_AGE = 9  # aged 15 to 74
    EMPLOYED = 10  # ... in work
    SEEKING = 11  # ... looking for work
    UNDER_20 = 12
    OVER_65 = 13  # 65 and over
    DEBT_CARE = 14  # debt-counselling cases in care
    DEBT_WAITING = 15  # ... waiting


N_V = len(V)


@njit(cache=True, inline="always")
def mhi5_of(f, i, offset):
    """The MHI-5 score (0-100) of person ``i`` mapped from the state (see :func:`abm.metrics.mhi5`)."""
    return 100.0 * 0.5 * ((1.0 - f[F.MENTAL, i]) + f[F.WELLBEING, i]) - offset


@njit(cache=True)
def mhi5_scores(f, ids, offset):
    """float64[m]: :func:`mhi5_of` for each person of ``ids``."""
    out = np.empty(ids.shape[0])
    for n in range(ids.shape[0]):
        out[n] = mhi5_of(f, ids[n], offset)
    return out


@njit(cache=True)
def person_survey(f, iv, low, ids, mhi5_offset, mhi5_cutoff, disorder_line):
    """One pass over the persons ``ids`` for the survey-style figures (:func:`abm.metrics.survey`).

    Args:
        f, iv: person stocks and integers; low: float64[n_households] 1 where the household
            lies below the low-income line; ids: int64[m] the persons.
        mhi5_offset, mhi5_cutoff: the MHI-5 mapping and its cut-off; disorder_line: the
            mental-health problem level above which an adult has a disorder.

    Returns:
        float64[N_V] the counts of :class:`V`.
    """
    c = np.zeros(N_V)
    for n in range(ids.shape[0]):
        i = ids[n]
        age = iv[I.AGE, i]
        act = iv[I.ACTIVITY, i]
        c[V.PERSONS] += 1.0
        if age < 216:
            c[V.MINORS] += 1.0
            if low[iv[I.HOUSEHOLD, i]] > 0.5:
                c[V.MINORS_LOW] += 1.0
        if age >= 144:
            c[V.TWELVE] += 1.0
            if mhi5_of(f, i, mhi5_offset) < mhi5_cutoff:
                c[V.UNHEALTHY] += 1.0
        if 216 <= age < 65 * 12:
            c[V.ADULTS] += 1.0
            disorder = f[F.MENTAL, i] > disorder_line
            if disorder:
                c[V.DISORDER] += 1.0
            if act == Activity.SEEKING or act == Activity.INACTIVE or act == Activity.DISABLED:
                c[V.JOBLESS] += 1.0
                if disorder:
                    c[V.JOBLESS_DISORDER] += 1.0
        if 15 * 12 <= age < 75 * 12:
            c[V.LABOUR_AGE] += 1.0
            if act == Activity.WORK:
                c[V.EMPLOYED] += 1.0
            elif act == Activity.SEEKING:
                c[V.SEEKING] += 1.0
        if age < 20 * 12:
            c[V.UNDER_20] += 1.0
        elif age >= 65 * 12:
            c[V.OVER_65] += 1.0
        debt = iv[I.DEBT_HELP, i]
        if debt == Help.CARE:
            c[V.DEBT_CARE] += 1.0
        elif debt == Help.WAITING:
            c[V.DEBT_WAITING] += 1.0
    return c


@njit(cache=True)
def row_quantiles(x, qs, n_bins=1024):
    """Quantiles of each row of ``x`` (numpy's default linear method), by bucket selection.

    Instead of partitioning whole rows, one pass counts the values of a row into
    ``n_bins`` equal-width bins between its minimum and maximum; the order statistics the
    quantiles need lie in a few bins, whose values alone are then sorted. The bin of a
    value is a monotone function of it, so the result is exact: the same order statistics
    as a full sort. ``x`` is not changed. Returns float64[rows, len(qs)].
    """
    rows, n = x.shape
    nq = qs.shape[0]
    out = np.empty((rows, nq))
    if n == 0:
        out[:] = np.nan
        return out
    pos = (n - 1) * qs
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    counts = np.zeros(n_bins + 1, dtype=np.int64)
    for r in range(rows):
        mn = x[r, 0]
        mx = x[r, 0]
        for k in range(n):
            v = x[r, k]
            if v < mn:
                mn = v
            elif v > mx:
                mx = v
        scale = n_bins / (mx - mn) if mx > mn else 0.0
        counts[:] = 0
        for k in range(n):
            counts[min(int((x[r, k] - mn) * scale), n_bins - 1)] += 1
        # first rank in each bin (cumulative counts)
        first = np.empty(n_bins + 1, dtype=np.int64)
        acc = 0
        for b in range(n_bins):
            first[b] = acc
            acc += counts[b]
        first[n_bins] = acc
        needed = np.zeros(n_bins, dtype=np.bool_)
        for j in range(nq):
            for rank in (lo[j], hi[j]):
                b = np.searchsorted(first, rank, side="right") - 1
                needed[b] = True
        # gather the values of the needed bins, grouped by bin, and sort each group
        offset = np.full(n_bins, -1, dtype=np.int64)
        size = 0
        for b in range(n_bins):
            if needed[b]:
                offset[b] = size
                size += counts[b]
        buf = np.empty(size)
        fill = np.zeros(n_bins, dtype=np.int64)
        for k in range(n):
            v = x[r, k]
            b = min(int((v - mn) * scale), n_bins - 1)
            if needed[b]:
                buf[offset[b] + fill[b]] = v
                fill[b] += 1
        for b in range(n_bins):
            if needed[b]:
                buf[offset[b]:offset[b] + counts[b]].sort()
        for j in range(nq):
            b = np.searchsorted(first, lo[j], side="right") - 1
            a = buf[offset[b] + lo[j] - first[b]]
            b = np.searchsorted(first, hi[j], side="right") - 1
            c = buf[offset[b] + hi[j] - first[b]]
            out[r, j] = a + (c - a) * (pos[j] - lo[j])
    return out


# --------------------------------------------------------------------------------------
# Kernel 1: support and network measures over ties
# --------------------------------------------------------------------------------------


def _spread_support(f, iv, tie_other, tie_w, tie_type, active, pv, sw, ctx):
    """Support received, network quality and bridging share of each active person.

    A giver gives in proportion to spare capacity, ``(1 - stress) * (1 - acute)``, raised
    for resilient residents who give back (link ``giveback_support``, the "oil spill" of
    seed 000). A minor gives an adult emotional support, not adult-level practical support:
    a minor's support to an adult counts ``minor_support`` times. Also writes each person's resilience index, used by givers and the
    demography.

    Args:
        f: float64[N_F, n] person stocks (read).
        iv: int64[N_I, n] person integers (read).
        tie_other: int32[n, k] the other person of each tie slot, -1 empty.
        tie_w: float64[n, k] tie weights in (0, 1].
        tie_type: int8[n, k] ``TieType``.
        active: int64[m] the persons to update (alive).
        pv: float64[N_K] parameters; sw: float64[N_L] link switches (0 or 1).
        ctx: float64[N_C, n]; rows SUPPORT_IN, NET_Q, BRIDGING, RESILIENCE are written
            (SUPPORT_IN and NET_Q in [0, 1]; ``1 - exp(-x)`` rounds to 1.0 for very large x).
    """
    kslots = tie_other.shape[1]
    g_give = pv[K.giveback_support] * sw[L.giveback_support]
    for n in prange(active.shape[0]):
        i = active[n]
        ctx[C.RESILIENCE, i] = (f[F.WELLBEING, i] + f[F.AGENCY, i] + f[F.LIFE_SKILLS, i]) / 3.0
    # what each person can give, computed once (contiguous) instead of per tie; a parent gives
    # his or her own children what the parent's stress leaves over only as far as link
    # parent_stress_support holds
    w_parent = pv[K.parent_stress_support] * sw[L.parent_stress_support]
    give_of = np.empty(f.shape[1])
    # at full strength a parent gives the own children what anyone gives: one array serves both
    give_parent = give_of if w_parent == 1.0 else np.empty(f.shape[1])
    for j in prange(f.shape[1]):
        res = (f[F.WELLBEING, j] + f[F.AGENCY, j] + f[F.LIFE_SKILLS, j]) / 3.0
        give = (1.0 - f[F.STRESS, j]) * (1.0 - f[F.ACUTE, j])
        give_of[j] = give * (1.0 + g_give * res) / (1.0 + 0.5 * g_give)  # > 0 for any g_give >= 0
        if w_parent != 1.0:
            give = (1.0 - w_parent * f[F.STRESS, j]) * (1.0 - w_parent * f[F.ACUTE, j])
            give_parent[j] = give * (1.0 + g_give * res) / (1.0 + 0.5 * g_give)
    minor = pv[K.minor_support]
    for n in prange(active.shape[0]):
        i = active[n]
        s = 0.0
        wsum = 0.0
        wbridge = 0.0
        grown = iv[I.AGE, i] >= 216
        for k in range(kslots):
            j = tie_other[i, k]
            if j < 0:
                continue
            w = tie_w[i, k]
            give = give_parent[j] if (j == iv[I.MOTHER, i] or j == iv[I.FATHER, i]) else give_of[j]
            if grown and iv[I.AGE, j] < 216:
                s += w * minor * give
            else:
                s += w * give
            wsum += w
            if tie_type[i, k] == TieType.BRIDGING:
                wbridge += w
        ctx[C.SUPPORT_IN, i] = 1.0 - np.exp(-s / pv[K.support_scale])
        ctx[C.NET_Q, i] = 1.0 - np.exp(-wsum / pv[K.network_scale])
        ctx[C.BRIDGING, i] = wbridge / wsum if wsum > 0.0 else 0.0


spread_support = njit(cache=True)(_spread_support)
spread_support_parallel = njit(cache=True, parallel=True)(_named(_spread_support, "_parallel"))


# --------------------------------------------------------------------------------------
# Kernel 2: the person update (loops 1-6 and the other links)
# --------------------------------------------------------------------------------------

# draw numbers of update_persons
D_JOB, D_ILL, D_BER, D_DISABLED, D_EVICT, D_FRAUD = 0, 1, 2, 3, 4, 5
D_ATTEMPT, D_SUCCESS, D_SIGNAL, D_SEEK, D_CARE_END, D_JOB_FIND = 6, 7, 8, 9, 10, 11
D_DISCOURAGED, D_REENTER = 15, 16
D_YOUTH_END, D_GIVE_UP, D_YOUTH_GIVE_UP = 17, 18, 19


# persons per tile of update_persons: about 600 KB of their rows, well within a core's L2 cache
_TILE = 1024


@njit(cache=True, inline="always")
def _warm(f, iv, ctx, lo, hi):
    """Read one value per cache line of columns ``lo``..``hi`` of every row (brings them into cache)."""
    acc = 0.0
    for r in range(f.shape[0]):
        for j in range(lo, hi, 8):
            acc += f[r, j]
    for r in range(iv.shape[0]):
        for j in range(lo, hi, 8):
            acc += iv[r, j]
    for r in range(ctx.shape[0]):
        for j in range(lo, hi, 8):
            acc += ctx[r, j]
    return acc


def _update_persons(f, iv, ctx, active, pv, sw, seed, step, events):
    """One month of every person's stocks, life events and help-seeking decision.

    Reads only the person's own column of ``f`` and ``iv`` and the gathered context, so
    the persons can be updated in place and in any order (the parallel build uses that).
    The help queue itself (admission by capacity) is handled by the caller.

    Args:
        f: float64[N_F, n] person stocks, updated in place.
        iv: int64[N_I, n] person integers; EMPLOYED, HELP, WAIT_SINCE, CARE_MONTHS,
            EVER_HELPED are updated in place.
        ctx: float64[N_C, n] gathered context (read).
        active: int64[m] alive persons.
        pv: float64[N_K] parameters; sw: float64[N_L] switches.
        seed, step: int64, keys of the random stream.
        events: int64[n] event bit mask (``Ev``), overwritten for active persons.
    """
    r_st = pv[K.rate_stress]
    r_wb = pv[K.rate_wellbeing]
    r_slow = pv[K.rate_slow]
    r_fast = pv[K.rate_fast]
    h_job_loss = _hazard(pv[K.p_job_loss])
    h_job_find = _hazard(pv[K.p_job_find])
    h_disabled = _hazard(pv[K.p_disability])
    h_discouraged = _hazard(pv[K.p_discouraged])
    h_reenter = _hazard(pv[K.p_reenter])
    pension_m = int(pv[K.pension_age] * 12.0)
    # the neighbourhood's own level of trust (the scenario's, from the sources): the links move it
    t_mean = min(max(pv[K.trust_mean], 0.01), 0.99)
    trust_base = np.log(t_mean / (1.0 - t_mean))
    cap_weight = max(1.0, pv[K.psy_capacity] * sw[L.psy_capacity] + pv[K.support_capacity] * sw[L.support_capacity]
                     + pv[K.identity_capacity] * sw[L.identity_capacity]
                     + pv[K.material_capacity] * sw[L.material_capacity])
    h_eviction = _hazard(pv[K.p_eviction])
    h_fraud = _hazard(pv[K.p_fraud_suspicion])
    h_illness = _hazard(pv[K.p_illness])
    h_bereavement = _hazard(pv[K.p_bereavement])
    # Upper bounds of the event multipliers over all persons (stocks lie in [0, 1]). A draw
    # at or above ``h * bound / 12`` cannot be an event (see _happens), so the exps of the
    # exact multiplier are only computed for the few draws below it: same results, fewer exps.
    a_ins = pv[K.insecurity_events] * sw[L.insecurity_events]
    a_str = pv[K.stress_events] * sw[L.stress_events]
    a_func = pv[K.functioning_employment] * sw[L.functioning_employment]
    a_bridge = pv[K.bridging_employment] * sw[L.bridging_employment]
    a_new = pv[K.newcomer_obstacles] * sw[L.newcomer_obstacles]
    a_health = pv[K.health_employment] * sw[L.health_employment]
    a_evict = pv[K.debt_eviction] * sw[L.debt_eviction]
    a_disab = pv[K.health_disability] * sw[L.health_disability]
    a_age_ill = pv[K.age_illness] * sw[L.age_illness]
    a_age_health = pv[K.age_health] * sw[L.age_health]
    mult_hi = np.exp(0.5 * abs(a_ins) + 0.5 * abs(a_str)) * _BOUND_MARGIN
    job_loss_hi = h_job_loss * mult_hi * np.exp(0.5 * abs(a_func) + 0.5 * abs(a_health)) / 12.0
    job_find_hi = h_job_find * np.exp(0.5 * abs(a_func) + 0.5 * abs(a_bridge) + 0.5 * abs(a_health)
                                      + max(0.0, -a_new)) * _BOUND_MARGIN / 12.0
    eviction_hi = h_eviction * mult_hi * np.exp(0.5 * abs(a_evict)) / 12.0
    disabled_hi = h_disabled * np.exp(0.5 * abs(a_disab)) * _BOUND_MARGIN / 12.0
    # plasticity by age in months, computed once (the same expression as per person)
    plast_table = np.empty(_PLAST_MONTHS)
    for a in range(_PLAST_MONTHS):
        plast_table[a] = pv[K.plasticity_adult] + (1.0 - pv[K.plasticity_adult]) * np.exp(
            -(a / 12.0) / pv[K.plasticity_tau_years]
        )
    # In tiles of persons: each tile's columns are first read row by row (a few streams the
    # memory prefetcher follows) so that the update, which reads some 70 rows per person, finds
    # them in cache. The same updates in the same order within a person: the same results.
    n_act = active.shape[0]
    n_tiles = (n_act + _TILE - 1) // _TILE
    warmth = np.zeros(max(n_tiles, 1))
    for t in prange(n_tiles):
        lo = t * _TILE
        hi = min(lo + _TILE, n_act)
        warmth[t] = _warm(f, iv, ctx, active[lo], active[hi - 1] + 1)
        for n in range(lo, hi):
            i = active[n]
            ev = 0
            age = iv[I.AGE, i]
            age_y = age / 12.0
            child = age_y < 18.0
            adult = not child
            working_age = adult and age < pension_m
            activity = iv[I.ACTIVITY, i]
            if 0 <= age < _PLAST_MONTHS:
                plast = plast_table[age]
            else:
                plast = pv[K.plasticity_adult] + (1.0 - pv[K.plasticity_adult]) * np.exp(
                    -age_y / pv[K.plasticity_tau_years]
                )
            stress = f[F.STRESS, i]
            acute = f[F.ACUTE, i]
            wb = f[F.WELLBEING, i]
            sec = f[F.SECURITY, i]
            fut = f[F.FUTURE, i]
            func = f[F.FUNCTIONING, i]
            skills = f[F.LIFE_SKILLS, i]
            trust = f[F.TRUST, i]
            nav = f[F.NAVIGATION, i]
            support = f[F.SUPPORT, i]
            netq = ctx[C.NET_Q, i]
            pro = ctx[C.PRO_TIE, i]
            help_state = iv[I.HELP, i]
            in_care = 1.0 if help_state == Help.CARE else 0.0
            phys = f[F.PHYSICAL, i]
            if child:
                # children share the household's housing (income, debt and buffer are the household's
                # budget, written for every member by household_budgets)
                f[F.HOUSING, i] = ctx[C.HH_HOUSING, i]
            income = f[F.INCOME, i]
            debt = f[F.DEBT, i]
            housing = f[F.HOUSING, i]
            buffer = f[F.BUFFER, i]

            # ---- life events: rates rise with material insecurity and stress ----
            risk = a_ins * (0.5 - sec) + a_str * (stress - 0.5)
            mult = -1.0  # exp(risk), computed when first needed
            shock = 0.0  # combined severity of this month's events, in [0, 1)
            if adult:
                health_term = a_health * (phys - 0.5)
                if activity == Activity.WORK:
                    u = uniform(seed, step, iv[I.KEY, i], D_JOB)
                    if u < job_loss_hi:
                        mult = np.exp(risk) if mult < 0.0 else mult
                        if _happens(u, h_job_loss, mult * np.exp(-a_func * (func - 0.5) - health_term)):
                            ev |= Ev.JOB_LOSS
                            activity = Activity.SEEKING
                            shock = 1.0 - (1.0 - shock) * (1.0 - pv[K.hit_job_loss])
                elif activity == Activity.SEEKING:
                    u = uniform(seed, step, iv[I.KEY, i], D_JOB_FIND)
                    if u < job_find_hi:
                        m_find = np.exp(
                            a_func * (func - 0.5)
                            + a_bridge * (ctx[C.BRIDGING, i] - 0.5)
                            + health_term
                            - a_new * (1.0 if (iv[I.LIMITS, i] & Limit.NEWCOMER) else 0.0)
                        )
                        if _happens(u, h_job_find, m_find):
                            ev |= Ev.JOB_FOUND
                            activity = Activity.WORK
                    if activity == Activity.SEEKING and iv[I.JOBLESS_MONTHS, i] >= 12:
                        if _happens(uniform(seed, step, iv[I.KEY, i], D_DISCOURAGED), h_discouraged, 1.0):
                            activity = Activity.INACTIVE
                elif activity == Activity.INACTIVE and working_age:
                    if _happens(uniform(seed, step, iv[I.KEY, i], D_REENTER), h_reenter, 1.0):
                        activity = Activity.SEEKING
                if working_age and activity != Activity.DISABLED and activity != Activity.STUDY:
                    u = uniform(seed, step, iv[I.KEY, i], D_DISABLED)
                    if u < disabled_hi and _happens(u, h_disabled, np.exp(a_disab * (0.5 - phys))):
                        if activity == Activity.WORK:
                            ev |= Ev.JOB_LOSS
                            shock = 1.0 - (1.0 - shock) * (1.0 - pv[K.hit_job_loss])
                        activity = Activity.DISABLED
                iv[I.ACTIVITY, i] = activity
                iv[I.EMPLOYED, i] = 1 if activity == Activity.WORK else 0
                if activity == Activity.WORK:
                    iv[I.JOBLESS_MONTHS, i] = 0
                elif working_age:
                    iv[I.JOBLESS_MONTHS, i] += 1
                if working_age:
                    # the share of the adult months spent in work: a running mean (the pension builds on it)
                    months = age - 216 + 1.0
                    f[F.WORK_HISTORY, i] += ((1.0 if activity == Activity.WORK else 0.0) - f[F.WORK_HISTORY, i]) / months
                u = uniform(seed, step, iv[I.KEY, i], D_EVICT)
                if u < eviction_hi:
                    mult = np.exp(risk) if mult < 0.0 else mult
                    if _happens(u, h_eviction, mult * np.exp(a_evict * (debt - 0.5))):
                        ev |= Ev.EVICTION
                        housing -= pv[K.hit_eviction] * housing
                        shock = 1.0 - (1.0 - shock) * (1.0 - pv[K.hit_eviction])
                if iv[I.EMPLOYED, i] == 0 and working_age:
                    if _happens(uniform(seed, step, iv[I.KEY, i], D_FRAUD), h_fraud, 1.0):
                        ev |= Ev.FRAUD_SUSPICION
            u = uniform(seed, step, iv[I.KEY, i], D_ILL)
            age_ill = 0.3 + a_age_ill * age_y
            if u < h_illness * mult_hi * age_ill / 12.0:
                mult = np.exp(risk) if mult < 0.0 else mult
            else:
                mult = 0.0  # cannot be an event
            if _happens(u, h_illness, mult * age_ill):
                ev |= Ev.ILLNESS
                f[F.PHYSICAL, i] -= pv[K.hit_illness] * f[F.PHYSICAL, i]
                shock = 1.0 - (1.0 - shock) * (1.0 - pv[K.hit_illness])
            if _happens(uniform(seed, step, iv[I.KEY, i], D_BER), h_bereavement, 1.0):
                ev |= Ev.BEREAVEMENT
                shock = 1.0 - (1.0 - shock) * (1.0 - pv[K.hit_bereavement])

            # ---- acute stress: bumped by events, recovers with capacity (draagkracht) ----
            # a weighted mean of the resources (weights above 1 in sum are scaled down, so capacity stays in [0, 1])
            capacity = (
                pv[K.psy_capacity] * sw[L.psy_capacity] * (f[F.SELF_ESTEEM, i] + skills + f[F.AGENCY, i]) / 3.0
                + pv[K.support_capacity] * sw[L.support_capacity] * support
                + pv[K.identity_capacity] * sw[L.identity_capacity] * f[F.IDENTITY, i]
                + pv[K.material_capacity] * sw[L.material_capacity] * (income + buffer + housing) / 3.0
            ) / cap_weight
            # scars of long spells slow the recovery
            scar = f[F.SCAR, i]
            capacity *= 1.0 - pv[K.scar_recovery] * sw[L.scar_recovery] * scar
            acute += pv[K.events_stress] * sw[L.events_stress] * shock * (1.0 - acute)
            acute -= pv[K.acute_recovery] * capacity * acute

            # ---- load (draaglast) and chronic stress (loops 1, 2, 3, 5) ----
            # Existential security, future perspective and support are an adult's terms: a minor
            # feels the household's insecurity and gets the parents' support through parenting
            # and attachment (loop 3), not through loops 1 and 2.
            grown = 0.0 if child else 1.0
            # the care tasks of a couple are shared; a single parent carries them alone
            care = (0.5 * ctx[C.CARE, i] * (1.0 + pv[K.closure_care] * sw[L.closure_care] * pv[K.schools_closed])
                    * (1.0 + pv[K.single_care] * sw[L.single_care] * ctx[C.IS_SINGLE, i])) if adult else 0.0
            if child or activity == Activity.STUDY:
                pressure = pv[K.school_pressure] if age_y >= 4.0 else 0.0
            else:
                pressure = pv[K.work_pressure] if activity == Activity.WORK else 0.0
            x = (
                pv[K.bias_stress]
                + pv[K.acute_chronic] * sw[L.acute_chronic] * (acute - 0.25)
                - pv[K.security_stress] * sw[L.security_stress] * grown * (sec - 0.5)
                - pv[K.future_stress] * sw[L.future_stress] * grown * (fut - 0.5)
                - pv[K.skills_stress] * sw[L.skills_stress] * (skills - 0.5)
                - pv[K.network_stress] * sw[L.network_stress] * (netq - 0.5)
                - pv[K.support_stress] * sw[L.support_stress] * grown * (support - 0.5)
                - pv[K.identity_stress] * sw[L.identity_stress] * (f[F.IDENTITY, i] - 0.5)
                + pv[K.care_stress] * sw[L.care_stress] * care
                + pv[K.pressure_stress] * sw[L.pressure_stress] * pressure
                # the block: nuisance and unsafety, poor housing and public space
                + pv[K.nuisance_stress] * sw[L.nuisance_stress] * (ctx[C.NUISANCE_B, i] - 0.5)
                - pv[K.housing_quality_stress] * sw[L.housing_quality_stress] * (ctx[C.HOUSING_Q_B, i] - 0.5)
            )
            stress_new = stress + r_st * (_sig(x) - stress)

            # ---- mental and physical health ----
            mental = f[F.MENTAL, i]
            x = (
                pv[K.bias_mental]
                + pv[K.stress_mental] * sw[L.stress_mental] * (stress - 0.5)
                - pv[K.help_mental] * sw[L.help_mental] * in_care
                # youth care treats the children's problems, parenting support the parenting (below)
                - pv[K.youth_care_child] * sw[L.youth_care_child] * (ctx[C.HH_YOUTH_CARE, i] if child else 0.0)
            )
            mental_new = mental + r_slow * (_sig(x) - mental)
            phys = f[F.PHYSICAL, i]  # after this month's illness
            x = (pv[K.bias_physical] - pv[K.stress_health] * sw[L.stress_health] * (stress - 0.5)
                 - a_age_health * (age_y - 40.0))
            phys_new = phys + r_slow * (_sig(x) - phys)

            # ---- wellbeing (loop 1): the stress felt now, chronic and acute together ----
            felt = 1.0 - (1.0 - stress) * (1.0 - acute)
            x = (
                pv[K.bias_wellbeing]
                - pv[K.stress_wellbeing] * sw[L.stress_wellbeing] * (felt - 0.5)
                + pv[K.support_wellbeing] * sw[L.support_wellbeing] * (support - 0.5)
                - pv[K.mental_wellbeing] * sw[L.mental_wellbeing] * (mental - 0.5)
                + pv[K.health_wellbeing] * sw[L.health_wellbeing] * (phys - 0.5)
            )
            wb_new = wb + r_wb * (_sig(x) - wb)

            # ---- functioning in education and work (loop 2, child's chances in loop 3) ----
            x = (
                pv[K.bias_functioning]
                - pv[K.stress_functioning] * sw[L.stress_functioning] * (stress - 0.5)
                + pv[K.skills_functioning] * sw[L.skills_functioning] * (skills - 0.5)
            )
            func_new = func + r_fast * (_sig(x) - func)

            # ---- existential security (loops 1, 2) and future perspective (loop 2) ----
            x = (
                pv[K.bias_security]
                + pv[K.wellbeing_security] * sw[L.wellbeing_security] * (wb - 0.5)
                + pv[K.functioning_security] * sw[L.functioning_security] * (func - 0.5)
                + pv[K.income_security] * sw[L.income_security] * (income - 0.5)
                - pv[K.debt_security] * sw[L.debt_security] * (debt - 0.5)
                + pv[K.housing_security] * sw[L.housing_security] * (housing - 0.5)
            )
            sec_new = sec + r_slow * (_sig(x) - sec)
            x = (
                pv[K.bias_future]
                + pv[K.security_future] * sw[L.security_future] * (sec - 0.5)
                + pv[K.identity_future] * sw[L.identity_future] * (f[F.IDENTITY, i] - 0.5)
            )
            fut_new = fut + r_slow * (_sig(x) - fut)
            if child:
                sec_new = sec
                fut_new = fut

            # ---- housing security (adults; children share the household's). Income, debt and
            # buffer are the household budget's (household_budgets), not updated here ----
            if adult:
                x = (
                    pv[K.bias_housing]
                    + pv[K.income_housing] * sw[L.income_housing] * (income - 0.5)
                    - pv[K.debt_housing] * sw[L.debt_housing] * (debt - 0.5)
                    + pv[K.social_housing] * sw[L.social_housing] * ctx[C.SOCIAL_HOUSING, i]
                )
                housing_new = housing + r_slow * (_sig(x) - housing)
            else:
                housing_new = housing

            # ---- parenting received, attachment, life skills (loop 3) ----
            if child:
                ps = ctx[C.HH_STRESS, i]
                pq = f[F.PARENTING, i]
                x = (
                    pv[K.bias_parenting]
                    - pv[K.stress_parenting] * sw[L.stress_parenting] * (ps - 0.5)
                    # a single parent has less time for care (the more so when working) and carries the stress alone
                    - pv[K.single_parenting] * sw[L.single_parenting] * ctx[C.IS_SINGLE, i]
                    * 0.5 * (0.5 + 0.5 * ctx[C.HH_WORKING, i] + ps)
                    + pv[K.youth_care_parenting] * sw[L.youth_care_parenting] * ctx[C.HH_YOUTH_CARE, i]
                )
                pq_new = pq + r_fast * (_sig(x) - pq)
            else:
                pq_new = f[F.PARENTING, i]
            att = f[F.ATTACHMENT, i]
            x = pv[K.bias_attachment] + pv[K.parenting_attachment] * sw[L.parenting_attachment] * (f[F.PARENTING, i] - 0.5)
            att_new = att + plast * r_fast * (_sig(x) - att) if child else att
            part = f[F.PARTICIPATION, i]
            x = (
                pv[K.bias_skills]
                + pv[K.attachment_skills] * sw[L.attachment_skills] * (att - 0.5)
                + pv[K.network_skills] * sw[L.network_skills] * (netq - 0.5)
                + pv[K.help_skills] * sw[L.help_skills] * in_care
                + pv[K.participation_skills] * sw[L.participation_skills] * (part - 0.5)
                - pv[K.scar_skills] * sw[L.scar_skills] * scar
            )
            skills_new = skills + plast * pv[K.rate_skills] * (_sig(x) - skills)
            # ---- scars: long unemployment (a year and more), problematic-level debt, chronic stress ----
            # each spell pushes the scar up while it lasts; it heals slowly after (rate_scar_heal)
            long_jobless = 1.0 if (working_age and (activity == Activity.SEEKING or activity == Activity.INACTIVE)
                                   and iv[I.JOBLESS_MONTHS, i] >= 12) else 0.0
            pressed = 1.0 - ((1.0 - pv[K.jobless_scar] * sw[L.jobless_scar] * long_jobless)
                             * (1.0 - pv[K.debt_scar] * sw[L.debt_scar] * (1.0 if debt > 0.5 else 0.0))
                             * (1.0 - pv[K.stress_scar] * sw[L.stress_scar]
                                * (1.0 if stress > pv[K.chronic_stress_line] else 0.0)))
            scar_new = scar + pv[K.rate_scar] * pressed * (1.0 - scar) - pv[K.rate_scar_heal] * (1.0 - pressed) * scar

            # ---- self-esteem, agency, success experiences (loops 5, 6) ----
            se = f[F.SELF_ESTEEM, i]
            succ = f[F.SUCCESS, i]
            school_child = 1.0 if (child and age_y >= 4.0) else 0.0
            x = (
                pv[K.bias_selfesteem]
                + pv[K.network_selfesteem] * sw[L.network_selfesteem] * (netq - 0.5)
                + pv[K.success_selfesteem] * sw[L.success_selfesteem] * (succ - 0.5)
                - pv[K.teacher_expectations]
                * sw[L.teacher_expectations]
                * school_child
                * pv[K.teacher_low_expectation]
            )
            se_new = se + r_slow * (_sig(x) - se)
            ag = f[F.AGENCY, i]
            x = (
                pv[K.bias_agency]
                + pv[K.network_agency] * sw[L.network_agency] * (netq - 0.5)
                + pv[K.success_agency] * sw[L.success_agency] * (succ - 0.5)
            )
            ag_new = ag + r_slow * (_sig(x) - ag)

            # ---- participation (loops 5, 6; shame; meeting places; give-back) ----
            style = iv[I.STYLE, i]
            if style == CitizenStyle.DUTIFUL:
                style_off = pv[K.style_offset_dutiful]
            elif style == CitizenStyle.RESPONSIBLE:
                style_off = pv[K.style_offset_responsible]
            elif style == CitizenStyle.PRAGMATIC:
                style_off = pv[K.style_offset_pragmatic]
            else:
                style_off = pv[K.style_offset_outsider]
            x = (
                pv[K.bias_participation]
                + style_off
                + pv[K.agency_participation] * sw[L.agency_participation] * (ag - 0.5)
                + pv[K.network_participation] * sw[L.network_participation] * (netq - 0.5)
                - pv[K.shame_participation] * sw[L.shame_participation] * (0.5 - income)
                - pv[K.debt_shame] * sw[L.debt_shame] * (debt - 0.5)
                - pv[K.stress_withdrawal] * sw[L.stress_withdrawal] * (stress - 0.5)
                + pv[K.meeting_participation] * sw[L.meeting_participation] * (ctx[C.MEET_OPEN, i] - 0.5)
                + pv[K.builder_participation] * sw[L.builder_participation] * ctx[C.PRO_BUILDER, i]
                + pv[K.giveback_participation] * sw[L.giveback_participation] * (ctx[C.RESILIENCE, i] - 0.5)
            )
            part_new = part + r_slow * (_sig(x) - part)
            if age_y >= 12.0:
                # an attempt to take part (activity, volunteering, a residents' initiative)
                p_att = pv[K.p_attempt] * (
                    1.0 - pv[K.participation_success] * sw[L.participation_success] * (1.0 - part)
                )
                if uniform(seed, step, iv[I.KEY, i], D_ATTEMPT) < p_att:
                    ev |= Ev.ATTEMPT
                    x = (
                        pv[K.bias_success]
                        + pv[K.efficacy_success] * sw[L.efficacy_success] * (ctx[C.EFFICACY, i] - 0.5)
                        + pv[K.agency_participation] * sw[L.agency_participation] * (ag - 0.5)
                    )
                    if uniform(seed, step, iv[I.KEY, i], D_SUCCESS) < _sig(x):
                        ev |= Ev.SUCCESS
                        succ_new = succ + r_fast * (1.0 - succ)
                    else:
                        succ_new = succ - r_fast * 0.5 * succ
                else:
                    succ_new = succ - r_slow * 0.25 * succ
            else:
                succ_new = succ - r_slow * 0.25 * succ

            # ---- identity and meaning (cultural resource) ----
            ident = f[F.IDENTITY, i]
            member = 1.0 if iv[I.COMMUNITY, i] >= 0 else 0.0
            x = pv[K.bias_identity] + pv[K.community_identity] * sw[L.community_identity] * (member - 0.5)
            ident_new = ident + r_slow * (_sig(x) - ident)

            # ---- trust in institutions and navigation (loop 4) ----
            waiting_years = 0.0
            youth_state = iv[I.YOUTH_HELP, i]
            if help_state == Help.WAITING:
                waiting_years = (step - iv[I.WAIT_SINCE, i]) / 12.0
            if youth_state == Help.WAITING:
                waiting_years = max(waiting_years, (step - iv[I.YOUTH_WAIT_SINCE, i]) / 12.0)
            contact = 1.0 if (help_state != Help.NONE or youth_state != Help.NONE or iv[I.CLAIM, i] == 1
                              or (working_age and activity == Activity.SEEKING)) else 0.0
            fraud = 1.0 if (ev & Ev.FRAUD_SUSPICION) else 0.0
            x = (
                trust_base
                + pv[K.knownface_trust] * sw[L.knownface_trust] * pro
                + pv[K.service_point_trust] * sw[L.service_point_trust] * ctx[C.SERVICE_POINT, i]
                - pv[K.bad_contact_trust] * sw[L.bad_contact_trust] * contact * pv[K.bureaucracy]
                - pv[K.wait_trust] * sw[L.wait_trust] * waiting_years
            )
            trust_new = trust + r_slow * (_sig(x) - trust)
            trust_new -= pv[K.fraud_trust] * sw[L.fraud_trust] * fraud * pv[K.hit_fraud] * trust_new
            lim = 1.0 if iv[I.LIMITS, i] != 0 else 0.0
            x = (
                pv[K.bias_navigation]
                - pv[K.complexity_navigation] * sw[L.complexity_navigation] * pv[K.system_complexity]
                - pv[K.limits_navigation] * sw[L.limits_navigation] * lim
                + pv[K.familiarity_navigation] * sw[L.familiarity_navigation] * iv[I.EVER_HELPED, i]
                + pv[K.network_navigation] * sw[L.network_navigation] * (netq - 0.5)
                + pv[K.pro_navigation] * sw[L.pro_navigation] * pro
                + pv[K.service_point_navigation] * sw[L.service_point_navigation] * ctx[C.SERVICE_POINT, i]
            )
            nav_new = nav + r_slow * (_sig(x) - nav)

            # ---- need, signal, seeking help through the neighbourhood team (loop 4) ----
            # Two kinds of need, each with its own service: the adult's own mental health (GGZ) and
            # the children's problems and parenting (parenting support and youth care). The
            # neighbourhood team is the door: once the need is signalled (by the person, a
            # professional, the school or the network) and the person asks, it refers to the
            # service for the larger of the two needs, if that service is not already involved.
            need_ggz = 0.0
            need_youth = 0.0
            if adult:
                need_ggz = pv[K.mental_need] * sw[L.mental_need] * mental
                need_youth = pv[K.parenting_need] * sw[L.parenting_need] * ctx[C.HH_CHILD_PROBLEM, i]
                need = 1.0 - (1.0 - need_ggz) * (1.0 - need_youth)
                if need > pv[K.need_threshold]:
                    ev |= Ev.NEED
                    youth = need_youth > need_ggz
                    state_for = youth_state if youth else help_state
                    if state_for == Help.NONE:
                        p_sig = 1.0 - (1.0 - pv[K.p_self_signal]) * (
                            1.0 - pv[K.pro_signal] * sw[L.pro_signal] * pro
                        ) * (1.0 - pv[K.service_point_signal] * sw[L.service_point_signal] * ctx[C.SERVICE_POINT, i]) * (1.0 - pv[K.school_signal] * sw[L.school_signal] * ctx[C.SCHOOL_CHILD, i]
                             * (1.0 - pv[K.schools_closed])) * (
                            1.0 - pv[K.network_signal] * sw[L.network_signal] * netq
                        )
                        if uniform(seed, step, iv[I.KEY, i], D_SIGNAL) < p_sig:
                            x = (
                                pv[K.bias_seek]
                                + pv[K.navigation_seek] * sw[L.navigation_seek] * (nav - 0.5)
                                + pv[K.trust_seek] * sw[L.trust_seek] * (trust - 0.5)
                            )
                            if uniform(seed, step, iv[I.KEY, i], D_SEEK) < _sig(x):
                                ev |= Ev.SOUGHT
                                if youth:
                                    iv[I.YOUTH_HELP, i] = Help.WAITING
                                    iv[I.YOUTH_WAIT_SINCE, i] = step
                                else:
                                    iv[I.HELP, i] = Help.WAITING
                                    iv[I.WAIT_SINCE, i] = step
                            else:
                                ev |= Ev.DECLINED
            # each service (0: mental-health care, 1: parenting support and youth care): the waiting
            # leave its queue when the need is gone or give up (it took too long); care ends
            for svc in range(2):
                if svc == 0:
                    state, need_of, state_row, since_row, months_row = help_state, need_ggz, I.HELP, I.WAIT_SINCE, I.CARE_MONTHS
                    d_leave, d_end, months_mean = D_GIVE_UP, D_CARE_END, pv[K.care_months_mean]
                else:
                    state, need_of, state_row, since_row = youth_state, need_youth, I.YOUTH_HELP, I.YOUTH_WAIT_SINCE
                    months_row, d_leave, d_end, months_mean = I.YOUTH_MONTHS, D_YOUTH_GIVE_UP, D_YOUTH_END, pv[K.youth_care_months]
                if state == Help.WAITING:
                    p_leave = pv[K.p_queue_recovered] if need_of <= pv[K.need_threshold] else pv[K.p_queue_give_up]
                    if uniform(seed, step, iv[I.KEY, i], d_leave) < p_leave:
                        iv[state_row, i] = Help.NONE
                        iv[since_row, i] = -1
                elif state == Help.CARE:
                    iv[months_row, i] += 1
                    if uniform(seed, step, iv[I.KEY, i], d_end) < 1.0 / months_mean:
                        ev |= Ev.CARE_END
                        iv[state_row, i] = Help.NONE
                        iv[months_row, i] = 0
                        iv[I.EVER_HELPED, i] = 1

            # ---- write back ----
            f[F.ACUTE, i] = acute
            f[F.STRESS, i] = stress_new
            f[F.MENTAL, i] = mental_new
            f[F.PHYSICAL, i] = phys_new
            f[F.WELLBEING, i] = wb_new
            f[F.FUNCTIONING, i] = func_new
            f[F.SECURITY, i] = sec_new
            f[F.FUTURE, i] = fut_new
            f[F.HOUSING, i] = housing_new
            f[F.PARENTING, i] = pq_new
            f[F.ATTACHMENT, i] = att_new
            f[F.LIFE_SKILLS, i] = skills_new
            f[F.SELF_ESTEEM, i] = se_new
            f[F.AGENCY, i] = ag_new
            f[F.PARTICIPATION, i] = part_new
            f[F.SUCCESS, i] = succ_new
            f[F.IDENTITY, i] = ident_new
            f[F.TRUST, i] = trust_new
            f[F.NAVIGATION, i] = nav_new
            f[F.SUPPORT, i] = support + r_fast * (ctx[C.SUPPORT_IN, i] - support)
            f[F.NETWORK, i] = netq
            f[F.SCAR, i] = scar_new
            events[i] = ev
    return warmth[0] * 0.0


update_persons = njit(cache=True)(_update_persons)
update_persons_parallel = njit(cache=True, parallel=True)(_named(_update_persons, "_parallel"))


# --------------------------------------------------------------------------------------
# Kernel 3: ties form, strengthen and decay
# --------------------------------------------------------------------------------------

# draw numbers of update_ties
T_NEIGH, T_NEIGH_CELL, T_NEIGH_WHO = 20, 21, 22
T_MEET, T_MEET_WHO = 23, 24
T_SCHOOL, T_SCHOOL_WHO = 25, 26
T_COMM, T_COMM_WHO = 27, 28
T_WORK, T_WORK_WHO = 29, 30


@njit(cache=True)
def _find_slot(tie_other, i, j):
    for k in range(tie_other.shape[1]):
        if tie_other[i, k] == j:
            return k
    return -1


@njit(cache=True)
def _drop_slot(tie_other, tie_w, tie_type, i, k):
    """Remove slot k of row i, keeping the row packed (last filled slot moves into k)."""
    last = -1
    for q in range(tie_other.shape[1] - 1, -1, -1):
        if tie_other[i, q] >= 0:
            last = q
            break
    if last != k:
        tie_other[i, k] = tie_other[i, last]
        tie_w[i, k] = tie_w[i, last]
        tie_type[i, k] = tie_type[i, last]
    tie_other[i, last] = -1
    tie_w[i, last] = 0.0
    tie_type[i, last] = TieType.NONE


@njit(cache=True)
def drop_person_ties(tie_other, tie_w, tie_type, i):
    """Remove every tie of person ``i`` from both ends (death or moving away); rows stay packed."""
    while tie_other[i, 0] >= 0:
        j = tie_other[i, 0]
        _drop_slot(tie_other, tie_w, tie_type, j, _find_slot(tie_other, j, i))
        _drop_slot(tie_other, tie_w, tie_type, i, 0)


@njit(cache=True)
def _new_tie(tie_other, tie_w, tie_type, i, j, kind, weight):
    """A new mutual tie in the first free slot of both rows, if both have one."""
    ki = _find_slot(tie_other, i, -1)
    kj = _find_slot(tie_other, j, -1)
    if ki < 0 or kj < 0:
        return
    tie_other[i, ki] = j
    tie_other[j, kj] = i
    tie_w[i, ki] = weight
    tie_w[j, kj] = weight
    tie_type[i, ki] = kind
    tie_type[j, kj] = kind


@njit(cache=True)
def drop_ties_of(tie_other, tie_w, tie_type, ids):
    """:func:`drop_person_ties` for every person in ``ids`` (int64[m])."""
    for n in range(ids.shape[0]):
        drop_person_ties(tie_other, tie_w, tie_type, ids[n])


@njit(cache=True)
def link_groups(tie_other, tie_w, tie_type, start, members, kind, weight):
    """Tie every pair within each group ``members[start[g]:start[g + 1]]`` (where both have room).

    Used for the members of a new household. Existing ties are left as they are.
    """
    for g in range(start.shape[0] - 1):
        for a in range(start[g], start[g + 1]):
            for b in range(a + 1, start[g + 1]):
                i = members[a]
                j = members[b]
                if _find_slot(tie_other, i, j) < 0:
                    _new_tie(tie_other, tie_w, tie_type, i, j, kind, weight)


@njit(cache=True)
def contact(tie_other, tie_w, tie_type, i, j, kind, gain):
    """A contact between i and j: strengthen their tie, or make one if both have room."""
    k = _find_slot(tie_other, i, j)
    if k >= 0:
        tie_w[i, k] += gain * (1.0 - tie_w[i, k])
        q = _find_slot(tie_other, j, i)
        tie_w[j, q] = tie_w[i, k]
        return
    _new_tie(tie_other, tie_w, tie_type, i, j, kind, gain)


@njit(cache=True, inline="always")
def _member(g_start, g_members, g, u):
    """A member of group g picked by the uniform draw u, or -1 if the group is empty."""
    a = g_start[g]
    b = g_start[g + 1]
    if b <= a:
        return -1
    return g_members[a + int(u * (b - a))]


def _update_ties(
    f, iv, tie_other, tie_w, tie_type, active, hh_cell, cell_hh, grid_wh, g_start, g_members,
    g_base, g_flags, pv, sw, seed, step,
):
    """Decay every tie, then let each person make this month's contacts.

    Contacts come from five places: grid neighbours (Moore neighbourhood), the meeting
    place (those who took part there this month), the school gate (parents of school
    children), the community of shared ideals or faith, and work (the employed). A
    contact strengthens an existing tie or, when both have a free slot, makes a new one:
    bonding when the two are alike (same household, or same citizen style and similar
    earning capacity), bridging otherwise. Household members meet daily, so their ties
    are refreshed instead of decaying. Participation makes contacts more likely; stress
    and distrust make people withdraw.

    Serial on purpose: ties are mutual, and persons act in the order of ``active``.

    Args:
        f: float64[N_F, n] person stocks (read).
        iv: int64[N_I, n] person integers (read).
        tie_other, tie_w, tie_type: [n, k] tie slots, updated in place; rows stay packed
            (filled slots first).
        active: int64[m] alive persons, in id order.
        hh_cell: int64[n_households] cell of each household, -1 if gone.
        cell_hh: int64[n_cells] household in each cell, -1 if none.
        grid_wh: int64[2] grid width and height; cell = y * width + x.
        g_start: int64[n_groups + 1] CSR offsets of the contact groups.
        g_members: int64[...] members of the groups.
        g_base: int64[5] first group of each channel: households (one group per household
            id), meeting places (attendees this month, one per place), the school gate
            (one group), communities (one per community), work (one group).
        g_flags: int8[n] per person, bit ``c`` set when in a group of channel ``c``.
        pv: float64[N_K] parameters; sw: float64[N_L] switches.
        seed, step: keys of the random stream.
    """
    kslots = tie_other.shape[1]
    decay = pv[K.tie_decay]
    tmin = pv[K.tie_min]
    gain = pv[K.tie_gain]
    gw = grid_wh[0]
    gh = grid_wh[1]
    # contacts at the meeting place and the school gate, each a link (meeting_ties, school_gate_ties)
    p_meet = pv[K.p_contact_meeting] * (pv[K.meeting_ties] * sw[L.meeting_ties])
    p_school = pv[K.p_contact_school] * (pv[K.school_gate_ties] * sw[L.school_gate_ties])
    # 1. decay (household ties are refreshed). Both ends of a tie hold the same weight and
    #    get the same update, so each row is handled on its own and stays symmetric.
    for n in range(active.shape[0]):
        i = active[n]
        k = 0
        while k < kslots:
            j = tie_other[i, k]
            if j < 0:
                break
            if iv[I.HOUSEHOLD, j] == iv[I.HOUSEHOLD, i]:
                w = tie_w[i, k] + gain * (1.0 - tie_w[i, k])
            else:
                w = tie_w[i, k] * (1.0 - decay)
            if w < tmin:
                _drop_slot(tie_other, tie_w, tie_type, i, k)
                continue  # slot k now holds another tie
            tie_w[i, k] = w
            k += 1
    # 2. contacts
    for n in range(active.shape[0]):
        i = active[n]
        hh = iv[I.HOUSEHOLD, i]
        x = (
            pv[K.participation_ties] * sw[L.participation_ties] * (f[F.PARTICIPATION, i] - 0.5)
            - pv[K.stress_withdrawal] * sw[L.stress_withdrawal] * (f[F.STRESS, i] - 0.5)
            - pv[K.distrust_withdrawal] * sw[L.distrust_withdrawal] * (0.5 - f[F.TRUST, i])
        )
        sociability = 2.0 / (1.0 + np.exp(-x))  # in (0, 2), 1 for an average person
        for channel in range(5):
            j = -1
            if channel == 0:
                if uniform(seed, step, iv[I.KEY, i], T_NEIGH) >= pv[K.p_contact_neighbour] * sociability:
                    continue
                cell = hh_cell[hh]
                cx = cell % gw
                cy = cell // gw
                d = int(uniform(seed, step, iv[I.KEY, i], T_NEIGH_CELL) * 8.0)
                if d >= 4:
                    d += 1  # skip the centre of the 3 x 3 block
                nx = cx + d % 3 - 1
                ny = cy + d // 3 - 1
                if nx < 0 or ny < 0 or nx >= gw or ny >= gh:
                    continue
                other_hh = cell_hh[ny * gw + nx]
                if other_hh < 0:
                    continue
                j = _member(g_start, g_members, g_base[0] + other_hh, uniform(seed, step, iv[I.KEY, i], T_NEIGH_WHO))
            elif channel == 1:
                m = iv[I.MEETING, i]
                if m < 0:
                    continue
                if not g_flags[i] & 2:  # not at the meeting place this month
                    continue
                g = g_base[1] + m
                if uniform(seed, step, iv[I.KEY, i], T_MEET) >= p_meet * sociability:
                    continue
                j = _member(g_start, g_members, g, uniform(seed, step, iv[I.KEY, i], T_MEET_WHO))
            elif channel == 2:
                if not g_flags[i] & 4:  # not at the school gate
                    continue
                g = g_base[2]
                if uniform(seed, step, iv[I.KEY, i], T_SCHOOL) >= p_school * sociability:
                    continue
                j = _member(g_start, g_members, g, uniform(seed, step, iv[I.KEY, i], T_SCHOOL_WHO))
            elif channel == 3:
                c = iv[I.COMMUNITY, i]
                if c < 0:
                    continue
                p = pv[K.p_contact_community] * pv[K.community_ties] * sw[L.community_ties]
                if uniform(seed, step, iv[I.KEY, i], T_COMM) >= p * sociability:
                    continue
                j = _member(g_start, g_members, g_base[3] + c, uniform(seed, step, iv[I.KEY, i], T_COMM_WHO))
            else:
                if iv[I.EMPLOYED, i] == 0:
                    continue
                if uniform(seed, step, iv[I.KEY, i], T_WORK) >= pv[K.p_contact_work] * sociability:
                    continue
                j = _member(g_start, g_members, g_base[4], uniform(seed, step, iv[I.KEY, i], T_WORK_WHO))
            if j < 0 or j == i:
                continue
            if iv[I.HOUSEHOLD, j] == hh or (
                iv[I.STYLE, j] == iv[I.STYLE, i]
                and abs(f[F.EARNING, j] - f[F.EARNING, i]) < pv[K.similarity_income]
            ):
                kind = TieType.BONDING
            else:
                kind = TieType.BRIDGING
            contact(tie_other, tie_w, tie_type, i, j, kind, gain)


update_ties = njit(cache=True)(_update_ties)
