"""Crisis-skills checklist for scenarios with suicide risk.

Built on the VA S.A.V.E. steps (recognise Signs, Ask directly, Validate, Encourage and
Expedite help) and the Lifeline risk-assessment areas (desire, capability, intent,
buffers), paraphrased.

Everything that reads free text here is a **lexicon heuristic**: regular expressions
over lower-cased text. It can miss unusual wording and it can fire on an unrelated use
of a word. That trade-off is acceptable for formative training feedback, where a
supervisor reads the evidence turns; it is not a clinical risk detector. The scenario's
risk profile (hidden facts the simulator reports as disclosed) is ground truth and is
used alongside the lexicon wherever it applies.

The lexicons are written precision first: a checklist a supervisor trusts must not credit
a skill or report a warning sign on an everyday use of a word, so a word with everyday
uses counts only in the context named beside it (a miss is preferred to a false credit).
Measured on OUR OWN hand-written sets (``tests/unit/data/crisis_eval*.jsonl``: trainee
and client lines as novices type them in chat and well-formed, with hard negatives for
each detector; written by the developers, NOT a validated instrument). Recall is
positives found; FP is hard negatives accepted. For the suicide question, FP counts
non-direct items credited as a plain ask (which would mark "Asked directly" met).

=================  =========================  ===========================  ==========================
detector           ``crisis_eval`` (dev)      ``holdout`` (after round 1)  ``holdout2`` (never tuned)
                   original -> now            first measured (original)    first measured (original)
=================  =========================  ===========================  ==========================
plan               17/30 fp 17 -> 30/30 fp 0  9/20 fp 2 (10/20 fp 11)      6/15 fp 1 (3/15 fp 12)
means              24/27 fp 7 -> 27/27 fp 1   17/20 fp 2 (17/20 fp 7)      13/15 fp 0 (12/15 fp 7)
safe storage       10/20 fp 8 -> 20/20 fp 0   9/15 fp 0 (4/15 fp 2)        8/12 fp 0 (3/12 fp 3)
validation         22/40 fp 7 -> 40/40 fp 0   15/26 fp 0 (8/26 fp 6)       13/20 fp 1 (6/20 fp 7)
crisis line        22/27 fp 4 -> 27/27 fp 0   19/20 fp 1 (18/20 fp 1)      15/15 fp 2 (14/15 fp 2)
offer to connect   15/22 fp 8 -> 22/22 fp 0   12/15 fp 2 (5/15 fp 3)       8/12 fp 0 (6/12 fp 4)
warning signs      31/65 fp 19 -> 65/65 fp 0  12/44 fp 2 (8/44 fp 11)      18/34 fp 2 (15/34 fp 9)
ask: direct        45/48 fp 4 -> 48/48 fp 0   29/30 fp 3 (29/30 fp 7)      16/20 fp 1 (16/20 fp 5)
ask: invites a no  12/22 -> 22/22             13/15 (7/15)                 8/10 (3/10)
ask: euphemism     11/20 -> 20/20             12/15 (8/15)                 6/10 (4/10)
=================  =========================  ===========================  ==========================

Hard negatives (fp out of) per detector in the order above: dev 25, 23, 20, 28, 21, 20,
42, 81; holdout 20, 19, 14, 19, 15, 15, 32, 59; holdout2 15, 15, 12, 15, 12, 12, 25, 40
(for "ask: direct" every non-direct item, so the hard negatives include the asks that
invite a no or use a euphemism). One change came after holdout2 was measured (a
regression on the demo script's "call the Veterans Crisis Line with me right now"); it
moved holdout2's offers to connect from 8/12 to 9/12.

The dev set is in-sample (the patterns were written against its misses); the first
holdout was used for a second round and is in-sample now too (44/44 warning signs with 1
FP, everything else at 100% with 0 FP). ``holdout2`` was written after the second round
and measured once: its figures (recall from 6/15 for plan questions and 18/34 for
warning signs to 15/15 for crisis lines; at most 2 FP per detector) are the honest
estimate for wording the patterns have not seen. Expect the lexicon to miss much of what
a client or trainee says in their own words, above all plan questions and warning signs;
the supervisor reads the evidence turns, and a missed item is "not detected", not "not
done". Rough cross-check on AnnoMI's 3,402 counsellor turns (MI sessions, not crisis
talk): the plan detector fires on 2 (31 before), means on 4 (36 before), a direct
suicide ask on 0; the warning-sign lexicon fires on 14 of 3,360 client turns (18
before), mostly real talk of drinking more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .model import RiskItem, RiskKind, ScenarioMeta, Speaker, TraineeCode, Transcript, Turn
from .text import clause_around, is_question, normalise, sentences, turn_ref


class ChecklistGroup(StrEnum):
    SAVE = "save"
    RISK_ASSESSMENT = "risk_assessment"
    RISK_PROFILE = "risk_profile"


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    group: ChecklistGroup
    label: str
    met: bool
    evidence_turn_ids: tuple[str, ...]
    note: str
    # True for facts about the client (warning signs appeared), not trainee skills.
    observation: bool = False


@dataclass(frozen=True)
class WarningSign:
    turn_id: str
    index: int
    category: str
    # The words that matched (lexicon) or the disclosed fact id (risk profile).
    matched: str
    source: str  # "lexicon" | "risk_profile"


@dataclass(frozen=True)
class DirectAsk:
    """When the trainee first asked about suicide plainly."""

    turn_id: str
    index: int
    # Difference in ``Turn.index`` from the first warning sign; None if asked before any.
    turns_after_first_warning: int | None
    # Trainee replies between the first warning sign and the ask, the ask excluded.
    trainee_replies_before_ask: int | None
    late: bool


@dataclass(frozen=True)
class CrisisChecklist:
    items: tuple[ChecklistItem, ...]
    warning_signs: tuple[WarningSign, ...]
    direct_ask: DirectAsk | None
    # Turns that asked about suicide in a way that expects "no" (see classify_suicide_ask).
    invites_no_turn_ids: tuple[str, ...]
    coaching_points: tuple[str, ...]

    @property
    def first_warning(self) -> WarningSign | None:
        return self.warning_signs[0] if self.warning_signs else None

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


@dataclass(frozen=True)
class CrisisPolicy:
    # Asking after this many trainee replies since the first warning sign counts as late:
    # S.A.V.E. asks the question early, not once the conversation is winding down.
    late_after_replies: int = 3
    # Asking only in the very last trainee turn counts as "left to the end" when at least
    # this many replies came before it since the first sign.
    end_ask_min_replies: int = 2


DEFAULT_POLICY = CrisisPolicy()


# --- lexicons (heuristic) -------------------------------------------------------------
# Precision first: a checklist a supervisor trusts must not credit a skill, or report a
# warning sign, on an unrelated use of a word. Where a word has everyday uses ("dying to
# go", "lock in a time", "a lifeline for you"), it counts only with the context named
# beside it, and a miss is preferred to a false credit. The figures measured on our own
# hand-written sets are in the module docstring.

# Everyday idioms in client talk that share words with the warning signs; blanked before
# the lexicon runs ("I'm dying to get out of this town", "killing myself with these double
# shifts", "I want to end it with my girlfriend").
_SIGN_IDIOMS = re.compile(
    r"\b(dying (to|for) \w+|dying of (laughter|embarrassment|boredom|curiosity|thirst|hunger)|"
    r"(die|died|dying) laughing|to die for|dead (tired|beat|serious|last|wrong|set)|"
    r"(phone|battery|truck|car|engine|laptop|computer|plants?|lawn)( \w+){0,2} (dying|died|dead)|"
    r"kill(ing)? myself trying to|kill(ing)? myself (with|at|working|doing|over)( \w+){0,3} "
    r"(work|shifts?|doubles|overtime|job|hours|school|studying|gym|workouts?)|"
    r"(end|ending|ended) (it|things) with\b(?! (a |the |my )?(guns?|pistol|rifle|pills|rope|weapon|bullet|knife)))"
)
# Someone else's suicide, and suicide as a topic: "I lost a buddy to suicide", "he died by
# suicide", "my brother's suicide", "suicide prevention training", "suicide rates". Not
# the client's own ideation, and not a question about it when a trainee says them.
_NOT_THEIR_OWN_SUICIDE = re.compile(
    r"\b((lost|lose|losing|loss of) (\w+ ){0,3}to suicide|(died|dies|death|deaths|dead) (by|from|of|through) suicide|"
    r"(his|her|their|(?!(it|that|what|there|who|here)'s)[a-z]+'s) suicide|committed suicide|"
    r"suicide (rates?|statistics|stats|numbers|prevention|awareness|training|bomb\w*|squeeze|mission)|"
    r"(veterans?|military|soldier|teen|youth|male|firearm|gun) suicides?)\b"
)
# A denial or a negated statement within a few words before a sign of talk of death or of
# acquiring means ("I'm not suicidal", "I would never kill myself", "I never bought a gun")
# is no sign. Phrases that only look negative are removed first: "I can't stop thinking
# about killing myself" is a sign.
_DENIAL = re.compile(r"\b(not|never)\b|n't\b")
_NOT_DENIAL = re.compile(
    r"\b((can't|cannot|couldn't|won't|not) (stop|help|shake|quit)|not (gonna|going to) lie|not sure|"
    r"(don't|do not) know (if|whether|why|how)|never thought (i'd|i would))\b"
)
_DENIAL_WINDOW_WORDS = 3
# Categories whose patterns are statements of a sign that a denial cancels; the others
# carry their own negation ("I don't see the point", "I never leave the house").
_DENIABLE = frozenset({"talk of death", "acquiring weapons"})

_MEDICATION_WORDS = (
    r"pills|medications?|meds|medicines?|prescriptions?|opioids?|oxy\w*|painkillers?|percocets?|vicodin|fentanyl"
)
WARNING_SIGN_LEXICON: Mapping[str, re.Pattern[str]] = {
    category: re.compile(pattern)
    for category, pattern in {
        # "hopeless" about oneself or life, not "my golf swing is hopeless"; "no point" and
        # "what's the point" on their own or about living and trying, not "no point arguing
        # about the dishes"; improvement denied, not "it's going to get better".
        "hopelessness": r"\b((feel\w*|felt|i'm|i am|so|it's|its|everything('s| is| feels)|life('s| is| feels)|all|just|"
        r"totally|completely|really|pretty) hopeless|hopelessness|"
        r"(no|what's the) point( (in|of|to) (it|anything|any of (it|this)|trying|living|life|going on|getting up|me))?"
        r"(?=\s*$|\s*[.,;!?]|\s+(anymore|now|either)\b)|"
        r"what's the use( of (it|trying|living|anything))?(?=\s*$|\s*[.,;!?]|\s+anymore\b)|"
        r"never (going to |gonna )?be (ok|okay|alright|fine|better|good)|all downhill|"
        r"(can't|don't) see (myself|a way|any way) (getting|get|coming|making it) (out|through|past)|"
        r"nothing left (for me|in me|to lose|to give)|out of options|no options left|"
        r"no hope|lost (all )?hope|(any|no) hope left|hope (is )?gone|"
        r"(it's|its|everything('s| is| feels)|life('s| is| feels)|it all (feels|seems)) "
        r"(so |just |all |totally )?pointless|"
        r"(nothing('s| is| will)?|it('s| is)? never|it's not|it won't|things (are )?never|things won't|"
        r"life('s| is)? never|it'll never|will never|never)( ever)? ?(going to |gonna )?(ever )?"
        r"(change|get (any )?better|improve|be different)(?! (my|your|his|her|the|that|this|it)\b)|"
        r"nothing (ever )?changes(?=\s*$|\s*[.,;!?]|\s+(for me|anyway|no matter)\b)|never get better|"
        r"(don't|can't|never) see (it|things|anything|life|this) (ever )?(getting|get|going to get) better|"
        r"no way (out|forward)|(don't|can't) see (a|any) (way|future)( out| forward)?|no future|"
        r"(feel\w*|felt) trapped|trapped (in (my|this) (life|head|mind|body))|"
        r"nothing (left )?to look forward to|(don't|can't|never) see the point|"
        r"(i'm|i am|i've|been|just|about to|thinking (about|of)) giving up(?=\s*$|\s*[.,;!?]|\s+on (everything|myself|"
        r"life|it all|trying|things|me)\b)|(i've|i have|i) (given|gave) up(?=\s*$|\s*[.,;!?]|\s+on (everything|myself|"
        r"life|it all|trying|things)\b)|(i'm|i am) done (trying|with (everything|life|it all)))\b",
        # Cut off from people; stopping only counts for people and places of company, not
        # "stopped going to the gym after my knee surgery" or "stopped calling my ex".
        "withdrawal": r"\b(withdrawn|withdrawing (from|into)|withdrew from|isolat(e|ed|ing) (myself|from)|"
        r"(been|keep|i'm|am) isolating|keep(ing)? to myself|all alone|alone all the time|"
        r"(don't|never|barely|hardly|rarely)( really| even)? (see|talk to|call|text|hang out with|go out with) "
        r"(anyone|anybody|people|friends|my friends|the guys|my buddies|nobody|my family)|"
        r"(don't|never|barely|hardly|rarely) (really )?(go out|leave (the house|my room|home|the apartment))|"
        r"(stopped|quit) (going (out|to (the )?(vfw|legion|american legion|church|meetings?|group|the guys|anything))|"
        r"(seeing|calling|texting|talking to) (anyone|anybody|people|friends|my (friends|buddies|family)|the guys)|"
        r"answering (my |the )?(phone|texts|calls|door)|leaving (the house|my room|home|the apartment))|"
        r"(push\w*|shut\w*|cut\w*) (everyone|people|them|everybody|all my friends) (away|out|off)|"
        r"cut off (from )?(everyone|everybody|people)|"
        r"haven't (left (the house|my room|home)|(seen|talked to|called|spoken to|heard from) (anyone|anybody|people|"
        r"friends|my (friends|buddies|family|kids|brother|sister|mom|dad)|the guys))|"
        r"(don't|do not) want to (see|talk to) (anyone|anybody|people)|"
        r"stay (in|at) (my room|bed|home|the house) (all|most|every)|"
        r"avoid(ing)? (everyone|everybody|anyone|people|my (family|friends|buddies)|the guys)|"
        r"sit (alone )?in the dark|"
        r"(don't|never) (go|going) to (group|the vfw|the legion|church|meetings?|the guys|bowling) anymore|"
        r"(bail|bailed|bailing|cancel\w*|skip\w*|ignor\w*|turn(ed|ing)? down) (on )?(every|all|any) "
        r"(invite|invitation|plan|call|text)s?|"
        r"(don't|never|barely|stopped)( even)? answer(ing)? (my |the |anyone's )?(\w+'s )?"
        r"(phone|texts|calls|door|messages))\b",
        # More alcohol (or drugs), not "drinking more water".
        "more drinking": r"\b(drinking (more|a lot|heavily|too much|every (day|night)|again|all (day|night))"
        r"(?! (of )?(water|coffee|tea|soda|juice|milk|gatorade))|"
        r"(more|extra) (beers?|drinks?|whiskey|booze|liquor)|drink(ing)? to (sleep|forget|numb|cope|get through)|"
        r"(going|go|went|get|got) through a (fifth|handle|bottle|case|twelve pack|12 pack)|"
        r"(need|needs|needed) (a few|a couple|some|\w+) (beers|drinks|shots)( just)? to (sleep|fall asleep|"
        r"get through|function|calm down|feel normal)|"
        r"drink (until|till|til) i pass out|drink myself to sleep|drinking myself|"
        r"(a|half a|one|two) (bottle|fifth|handle|six pack|case|12 pack|twelve pack)( of \w+)? "
        r"(a|every|each) (night|day)|"
        r"drinking since (noon|morning|this morning|lunch|breakfast|i (woke|got) up)|"
        r"(start|started|starting) drinking (in the morning|earlier|before noon|at breakfast)|"
        r"(can't|cannot) (sleep|function|get through the (day|night)|relax) without (a |my |some |a few |a couple )?"
        r"(drinks?|beers?|shots?|whiskey|booze|bottle)|"
        r"drinking('s| has| is)? (gotten|getting|got) (worse|heavier|out of hand|bad)|"
        r"blackout drunk|drink\w* (until|till|til|to the point) (i|of) (black|pass)|"
        r"hit(ting)? the bottle|drunk (every|most|all)|using again)\b",
        "no reason to live": r"\b(no reason to (live|keep going|be here|stay|get up)|nothing (left )?to live for|"
        r"(don't|can't) (see|find|have) (a|any) reason to (live|keep going|go on|be here|stay|get up|keep living)|"
        r"(better|be) off (without me|if i (was|were|wasn't|weren't) (gone|dead|here|around))|"
        r"(?<!not )(a|such a) burden|dead weight|"
        r"dragging (everyone|everybody|them|you all|my family) down|"
        r"(don't|can't) see why (i should|i'd|to) (keep going|go on|live|bother|stay)|"
        r"nothing (left )?worth living for|not worth living|life('s| is) not worth|"
        r"(tired|sick) of (being alive|living|life|existing)|"
        r"(don't|do not) want to (be here|live|wake up|go on|be around|exist)|"
        r"why (bother|keep going)|(no one|nobody) would (even )?(miss|notice|care))\b",
        # Own death; idioms and other people's deaths are blanked or left out (a funeral or
        # "death" on their own are usually about someone else).
        "talk of death": r"\b(suicid\w*|kill(ing)? myself|end(ing)? (it|it all|my life|things)|want(ed)? to die|"
        r"wish (i was|i were|i'd (be|been)) dead|better off dead|"
        r"(not|won't) (going to |gonna )?be (around|here) (much longer|anymore|for long)|"
        r"(don't think|doubt|not sure) i'll be (around|here) (much longer|for long|anymore)|"
        r"(think|thinking|thought|dream\w*) (about|of) (dying|death|being dead|checking out|not (being here|existing)|"
        r"disappearing)|my (own )?funeral|"
        r"(looked|look|looking|searched|googled|researched) up (how (many|much)|ways|methods)|"
        r"(won't|not going to|not gonna) be (a problem|a burden|around|here|bothering (you|anyone)) "
        r"(much longer|for long|anymore)|"
        r"knows where (the |my )?(life )?(insurance|papers|paperwork|will|passwords?)|"
        r"wish i (wouldn't|didn't|would never|could (just )?(not|never)) wake up|"
        r"(go to sleep|fall asleep|sleep) and (not|never) wake up|"
        r"wish i (could )?(just )?(disappear|not exist|wasn't here|wasn't born|was never born)|"
        r"eat(ing)? (my|a) (gun|bullet)|bullet in my (head|brain)|blow(ing)? my brains out|"
        r"(want|need) (it|this|everything|it all|the pain) (all )?to (be over|end)|"
        r"(pain|it|this) to stop (for good|forever|permanently)|"
        r"(letters?|notes?)\b[^.?!]{0,30}\bjust in case|goodbye (letters?|notes?)|"
        r"(say|saying|said) (my )?goodbyes|"
        r"say(ing)? goodbye to (everyone|everybody|people|my (family|kids|friends|buddies))|"
        r"(give|giving|gave|given) (away (all )?my|(all )?my) (stuff|things|tools|guns?|dog|cat|truck|bike|motorcycle|"
        r"belongings|possessions|medals|collection)( \w+)?( away| to)\b|"
        r"(give|giving|gave|given) my (watch|rings?|guitar|rifle|car|records) to (my|a) (son|daughter|nephew|niece|"
        r"brother|sister|buddy|friend|neighbou?r|kid|grandson|granddaughter|cousin)|"
        r"(give|giving|gave|given) away (all )?my (stuff|things|tools|guns?|dog|cat|truck|bike|motorcycle|"
        r"belongings|possessions|medals|collection)|"
        r"affairs in order|(getting|got|get|put|putting|have|had) my (things|stuff|life) in order|"
        r"(made|updated|wrote|changed|redid) (out )?my (will|life insurance|"
        r"beneficiar\w*))\b",
        # Getting means: a weapon or rounds, or medication put by. Cleaning a rifle "for
        # deer season" is a hunter's chore.
        "acquiring weapons": r"\b((bought|buy|buying|got|getting|picked up|purchased) (a |another |some |my |a new )?"
        r"(gun|pistol|handgun|revolver|glock|rifle|shotgun|firearm|ammo|ammunition|rounds|shells|rope)|"
        r"clean(ing)? my (gun|pistol|rifle|weapon|service weapon)(?! for (hunting|deer|duck|elk|turkey|the range))|"
        r"(stockpil\w*|saving up|saved up|saving|hoard\w*|stash\w*|collect\w*|gather\w*|"
        r"put(ting)? aside|set(ting)? aside) "
        r"(my |some |all my |extra |a bunch of )?(old )?(pain |sleeping )?(" + _MEDICATION_WORDS + r")|"
        r"(stash|stockpile|hoard|pile|supply) of (old |my |sleeping |pain )?(" + _MEDICATION_WORDS + r")|"
        r"(boxes?|cases?) of (rounds|ammo|shells|bullets)|"
        r"(" + _MEDICATION_WORDS + r")\b[^.?!]{0,40}\bjust in case|ammo|ammunition)\b",
    }.items()
}

# Resource names that contain the word "suicide" but are not a question about it.
_RESOURCE_NAMES = re.compile(
    r"suicide (and|&) crisis lifeline|suicide prevention( lifeline| hotline| line)?|suicide (hot)?line"
)
_DIRECT_TERMS = re.compile(
    r"\b(suicid\w*|kill(ing)? yourself|end(ing)? your (own )?life|tak(e|ing) your (own )?life|"
    r"want(ed|ing)? to die|wish(ing)? (that )?you were dead|better off dead)\b"
)
# Other people's suicidal thoughts, as a normalising statement before a short question
# ("Lots of vets in your spot think about ending their lives. Is that where you're at?").
# Only counted in that frame: a question about someone else is not an ask.
_THIRD_PERSON_TERMS = re.compile(
    r"\b(think|thinking|thought|consider\w*) (about|of) (suicide|kill(ing)? themselves|end(ing)? their (own )?lives?|"
    r"tak(e|ing) their (own )?lives?)\b"
)
# Euphemisms: they let both people avoid the word, so S.A.V.E. asks for the plain term.
_VAGUE_TERMS = re.compile(
    r"\b(hurt(ing)? yourself|harm(ing)? yourself|self[- ]?harm\w*|"
    r"(do(ing)?|plan(ning)?|thinking (of|about)|consider(ing)?) (something|anything) (stupid|drastic|silly|dumb|rash|"
    r"to yourself)|(think\w*|thought) (about|of) (checking out|disappearing|not (existing|waking up))|"
    r"want(ing)? to (just )?disappear|"
    r"end(ing)? (it|things)( all)?|not (be |being )?(here|around) anymore|"
    r"(do not|don't|doesn't|didn't|not|no longer) want(ing)? to (live|be here|be alive|be around|wake up|go on)|"
    r"(go to sleep|fall asleep|sleep) and (not|never) wake up|"
    r"giv(e|ing) up on life|dark thoughts)\b"
)
# Trainee words that share terms with a suicide question but ask something else: the
# hill you want to die on, working yourself into the ground, an injury, a break-up.
_ASK_IDIOMS = re.compile(
    r"\b(die (on|of|for|laughing|trying)\b|"
    r"kill(ing)? yourself trying to|kill(ing)? yourself (with|at|working|doing|over)( \w+){0,3} "
    r"(work|shifts?|doubles|overtime|job|hours|school|studying|gym|workouts?)\b|"
    r"(end|ending|ended) (it|things) with\b"
    r"(?! (a |the |your |that )?(guns?|pistol|rifle|pills|rope|weapon|bullet|knife))|"
    r"(hurt|harm)(ing)? yourself (\w+ ){0,4}(fell|fall|falling|slipped|crash\w*|accident|gym|lifting|workout|"
    r"playing|game|ladder|shaving|cooking)\b)"
)
_NEGATION = re.compile(r"\b(not|never|no|nothing)\b|n't\b")
# How far before the suicide term a negation still governs it ("you're not thinking of
# hurting yourself" has it three words before; "I'm not going to judge you if ..." does not).
_NEGATION_WINDOW_WORDS = 5
_NEGATION_AFTER = re.compile(r"\s*(\S+\s+){0,2}(isn't|is not|wouldn't|won't|not|never)\b(?! (\w+ )?or\b)")
# A short question right after a statement about suicide asks about it ("Some people
# in that much pain think about suicide. Is that something you've thought about?").
_FOLLOW_UP_QUESTION_WORDS = 12
# Typed questions often lose the "?" and the opening auxiliary: tag questions ("you're not
# suicidal right", "you wouldn't do anything stupid would you") and a question after a
# preface ("sorry if this is blunt but r u thinking about suicide").
_TAG_QUESTION = re.compile(
    r"(\b(are|aren't|is|isn't|do|don't|does|doesn't|did|didn't|would|wouldn't|will|won't|have|haven't|could|can|"
    r"should) (you|ya|it|they)|(?<!all )(?<!it )(?<!this )(?<!that )\bright|\b(yeah|correct|eh|huh))\s*[?.!]*$"
)
_CLAUSE_QUESTION = re.compile(
    r"([,;:]\s*|\bbut |\bso |\band )(are|were|have|had|do|did|would|could|can|will|is|has) "
    r"(you|ya|there|anything|anyone)\b"
)

_FIREARM_WORDS = (
    r"guns?|firearms?|weapons?|pistols?|handguns?|revolvers?|rifles?|shotguns?|glocks?|ar-?15s?|"
    r"ammo|ammunition|bullets?"
)
_MEANS_WORDS = f"{_FIREARM_WORDS}|{_MEDICATION_WORDS}|rope"
# Idioms with a means word, blanked before the means lexicons run ("you dodged the bullet",
# "stick to your guns"; AnnoMI's counsellors say such things).
_MEANS_IDIOMS = re.compile(
    r"\b((dodg\w*|bit|bite|biting) the bullet|(silver|magic) bullet|bullet points?|"
    r"(stick|sticks|stuck|sticking) to (your|my|his|her|their) guns|jump(ed|ing)? the gun|son of a gun|smoking gun|"
    r"top gun|big guns|dodg\w* a bullet|"
    r"(glue|nail|staple|heat|water|nerf|spray|paint) guns?|under the gun|guns blazing|(bitter|chill|red|blue) pill)\b"
)
# Someone else holding the means for a while ("let your brother hold onto it for now").
_HOLD_MEANS = r"(hold|keep|look after) (on ?to )?(it|them|the \w+|your \w+) for (you|a while|now|the time being)"
# "Anything you could use to hurt yourself?" asks about means, not (vaguely) about suicide.
_INSTRUMENT = r"(use|using)( \w+){0,2} to (hurt|harm|kill) yourself|(use|using)( \w+){0,2} to end (it|your life)"
_INSTRUMENT_BEFORE = re.compile(r"\b(use|using)( \w+){0,2} to $")
# Putting time and distance between a person and the means. Storage words alone are
# everyday ("the storage unit", "is the door locked", "lock in a time"), so they count
# next to a firearm or medication word, or with "it"/"them" right after the verb; a gun
# safe or lock box counts on its own ("give the key to the safe to your wife").
_STORAGE_CUE = (
    r"(lock|locks|locked|locking)( (it|them|\w+))?( up| away)?|unlock\w*|stor(e|ed|es|ing|age)|unloaded|disassembl\w*|"
    r"separate(ly)?|hold(ing)? on ?to|hang(ing)? on ?to|look(ing)? after|"
    r"(give|giving|gave|take|taking|bring|bringing|move|moving|drop|dropping|get|getting|hand|handing)( \S+){0,4} "
    r"(to (your|a|his|her|the|their|someone|somebody|a friend)|out of|over to|off (at|with))|"
    # "take them away", not "medication that might take away the cravings"
    r"(give|giving|gave|take|taking|bring|bringing|move|moving|put|putting)( \S+){1,4} away|"
    r"somewhere (else|safer|safe)|safer place|out of (the|your) (house|home|place)|away from (you|the house|home)|"
    r"(someone|somebody) else|to (someone|somebody) (you trust|else)|temporar\w*|take[- ]?back|"
    r"(ask|asking|have|let|get|getting) (your|a|someone|somebody)( \w+)? (to )?(keep|hold|look after|hang on ?to|"
    r"hold on ?to|store)|"
    r"(bolt|firing pin|slide) (out|removed)|(remove|removing|take out|taking out|taking|take) the (bolt|firing pin)|"
    r"(to|at|with) (your|his|her|their|a) (trusted )?(brother|sister|friend|buddy|dad|mom|father|mother|neighbou?r|son|"
    r"daughter|cousin|uncle|family)\w*|"
    r"get rid of|dispos\w*|pharmacy|drop-?off|combo|combination"
)
_SAFE_STORAGE = re.compile(
    r"\b(gun (safe|locks?|cabinet)|cable locks?|trigger locks?|lock ?box(es)?|"
    r"(the|your|a|gun) safe(?=\s*$|\s*[.,;!?]|\s+(and|to|so|with|for|at|until|till|while|overnight|tonight|or|but|"
    r"now|too|then|instead|already|is|was)\b)|safe storage|"
    r"(lock|store|hold on ?to|hang on ?to|look after) (it|them)\b|"
    rf"(give|giving|take|taking|bring|bringing|move|moving|drop|dropping|get|getting|hand|handing)( \S+){{0,3}} "
    rf"({_MEANS_WORDS})( \S+){{0,2}} (to (your|a|his|her|the|their|someone|somebody|my)|out of|away|over to|off at)\b|"
    rf"(?<!you )(can|could|will|would|might) (hold|keep|take) (onto |on to )?(the |your |their |all )?({_MEANS_WORDS})|"
    rf"({_STORAGE_CUE})\b[^.?!]{{0,120}}\b({_MEANS_WORDS})|({_MEANS_WORDS})\b[^.?!]{{0,120}}\b({_STORAGE_CUE})|"
    + _HOLD_MEANS
    + r")\b"
)
# Medication is means when the question is about how much and where, not about taking it
# as prescribed ("Do you take your meds every day?", "did the doctor change your meds?").
_MEDICATION_ACCESS_CUE = (
    r"how (many|much)|enough|extra|spare|left ?over|saved|saving|stash\w*|stockpil\w*|hoard\w*|supply|"
    r"access|at home|in the house|around the house|lying around|could (take|use)|overdose|drawer|cabinet|nightstand"
)
# The capability areas of a risk assessment, each with its own coaching message.
_RISK_TOPICS: dict[str, re.Pattern[str]] = {
    "means": re.compile(
        rf"\b({_FIREARM_WORDS}|service weapon|rope|noose|"
        rf"({_MEDICATION_ACCESS_CUE})\b(\s+\S+){{0,6}}\s+({_MEDICATION_WORDS})|"
        rf"({_MEDICATION_WORDS})\b(\s+\S+){{0,6}}\s+({_MEDICATION_ACCESS_CUE})|"
        rf"(old|bottles? of|(have|got) (any|some)( more)?) ({_MEDICATION_WORDS})|"
        rf"({_MEDICATION_WORDS})( \S+){{0,4}} still(?=\s*[?.!]*$)|"
        r"(access to|the) means|(what|which|any|other) means (do|would|could|are|is|you)\b|"
        r"what (would|will|might) you use(?=\s*[?.!]*$| to (kill|end|hurt|harm|do it|take)| if | for (it|that))|"
        rf"where (are|is|do you keep|do you have) (the |your |all )?(\w+ )?({_MEDICATION_WORDS})|"
        r"(at home|in the house|around)( \S+){0,4} (could|would|might|thought about|considered) us(e|ing)|"
        + _INSTRUMENT
        + r")\b|"
        + _SAFE_STORAGE.pattern
    ),
    "attempt": re.compile(
        r"\b(attempt(ed|s)?|tried (to kill|to end|to take|suicide|before)|(hurt|harmed) yourself before)\b"
    ),
    "intoxication": re.compile(
        r"\b((been )?drinking (right now|now|today|tonight)|had (anything|something|much|a lot) to drink|"
        r"(high|drunk|using) (right now|tonight))\b"
    ),
}
# Means, past attempts or intoxication: the checklist's "explored capability" item.
_MEANS = re.compile("|".join(p.pattern for p in _RISK_TOPICS.values()))
# Firearms, the means that means-safety counselling is mostly about (and the one our
# veteran scenarios have). Medication is left out: "I take my meds" is not a stockpile.
_FIREARM = re.compile(r"\b(guns?|firearms?|weapons?|pistols?|handguns?|revolvers?|rifles?|shotguns?)\b")
_SAFETY_PLAN = re.compile(r"\b(safety|crisis) plan(s|ning)?\b")
# The act a plan question is about, named or referred to ("do it", "go through with it").
_ACT = (
    r"do(ing)? it|go(ing)? through with (it|this|that)|go about (it|doing it)|"
    r"act(ing)? on (it|this|that|them|the thoughts)|"
    r"carry (it )?out|"
    r"kill(ing)? yourself|end(ing)? (it|your life|things)|tak(e|ing) your (own )?life|"
    r"(hurt|harm|shoot|hang)(ing)? yourself|"
    r"overdos\w*|die\b|suicide"
)
# A plan, preparation or timing. "Plan" is a suicide plan when bare ("do you have a plan")
# or tied to the act, not weekend plans, a treatment plan or a game plan; "how will you"
# and "when would you" only with the act ("how would you do it"), not "how will you get home".
_INTENT = re.compile(
    r"\b((a|any|an actual|a specific|a real) plan(?=\s*$|\s*[.,;!?]|\s+(in place|or|and|yet|already|"
    r"worked out|made|now|right now|at all)\b)|"
    rf"plans? (for|on|about) (how|when|where|it|that|doing it|{_ACT})|plans? to ({_ACT})|"
    rf"plann(ed|ing) (it|this|how|when|where|to ({_ACT}))|planned (it )?out|"
    rf"(how|when|where)( (would|will|might|could|do|did|are)( you)?| you('d| would| might| will| could| are going to|"
    rf" were going to| plan to)?| ud)( (going to|gonna))? ({_ACT})|"
    r"(thought|think|thinking) about (how|when|where)(( (and|or) (how|when|where))?(?=\s*[?.!]*$))|"
    r"(pick|picked|chosen|chose|decided on)( out)? (a|the) (date|day|time|place|spot|method|way)|set a (date|day)|"
    r"(a|any) (specific|particular) (way|method|time|date|day|place)|(a|any) (date|day|time) in mind|"
    rf"(when|how|where) (were|are) you (thinking|planning) (of|about|on) ({_ACT})|"
    r"(gotten|got|get|getting) (anything|everything|things|stuff) ready|gone as far as|"
    r"(date|day|time|place|spot|method)( that)? you('ve| have)? (picked|chosen|set)|"
    r"(made|making|make) (any )?preparations|preparations|prepar\w* (for it|to (kill|end|die|do it|take|hurt))|"
    r"(done|did|do) anything to (get ready|prepare)|getting ready to (do it|die|end|kill)|"
    r"(written|wrote|write|leave|left) (a|any) (suicide |goodbye )?notes?|suicide note|"
    r"(said|say|saying) (your )?goodbyes|goodbye (letters?|notes?)|"
    r"rehears\w*|practi[cs](ed|ing|e) (it|doing it|how)|dry run|"
    r"(looked|look|looking) up (ways|how|methods)|(searched|searching|googled|googling|researched|researching) "
    r"(ways|how|methods)|"
    rf"method(?!s? (do|does|of|for|to|that))|intend\w* to ({_ACT})|intention (to|of) ({_ACT})|"
    rf"decided (to ({_ACT})|when|how|where)|"
    r"set a date|how (close|near) (have|did) you (come|came|get|got|gotten)|how far (along )?(are you|have you "
    r"(gotten|gone|got))( with (it|the plan))?(?=\s*[?.!]*$)|what (would|will|might) you use(?=\s*[?.!]*$| to))\b"
)
_BUFFERS = re.compile(
    r"\b(reasons? (to live|for living|to (keep going|stay|be here|hold on))|"
    r"(keeps?|kept) you (going|here|alive|hanging on)|(kept|keeps?|stopped|stops) you from|"
    r"got you through|support(s|ed|ive)?|friends?|family|wife|husband|partner|kids|children|daughter|son|"
    r"dogs?|pets?|faith|church|look(ing)? forward|matters? (most )?to you|hope|helped (you )?(before|in the past)|"
    r"what helps|(who|anyone|someone|somebody) (\w+ ){0,4}(call|talk to|reach out to|lean on|trust|count on))\b"
)
# Validating words. Each phrase is written so that its everyday use does not count:
# "makes sense" not "makes sense to call the VA first", "I hear you" not "I hear you got a
# dog", "that's a lot" not "that's a lot of pills", "you're not alone" not "you're not alone
# at home tonight, are you?", "no wonder you ..." not "no wonder nobody answers".
_VALIDATION = re.compile(
    r"\b(makes (a lot of |total |complete |perfect )?sense(?! to (?!me\b))|understandable|"
    r"no wonder (you|your|it (hurts|hit|feels)|that (hurts|hit|feels))|"
    r"of course you('re| are| feel| would|'d| get| want|'ve)|"
    r"(thanks?|thank you) (you )?for (telling|sharing|trusting|being (so )?(honest|open)|opening up)|"
    r"(took|takes) (a lot of |real )?(courage|guts|strength)|"
    r"i'm (really |so |very )?glad (that )?you('re| are)? ?(told|shared|reached|called|said|talking|telling|opened|"
    r"here|came)|"
    r"sounds (really |so |incredibly |pretty )?(hard|painful|heavy|exhausting|lonely|overwhelming|rough|tough|awful|"
    r"terrible|scary|frustrating|unbearable|devastating|heartbreaking|brutal)|"
    r"i hear you(?=\s*$|\s*[.,;!?]|\s+(man|bro|brother|buddy|friend|and|loud and clear)\b)|"
    r"i (can )?hear how (much|hard|painful|tired|exhausted)|"
    r"you('re| are) not alone(?!\s+(at|in (the|your) (house|apartment|room)|tonight|right now|there)\b)"
    r"(?!.*\b(are you|right)\s*[?.!]*$)|"
    r"anyone (would|in your (position|shoes|situation|place|spot))|anybody would|"
    r"(it's|its|it is) ((totally|completely|perfectly|absolutely|so) )?(okay|ok|alright|normal|natural|understandable|"
    r"human) (to|that you) "
    r"(feel|not be (okay|ok)|be (upset|angry|sad|scared|tired|exhausted|overwhelmed|frustrated)|struggle)|"
    r"that's a lot(?=\s*$|\s*[.,;!?]| to (carry|deal with|handle|go through|hold|take in|manage)| of (pain|stress|"
    r"pressure|weight|loss|grief|hurt))|"
    r"must (be|feel|have been|have felt|'ve been) (really |so |incredibly )?"
    r"(hard|awful|painful|terrible|lonely|exhausting|scary|"
    r"frustrating|tough|rough|overwhelming|heartbreaking)|"
    r"(your|those|these|the) feelings (are|make) (valid|sense|real|understandable)|"
    r"(i'd|i would|anyone would|anybody would) feel (the same|that way|like that)|"
    r"every right to (feel|be)|(i can|can) (only )?imagine how|"
    r"i'm (so |really |very |truly )?sorry (you're|you are|that happened|you've|for what you|you had|you went|to hear)|"
    r"appreciate you (sharing|telling|being|opening|trusting)|"
    r"(that's|that is) (really |so |pretty |just )?(tough|rough|brutal|awful|heavy|painful|terrible|heartbreaking)|"
    r"what you('re| are) (feeling|going through) (is|matters|makes)|"
    r"i (get|understand|can see|see|can understand) why you|"
    r"you've been through (hell|a lot|so much)|"
    r"(that's|that is) (so much|too much)"
    r"(?=\s*$|\s*[.,;!?]| to (carry|deal with|handle|go through|hold|take in|manage))|"
    r"heavy load|(a lot|so much) to carry|"
    r"(you've been|you're) carrying (so much|a lot|a heavy load|this alone|all of this)|"
    r"i can (see|tell) how (much|hard|painful|tired|exhausted|lonely)|"
    r"(respect|admire) you for (telling|sharing|reaching|being|opening|talking|saying)|"
    r"(that's|that is|it's|feelings are) (completely |totally |so |really |absolutely )?valid|"
    r"(i'd|i would) (be|feel) (\w+ ){0,2}(too|as well)(?=\s*[.,!]*$)|every reason to (feel|be))\b"
)
RESOURCE_LEXICON: Mapping[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "Veterans Crisis Line": r"\b(veterans?|veteran's|vets?) crisis line\b|veteranscrisisline|\bvcl\b",
        # Typed and spoken forms: "988", "9-8-8", "nine eight eight", the 988lifeline site.
        "988": r"\b988(lifeline)?\b|\b9[\s.-]8[\s.-]8\b|\bnine[\s-]eight[\s-]eight\b",
        "press 1": r"\b(press(ing)?|hit|push) (1|one)\b|\b988,? (then )?(1|one)\b",
        "text 838255": r"\b838255\b",
        "chat": r"\b(online|confidential|live|web) chat\b|\bchat (online )?with (a|an|the|someone|them) "
        r"(\w+ )?(responder|counsel+or|crisis)",
        # "a lifeline" is a metaphor ("your dog has been a lifeline for you"); the 1-800 number
        # still reaches the Lifeline; 741741 is the Crisis Text Line.
        "crisis line": r"\bcrisis (line|lifeline|hotline|text line|center)\b|"
        r"(?<!\ba )(?<!\ban )(?<!\breal )(?<!\btrue )(?<!\btotal )(?<!\bgreat )(?<!\bbig )\blifeline\b|\bhotline\b|"
        r"\b(1[\s.-]?)?800[\s.-]?273[\s.-]?(8255|talk)\b|\b741741\b",
        "counsellor or clinician": r"\b(counsel+or|therapist|psychologist|psychiatrist|clinician|chaplain|doctor|"
        r"mental health (provider|professional|team|care))\b",
        "VA or Vet Center": r"\bva\b|\bvet cent(er|re)\b|\bveterans affairs\b",
        # A referral to emergency help, not a question about a past visit ("were you in the
        # emergency room after the crash?").
        "emergency services": r"\b911\b|\bemergency services\b|"
        r"\b(go|head|get|going|take \w+|drive \w+) (straight |right )?"
        r"to (the|an|your|a) (nearest |closest |local |\w+ )?(er|emergency room|emergency department|hospital)\b",
    }.items()
}
# Offering to make the connection now. "Call" and "stay" have everyday uses ("call it a
# night", "that memory will stay with you", "I can call you back tomorrow"), so the
# trainee's own offer or doing it together or now is required.
_REACH = r"call|dial|text|chat with|phone|ring|reach out to|contact"
_EXPEDITE = re.compile(
    # "call the Veterans Crisis Line with me right now" (the demo script's line)
    rf"\b(({_REACH})( (them|it|988|(the|your) \w+( \w+){{0,2}}|someone|somebody))? "
    r"(together|with you|with me|right now|now)\b"
    r"(?! with)|"
    r"(i'll|i will|i can|i could|i'm going to|i'm gonna|let me|i'm happy to|i'd be happy to|i want to) stay "
    r"(on the (line|phone) |here |right here |connected )?(with you|on the (line|phone))|"
    r"warm hand-?off|"
    rf"((can|could|shall|should) we|let's|let us|how about (i|we)|what if (i|we)) (({_REACH}) (them|988|the (crisis|"
    r"veterans|vcl|lifeline|line|number|hotline|responders?)|someone|somebody|together|now|right now)|"
    r"give (them|988|the \w+( \w+)?) a (call|ring|text)|dial\b)|"
    r"stay (right )?(here|on the line|on the phone|with you) (while|until|as) you|transfer you|"
    r"i can (call (them|988|the|someone|a|an)|connect you|dial|conference|patch|get (someone|somebody|a|an) \w* ?on)|"
    rf"want me to ({_REACH}|stay|connect|get)|would it help if i (called|dialed|texted|stayed|connected|got)|"
    r"(let me|can i|may i|could i|would you let me) ((connect|conference|patch|put) (you|them|someone|in)|"
    r"(call|get) (them|988|the|someone|somebody|a|an) )|"
    r"(connect|put) you (through )?(to|with|in touch with)|conference (in|them|someone)|"
    r"(get|bring) (a|someone|somebody|an?) ?(\w+ )?(from \w+ )?on the (line|phone|call))"
)


# --- suicide question classification ------------------------------------------------


class AskStyle(StrEnum):
    DIRECT = "direct"
    # Framed to expect a "no" ("you're not thinking of hurting yourself, are you?").
    INVITES_NO = "invites_no"
    # Asked with a euphemism ("hurt yourself", "do something stupid").
    VAGUE = "vague"


@dataclass(frozen=True)
class SuicideAsk:
    styles: frozenset[AskStyle]
    phrase: str

    @property
    def direct(self) -> bool:
        return AskStyle.DIRECT in self.styles


def _asks(sentence: str) -> bool:
    """A question by ``is_question``, or typed without its "?" as a tag question or after a
    preface ("sorry if this is blunt but r u thinking about suicide")."""
    return (
        is_question(sentence)
        or _TAG_QUESTION.search(sentence) is not None
        or _CLAUSE_QUESTION.search(sentence) is not None
    )


def classify_suicide_ask(text: str) -> SuicideAsk | None:
    """How, if at all, a trainee utterance asks about suicide (lexicon heuristic).

    A mention only counts as asking when it sits in a question (also a tag question or a
    question after a preface, typed without "?"), in an "I'm wondering if ..." sentence, or
    is followed by a short question. Named resources such as the "Suicide and Crisis
    Lifeline", someone else's suicide ("lost a buddy to suicide") and idioms ("the hill you
    want to die on", "did you hurt yourself when you fell?") are removed first, so that
    giving a resource or asking about something else is not mistaken for asking.
    """
    styles: set[AskStyle] = set()
    phrase = ""
    cleaned = _RESOURCE_NAMES.sub("crisis line", normalise(text))
    parts = sentences(_ASK_IDIOMS.sub(" ", _NOT_THEIR_OWN_SUICIDE.sub("a loss", cleaned)))
    for i, sentence in enumerate(parts):
        follow_up = (
            i + 1 < len(parts) and _asks(parts[i + 1]) and len(parts[i + 1].split()) <= _FOLLOW_UP_QUESTION_WORDS
        )
        asked = _asks(sentence)
        if not (asked or follow_up):
            continue
        term_sets = [(_DIRECT_TERMS, AskStyle.DIRECT), (_VAGUE_TERMS, AskStyle.VAGUE)]
        if follow_up and not asked:
            # "Lots of vets think about ending their lives. Is that where you're at?"
            term_sets.append((_THIRD_PERSON_TERMS, AskStyle.DIRECT))
        for terms, style in term_sets:
            for match in terms.finditer(sentence):
                if style is AskStyle.VAGUE and _INSTRUMENT_BEFORE.search(sentence[: match.start()]):
                    continue  # a question about means ("anything you could use to hurt yourself?")
                clause, offset = clause_around(sentence, match.start())
                before = clause[:offset].split()[-_NEGATION_WINDOW_WORDS:]
                negated = any(_NEGATION.search(word) for word in before) or (
                    # "Suicide isn't something you'd consider, is it?": the denial follows the
                    # term and a tag asks for agreement ("... or not?" stays neutral).
                    _TAG_QUESTION.search(sentence) is not None
                    and _NEGATION_AFTER.match(clause[offset + len(match.group(0)) :]) is not None
                )
                styles.add(AskStyle.INVITES_NO if negated else style)
                phrase = phrase or sentence
    return SuicideAsk(frozenset(styles), phrase) if styles else None


# Resource names that make a referral a crisis referral (not everyday advice).
_CRISIS_LINES = ("Veterans Crisis Line", "988", "text 838255", "chat", "crisis line", "emergency services")


def mentions_crisis_line(text: str) -> bool:
    """Whether the utterance points to a crisis line or emergency help.

    Urging someone at risk to call a crisis line is the "Encourage and Expedite" step,
    not the MI-inconsistent advice-giving that other modules coach against.
    """
    lowered = normalise(text)
    return any(RESOURCE_LEXICON[name].search(lowered) for name in _CRISIS_LINES)


def offers_to_connect(text: str) -> bool:
    """Whether the trainee offered to make the connection now ("can we call together?")."""
    return _EXPEDITE.search(normalise(text)) is not None


def risk_assessment_topic(text: str) -> str | None:
    """``"means"`` (access to means), ``"attempt"`` (past attempts), ``"intoxication"``
    (drinking or using now), ``"intent"`` (plan, preparation, timing) or None: which
    risk-assessment area a trainee utterance touches.

    Such questions are meant to be asked plainly (often closed), so other modules use
    this to avoid coaching them into open questions.
    """
    # Sentence by sentence: some phrases are anchored at the end of a sentence ("What
    # would you use?").
    parts = sentences(_MEANS_IDIOMS.sub(" ", _SAFETY_PLAN.sub(" ", normalise(text))))
    for topic, pattern in _RISK_TOPICS.items():
        if any(pattern.search(s) for s in parts):
            return topic
    return "intent" if any(_INTENT.search(s) for s in parts) else None


def mentions_risk_assessment(text: str) -> bool:
    return risk_assessment_topic(text) is not None


def discusses_safe_storage(text: str) -> bool:
    """Whether an utterance talks about locking up means or someone else holding them."""
    return any(_SAFE_STORAGE.search(s) for s in sentences(_MEANS_IDIOMS.sub(" ", normalise(text))))


def named_firearm(text: str) -> str | None:
    """The first firearm a client utterance says they have ("I keep my pistol in the
    nightstand" -> "pistol"), or None; a negation up to 5 words before it ("I don't own a
    gun", "no guns in the house") means it does not count. A lexicon heuristic like the rest."""
    for sentence in sentences(normalise(text)):
        match = _FIREARM.search(sentence)
        if match is None:
            continue
        before = sentence[: match.start()].split()[-_NEGATION_WINDOW_WORDS:]
        if not _NEGATION.search(" ".join(before)):
            return match.group(0)
    return None


_MEDICATION = re.compile(r"\b(medications?|medicines?|pills|meds)\b")


def risk_item_means(item: RiskItem) -> str | None:
    """The means a capability item of the scenario names, for means-safety coaching.

    A firearm in the label counts ("Handgun at home, not locked up." -> "handgun"); so does
    medication, but only in an item the scenario marks as access to means
    (``capability.access_to_means``): in the client's own words, "my meds" is not a stockpile.
    """
    if item.kind is not RiskKind.CAPABILITY or item.absent:
        return None
    firearm = named_firearm(item.label)
    if firearm is not None:
        return firearm
    medication = _MEDICATION.search(normalise(item.label))
    return medication.group(0) if medication and item.item_id.endswith("access_to_means") else None


def validates(text: str) -> bool:
    """Whether a trainee utterance uses validating words ("that makes sense", "anyone would
    feel that way", "thank you for telling me"): the lexicon half of the checklist's
    "Validated" item (the other half is the turn's code: reflection or affirm)."""
    return any(_VALIDATION.search(s) for s in sentences(normalise(text)))


def warning_sign_categories(text: str) -> list[tuple[str, str]]:
    """``(category, matched words)`` for each warning-sign category a client utterance shows.

    Idioms are blanked first ("dying to get out of here"), and a denial just before talk of
    death or of getting means cancels it ("I'm not suicidal", "I would never kill myself").
    """
    found: list[tuple[str, str]] = []
    for sentence in sentences(_SIGN_IDIOMS.sub(" ", _NOT_THEIR_OWN_SUICIDE.sub("a loss", normalise(text)))):
        for category, pattern in WARNING_SIGN_LEXICON.items():
            if any(c == category for c, _ in found):
                continue
            for match in pattern.finditer(sentence):
                if category in _DENIABLE and _denied(sentence, match.start()):
                    continue
                found.append((category, match.group(0)))
                break
    return found


def _denied(sentence: str, position: int) -> bool:
    clause, offset = clause_around(sentence, position)
    before = _NOT_DENIAL.sub(" ", clause[:offset]).split()[-_DENIAL_WINDOW_WORDS:]
    return any(_DENIAL.search(word) for word in before)


def asks_about_plan(text: str) -> bool:
    """Whether a trainee utterance asks about a plan, preparation or timing (the checklist's
    "Explored plan and intent" item, for one turn)."""
    return _text_matches(text, _INTENT, questions_only=True, strip=_SAFETY_PLAN)


# --- the checklist --------------------------------------------------------------------


def detect_warning_signs(transcript: Transcript, scenario: ScenarioMeta) -> tuple[WarningSign, ...]:
    """Client turns showing S.A.V.E. warning signs, in transcript order.

    Two sources: the lexicon heuristic over client text, and disclosures of risk-profile
    facts other than buffers (the simulator says the client revealed, e.g., a plan). An
    item the scenario marks absent ("No plan.") is no sign when it comes out.
    """
    facts = {
        fact: item
        for item in scenario.risk_profile
        if item.kind is not RiskKind.BUFFER and not item.absent
        for fact in item.fact_ids
    }
    disclosed: dict[str, list[str]] = {}
    for disclosure in transcript.disclosures:
        if disclosure.fact_id in facts:
            disclosed.setdefault(disclosure.turn_id, []).append(disclosure.fact_id)
    signs: list[WarningSign] = []
    for turn in transcript.turns:
        if turn.speaker is not Speaker.CLIENT:
            continue
        for category, matched in warning_sign_categories(turn.text):
            signs.append(WarningSign(turn.turn_id, turn.index, category, matched, "lexicon"))
        for fact in disclosed.get(turn.turn_id, ()):
            item = facts[fact]
            signs.append(
                WarningSign(turn.turn_id, turn.index, f"{item.kind.value}: {item.label}", fact, "risk_profile")
            )
    return tuple(signs)


def _trainee_turns_matching(
    turns: Iterable[Turn], pattern: re.Pattern[str], *, questions_only: bool, strip: re.Pattern[str] | None = None
) -> list[Turn]:
    return [t for t in turns if _text_matches(t.text, pattern, questions_only=questions_only, strip=strip)]


def _text_matches(
    raw: str, pattern: re.Pattern[str], *, questions_only: bool, strip: re.Pattern[str] | None = None
) -> bool:
    text = normalise(raw)
    if strip is not None:
        text = strip.sub(" ", text)
    return any(pattern.search(s) and (not questions_only or _asks(s)) for s in sentences(text))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _turn_refs(turns: Sequence[Turn]) -> str:
    return ", ".join(turn_ref(t.index, t.turn_id) for t in turns)


@dataclass
class _Review:
    """What every checklist step needs, computed once, plus the coaching it collects."""

    transcript: Transcript
    policy: CrisisPolicy
    signs: tuple[WarningSign, ...]
    trainee: list[Turn]
    # Turns are frozen and unique within a speaker, so they can key their own position.
    positions: dict[Turn, int]
    first_position: int | None
    coaching: list[str]

    @property
    def first(self) -> WarningSign | None:
        return self.signs[0] if self.signs else None

    def after_first_sign(self, turn: Turn) -> bool:
        return self.first_position is None or self.positions[turn] > self.first_position

    def in_order(self, turns: Iterable[Turn]) -> tuple[str, ...]:
        """Turn ids, deduplicated, in transcript order."""
        return tuple(t.turn_id for t in sorted(set(turns), key=self.positions.__getitem__))


def assess_crisis_skills(
    transcript: Transcript, scenario: ScenarioMeta, *, policy: CrisisPolicy = DEFAULT_POLICY
) -> CrisisChecklist:
    """The S.A.V.E. / risk-assessment checklist with evidence turn ids.

    Meant for scenarios with ``has_suicide_risk``; the report only includes it there.
    """
    signs = detect_warning_signs(transcript, scenario)
    review = _Review(
        transcript=transcript,
        policy=policy,
        signs=signs,
        trainee=[t for t in transcript.turns if t.is_trainee],
        positions={t: i for i, t in enumerate(transcript.turns)},
        first_position=transcript.position_of_client_turn(signs[0].turn_id) if signs else None,
        coaching=[],
    )
    ask_item, direct_ask, invites_no = _asked_directly(review)
    items = [
        _warning_signs(review),
        ask_item,
        _validated(review),
        _connected_to_resources(review),
        *_risk_assessment(review),
        *_risk_profile_items(transcript, scenario),
    ]
    return CrisisChecklist(
        items=tuple(items),
        warning_signs=signs,
        direct_ask=direct_ask,
        invites_no_turn_ids=invites_no,
        coaching_points=tuple(review.coaching),
    )


def _warning_signs(review: _Review) -> ChecklistItem:
    """S: an observation about the client, so the supervisor sees what the trainee faced."""
    first = review.first
    if first:
        categories = ", ".join(dict.fromkeys(s.category for s in review.signs))
        note = (
            f"First sign on {turn_ref(first.index, first.turn_id)}: {first.category} "
            f"('{first.matched}'). Categories seen: {categories}. Lexicon heuristic plus "
            "disclosed risk facts; check the evidence turns."
        )
    else:
        note = "No warning sign detected by the lexicon heuristic or the risk profile."
    return ChecklistItem(
        "warning_signs",
        ChecklistGroup.SAVE,
        "Warning signs appeared (heuristic)",
        bool(review.signs),
        tuple(dict.fromkeys(s.turn_id for s in review.signs)),
        note,
        observation=True,
    )


def _asked_directly(review: _Review) -> tuple[ChecklistItem, DirectAsk | None, tuple[str, ...]]:
    """A: asked plainly, when, and whether any ask expected a "no" or used a euphemism."""
    asks = [(t, classify_suicide_ask(t.text)) for t in review.trainee]
    direct = [t for t, ask in asks if ask and AskStyle.DIRECT in ask.styles]
    invites_no = [t for t, ask in asks if ask and AskStyle.INVITES_NO in ask.styles]
    vague = [t for t, ask in asks if ask and ask.styles == {AskStyle.VAGUE}]
    first = review.first
    direct_ask: DirectAsk | None = None
    if not direct:
        note = "Never asked plainly about suicide."
        review.coaching.append(
            "Ask directly, in plain words: 'Are you thinking about killing yourself?' Asking does "
            "not put the idea in someone's head, and it tells them they can talk about it."
        )
    elif first is None or not review.after_first_sign(direct[0]):
        asked = direct[0]
        direct_ask = DirectAsk(asked.turn_id, asked.index, None, None, False)
        note = f"Asked on {turn_ref(asked.index, asked.turn_id)}, before any warning sign was detected."
    else:
        asked = direct[0]
        position = review.positions[asked]
        between = sum(1 for t in review.trainee if review.after_first_sign(t) and review.positions[t] < position)
        left_to_end = asked is review.trainee[-1] and between >= review.policy.end_ask_min_replies
        late = between >= review.policy.late_after_replies or left_to_end
        gap = asked.index - first.index
        direct_ask = DirectAsk(asked.turn_id, asked.index, gap, between, late)
        note = (
            f"Asked on {turn_ref(asked.index, asked.turn_id)}, {gap} turn(s) after the first warning sign, "
            f"with {between} trainee turn(s) in between."
        )
        if late:
            note += " Asked late: ask as soon as warning signs appear, not near the end."
            review.coaching.append(
                "Ask about suicide as soon as warning signs appear; waiting makes the question "
                "harder to ask and delays safety planning."
            )
    if invites_no:
        note += f" Asked in a way that invites a 'no' on {_turn_refs(invites_no)}."
        review.coaching.append(
            "Avoid questions that expect a 'no' ('You're not thinking of hurting yourself, are you?'); "
            "they make it hard to answer honestly. Ask neutrally instead."
        )
    if vague:
        note += f" Used a euphemism instead of the word suicide on {_turn_refs(vague)}."
        review.coaching.append(
            "Name it: 'suicide' or 'killing yourself' is clearer than 'hurting yourself' or 'doing something stupid'."
        )
    item = ChecklistItem(
        "asked_directly",
        ChecklistGroup.SAVE,
        "Asked directly about suicide",
        bool(direct),
        # The turns the verdict rests on: the plain asks when there are any (the report lists
        # them as a strength; asks that invite a "no" or use a euphemism are named in the
        # note), otherwise the asks to look at.
        review.in_order(direct or [*invites_no, *vague]),
        note,
    )
    return item, direct_ask, review.in_order(invites_no)


def _validated(review: _Review) -> ChecklistItem:
    """V: reflections, affirmations or validating words after the first warning sign."""
    validating = [
        t
        for t in review.trainee
        if review.after_first_sign(t)
        and (t.trainee_code.code in (TraineeCode.REFLECTION, TraineeCode.AFFIRM) or validates(t.text))
    ]
    scope = f"after the first warning sign (turn {review.first.index})" if review.first else "in the conversation"
    return ChecklistItem(
        "validated",
        ChecklistGroup.SAVE,
        "Validated the client's feelings",
        bool(validating),
        review.in_order(validating),
        f"Reflections, affirmations or validating phrases {scope}: {len(validating)}."
        if validating
        else f"No reflection, affirmation or validation {scope}.",
    )


def _connected_to_resources(review: _Review) -> ChecklistItem:
    """E: encourage and expedite help; notes which Veterans Crisis Line routes were given."""
    found: dict[str, list[Turn]] = {}
    for turn in review.trainee:
        text = normalise(turn.text)
        for name, pattern in RESOURCE_LEXICON.items():
            if pattern.search(text):
                found.setdefault(name, []).append(turn)
    if found:
        routes = {
            "call 988 then press 1": "988" in found and "press 1" in found,
            "text 838255": "text 838255" in found,
            "chat": "chat" in found,
        }
        note = (
            f"Mentioned: {', '.join(found)}. Veterans Crisis Line routes given: "
            + ", ".join(f"{route} {'yes' if given else 'no'}" for route, given in routes.items())
            + "."
        )
        expedite = [t for t in review.trainee if offers_to_connect(t.text)]
        if expedite:
            note += f" Offered to connect now on {_turn_refs(expedite)}."
    else:
        note = "No crisis line, clinician or other resource was mentioned."
        review.coaching.append(
            "Connect them to help before the conversation ends: Veterans Crisis Line (dial 988 "
            "then press 1, text 838255, or chat online) or the 988 Lifeline; offer to make the call together."
        )
    return ChecklistItem(
        "connected_to_resources",
        ChecklistGroup.SAVE,
        "Connected to resources (crisis line, clinician)",
        bool(found),
        review.in_order(t for turns in found.values() for t in turns),
        note,
    )


def _risk_assessment(review: _Review) -> list[ChecklistItem]:
    """Lifeline areas the trainee explored: intent, capability (means), buffers.

    Desire is covered by the direct question about suicide.
    """
    trainee = review.trainee
    intent = _trainee_turns_matching(trainee, _INTENT, questions_only=True, strip=_SAFETY_PLAN)
    means = _trainee_turns_matching(trainee, _MEANS, questions_only=False, strip=_MEANS_IDIOMS)
    storage = _trainee_turns_matching(means, _SAFE_STORAGE, questions_only=False, strip=_MEANS_IDIOMS)
    buffers = _trainee_turns_matching(trainee, _BUFFERS, questions_only=True)
    means_note = (
        f"Discussed access to means or past attempts on {_turn_refs(means)}."
        if means
        else "Did not ask about access to means (firearms, medication) or past attempts."
    )
    if storage:
        means_note += f" Safe storage or locking came up on {_turn_refs(storage)}."
    steps = [
        (
            "explored_intent",
            "Explored plan and intent",
            intent,
            f"Asked about a plan, preparation or timing on {_turn_refs(intent)}."
            if intent
            else "Did not ask whether they have a plan, have prepared, or when.",
            "Ask whether they have a plan, how far it has gone, and when they might act.",
        ),
        (
            "explored_means",
            "Explored capability: access to means (e.g. firearms), past attempts",
            means,
            means_note,
            (
                "Ask about access to means, especially firearms, and talk about putting time and "
                "distance between the person and the means (safe storage, a lock, someone holding the keys)."
            ),
        ),
        (
            "explored_buffers",
            "Explored buffers: supports and reasons for living",
            buffers,
            f"Asked about supports or reasons for living on {_turn_refs(buffers)}."
            if buffers
            else "Did not ask what keeps them going or who they can lean on.",
            "Ask what has kept them going so far and who they can lean on; build on those.",
        ),
    ]
    items = []
    for item_id, label, turns, note, coaching in steps:
        if not turns:
            review.coaching.append(coaching)
        items.append(
            ChecklistItem(item_id, ChecklistGroup.RISK_ASSESSMENT, label, bool(turns), review.in_order(turns), note)
        )
    return items


def _risk_profile_items(transcript: Transcript, scenario: ScenarioMeta) -> list[ChecklistItem]:
    """One item per hidden risk fact group: did the trainee draw it out?"""
    by_fact: dict[str, list[str]] = {}
    for disclosure in transcript.disclosures:
        by_fact.setdefault(disclosure.fact_id, []).append(disclosure.turn_id)
    items = []
    for risk in scenario.risk_profile:
        evidence: list[str] = []
        notes: list[str] = []
        for fact in risk.fact_ids:
            for client_turn_id in by_fact.get(fact, ()):
                position = transcript.position_of_client_turn(client_turn_id)
                client_turn = transcript.turns[position]
                prompt = transcript.previous_trainee_turn(position)
                if prompt is not None:
                    evidence.append(prompt.turn_id)
                evidence.append(client_turn_id)
                asked = f" in reply to {turn_ref(prompt.index, prompt.turn_id)}" if prompt else ""
                notes.append(f"fact '{fact}' disclosed on {turn_ref(client_turn.index, client_turn_id)}{asked}")
        uncovered = bool(notes)
        items.append(
            ChecklistItem(
                id=f"risk_profile:{risk.key}",
                group=ChecklistGroup.RISK_PROFILE,
                label=f"Uncovered {risk.kind.value}: {risk.label}",
                met=uncovered,
                evidence_turn_ids=tuple(dict.fromkeys(evidence)),
                note=_sentence("; ".join(notes))
                if uncovered
                else "Not disclosed: the client never revealed this during the session.",
            )
        )
    return items
