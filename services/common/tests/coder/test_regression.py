"""Coder regressions: fixed labelled samples with thresholds.

The AnnoMI sample (6 transcripts) is part of the training data, so its threshold guards
against regressions (a broken feature, a stale artifact), not generalisation; the
generalisation figures come from ``python -m practicum_coder cv`` (model card). The
hand-written turns below are not from AnnoMI: clear-cut textbook MITI examples that any
usable coder must get right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from practicum_coder import Coder, CoderInput, heuristics
from practicum_coder.data import load_annomi
from practicum_coder.evaluation import Predictions, collect, collect_robustness, reports, robustness_reports
from practicum_coder.text import normalise, restore_question_mark


def test_committed_model_on_the_annomi_sample(coder: Coder, sample_full: Path) -> None:
    dataset = load_annomi(sample_full)
    report = reports(collect(coder, list(dataset.utterances), True, Predictions()), True)
    tasks = report["tasks"]
    assert tasks["therapist_behaviour"]["macro_f1"] >= 0.85
    assert tasks["therapist_behaviour"]["kappa"] >= 0.80
    assert tasks["question_open_closed"]["macro_f1"] >= 0.80
    assert tasks["reflection_simple_complex"]["macro_f1"] >= 0.80
    assert tasks["client_talk_type"]["macro_f1"] >= 0.60
    assert report["session_quality"]["roc_auc"] >= 0.85


# (trainee text, previous client text, expected code, expected subcode or None)
TEXTBOOK = [
    ("What brings you in today?", None, "question", "open"),
    ("How do you feel about your drinking?", "My wife says I drink too much.", "question", "open"),
    ("What are some of the reasons you might want to cut down?", "I guess it costs a lot.", "question", "open"),
    ("Tell me more about what happened at work.", "It was a bad week.", "question", "open"),
    ("Do you smoke every day?", "I smoke a bit.", "question", "closed"),
    ("Are you taking your medication?", "The doctor gave me pills.", "question", "closed"),
    ("Is your wife worried about it?", "She gets angry when I drink.", "question", "closed"),
    ("So you feel stuck.", "I just can't seem to get going on anything.", "reflection", None),
    ("You're worried about your health.", "I'm scared my heart can't take much more of this.", "reflection", None),
    (
        "It sounds like your family matters a lot to you.",
        "I do it for my kids, they're everything.",
        "reflection",
        None,
    ),
    ("Mm-hmm.", "And then I went home.", "other", None),
    ("Okay.", "That's about it.", "other", None),
    ("Hi, nice to meet you.", None, "other", None),
]


@pytest.mark.parametrize(("text", "prev", "code", "subcode"), TEXTBOOK)
def test_textbook_turns(coder: Coder, text: str, prev: str | None, code: str, subcode: str | None) -> None:
    turn = coder.code(text, "trainee", prev)
    assert turn.code == code
    if subcode is not None:
        assert turn.subcode == subcode


# Trainees type in a chat box and often leave out "?". AnnoMI always has it, so the models
# also train on "?"-less copies (training.AUGMENT_NO_QUESTION_MARK). Without them only 1 of
# these 7 was coded a question; with them 6 are ("Is your wife worried about it" reads as a
# reflection, as a declarative would), so this is a floor over the set.
UNPUNCTUATED_QUESTIONS = [
    (text.replace("?", ""), prev, subcode) for text, prev, code, subcode in TEXTBOOK if code == "question"
]


def test_questions_typed_without_a_question_mark(coder: Coder) -> None:
    coded = coder.code_batch([CoderInput(text, "trainee", prev) for text, prev, _ in UNPUNCTUATED_QUESTIONS])
    right = [
        (turn.code, turn.subcode) == ("question", subcode)
        for turn, (_, _, subcode) in zip(coded, UNPUNCTUATED_QUESTIONS, strict=True)
    ]
    assert sum(right) >= 6, [(t.code, t.subcode) for t in coded]


# The same turns typed in chat shorthand ("u", "ur", no apostrophes). The text is spelled out
# before any feature (practicum_common.chat_text), so each must get exactly the code,
# subcode and confidence of its spelled-out form. Before that step all 6 got another
# confidence (0.39 against 0.54 for the third); over held-out AnnoMI turns in chat
# shorthand, behaviour macro-F1 went from 0.716 to 0.734 (model card, "Chat spellings").
TYPED = [
    ("what brings u in today?", "What brings you in today?"),
    ("so ur worried about ur health", "So you're worried about your health"),
    ("youre worried that u cant stop", "You're worried that you can't stop"),
    ("ok. its ur choice what u do next", "Okay. It's your choice what you do next"),
    ("u should really think about quitting", "You should really think about quitting"),
    ("thats great, u did it", "That's great, you did it"),
]


@pytest.mark.parametrize(("typed", "spelled"), TYPED)
def test_typed_turns_are_coded_as_their_spelled_out_form(coder: Coder, typed: str, spelled: str) -> None:
    prev = "I've been drinking a lot and I'm scared my heart can't take it."
    a, b = coder.code(typed, "trainee", prev), coder.code(spelled, "trainee", prev)
    assert (a.code, a.subcode, round(a.confidence, 6)) == (b.code, b.subcode, round(b.confidence, 6))


def test_annomi_sample_without_question_marks(coder: Coder, sample_full: Path) -> None:
    dataset = load_annomi(sample_full)
    robust = robustness_reports(collect_robustness(coder, list(dataset.utterances), True, {}), True)
    # Training data (see the module docstring): a regression guard. Without the "?"-less
    # training copies the first figure was 0.66.
    assert robust["no_question_marks"]["therapist_behaviour"]["macro_f1"] >= 0.85
    assert robust["no_question_marks"]["question_open_closed"]["macro_f1"] >= 0.85
    assert robust["no_punctuation"]["therapist_behaviour"]["macro_f1"] >= 0.80
    assert robust["texting"]["therapist_behaviour"]["macro_f1"] >= 0.85
    assert robust["texting"]["question_open_closed"]["macro_f1"] >= 0.85


# Client talk type is the weakest task (CV macro-F1 ~0.50): negations and typed first-
# person statements are often missed, so this checks a floor over a set, not each turn.
CLIENT = [
    ("I really want to stop drinking, I've had enough.", "change"),
    ("I'm going to cut down to two drinks a night starting this week.", "change"),
    ("I want to be healthier for my kids.", "change"),
    ("I need to quit.", "change"),
    ("I don't think I have a problem, I can stop whenever I want.", "sustain"),
    ("Smoking helps me relax, I'm not giving that up.", "sustain"),
    ("I like drinking, it's fun.", "sustain"),
    ("I don't want to quit.", "sustain"),
]


def test_client_talk_floor(coder: Coder) -> None:
    coded = coder.code_batch([CoderInput(text, "client") for text, _ in CLIENT])
    hits = sum(turn.code == talk for turn, (_, talk) in zip(coded, CLIENT, strict=True))
    assert hits >= 5, [(t.code, text) for t, (text, _) in zip(coded, CLIENT, strict=True)]


# The heuristics on their own (deterministic; the model decides the AnnoMI class first).
INPUT_RULES = [
    ("You need to stop drinking right now.", "information", "", "persuade"),
    ("I'd recommend cutting down to two drinks a day.", "information", "", "persuade"),
    (
        "If it's okay with you, I could share what some people find helpful: cutting down slowly.",
        "advice",
        "",
        "persuade_with_permission",
    ),
    ("One option is nicotine patches.", "advice", "What should I do about the cravings?", "persuade_with_permission"),
    ("It's really up to you what you decide to do.", "information", "", "emphasizing_autonomy"),
    ("Let's work on a plan together.", "information", "", "seeking_collaboration"),
    ("We could set a goal for next week.", "negotiation", "", "seeking_collaboration"),
    ("You're in denial about this.", "information", "", "confront"),
    ("That's just an excuse, and you know better.", "advice", "", "confront"),
    ("Alcohol raises blood pressure.", "information", "", "giving_information"),
]


@pytest.mark.parametrize(("text", "subtype", "prev", "code"), INPUT_RULES)
def test_input_heuristics(text: str, subtype: str, prev: str, code: str) -> None:
    assert heuristics.refine_input(normalise(text), subtype, normalise(prev)).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Good for you!", "affirm"),
        ("That took a lot of courage.", "affirm"),
        ("Thanks for coming in today.", "affirm"),
        ("Mm-hmm.", "other"),
        ("Okay, see you next week.", "other"),
    ],
)
def test_other_heuristics(text: str, code: str) -> None:
    assert heuristics.refine_other(normalise(text)).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # The same words in other senses are not praise.
        ("It would be good for you to cut down.", "other"),
        ("If you were in a good job you'd feel different.", "other"),
        ("It took me a while to find the form.", "other"),
        # Typed praise the first lexicon missed.
        ("Thank you for trusting me with that.", "affirm"),
        ("im glad you reached out", "affirm"),
        ("It must have taken a lot of courage to tell your brother.", "affirm"),
        ("You did a really good job with that.", "affirm"),
    ],
)
def test_affirm_lexicon_senses(text: str, code: str) -> None:
    assert heuristics.refine_other(normalise(text)).code == code


# A turn that is praise and nothing else (acknowledgements aside) is an affirmation
# whatever class the model gave it; praise inside a reflection or a question is not.
@pytest.mark.parametrize(
    ("text", "affirmation"),
    [
        ("Thank you for telling me. It took guts to say that out loud, and I'm glad you did.", True),
        ("Wow. That took real courage.", True),
        ("Okay, yeah. You should be really proud of yourself.", True),
        ("Good for you doing that.", True),
        # What took courage belongs to the praise; "Thank you." is an acknowledgement
        # (the stop 14 moral-injury demo's last turn, coded a complex reflection before).
        ("It takes a lot of strength to sit here and talk about this. Thank you.", True),
        ("That took a lot of courage to admit.", True),
        # ... but only up to 6 words ending the sentence: advice cannot hide in it.
        ("it took guts to say that and you should quit drinking", False),
        ("Thank you.", False),
        ("That's great. It sounds like you've got some options.", False),
        ("That's great, it sounds like you've got options.", False),
        ("That's great. What do you think you'll study?", False),
        ("Thanks for coming in. Tell me what's been happening since we last spoke.", False),
        ("Okay.", False),
        ("You should call your doctor.", False),
        # Typed without punctuation, one phrase of praise does not make the turn praise.
        ("thanks for coming in tell me what's been happening since we last spoke", False),
        ("so thanks for coming in sandra we'll see you next week", False),
    ],
)
def test_affirmation_rule(text: str, affirmation: bool) -> None:
    assert heuristics.is_affirmation(normalise(text)) is affirmation


def test_affirmation_is_coded_as_affirm_whatever_the_model_says(coder: Coder) -> None:
    # The model alone calls this a reflection (P 0.71).
    explained = coder.explain_batch([CoderInput("You've worked really hard on this.", "trainee", "I cut down.")])[0]
    assert max(explained.class_proba) == explained.class_proba[2]
    assert (explained.turn.code, explained.turn.annomi_class) == ("affirm", "other")
    assert explained.rule == "affirmation->affirm_lexicon"
    # Confidence is the model's own P(other) (classes in sorted order), not a made-up figure.
    assert explained.turn.confidence == pytest.approx(explained.class_proba[0], abs=1e-6)
    # The demo's affirmation, and praise that opens like a directive, are affirm too.
    text = "Thank you for telling me. It took guts to say that out loud, and I'm glad you did."
    assert coder.code(text, "trainee", "I've been thinking about killing myself.").code == "affirm"
    assert coder.code("You should be really proud of yourself.", "trainee", "I got the job!").code == "affirm"
    demo = "It takes a lot of strength to sit here and talk about this. Thank you."
    assert coder.code(demo, "trainee", "Hm. Yeah.").code == "affirm"


def test_heuristics_never_move_questions_or_reflections() -> None:
    for cls in ("question", "reflection"):
        assert heuristics.refine(cls, normalise("You need to stop, it's up to you."), "", "").code == cls


def test_end_to_end_affirm(coder: Coder) -> None:
    turn = coder.code("Good for you!", "trainee", "I haven't had a drink in three weeks.")
    assert turn.code == "affirm" and turn.annomi_class == "other"


# Advice without permission, typed the way a novice would. "You"-statements look like
# reflections to a model trained on expert demonstrations; the directive override
# (heuristics.is_directive) catches those that open with a directive. Without it 3 of these
# 6 got an MI-non-adherent code; with it all 6, so the floor (5) fails if it stops working.
MINA = [
    ("You need to take your medication every day.", "I forget my pills."),
    ("You should really think about quitting.", "I smoke a pack a day."),
    ("That's not true, you told me last week you drank every day.", "I hardly drink."),
    ("I'd recommend you cut down to two drinks a day.", "I drink most nights."),
    ("You have to stop smoking, it's killing you.", "I smoke a pack a day."),
    ("The best thing you can do for your health is to quit smoking.", "I smoke a pack a day."),
]


def test_mi_non_adherent_floor(coder: Coder) -> None:
    coded = coder.code_batch([CoderInput(text, "trainee", prev) for text, prev in MINA])
    hits = sum(turn.code in {"persuade", "confront"} for turn in coded)
    assert hits >= 5, [(t.code, text) for t, (text, _) in zip(coded, MINA, strict=True)]


# Direction the client did not voice is input even where the model says reflection (see
# heuristics' policy); the client's own obligation, a question and "you must be..." are not.
@pytest.mark.parametrize(
    ("text", "prev", "directive"),
    [
        ("You should really think about quitting.", "I smoke a pack a day.", True),
        ("So you need to take your pills every morning.", "I forget my pills.", True),
        ("I'd recommend you cut down to two drinks a day.", "", True),
        ("You've got to stop.", "", True),
        ("The best thing you can do for your health is to quit.", "", True),
        ("You have to quit.", "I know I have to quit, it's just hard.", False),
        ("You should go see a doctor?", "", False),
        ("You must be exhausted.", "I haven't slept in days.", False),
        ("It sounds like you feel you should quit.", "Everyone says I should.", False),
    ],
)
def test_directive_rule(text: str, prev: str, directive: bool) -> None:
    assert heuristics.is_directive(normalise(text), normalise(prev)) is directive


def test_directive_is_coded_as_input_whatever_the_model_says(coder: Coder) -> None:
    # The model alone calls this a reflection (P 0.86).
    explained = coder.explain_batch([CoderInput("You have to stop smoking, it's killing you.", "trainee", "")])[0]
    assert (explained.turn.code, explained.turn.annomi_class) == ("persuade", "therapist_input")
    assert explained.rule.startswith("directive->")
    # The reported confidence is the model's own P(therapist_input) (classes in sorted
    # order: other, question, reflection, therapist_input), not a made-up figure.
    assert max(explained.class_proba) == explained.class_proba[2]
    assert explained.turn.confidence == pytest.approx(explained.class_proba[3], abs=1e-6)


def test_an_overridden_directive_is_advice_even_with_an_adverb(coder: Coder) -> None:
    # "you really need to" is a directive (is_directive) but not in the persuade lexicon's
    # "you need to": the override's turns must still come out as persuade.
    turn = coder.code("You really need to take your pills every morning.", "trainee", "I forget.")
    assert turn.code == "persuade"


# Client refusals of the change are sustain talk; conditions, "but" turns, persistence and
# other things one cannot stop are not refusals.
@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("I don't want to quit.", True),
        ("im not gonna quit", True),
        ("I'm not ready to give it up.", True),
        ("I don't think I can stop.", True),
        ("I won't give up drinking.", True),
        ("If I don't stop, I'll lose my kids.", False),
        ("I don't want to quit, but I know I should.", False),
        ("I don't want to keep drinking like this.", False),
        ("I can't stop thinking about it.", False),
        ("I'm not going to give up.", False),
        ("I want to quit.", False),
        ("I don't wanna stop altogether, so.", False),
        ("I'm not going to quit smoking completely.", False),
    ],
)
def test_negated_change_rule(text: str, refusal: bool) -> None:
    assert heuristics.is_negated_change(normalise(text)) is refusal


def test_a_refusal_of_the_change_is_sustain_talk(coder: Coder) -> None:
    # The model alone reads "want to quit" as change talk.
    explained = coder.explain_batch([CoderInput("I don't want to quit.", "client")])[0]
    assert explained.turn.code == "sustain" and explained.rule == "negated_change"
    # Confidence is the model's own P(sustain) (classes in sorted order), not a made-up figure.
    assert max(explained.class_proba) != explained.class_proba[2]
    assert explained.turn.confidence == pytest.approx(explained.class_proba[2], abs=1e-6)
    assert coder.code("I really want to quit.", "client").code == "change"


# MITI recodes: asking permission is Seeking Collaboration and handing over the choice is
# Emphasizing Autonomy, while the AnnoMI class stays the model's (AnnoMI labels these turns
# question and reflection). Both were seen in a demo report as a "closed question" to be
# rewritten and a "complex reflection".
@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Would it be okay if I shared some information about what other people have found helpful?", True),
        ("Is it okay if we talk a little bit more about your alcohol use?", True),
        ("I have some ideas. Would it be okay if I shared them?", True),
        ("Do you mind if I tell you what worked for other veterans?", True),
        ("would it be ok if i shared some info", True),
        ("What would you like me to call you?", False),
        ("Can I ask you, what do you like about drinking?", False),
        ("How much do you drink? Would it be okay if I shared something?", False),
        ("You said you would mind if we talked about it.", False),
    ],
)
def test_permission_request_rule(text: str, asks: bool) -> None:
    assert heuristics.is_permission_request(normalise(text)) is asks


@pytest.mark.parametrize(
    ("text", "autonomy"),
    [
        ("It's your call what you do with this, and I respect that.", True),
        ("You get to decide.", True),
        ("Okay. That's up to you.", True),
        ("It's your choice, but I really think you should quit.", False),
        ("It's up to you. What do you want to do?", False),
        ("It sounds like the decision is yours.", False),
    ],
)
def test_autonomy_statement_rule(text: str, autonomy: bool) -> None:
    assert heuristics.is_autonomy_statement(normalise(text)) is autonomy


def test_miti_recodes_change_the_code_but_keep_the_annomi_class(coder: Coder) -> None:
    asked, handed, wh = coder.explain_batch(
        [
            CoderInput("Would it be okay if I shared some information about what has helped others?", "trainee", "No."),
            CoderInput("It's your call what you do with this, and I respect that.", "trainee", "I don't know."),
            CoderInput("What would you like me to call you?", "trainee", None),
        ]
    )
    assert (asked.turn.code, asked.turn.subcode, asked.turn.annomi_class) == ("seeking_collaboration", "", "question")
    assert asked.rule == "permission_question"
    # Whatever class the model gives it (reflection or, in this context, input, where the
    # in-class lexicon already codes autonomy), the code is autonomy and the class the model's.
    classes = ["other", "question", "reflection", "therapist_input"]
    model_class = classes[max(range(4), key=handed.class_proba.__getitem__)]
    assert (handed.turn.code, handed.turn.annomi_class) == ("emphasizing_autonomy", model_class)
    you_decide = coder.explain_batch([CoderInput("You get to decide.", "trainee", "I might cut down.")])[0]
    assert (you_decide.turn.code, you_decide.turn.annomi_class) == ("emphasizing_autonomy", "reflection")
    assert you_decide.rule == "autonomy_statement"
    # Confidence is the model's own probability of the class it kept.
    assert asked.turn.confidence == pytest.approx(max(asked.class_proba), abs=1e-6)
    assert (wh.turn.code, wh.turn.subcode) == ("question", "open")


# Novice habits that expert demonstrations hardly contain, so the model reads them as
# reflections or questions (each was coded so before its rule): confronting, warning,
# advice put as a question, reassurance; and the MI-adherent turns it misses.
@pytest.mark.parametrize(
    ("text", "confronts"),
    [
        ("You're drinking way too much and you know it.", True),
        ("That's just an excuse.", True),
        ("You're in denial about this.", True),
        ("Honestly, you're in denial.", True),
        # Reported views are reflections, not judgements.
        ("You're worried you're drinking too much.", False),
        ("Your wife thinks you're drinking too much.", False),
        ("It sounds like you're drinking too much for your liking.", False),
        ("Don't you realize what this is doing to your kids?", False),  # asked: the model's class stands
        # Self-talk quoted back (the one dev turn the question forms matched without "?").
        ("It was really a problem, you know, like, how could you be so selfish.", False),
        # "and you know it" ends a clause to accuse; typed without punctuation, a dev
        # reflection ("...and you know it's-- that's-- it's your stuff") matched before.
        ("Right It's like your private place and you know it's-- that's-- it's your stuff", False),
    ],
)
def test_confrontation_rule(text: str, confronts: bool) -> None:
    assert heuristics.is_confrontation(normalise(text)) is confronts


@pytest.mark.parametrize(
    ("text", "prev", "warns"),
    [
        ("If you keep this up you're going to lose your family.", "I drink most nights.", True),
        ("If you don't stop drinking, you will end up in hospital.", "", True),
        ("Honestly, you'll drink yourself to death.", "", True),
        ("You're going to lose your job.", "I'm scared I'll lose my job.", False),
        ("Your worry is that if you stop, you will end up gaining weight.", "", False),
        ("If you keep going to meetings, you'll feel better.", "", False),
        ("If you keep this up, are you going to lose your family?", "", False),
    ],
)
def test_warning_rule(text: str, prev: str, warns: bool) -> None:
    assert heuristics.is_warning(normalise(text), normalise(prev)) is warns


@pytest.mark.parametrize(
    ("text", "prev", "lectures"),
    [
        # Seen in a demo (coded a complex reflection before the rule).
        ("You know smoking is really bad for you, right?", "I smoke, I don't need a pamphlet.", True),
        ("Smoking is really bad for your health.", "I like smoking.", True),
        ("Drinking like that is killing you.", "", True),
        # The one AnnoMI turn: the client denied the harm, the clinician argued back.
        ("Okay. Well, smoking really is really bad for you, you know.", "Cigarettes aren't that bad.", True),
        # The client granted it: saying it back is a reflection.
        ("You know it's bad for you.", "I know it's bad for me, but I like it.", False),
        ("It sounds like you know drinking is bad for you.", "", False),
        ("That sounds really bad for you.", "I got fired.", False),
        ("Is smoking bad for you?", "", False),  # a question, not a tag on a lecture
        ("That's really bad.", "My week was awful.", False),
    ],
)
def test_lecture_rule(text: str, prev: str, lectures: bool) -> None:
    assert heuristics.is_lecture(normalise(text), normalise(prev)) is lectures


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("Why don't you just stop drinking?", True),
        ("Why don't you try going to a meeting?", True),
        ("why not just quit", True),
        ("Why don't you tell me a bit about that?", False),
        ("Why don't you want to stop?", False),
    ],
)
def test_advice_question_rule(text: str, advice: bool) -> None:
    assert heuristics.is_advice_question(normalise(text)) is advice


@pytest.mark.parametrize(
    ("text", "collaborates"),
    [
        ("Let's figure out together what might work for you.", True),
        ("Okay. Let's see what we can come up with together.", True),
        ("Let's talk about how we can organize a meeting with them and what you would say.", False),
        ("Let's figure out what might work. What have you tried?", False),
        ("We could work on it together, but honestly you need to stop first.", False),
    ],
)
def test_collaboration_statement_rule(text: str, collaborates: bool) -> None:
    assert heuristics.is_collaboration_statement(normalise(text)) is collaborates


@pytest.mark.parametrize(
    ("text", "reassures"),
    [
        ("Don't worry, everything will be fine.", True),
        ("It's not a big deal, lots of people drink.", True),
        ("I'm sure it'll work out.", True),
        ("You're not alone in this.", True),
        ("I'm here for you.", True),
        ("You're worried it won't work out.", False),
        ("You're not alone in feeling this way, a lot of veterans do. What helped them?", False),
        ("Don't worry, everything will be fine. What happened next?", False),
        # Absolving guilt (a moral-injury demo coded the first a simple reflection).
        ("It wasn't your fault, you know. Whatever happened over there, you did your best.", True),
        ("dont blame urself", True),
        ("You have nothing to feel guilty about.", True),
        ("You feel like it was your fault.", False),
        ("Part of you believes it wasn't your fault, and part of you can't let it go.", False),
    ],
)
def test_reassurance_rule(text: str, reassures: bool) -> None:
    assert heuristics.is_reassurance(normalise(text)) is reassures


def test_absolution_said_back_after_the_client_absolved_themselves_is_left_to_the_model() -> None:
    absolve = normalise("It wasn't your fault. You did everything you could.")
    assert heuristics.is_reassurance(absolve, normalise("My sergeant keeps telling me it was the bomb, not me."))
    assert not heuristics.is_reassurance(absolve, normalise("I know it wasn't my fault. I did everything I could."))
    # Stock reassurance is reassurance whatever the client said.
    assert heuristics.is_reassurance(normalise("Don't worry."), normalise("It wasn't my fault."))


@pytest.mark.parametrize(
    ("text", "discloses"),
    [
        ("I've been there too, brother. After I got out I struggled for a long time.", True),
        ("Me too. Walking is great exercise.", True),  # the one dev turn it matches (labelled input)
        ("I've been there. What helped you before?", False),
        ("You've been there before.", False),
        ("When I was your age I drank too.", False),  # "your": left to the model
    ],
)
def test_self_disclosure_rule(text: str, discloses: bool) -> None:
    assert heuristics.is_self_disclosure(normalise(text)) is discloses


NOVICE = [
    # (trainee text, previous client text, code, AnnoMI class the coder reports)
    ("Why don't you just stop drinking?", "I drink most nights.", "persuade", "question"),
    ("You're drinking way too much and you know it.", "I have a few beers.", "confront", "therapist_input"),
    ("If you keep this up you're going to lose your family.", "I drink most nights.", "persuade", "therapist_input"),
    ("Don't worry, everything will be fine.", "I'm scared I'll lose my job.", "other", "other"),
    ("You've already taken a big step by coming here today.", "I didn't want to come.", "affirm", "other"),
    ("Let's figure out together what might work for you.", "Where do I start?", "seeking_collaboration", None),
    ("You're not alone in this.", "Nobody gets it.", "other", "other"),
    ("I've been there too. After I got out I struggled a lot.", "Nobody gets it.", "giving_information", None),
    ("You know smoking is really bad for you, right?", "I smoke, I know, I don't need a pamphlet.", "persuade", None),
    ("Smoking is really bad for your health.", "I like smoking.", "persuade", "therapist_input"),
]


@pytest.mark.parametrize(("text", "prev", "code", "annomi_class"), NOVICE)
def test_novice_turns(coder: Coder, text: str, prev: str, code: str, annomi_class: str | None) -> None:
    turn = coder.code(text, "trainee", prev)
    assert turn.code == code
    if annomi_class is not None:
        assert turn.annomi_class == annomi_class


# Crisis and risk-assessment questions as a worried trainee types them: no "?", chat
# spellings. AnnoMI has none of this vocabulary; with the "?" put back the model codes every
# one a closed question (without it, "are u thinking of killing urself" was a reflection).
TYPED_CRISIS_QUESTIONS = [
    "do you have a gun at home",
    "are you safe right now",
    "do u want to die",
    "are you going to hurt yourself tonight",
    "have you ever tried to kill yourself before",
    "are you feeling suicidal",
    "do you feel like ending it",
    "would you be willing to call the crisis line with me",
    "are you still there",
    "did you take anything tonight",
    "are u ok",
    "do you have pills at home",
    "are you thinking about ending your life",
    "are you thinking about suicide",
]


@pytest.mark.parametrize("text", TYPED_CRISIS_QUESTIONS)
def test_typed_crisis_questions_are_closed_questions(coder: Coder, text: str) -> None:
    turn = coder.code(text, "trainee", "idk anymore. everything sucks")
    assert (turn.code, turn.subcode) == ("question", "closed")


def test_a_crisis_question_typed_without_punctuation_is_a_question(coder: Coder) -> None:
    # Without its "?" the model read it as a reflection (0.38) with the client's turn, other
    # without; with the "?" put back (text.restore_question_mark) it is a closed question on
    # the model's own reading, no rule needed.
    explained = coder.explain_batch(
        [CoderInput("are u thinking of killing urself", "trainee", "idk anymore. everything sucks")]
    )[0]
    assert (explained.turn.code, explained.turn.subcode, explained.rule) == ("question", "closed", "")
    # A typed permission question still gets its MITI recode.
    asked = coder.code("do you mind if i share something that helped me", "trainee", "ok")
    assert asked.code == "seeking_collaboration"


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("hey jordan, no need to apologise, im glad u called. whats going on tonight", True),
        ("thanks for calling, how are you holding up", True),
        ("ok. is there anything at home you could use to hurt yourself", True),
        ("why did you decide to call tonight", True),
        ("have u been drinking", True),
        ("what's going on tonight?", False),  # already has it
        ("what you're saying is that it's hard", False),  # wh-word without a verb: a reflection
        ("That's how it is.", False),
        ("you did your best, which is more than most", False),  # ", which": a relative clause
        ("Tell me more about that", False),  # an open request, not a question form
    ],
)
def test_a_question_typed_without_its_question_mark_gets_it_back(typed: str, restored: bool) -> None:
    text = normalise(typed)
    assert (restore_question_mark(text) == text + "?") is restored
    assert restore_question_mark(text).count("?") == text.count("?") + restored


def test_a_typed_final_question_is_coded_as_with_its_question_mark(coder: Coder) -> None:
    # Without its "?" this turn was coded giving information (0.40); with it, an open question.
    typed = "hey jordan, no need to apologise, im glad u called. whats going on tonight"
    a, b = (
        coder.code(typed, "trainee", "sorry, i dont know how this works"),
        coder.code(typed + "?", "trainee", "sorry, i dont know how this works"),
    )
    assert (a.code, a.subcode, a.confidence) == (b.code, b.subcode, b.confidence)
    assert a.code == "question"
