"""Every label, caption and help text of the browser view, in Dutch and English.

``t(key, lang)`` returns the text; a missing key raises (a test checks that every key has
both languages). The Dutch terms of the sources are explained in :data:`GLOSSARY`, shown
as tooltips. The labels of the parameters, their units and groups come from the schema
(:mod:`abm.params`), where each parameter is declared once in both languages.
"""

from __future__ import annotations

from abm.params import GROUP_NL, UNIT_NL, spec

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
    # family view (story, key, handout)
    # words
    "family.and": {"nl": " en ", "en": " and "},
    "family.kids.one": {"nl": "{n} kind", "en": "{n} child"},
    "family.kids.many": {"nl": "{n} kinderen", "en": "{n} children"},
    "family.name_age": {"nl": "{name} ({age} jaar)", "en": "{name} (aged {age})"},
    "family.lvl.unknown": {"nl": "onbekend", "en": "unknown"},
    "family.lvl.stress.low": {"nl": "laag", "en": "low"},
    "family.lvl.stress.mid": {"nl": "middelmatig", "en": "middling"},
    "family.lvl.stress.high": {"nl": "hoog", "en": "high"},
    "family.lvl.stress.very_high": {"nl": "heel hoog", "en": "very high"},
    "family.lvl.skills.weak": {"nl": "zwak", "en": "weak"},
    "family.lvl.skills.fair": {"nl": "matig", "en": "fair"},
    "family.lvl.skills.good": {"nl": "goed", "en": "good"},
    "family.lvl.skills.strong": {"nl": "sterk", "en": "strong"},
    "family.obj.f": {"nl": "haar", "en": "her"},
    "family.obj.m": {"nl": "hem", "en": "him"},
    "family.verb.gets.one": {"nl": "krijgt", "en": "gets"},
    "family.verb.gets.many": {"nl": "krijgen", "en": "get"},
    "family.whom.family": {"nl": "voor dit gezin geen verschil", "en": "no difference for this family"},
    "family.whom.children": {"nl": "voor de kinderen geen blijvend verschil",
                             "en": "no lasting difference for the children"},
    "family.verb.had.one": {"nl": "had", "en": "had"},
    "family.verb.had.many": {"nl": "hadden", "en": "had"},
    "family.verb.grew.one": {"nl": "opgroeide", "en": "grew up"},
    "family.verb.grew.many": {"nl": "opgroeiden", "en": "grew up"},
    "family.cmp.above": {"nl": "Dat is duidelijk meer.", "en": "That is clearly more."},
    "family.cmp.near": {"nl": "Dat scheelt weinig.", "en": "That is about the same."},
    "family.cmp.below": {"nl": "Dat is duidelijk minder.", "en": "That is clearly less."},
    # the pick list
    "family.pick.auto": {"nl": "Laat de pagina een typerend gezin kiezen", "en": "Let the page pick a typical family"},
    "family.pick.item": {"nl": "Huishouden {hh}: {kind}, {kids} ({ages} jaar), stress {stress}",
                         "en": "Household {hh}: {kind}, {kids} (aged {ages}), stress {stress}"},
    # the story: who they are
    "family.story.intro_single": {
        "nl": "Maak kennis met {name} ({age} jaar). {name} is {rel} en voedt {kids} alleen op: {children}. Alle "
              "cijfers in dit verhaal zijn scores van 0 tot 100. De stress van {name} is {level}: {stress}, tegen "
              "{ref} bij een gemiddelde volwassene in de wijk.",
        "en": "Meet {name} (aged {age}), a {rel} who raises {kids} alone: {children}. Every number in this story is "
              "a score from 0 to 100. {name}'s stress is {level}: {stress}, against {ref} for an average adult in "
              "the neighbourhood."},
    "family.story.intro_couple": {
        "nl": "Maak kennis met {name} en {other}. Ze wonen samen met {kids}: {children}. Alle cijfers in dit verhaal "
              "zijn scores van 0 tot 100. De stress van {name} is {level}: {stress}, tegen {ref} bij een gemiddelde "
              "volwassene in de wijk.",
        "en": "Meet {name} and {other}. They live with {kids}: {children}. Every number in this story is a score "
              "from 0 to 100. {name}'s stress is {level}: {stress}, against {ref} for an average adult in the "
              "neighbourhood."},
    "family.story.intro_kids": {
        "nl": "Maak kennis met {children}. In dit huis woont geen ouder. Alle cijfers in dit verhaal zijn scores van "
              "0 tot 100.",
        "en": "Meet {children}. No parent lives in this home. Every number in this story is a score from 0 to 100."},
    # setbacks, and the stress after them
    "family.setback.job_loss": {"nl": "Jaar {year}: {name} verliest {pron} baan.",
                                "en": "Year {year}: {name} loses {pron} job."},
    "family.setback.debt": {"nl": "Jaar {year}: {name} raakt in de schulden.",
                            "en": "Year {year}: {name} gets into debt."},
    "family.setback.eviction": {"nl": "Jaar {year}: {name} wordt uit huis gezet.",
                                "en": "Year {year}: {name} is evicted."},
    "family.setback.illness": {"nl": "Jaar {year}: {name} wordt ziek.", "en": "Year {year}: {name} falls ill."},
    "family.setback.separation": {"nl": "Jaar {year}: {name} en {pron} partner gaan uit elkaar.",
                                  "en": "Year {year}: {name} and {pron} partner separate."},
    "family.stress.rise": {"nl": "In het halfjaar daarna loopt de stress van {name} op van {before} naar {after}: "
                                 "{after_lvl}.",
                           "en": "Over the next six months {name}'s stress climbs from {before} to {after}: "
                                 "{after_lvl}."},
    "family.stress.same": {"nl": "De stress van {name} blijft in het halfjaar daarna ongeveer gelijk: eerst {before}, "
                                 "daarna hoogstens {after}.",
                           "en": "{name}'s stress stays about the same over the next six months: {before} before, "
                                 "at most {after} after."},
    "family.stress.fall": {"nl": "Toch stijgt de stress van {name} daarna niet: eerst {before}, in het halfjaar "
                                 "daarna hoogstens {after}.",
                           "en": "Yet {name}'s stress does not rise: {before} before, at most {after} over the next "
                                 "six months."},
    # parenting and attachment
    "family.parenting.below": {
        "nl": "Jaar {year}: het moeilijkste jaar voor de opvoeding. {kids} {gets} dan minder aandacht en zorg dan "
              "gemiddeld in de wijk: een score van {parenting}, tegen {ref}.",
        "en": "Year {year}: the hardest year for parenting. {kids} then {gets} less care and attention than "
              "the neighbourhood average: a score of {parenting}, against {ref}."},
    "family.parenting.near": {
        "nl": "Jaar {year}: het moeilijkste jaar voor de opvoeding. Toch {gets} {kids} dan ongeveer evenveel "
              "aandacht en zorg als gemiddeld in de wijk: een score van {parenting}, tegen {ref}.",
        "en": "Year {year}: the hardest year for parenting. Still, {kids} then {gets} about as much care and "
              "attention as the neighbourhood average: a score of {parenting}, against {ref}."},
    "family.parenting.above": {
        "nl": "Jaar {year}: ook in het moeilijkste jaar voor de opvoeding {gets} {kids} meer aandacht en zorg dan "
              "gemiddeld in de wijk: een score van {parenting}, tegen {ref}.",
        "en": "Year {year}: even in the hardest year for parenting, {kids} {gets} more care and attention than "
              "the neighbourhood average: a score of {parenting}, against {ref}."},
    "family.attach.fall": {"nl": "De hechting van {kids} (hoe veilig een kind zich voelt bij de ouders) daalt van "
                                 "{att0} naar {att}.",
                           "en": "The attachment of {kids} (how safe a child feels with the parents) falls from "
                                 "{att0} to {att}."},
    "family.attach.same": {"nl": "De hechting van {kids} (hoe veilig een kind zich voelt bij de ouders) blijft "
                                 "ongeveer gelijk: eerst {att0}, nu {att}.",
                           "en": "The attachment of {kids} (how safe a child feels with the parents) stays about "
                                 "the same: {att0} at first, {att} now."},
    "family.attach.rise": {"nl": "De hechting van {kids} (hoe veilig een kind zich voelt bij de ouders) stijgt van "
                                 "{att0} naar {att}.",
                           "en": "The attachment of {kids} (how safe a child feels with the parents) rises from "
                                 "{att0} to {att}."},
    # the next generation
    "family.adult.below": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level}: {skills}. Jonge "
              "volwassenen in de wijk hebben gemiddeld {ref}; {name} zit daar duidelijk onder.",
        "en": "Year {year}: {name} turns 18. {name}'s life skills are {level}: {skills}. Young adults in the "
              "neighbourhood have {ref} on average; {name} is clearly below that."},
    "family.adult.near": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level}: {skills}. Jonge "
              "volwassenen in de wijk hebben gemiddeld {ref}; {name} zit daar dichtbij.",
        "en": "Year {year}: {name} turns 18. {name}'s life skills are {level}: {skills}. Young adults in the "
              "neighbourhood have {ref} on average; {name} is close to that."},
    "family.adult.above": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level}: {skills}. Jonge "
              "volwassenen in de wijk hebben gemiddeld {ref}; {name} zit daar duidelijk boven.",
        "en": "Year {year}: {name} turns 18. {name}'s life skills are {level}: {skills}. Young adults in the "
              "neighbourhood have {ref} on average; {name} is clearly above that."},
    "family.own_household": {
        "nl": "Jaar {year}: {name} gaat op {age}-jarige leeftijd op zichzelf wonen, nog in de wijk. De stress van "
              "{name} is dan {level}: {stress}.",
        "en": "Year {year}: at {age}, {name} moves to a place of their own, still in the neighbourhood. {name}'s "
              "stress is then {level}: {stress}."},
    "family.parent": {
        "nl": "Jaar {year}: {name} krijgt een kind, {child}, en is nu zelf {rel}. De stress van {name} is dan "
              "{level}: {stress}. Zo begint de volgende generatie.",
        "en": "Year {year}: {name} has a child, {child}, and is now a {rel}. {name}'s stress is then {level}: "
              "{stress}. So the next generation begins."},
    "family.moved.one": {
        "nl": "Jaar {year}: {name} ({age} jaar) verhuist uit de wijk; daarna volgt het model {obj} niet meer.",
        "en": "Year {year}: {name} (aged {age}) moves out of the neighbourhood; after that the model no longer "
              "follows {obj}."},
    "family.moved.many": {
        "nl": "Jaar {year}: {names} verhuizen uit de wijk; daarna volgt het model hen niet meer.",
        "en": "Year {year}: {names} move out of the neighbourhood; after that the model no longer follows them."},
    # looking back
    "family.look.parents": {
        "nl": "Terugblik over {years} jaar. Terwijl {kids} {grew}, was de stress van {parents} {level}: {stress}, "
              "tegen {ref} bij een gemiddelde volwassene in de wijk. {cmp}",
        "en": "Looking back over {years} years. While {kids} {grew}, the stress of {parents} was {level}: "
              "{stress}, against {ref} for an average adult in the neighbourhood. {cmp}"},
    "family.look.start": {"nl": "Terugblik over {years} jaar.", "en": "Looking back over {years} years."},
    "family.look.grown": {
        "nl": "{name} werd 18 met levensvaardigheden {skills} (jonge volwassenen in de wijk: {ref_skills}) en had "
              "als jonge volwassene stress {stress} (volwassenen in de wijk: {ref_stress}).",
        "en": "{name} turned 18 with life skills of {skills} (young adults in the neighbourhood: {ref_skills}) and "
              "as a young adult had stress of {stress} (adults in the neighbourhood: {ref_stress})."},
    "family.look.grown_no_stress": {
        "nl": "{name} werd 18 met levensvaardigheden {skills} (jonge volwassenen in de wijk: {ref_skills}).",
        "en": "{name} turned 18 with life skills of {skills} (young adults in the neighbourhood: {ref_skills})."},
    "family.look.gone": {
        "nl": "{name} vertrok in jaar {year} uit de wijk, op {age}-jarige leeftijd; daarna volgt het model {obj} "
              "niet meer.",
        "en": "{name} left the neighbourhood in year {year}, aged {age}; after that the model no longer follows "
              "{obj}."},
    "family.look.died": {"nl": "{name} overleed in jaar {year}, op {age}-jarige leeftijd.",
                         "en": "{name} died in year {year}, aged {age}."},
    "family.look.young": {
        "nl": "{name} is aan het eind {age} jaar en nog geen 18; volg het gezin langer om te zien hoe het met {obj} "
              "verdergaat.",
        "en": "{name} is {age} at the end and not yet 18; follow the family longer to see how things go on for "
              "{obj}."},
    "family.concl.passed": {
        "nl": "Conclusie: hier ging de stress van ouder op kind over. {parents} {had} duidelijk meer stress dan "
              "gemiddeld, en de cijfers van {names} zijn duidelijk slechter dan die van andere jongeren in de wijk: "
              "minder levensvaardigheden of meer stress (meer dan {near} punten verschil).",
        "en": "Conclusion: here the stress passed from parent to child. {parents} {had} clearly more stress than "
              "average, and the numbers of {names} are clearly worse than those of other young people in the "
              "neighbourhood: fewer life skills or more stress (more than {near} points apart)."},
    "family.concl.not_passed": {
        "nl": "Conclusie: hier ging de stress niet van ouder op kind over. {parents} {had} duidelijk meer stress "
              "dan gemiddeld, maar de cijfers van {names} zijn niet meer dan {near} punten slechter dan die van "
              "andere jongeren in de wijk. Wat zou er geholpen hebben?",
        "en": "Conclusion: here the stress did not pass from parent to child. {parents} {had} clearly more stress "
              "than average, but the numbers of {names} are no more than {near} points worse than those of other "
              "young people in the neighbourhood. What might have helped?"},
    "family.concl.mixed": {
        "nl": "Conclusie: bij {worse} ging de stress van ouder op kind over, bij {fine} niet. De cijfers van {worse} "
              "zijn meer dan {near} punten slechter dan die van andere jongeren in de wijk, die van {fine} niet. In "
              "één gezin kan het dus verschillend uitpakken.",
        "en": "Conclusion: for {worse} the stress passed from parent to child, for {fine} it did not. The numbers "
              "of {worse} are more than {near} points worse than those of other young people in the neighbourhood, "
              "those of {fine} are not. Within one family things can turn out differently."},
    "family.concl.calm_fine": {
        "nl": "Conclusie: {parents} {had} niet duidelijk meer stress dan gemiddeld in de wijk, en de cijfers van "
              "{names} zijn niet meer dan {near} punten slechter dan die van andere jongeren. Hier ging geen stress "
              "van ouder op kind over.",
        "en": "Conclusion: {parents} did not have clearly more stress than the neighbourhood average, and the "
              "numbers of {names} are no more than {near} points worse than those of other young people. Here no "
              "stress passed from parent to child."},
    "family.concl.calm_worse": {
        "nl": "Conclusie: {parents} {had} niet duidelijk meer stress dan gemiddeld in de wijk, toch zijn de cijfers "
              "van {names} meer dan {near} punten slechter dan die van andere jongeren. Hier speelt dus meer mee "
              "dan de stress van de ouders.",
        "en": "Conclusion: {parents} did not have clearly more stress than the neighbourhood average, yet the "
              "numbers of {names} are more than {near} points worse than those of other young people. So more is "
              "at play here than the parents' stress."},
    "family.concl.unknown_parents": {
        "nl": "Conclusie: in dit verhaal woonden de kinderen te kort of niet bij hun ouders, dus je kunt niet zien "
              "of de stress van de ouders op hen overging.",
        "en": "Conclusion: in this story the children lived with their parents too briefly or not at all, so you "
              "cannot see whether the parents' stress passed on to them."},
    "family.concl.none_grown": {
        "nl": "Conclusie: geen van de kinderen werd in het verhaal 18, dus je kunt nog niet zien of de stress van de "
              "ouders op hen overging.",
        "en": "Conclusion: none of the children turned 18 in the story, so you cannot yet see whether the parents' "
              "stress passed on to them."},
    # the policy
    "family.policy.reached": {
        "nl": "Nu hetzelfde gezin met {policy}: dezelfde wijk en hetzelfde toeval, alleen het beleid verschilt. Het "
              "beleid bereikt het gezin in jaar {year}.",
        "en": "Now the same family with {policy}: the same neighbourhood and the same luck, only the policy "
              "differs. The policy reaches the family in year {year}."},
    "family.policy.missed": {
        "nl": "Nu hetzelfde gezin met {policy}: dezelfde wijk en hetzelfde toeval, alleen het beleid verschilt. Het "
              "beleid bereikt dit gezin zelf niet.",
        "en": "Now the same family with {policy}: the same neighbourhood and the same luck, only the policy "
              "differs. The policy does not reach this family itself."},
    "family.policy.missed_but": {
        "nl": "Toch verandert er iets, want het beleid verandert de buurt om het gezin heen.",
        "en": "Still something changes, because the policy changes the neighbourhood around the family."},
    "family.part.apart": {
        "nl": "Vanaf jaar {year} lopen de lijnen van {name} met en zonder beleid uiteen: meer dan {part} punten "
              "verschil.",
        "en": "From year {year} on, {name}'s lines with and without the policy part: more than {part} points apart."},
    "family.part.only": {
        "nl": "Vanaf jaar {year} wijken de lijnen van {name} met en zonder beleid soms meer dan {part} punten af, "
              "maar de cijfers in de tabel verschillen hoogstens {same} punt.",
        "en": "From year {year} on, {name}'s lines with and without the policy are at times more than {part} "
              "points apart, but the numbers in the table differ by {same} point at most."},
    "family.part.close": {
        "nl": "De lijnen met en zonder beleid blijven dicht bij elkaar: nooit meer dan {part} punten verschil.",
        "en": "The lines with and without the policy stay close together: never more than {part} points apart."},
    "family.pc.skills18.diff": {
        "nl": "Met {policy} was {name} 18 geworden met levensvaardigheden {with} in plaats van {without}.",
        "en": "With {policy}, {name} would have turned 18 with life skills of {with} instead of {without}."},
    "family.pc.skills18.same": {
        "nl": "Met en zonder {policy} wordt {name} 18 met ongeveer dezelfde levensvaardigheden: {with} met, "
              "{without} zonder.",
        "en": "With and without {policy}, {name} turns 18 with about the same life skills: {with} with, {without} "
              "without."},
    "family.pc.last.diff": {
        "nl": "{name} is tot {age} jaar te volgen. Met {policy} waren de levensvaardigheden van {name} op die "
              "leeftijd {with} geweest in plaats van {without}.",
        "en": "{name} can be followed up to age {age}. With {policy}, {name}'s life skills at that age would have "
              "been {with} instead of {without}."},
    "family.pc.last.same": {
        "nl": "{name} is tot {age} jaar te volgen. Op die leeftijd zijn de levensvaardigheden van {name} met en "
              "zonder {policy} ongeveer gelijk: {with} met, {without} zonder.",
        "en": "{name} can be followed up to age {age}. At that age, {name}'s life skills are about the same with "
              "and without {policy}: {with} with, {without} without."},
    "family.pc.stress.diff": {
        "nl": "Tussen 18 en 21 had {name} met {policy} stress {with} gehad in plaats van {without}.",
        "en": "Between 18 and 21, with {policy}, {name} would have had stress of {with} instead of {without}."},
    "family.pc.stress.same": {
        "nl": "De stress van {name} tussen 18 en 21 blijft ongeveer gelijk: {with} met, {without} zonder.",
        "en": "{name}'s stress between 18 and 21 stays about the same: {with} with, {without} without."},
    "family.verdict.same_exact": {
        "nl": "Conclusie: {policy} maakte {whom}: alle cijfers in de tabel zijn met en zonder beleid gelijk.",
        "en": "Conclusion: {policy} made {whom}: every number in the table is the same with and without the "
              "policy."},
    "family.verdict.same": {
        "nl": "Conclusie: {policy} maakte {whom}: de cijfers in de tabel verschillen met en zonder beleid "
              "hoogstens {same} punt, en zo'n klein verschil ontstaat ook vanzelf.",
        "en": "Conclusion: {policy} made {whom}: the numbers in the table differ by {same} point "
              "at most with and without the policy, and so small a difference also arises by itself."},
    "family.verdict.none": {
        "nl": "Conclusie: voor hoe de kinderen aan hun volwassen leven beginnen, maakte {policy} geen verschil: "
              "meer levensvaardigheden en minder stress schelen samen hoogstens {same} punt per kind.",
        "en": "Conclusion: for how the children start their adult lives, {policy} made no difference: more life "
              "skills and less stress add up to {same} point per child at most."},
    "family.verdict.better_clear": {
        "nl": "Conclusie: met {policy} beginnen de kinderen duidelijk sterker aan hun volwassen leven: per kind "
              "{gain} punten beter (meer levensvaardigheden en minder stress samen).",
        "en": "Conclusion: with {policy} the children start their adult lives clearly stronger: {gain} points "
              "better per child (more life skills and less stress together)."},
    "family.verdict.better_little": {
        "nl": "Conclusie: met {policy} beginnen de kinderen iets sterker aan hun volwassen leven, maar het verschil "
              "is klein: per kind {gain} punten beter, minder dan {clear}.",
        "en": "Conclusion: with {policy} the children start their adult lives a little stronger, but the "
              "difference is small: {gain} points better per child, less than {clear}."},
    "family.verdict.worse_little": {
        "nl": "Conclusie: met {policy} beginnen de kinderen hier iets zwakker aan hun volwassen leven: per kind "
              "{gain} punten slechter. Dat kan door toeval en samenloop: beleid werkt gemiddeld, niet voor elk gezin.",
        "en": "Conclusion: with {policy} the children here start their adult lives a little weaker: {gain} points "
              "worse per child. Chance and circumstance can do that: a policy works on average, not for every "
              "family."},
    "family.verdict.worse_clear": {
        "nl": "Conclusie: met {policy} beginnen de kinderen hier duidelijk zwakker aan hun volwassen leven: per kind "
              "{gain} punten slechter. Dat kan door toeval en samenloop: beleid werkt gemiddeld, niet voor elk gezin.",
        "en": "Conclusion: with {policy} the children here start their adult lives clearly weaker: {gain} points "
              "worse per child. Chance and circumstance can do that: a policy works on average, not for every "
              "family."},
    # the comparison table
    "family.table.parenting": {"nl": "Opvoeding als kind (zonder / met)", "en": "Parenting as a child (without / with)"},
    "family.table.skills": {"nl": "Levensvaardigheden op 18 (zonder / met)", "en": "Life skills at 18 (without / with)"},
    "family.table.stress": {"nl": "Stress van 18 tot 21 (zonder / met)", "en": "Stress from 18 to 21 (without / with)"},
    "family.table.at_age": {"nl": "(op {age} jaar, daarna niet meer te volgen)", "en": "(at {age}, not followed after)"},
    "family.table.unseen": {"nl": "niet te zien", "en": "not seen"},
    "family.table.note": {
        "nl": "Elke cel: zonder beleid / met beleid, scores van 0 tot 100. Scheelt het {same} punt of minder, dan "
              "noemt het verhaal het gelijk.",
        "en": "Each cell: without the policy / with the policy, scores from 0 to 100. A difference of {same} point "
              "or less counts as the same in the story."},
    # the key to the chart's symbols
    "family.key.title": {"nl": "Tekens in de grafiek", "en": "Symbols in the chart"},
    "family.key.colour": {"nl": "Een teken heeft de kleur van de persoon om wie het gaat.",
                          "en": "A symbol has the colour of the person it is about."},
    "family.key.hover": {"nl": "Wijs een teken in de grafiek aan voor meer uitleg.",
                         "en": "Point at a symbol in the chart to read more."},
    "family.key.setback": {"nl": "tegenslag: baan kwijt, schulden of uit huis gezet",
                           "en": "setback: lost a job, got into debt or was evicted"},
    "family.key.illness": {"nl": "wordt ziek", "en": "falls ill"},
    "family.key.separation": {"nl": "gaat uit elkaar met een partner", "en": "separates from a partner"},
    "family.key.help": {"nl": "hulp: een vaste professional of het beleid", "en": "help: a known professional or the policy"},
    "family.key.adult": {"nl": "wordt 18", "en": "turns 18"},
    "family.key.own_household": {"nl": "gaat op zichzelf wonen", "en": "moves to a place of their own"},
    "family.key.birth": {"nl": "wordt geboren, of wordt ouder", "en": "is born, or becomes a parent"},
    "family.key.moved": {"nl": "verhuist uit de wijk (het model volgt die persoon daarna niet meer)",
                         "en": "moves out of the neighbourhood (the model no longer follows that person)"},
    "family.key.death": {"nl": "overlijdt", "en": "dies"},
    # the handout
    "family.handout.button": {"nl": "Verhaal downloaden om te printen", "en": "Download the story to print"},
    "family.handout.filename": {"nl": "gezin-verhaal.html", "en": "family-story.html"},
    "family.handout.meta": {"nl": "Huishouden {hh}, toevalsgetal {seed}, {years} jaar gevolgd.",
                            "en": "Household {hh}, seed {seed}, followed for {years} years."},
    "family.handout.policy": {"nl": "Vergeleken met hetzelfde gezin met {policy}.",
                              "en": "Compared with the same family with {policy}."},
    "family.handout.members": {"nl": "Het gezin", "en": "The family"},
    "family.handout.story": {"nl": "Het verhaal", "en": "The story"},
    "family.handout.footer": {
        "nl": "Gemaakt met het model Veerkracht. Dit gezin is verzonnen: het model volgt een denkbeeldige wijk, geen "
              "echte mensen.",
        "en": "Made with the Veerkracht model. This family is made up: the model follows an imaginary "
              "neighbourhood, not real people."},
    # errors in plain words
    "family.err.range": {"nl": "{label} = {value} kan niet; kies van {lo} tot {hi} ({unit}).",
                         "en": "{label} = {value} is not allowed; choose from {lo} to {hi} ({unit})."},
    "family.err.setting": {"nl": "deze waarde past niet bij wat het model toestaat.",
                           "en": "this value is not one the model allows."},
}

