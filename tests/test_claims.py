"""Denial claims: the speaker and target found for a frame's wording, titles read, sentences kept as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.udf.claims import OFFICIAL_SPEAKERS, SPEAKER_TYPES, ClaimDetector

CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture(scope="module")
def claims() -> ClaimDetector:
    return ClaimDetector.from_config(CONFIG)


def found(detector: ClaimDetector, title: str, text: str, language: str = "en") -> list[tuple]:
    return [(c.frame, c.speaker_type, c.target_type) for c in detector.detect(title, text, language)]


# Hand-written in the forms of wire copy (none is a corpus item): (title, text, language, expected claims)
CASES = [
    # "X denies Y": a country before the claim speaks as its government
    ("Eritrea denies existence of mass grave", "", "en", [("reports_false", "government", "mass_grave")]),
    # the subject before the claim wins over a name after it
    ("Ministry denies shelling villages held by rebels", "", "en", [("reports_false", "ministry", "strike")]),
    # the speaker after the claim ("..., the army said")
    (
        "",
        "Footage of the killings was staged, the army said.",
        "en",
        [("reports_false", "military", "killings")],
    ),
    # reported speech over two sentences: the voice of the sentence before
    (
        "",
        "The interior ministry issued a statement on Monday. It said the reports of torture were fabricated.",
        "en",
        [("reports_false", "ministry", "abuse")],
    ),
    # the anaphoric "the reports": what they are about is named in the title
    (
        "Dozens killed in raid on market",
        "A spokesman dismissed the reports as lies.",
        "en",
        [("reports_false", "spokesperson", "killings")],
    ),
    # a denial of something other than violence is no claim
    ("Minister calls resignation rumours fake news", "", "en", []),
    ("Company denies merger talks with rival", "", "en", []),
    ("", "Authorities denied journalists access to the area.", "en", []),
    # no voice named: a claim without a speaker (counted only in a state outlet's items)
    ("", "The reports of killings were fabricated.", "en", [("reports_false", None, "killings")]),
    # a veto is a state's act; the state named after the wording is its speaker
    (
        "",
        "The Security Council failed to adopt the draft resolution owing to a veto by the Russian Federation.",
        "en",
        [("great_power_shield", "un_member_state", "un_action")],
    ),
    ("Governor vetoes state budget bill", "", "en", []),
    (
        "",
        "The president said that without the army the country would fall to the terrorists.",
        "en",
        [("political_preference", "government", None)],
    ),
    (
        "",
        "La junte a démenti les informations sur le massacre.",
        "fr",
        [("reports_false", "junta", "massacre")],
    ),
    ("", "El ejército negó el bombardeo del hospital.", "es", [("reports_false", "military", "strike")]),
    ("", "نفت وزارة الدفاع وقوع مجزرة في القرية.", "ar", [("reports_false", "ministry", "massacre")]),
    (
        "",
        "Минобороны опровергло сообщения об ударе по больнице.",
        "ru",
        [("reports_false", "ministry", "strike")],
    ),
]


@pytest.mark.parametrize(("title", "text", "language", "expected"), CASES)
def test_claims_have_their_speaker_and_target(claims, title, text, language, expected) -> None:
    assert found(claims, title, text, language) == expected


def test_the_title_is_read_and_marked(claims) -> None:
    [claim] = claims.detect("Army says the dead were terrorists", "Funerals were held on Sunday.", "en")
    assert claim.frame == "victims_combatants" and claim.in_title
    assert claim.sentence == "Army says the dead were terrorists"
    [claim] = claims.detect("Funerals held", "The army said the dead were terrorists.", "en")
    assert not claim.in_title


def test_the_sentence_is_kept_as_written(claims) -> None:
    """Folding drops accents and Arabic tashkeel (the folded text is shorter); the kept sentence is the
    published one, cut at its own boundaries."""
    text = "Une première phrase. Le ministère a démenti les allégations sur le massacre, « pure invention ». Fin."
    [claim] = claims.detect("", text, "fr")
    assert claim.sentence == "Le ministère a démenti les allégations sur le massacre, « pure invention »."
    arabic = "خبر أول. نَفَتْ وزارةُ الدفاعِ وقوعَ مجزرةٍ في القرية. خبر آخر."
    [claim] = claims.detect("", arabic, "ar")
    assert claim.sentence == "نَفَتْ وزارةُ الدفاعِ وقوعَ مجزرةٍ في القرية."


def test_languages_without_a_lexicon_are_not_covered(claims) -> None:
    assert claims.covers("fr-FR") and claims.covers("uk")
    assert not claims.covers("de")
    assert claims.detect("Armee bestreitet Massaker", "", "de") == []


def test_official_voices_are_every_speaker_type_but_armed_groups_and_persons() -> None:
    assert OFFICIAL_SPEAKERS == frozenset(SPEAKER_TYPES) - {"armed_group", "person"}