# the family view (viz/family.py, its story viz/family_story.py and chart viz/family_chart.py)
TEXT_FAMILY: dict[str, dict[str, str]] = {
    # controls and headings
    "fam.title": {"nl": "Een gezin door de generaties", "en": "A family across generations"},
    "fam.intro": {"nl": "Volg een gezin door de jaren: de stress van de ouders, de opvoeding die de kinderen krijgen, "
                        "hun hechting en levensvaardigheden, en later hun eigen huishouden en kinderen.",
                  "en": "Follow a family over the years: the parents' stress, the parenting the children receive, "
                        "their attachment and life skills, and later their own households and children."},
    "fam.seed": {"nl": "Toevalsgetal (seed)", "en": "Seed"},
    "fam.years": {"nl": "Jaren volgen", "en": "Years to follow"},
    "fam.pick": {"nl": "Gezin", "en": "Family"},
    "fam.pick.auto": {"nl": "Laat de pagina een sprekend gezin kiezen", "en": "Let the page pick a telling family"},
    "fam.pick.item": {"nl": "Huishouden {hh}: {kind}, {n} kind(eren) ({ages} jaar), stress {stress}",
                      "en": "Household {hh}: {kind}, {n} child(ren) (aged {ages}), stress {stress}"},
    "fam.kind.single_parent": {"nl": "eenoudergezin", "en": "single parent"},
    "fam.kind.couple_children": {"nl": "stel met kinderen", "en": "couple with children"},
    "fam.kind.couple": {"nl": "stel", "en": "couple"},
    "fam.kind.single_adult": {"nl": "alleenstaande", "en": "single adult"},
    "fam.policy": {"nl": "Wat als er beleid was geweest?", "en": "What if there had been a policy?"},
    "fam.policy.none": {"nl": "geen beleid", "en": "no policy"},
    "fam.policy.parenting_support": {"nl": "opvoedsteun", "en": "parenting support"},
    "fam.policy.income_floor": {"nl": "een inkomensvloer", "en": "an income floor"},
    "fam.policy.known_professional": {"nl": "een vaste professional", "en": "a known professional"},
    "fam.policy.custom": {"nl": "het beleid", "en": "the policy"},
    "fam.policy.help.parenting_support": {
        "nl": "Steun voor eenoudergezinnen: opvoedondersteuning, ontlasting van zorgtaken, wat materiële hulp.",
        "en": "Support for single parents: parenting support, relief of care tasks, some material help."},
    "fam.policy.help.income_floor": {
        "nl": "Bestaanszekerheid: een inkomensvloer en schuldhulp voor de huishoudens met de minste zekerheid.",
        "en": "Existential security: an income floor and debt relief for the households with the least security."},
    "fam.policy.help.known_professional": {
        "nl": "Vaste gezichten in de wijk: een wijkagent, een maatschappelijk werker en een opbouwwerker.",
        "en": "Known faces in the neighbourhood: a neighbourhood officer, a social worker and a community builder."},
    "fam.measures": {"nl": "Lijnen in de grafiek", "en": "Lines in the chart"},
    "fam.busy": {"nl": "Het gezin wordt gevolgd...", "en": "Following the family..."},
    "fam.members": {"nl": "Het gezin", "en": "The family"},
    "fam.member.line": {"nl": "{name}: {rel}, {age} jaar bij het begin", "en": "{name}: {rel}, aged {age} at the start"},
    "fam.member.later": {"nl": "{name}: {rel}, erbij in jaar {year}", "en": "{name}: {rel}, joined in year {year}"},
    "fam.compare": {"nl": "Met en zonder beleid", "en": "With and without the policy"},
    "fam.compare.same_luck": {"nl": "Dezelfde wijk en hetzelfde toeval: alleen het beleid verschilt.",
                              "en": "The same neighbourhood and the same luck: only the policy differs."},
    "fam.compare.reached": {"nl": "Het beleid bereikt het gezin in jaar {year}.",
                            "en": "The policy reaches the family in year {year}."},
    "fam.compare.missed": {"nl": "Het beleid bereikt dit gezin niet.", "en": "The policy does not reach this family."},
    "fam.compare.parted": {"nl": "De levens lopen zichtbaar uiteen vanaf jaar {year}.",
                           "en": "The lives visibly part from year {year} on."},
    "fam.compare.not_parted": {"nl": "De levens lopen niet zichtbaar uiteen.", "en": "The lives do not visibly part."},
    "fam.compare.col.name": {"nl": "Kind", "en": "Child"},
    "fam.compare.col.skills": {"nl": "Levensvaardigheden op 18 (zonder / met)", "en": "Life skills at 18 (without / with)"},
    "fam.compare.col.stress": {"nl": "Stress op 18-21 (zonder / met)", "en": "Stress at 18-21 (without / with)"},
    "fam.compare.col.parenting": {"nl": "Opvoeding ontvangen (zonder / met)", "en": "Parenting received (without / with)"},
    "fam.compare.not_seen": {"nl": "niet gezien", "en": "not seen"},
    "fam.story": {"nl": "Het verhaal (voor de klas)", "en": "The story (for a class)"},
    "fam.story.prev": {"nl": "Vorige", "en": "Previous"},
    "fam.story.next": {"nl": "Volgende", "en": "Next"},
    "fam.story.step": {"nl": "{k} van {n}", "en": "{k} of {n}"},
    "fam.story.empty": {"nl": "Dit gezin heeft (nog) geen verhaal: volg het langer.",
                        "en": "This family has no story (yet): follow it longer."},
    "fam.glossary": {"nl": "Woorden", "en": "Words"},
    # measures, groups and relations
    "fam.m.stress": {"nl": "Stress", "en": "Stress"},
    "fam.m.parenting": {"nl": "Opvoeding die het kind krijgt", "en": "Parenting the child receives"},
    "fam.m.attachment": {"nl": "Hechting", "en": "Attachment"},
    "fam.m.life_skills": {"nl": "Levensvaardigheden", "en": "Life skills"},
    "fam.m.wellbeing": {"nl": "Welbevinden", "en": "Wellbeing"},
    "fam.m.security": {"nl": "Bestaanszekerheid", "en": "Existential security"},
    "fam.m.income": {"nl": "Rondkomen", "en": "Making ends meet"},
    "fam.who.adults": {"nl": "volwassenen", "en": "adults"},
    "fam.who.minors": {"nl": "kinderen tot 18", "en": "children under 18"},
    "fam.who.young": {"nl": "kinderen en kleinkinderen", "en": "children and grandchildren"},
    "fam.rel.mother": {"nl": "moeder", "en": "mother"},
    "fam.rel.father": {"nl": "vader", "en": "father"},
    "fam.rel.daughter": {"nl": "dochter", "en": "daughter"},
    "fam.rel.son": {"nl": "zoon", "en": "son"},
    "fam.rel.granddaughter": {"nl": "kleindochter", "en": "granddaughter"},
    "fam.rel.grandson": {"nl": "kleinzoon", "en": "grandson"},
    "fam.rel.partner": {"nl": "partner", "en": "partner"},
    "fam.pron.her": {"nl": "haar", "en": "her"},
    "fam.pron.his": {"nl": "zijn", "en": "his"},
    "fam.lvl.low": {"nl": "laag", "en": "low"},
    "fam.lvl.moderate": {"nl": "gemiddeld", "en": "moderate"},
    "fam.lvl.high": {"nl": "hoog", "en": "high"},
    "fam.lvl.very_high": {"nl": "zeer hoog", "en": "very high"},
    "fam.lvl.weak": {"nl": "zwak", "en": "weak"},
    "fam.lvl.fair": {"nl": "matig", "en": "fair"},
    "fam.lvl.good": {"nl": "goed", "en": "good"},
    "fam.lvl.strong": {"nl": "sterk", "en": "strong"},
    "fam.word.falls": {"nl": "daalt", "en": "falls"},
    "fam.word.rises": {"nl": "stijgt", "en": "rises"},
    "fam.word.holds": {"nl": "blijft gelijk", "en": "holds"},
    "fam.pro.social_worker": {"nl": "een maatschappelijk werker", "en": "a social worker"},
    "fam.pro.police": {"nl": "de wijkagent", "en": "the neighbourhood police officer"},
    "fam.pro.builder": {"nl": "een opbouwwerker", "en": "a community builder"},
    "fam.pro.expert": {"nl": "een ervaringsdeskundige", "en": "an experience expert"},
    # chart
    "fam.chart.title": {"nl": "Het gezin door de jaren", "en": "The family over the years"},
    "fam.chart.years": {"nl": "jaren sinds het begin", "en": "years since the start"},
    "fam.chart.reference": {"nl": "gemiddelde van de wijk", "en": "neighbourhood average"},
    "fam.chart.with_policy": {"nl": "met beleid", "en": "with the policy"},
    "fam.chart.without_policy": {"nl": "zonder beleid", "en": "without the policy"},
    "fam.event.line": {"nl": "Jaar {year}: {name} \u2014 {what}", "en": "Year {year}: {name} \u2014 {what}"},
    "fam.event.birth": {"nl": "geboren", "en": "born"},
    "fam.event.parent": {"nl": "wordt ouder", "en": "becomes a parent"},
    "fam.event.adult": {"nl": "wordt 18", "en": "turns 18"},
    "fam.event.own_household": {"nl": "gaat op zichzelf wonen", "en": "sets up a household of their own"},
    "fam.event.couple": {"nl": "gaat samenwonen", "en": "moves in with a partner"},
    "fam.event.separation": {"nl": "scheiding", "en": "separation"},
    "fam.event.death": {"nl": "overlijdt", "en": "dies"},
    "fam.event.moved_away": {"nl": "verhuist uit de wijk", "en": "moves out of the neighbourhood"},
    "fam.event.professional": {"nl": "krijgt een vaste professional", "en": "gets a professional to turn to"},
    "fam.event.programme": {"nl": "bereikt door het beleid", "en": "reached by the policy"},
    "fam.event.job_loss": {"nl": "verliest werk", "en": "loses a job"},
    "fam.event.job_found": {"nl": "vindt werk", "en": "finds work"},
    "fam.event.illness": {"nl": "wordt ziek", "en": "falls ill"},
    "fam.event.debt": {"nl": "raakt in de schulden", "en": "gets into debt"},
    "fam.event.eviction": {"nl": "wordt uit huis gezet", "en": "is evicted"},
    "fam.event.bereavement": {"nl": "verliest een dierbare", "en": "loses someone close"},
    # story
    "fam.story.intro_single": {
        "nl": "Maak kennis met {name} ({age}). {name} is {rel} en voedt {kids} alleen op: {children} ({ages} jaar). "
              "De stress van {name} is {level} ({stress} van 100).",
        "en": "Meet {name} ({age}), a {rel} who raises {kids} alone: {children} (aged {ages}). "
              "{name}'s stress is {level} ({stress} out of 100)."},
    "fam.story.intro_couple": {
        "nl": "Maak kennis met {name} en {other}, met {kids}: {children} ({ages} jaar). "
              "De stress van {name} is {level} ({stress} van 100).",
        "en": "Meet {name} and {other}, with {kids}: {children} (aged {ages}). "
              "{name}'s stress is {level} ({stress} out of 100)."},
    "fam.word.one_child": {"nl": "een kind", "en": "one child"},
    "fam.word.n_children": {"nl": "{n} kinderen", "en": "{n} children"},
    "fam.story.job_loss": {
        "nl": "Jaar {year}: {name} verliest {pron} baan. De stress stijgt van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} loses {pron} job. Stress rises from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.debt": {
        "nl": "Jaar {year}: {name} raakt in de schulden. De stress gaat van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} gets into debt. Stress goes from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.eviction": {
        "nl": "Jaar {year}: {name} wordt uit huis gezet. De stress gaat van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} is evicted. Stress goes from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.illness": {
        "nl": "Jaar {year}: {name} wordt ziek. De stress gaat van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} falls ill. Stress goes from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.separation": {
        "nl": "Jaar {year}: {name} en {pron} partner gaan uit elkaar. De stress gaat van {before_lvl} ({before}) "
              "naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} and {pron} partner separate. Stress goes from {before_lvl} ({before}) "
              "to {after_lvl} ({after})."},
    "fam.story.parenting_low": {
        "nl": "Jaar {year}: onder die last krijgen de kinderen minder aandachtige opvoeding ({parenting} van 100; "
              "in de wijk gemiddeld {ref}). Hun hechting {trend}: van {attachment0} naar {attachment}.",
        "en": "Year {year}: under this load the children receive less attentive parenting ({parenting} out of 100; "
              "the neighbourhood average is {ref}). Their attachment {trend}: from {attachment0} to {attachment}."},
    "fam.story.parenting_ok": {
        "nl": "Jaar {year}: ook op het moeilijkste moment krijgen de kinderen opvoeding op of boven het gemiddelde "
              "van de wijk ({parenting} tegen {ref}). Hun hechting {trend}: van {attachment0} naar {attachment}.",
        "en": "Year {year}: even at the hardest time, the children's parenting stays at or above the neighbourhood "
              "average ({parenting} against {ref}). Their attachment {trend}: from {attachment0} to {attachment}."},
    "fam.story.professional": {
        "nl": "Jaar {year}: {pro} komt langs bij {name}. Een bekend gezicht maakt hulp zoeken makkelijker.",
        "en": "Year {year}: {pro} starts visiting {name}. A known face makes it easier to ask for help."},
    "fam.story.programme": {
        "nl": "Jaar {year}: het gezin van {name} krijgt {policy}.",
        "en": "Year {year}: {name}'s family receives {policy}."},
    "fam.story.adult_lower": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level} ({skills} van 100): minder dan "
              "gemiddeld bij de jonge volwassenen in de wijk ({ref}).",
        "en": "Year {year}: {name} turns 18 with {level} life skills ({skills} out of 100): less than the young adults in the "
              "neighbourhood on average ({ref})."},
    "fam.story.adult_higher": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level} ({skills} van 100): meer dan "
              "gemiddeld bij de jonge volwassenen in de wijk ({ref}).",
        "en": "Year {year}: {name} turns 18 with {level} life skills ({skills} out of 100): more than the young adults in the "
              "neighbourhood on average ({ref})."},
    "fam.story.own_household": {
        "nl": "Jaar {year}: op {age}-jarige leeftijd gaat {name} op zichzelf wonen, in de wijk. Stress: {level} "
              "({stress}).",
        "en": "Year {year}: at {age}, {name} leaves home for a place of their own in the neighbourhood. Stress: "
              "{level} ({stress})."},
    "fam.story.couple": {"nl": "Jaar {year}: {name} en {partner} gaan samenwonen.",
                         "en": "Year {year}: {name} and {partner} move in together."},
    "fam.story.parent": {
        "nl": "Jaar {year}: {name} wordt zelf {rel}: {child} wordt geboren. De stress van {name} is {level} "
              "({stress}); wat {name} als kind meekreeg, gaat nu mee naar de volgende generatie.",
        "en": "Year {year}: {name} becomes a {rel}: {child} is born. {name}'s stress is {level} ({stress}); "
              "what {name} got as a child now goes on to the next generation."},
    "fam.story.moved_one": {
        "nl": "Jaar {year}: {name} ({age}) verhuist uit de wijk; we verliezen {name} uit het oog.",
        "en": "Year {year}: {name} ({age}) moves out of the neighbourhood; we lose sight of {name}."},
    "fam.story.moved_many": {
        "nl": "Jaar {year}: {names} verhuizen uit de wijk; hier eindigt hun spoor.",
        "en": "Year {year}: {names} move out of the neighbourhood; their trail ends here."},
    "fam.story.death": {"nl": "Jaar {year}: {name} overlijdt.", "en": "Year {year}: {name} dies."},
    "fam.story.look_back": {
        "nl": "Terugblik over {years} jaar: terwijl de kinderen opgroeiden was de stress van de ouders gemiddeld "
              "{level} ({stress}); de levensvaardigheden van de kinderen waren daarna {skills_lvl} ({skills}, "
              "jonge volwassenen in de wijk: {ref}). Zo gaat stress van ouder op kind over.",
        "en": "Looking back over {years} years: while the children grew up, the parents' stress was {level} on "
              "average ({stress}); the children's life skills afterwards were {skills_lvl} ({skills}; young adults "
              "in the neighbourhood: {ref}). This is how stress passes from parent to child."},
    "fam.story.look_back_not_passed": {
        "nl": "Terugblik over {years} jaar: terwijl de kinderen opgroeiden was de stress van de ouders gemiddeld "
              "{level} ({stress}), maar de levensvaardigheden van de kinderen waren daarna {skills_lvl} ({skills}, "
              "jonge volwassenen in de wijk: {ref}). Hier ging de stress niet op de kinderen over: wat hielp?",
        "en": "Looking back over {years} years: while the children grew up, the parents' stress was {level} on "
              "average ({stress}), yet the children's life skills afterwards were {skills_lvl} ({skills}; young "
              "adults in the neighbourhood: {ref}). Here the stress did not pass to the children: what helped?"},
    "fam.story.policy_missed": {
        "nl": "Met {policy}: het beleid bereikt dit gezin niet, dus hun verhaal blijft bijna hetzelfde.",
        "en": "With {policy}: the policy does not reach this family, so their story stays almost the same."},
    "fam.story.policy_reached": {
        "nl": "Met {policy}: het beleid bereikt het gezin in jaar {year}; de levens lopen zichtbaar uiteen vanaf "
              "jaar {parted}.",
        "en": "With {policy}: the policy reaches the family in year {year}; the lives visibly part from year {parted}."},
    "fam.story.policy_child_18": {
        "nl": "Met {policy} was {name} 18 geworden met levensvaardigheden {with} in plaats van {without}.",
        "en": "With {policy}, {name} would have turned 18 with life skills of {with} instead of {without}."},
    "fam.story.policy_child_last": {
        "nl": "Met {policy} waren de levensvaardigheden van {name} bij het laatste zicht hier ({age} jaar) {with} "
              "geweest in plaats van {without}.",
        "en": "With {policy}, {name}'s life skills when last seen here (aged {age}) would have been {with} instead "
              "of {without}."},
    "fam.story.policy_child_stress": {
        "nl": "Met {policy} was {name} 18 geworden met levensvaardigheden {with} in plaats van {without}, en had "
              "{name} tussen 18 en 21 stress {stress_with} gehad in plaats van {stress_without}.",
        "en": "With {policy}, {name} would have turned 18 with life skills of {with} instead of {without}, and "
              "carried stress of {stress_with} instead of {stress_without} between 18 and 21."},
    "fam.verdict.broken": {"nl": "Conclusie: met {policy} wordt de cirkel voor dit gezin doorbroken; de kinderen "
                                 "beginnen duidelijk sterker aan hun volwassen leven.",
                           "en": "Verdict: with {policy} the cycle breaks for this family; the children start "
                                 "adult life clearly stronger."},
    "fam.verdict.weakened": {"nl": "Conclusie: met {policy} wordt de cirkel iets zwakker, maar niet doorbroken.",
                             "en": "Verdict: with {policy} the cycle weakens a little, but does not break."},
    "fam.verdict.none": {"nl": "Conclusie: met {policy} verandert er voor de kinderen van dit gezin weinig.",
                         "en": "Verdict: with {policy} little changes for this family's children."},
    "fam.verdict.worse": {"nl": "Conclusie: met {policy} gaat het de kinderen hier door toeval en samenloop iets "
                                "slechter af; beleid werkt gemiddeld, niet voor elk gezin.",
                          "en": "Verdict: with {policy}, chance and circumstance leave the children a little worse "
                                "off here; a policy works on average, not for every family."},
    "fam.verdict.unknown": {"nl": "Conclusie: de kinderen zijn te kort gevolgd om iets te zeggen over {policy}.",
                            "en": "Verdict: the children were followed too briefly to say anything about {policy}."},
    # errors
    "fam.err.no_family": {"nl": "In deze wijk woont geen gezin met jonge kinderen om te volgen.",
                          "en": "No family with young children lives in this neighbourhood to follow."},
    "fam.err.household": {"nl": "Huishouden {household} bestaat niet; kies een nummer van 0 tot {n}.",
                          "en": "Household {household} does not exist; choose a number from 0 to {n}."},
    "fam.err.household_gone": {"nl": "Huishouden {household} woont hier niet meer; kies een ander gezin.",
                               "en": "Household {household} no longer lives here; choose another family."},
    "fam.err.policy": {"nl": "Onbekend beleid '{policy}'; kies uit: {allowed}.",
                       "en": "Unknown policy '{policy}'; choose from: {allowed}."},
    "fam.err.seed": {"nl": "Toevalsgetal {seed} kan niet; kies een geheel getal vanaf 0.",
                     "en": "Seed {seed} is not allowed; choose a whole number from 0."},
    "fam.err.months": {"nl": "{months} maanden kan niet; kies 1 tot 1200 maanden.",
                       "en": "{months} months is not allowed; choose 1 to 1200 months."},
    "fam.err.not_same": {"nl": "Deze twee runs volgen niet hetzelfde gezin met hetzelfde toeval.",
                         "en": "These two runs do not follow the same family with the same luck."},
    "fam.err.params": {"nl": "Deze instelling kan niet: {msg}", "en": "This setting is not allowed: {msg}"},
    "fam.err.other": {"nl": "Er ging iets mis bij het volgen van het gezin: {msg}",
                      "en": "Something went wrong while following the family: {msg}"},
}
TEXT.update(TEXT_FAMILY)


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


def param_label(name: str, lang: str) -> str:
    """A parameter's label in ``lang``, from the schema (``label`` and ``label_nl`` in its metadata)."""
    return spec(name).metadata["label_nl" if lang == "nl" else "label"]


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


# the page for a room: presentation, what changed, cost, futures, saving, info (viz/i18n_room.py)
from viz.i18n_room import TEXT_ROOM  # noqa: E402  (a table of texts, merged like the family view's)

TEXT.update(TEXT_ROOM)


def scenario_label(name: str, lang: str) -> str:
    """A preset's name as the page says it (a scenario file: its name as typed)."""
    key = f"sc.{name}"
    return TEXT[key][lang] if key in TEXT else name


def error_nl(exc: Exception, lang: str) -> str | None:
    """What the model's error ``exc`` says, in ``lang`` with the parameter's label, if the error says what was wrong.

    None when it does not (the caller shows its own line).
    """
    from viz.fmt import auto

    why = getattr(exc, "why", None)
    values = dict(getattr(exc, "values", {}) or {})
    if not why or f"why.{why}" not in TEXT:
        return None
    shown = {}
    for key, value in values.items():
        if key in ("name",):
            continue
        shown[key] = auto(value, lang) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    name = values.get("name")
    try:
        shown["label"] = param_label(name, lang) if name else ""
    except ValueError:  # not a parameter (a setting of a policy): its name
        shown["label"] = str(name)
    unit = values.get("unit") or ""
    try:
        unit = unit_label(unit, lang) if unit else ""
    except KeyError:
        pass
    shown["unit"] = f" ({unit})" if unit else ""
    return t(f"why.{why}", lang).format(**shown)

