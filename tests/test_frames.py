"""Denial-frame and access-incident detection: lexicon format, per-language tables, and the demo world."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blindspot.demo import text as demo_text
from blindspot.demo.generator import generate
from blindspot.demo.scenario import load_scenario
from transforms.udf.claims import ClaimDetector
from transforms.udf.frames import INCIDENT_KINDS, LABELS, FrameDetector, IncidentDetector
from transforms.udf.lexicon import LabelMatcher, LexiconError, load_lexicon
from transforms.udf.tokens import tokenize

CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture(scope="module")
def frames() -> FrameDetector:
    return FrameDetector.from_config(CONFIG)


@pytest.fixture(scope="module")
def incidents() -> IncidentDetector:
    return IncidentDetector.from_config(CONFIG)


# Hand-written sentences in the style of real reporting; none is a demo-world sentence.
FRAME_CASES: list[tuple[str, str, list[str]]] = [
    # reports_false
    (
        "en",
        "The interior ministry rejected the allegations of torture as baseless propaganda.",
        ["reports_false"],
    ),
    (
        "en",
        "State television said videos of the shelling circulating online were staged by opposition activists.",
        ["reports_false"],
    ),
    ("en", "The minister denied the reports of killings, calling them lies.", ["reports_false"]),
    (
        "fr",
        "Le ministère a démenti ces allégations de massacre, les qualifiant de pure invention.",
        ["reports_false"],
    ),
    ("ar", "وصفت الحكومة التقارير عن المجزرة بأنها أكاذيب.", ["reports_false"]),
    ("es", "El gobierno calificó las denuncias de torturas de falsas.", ["reports_false"]),
    ("ru", "МИД назвал сообщения о гибели мирных жителей ложью.", ["reports_false"]),
    ("en", "A researcher published a report on disinformation campaigns in the region.", []),
    ("en", "Two reporters were charged under the country's fake news law.", []),
    ("en", "Witnesses described hearing explosions through the night.", []),
    # victims_combatants: the dead themselves are called fighters, not "fighters attacked"
    ("en", "Police said those shot dead at the rally were armed militants.", ["victims_combatants"]),
    ("en", "The army said it had neutralised 14 terrorists in the operation.", ["victims_combatants"]),
    ("fr", "Selon l'armée, les victimes étaient toutes des terroristes.", ["victims_combatants"]),
    ("ar", "قال الجيش إن القتلى من الإرهابيين.", ["victims_combatants"]),
    ("en", "Terrorists attacked the village overnight, officials said.", []),
    ("en", "Witnesses said those killed were civilians, not militants.", []),
    ("fr", "Des terroristes ont attaqué le village, selon les autorités.", []),
    ("ar", "قتلى من المدنيين والمسلحين في اشتباكات.", []),
    # deaths_unintended
    (
        "en",
        "A military spokesman described the casualties as an unintended consequence of the strike.",
        ["deaths_unintended"],
    ),
    ("en", "The government described the shelling of the market as a tragic mistake.", ["deaths_unintended"]),
    ("fr", "Le porte-parole a évoqué des dommages collatéraux.", ["deaths_unintended"]),
    ("ar", "وصفت وزارة الدفاع سقوط الضحايا بأنه خطأ غير مقصود.", ["deaths_unintended"]),
    ("en", "Three people died in a road accident on Tuesday, police said.", []),
    ("en", "The UN said the deaths of protesters were not accidental.", []),
    ("en", "Aid workers said civilians were caught in the crossfire.", []),
    ("fr", "Un accident de la route a fait trois morts.", []),
    # victims_aggressors: who attacked whom matters
    (
        "en",
        "According to the police, demonstrators had attacked officers with stones.",
        ["victims_aggressors"],
    ),
    ("en", "The governor said the protesters provoked the clashes.", ["victims_aggressors"]),
    ("fr", "Selon la police, les manifestants ont attaqué les policiers en premier.", ["victims_aggressors"]),
    ("ar", "قالت الشرطة إن المتظاهرين هاجموا رجال الأمن بالحجارة.", ["victims_aggressors"]),
    ("en", "Protesters were attacked by police with batons.", []),
    ("en", "Residents said soldiers attacked first.", []),
    ("fr", "Les forces de l'ordre ont attaqué les manifestants.", []),
    ("ar", "قال المتظاهرون إن قوات الأمن هاجمتهم.", []),
    # militia_blamed: an official voice shifting responsibility, not a report of what a militia did
    ("en", "The interior minister blamed criminal gangs for the looting.", ["militia_blamed"]),
    (
        "en",
        "Officials said the killings were the work of rogue elements within the army.",
        ["militia_blamed"],
    ),
    ("fr", "Le ministre a imputé les violences à des bandes armées incontrôlées.", ["militia_blamed"]),
    ("ar", "اتهمت السلطات عصابات مسلحة بالوقوف وراء الهجوم.", ["militia_blamed"]),
    ("es", "El ministerio atribuyó los ataques a bandas criminales.", ["militia_blamed"]),
    ("ru", "Власти обвинили в нападении вооруженные банды.", ["militia_blamed"]),
    ("en", "A militia attacked the village, witnesses said.", []),
    ("en", "Witnesses blamed a militia for the attack.", []),
    ("en", "Officials blamed the army for attacks by militias.", []),
    ("fr", "Une milice a attaqué le village, selon des témoins.", []),
    ("ar", "هاجمت ميليشيا القرية بحسب شهود.", []),
    # great_power_shield
    (
        "en",
        "Two permanent members vetoed a Security Council resolution condemning the crackdown.",
        ["great_power_shield"],
    ),
    (
        "en",
        "The draft resolution was blocked by an ally of the government at the U.N. Security Council.",
        ["great_power_shield"],
    ),
    (
        "fr",
        "Un membre permanent a opposé son veto à un projet de résolution au Conseil de sécurité.",
        ["great_power_shield"],
    ),
    ("ar", "استخدمت دولة حليفة حق النقض ضد مشروع قرار في مجلس الأمن.", ["great_power_shield"]),
    ("en", "The Security Council adopted a resolution on humanitarian access.", []),
    ("en", "Parliament blocked a resolution on the budget.", []),
    ("en", "Local officials said roads to the town were partly blocked.", []),
    # political_preference: the side accused as the only bulwark against chaos
    (
        "en",
        "The president said that without the army the country would fall to the terrorists.",
        ["political_preference"],
    ),
    (
        "en",
        "State television called the government the only bulwark against chaos and extremism.",
        ["political_preference"],
    ),
    (
        "fr",
        "Le président affirme que sans l'armée, le pays tomberait aux mains des terroristes.",
        ["political_preference"],
    ),
    ("ar", "قال الرئيس إنه لولا الجيش لسقطت البلاد في الفوضى.", ["political_preference"]),
    ("en", "The only alternative route to the coast is closed for repairs.", []),
    # genocide_credits: past victimhood invoked against criticism
    ("en", "The minister said survivors of the Holocaust cannot commit genocide.", ["genocide_credits"]),
    ("en", "The foreign ministry said the accusations of genocide were obscene.", ["genocide_credits"]),
    (
        "fr",
        "Un peuple de survivants de la Shoah ne peut commettre un génocide, a déclaré le ministre.",
        ["genocide_credits"],
    ),
    ("ar", "قال الوزير إن ضحايا المحرقة لا يمكن ان يرتكبوا إبادة.", ["genocide_credits"]),
    ("en", "Survivors of the genocide gathered to remember the victims.", []),
]

INCIDENT_CASES: list[tuple[str, str, list[str]]] = [
    ("en", "Journalist Teo Marsh was shot dead outside her home on Monday.", ["killed"]),
    ("en", "Gunmen killed two local reporters near the market.", ["killed"]),
    ("en", "Police arrested three journalists covering the protest.", ["detained"]),
    ("en", "A court sentenced the editor to five years in prison.", ["imprisoned"]),
    ("en", "The authorities revoked the accreditation of a foreign correspondent.", ["expelled"]),
    ("en", "Foreign journalists have been barred from entering the province.", ["denied_entry"]),
    ("en", "A photographer was beaten by plainclothes officers.", ["attacked"]),
    ("en", "Mobile internet has been shut down in the region since Friday.", ["shutdown"]),
    ("en", "Twelve people were killed, a reporter at the scene said.", []),
    ("en", "Curfew imposed after 40 arrests.", []),
    ("en", "A journalist reported the arrest of 12 protesters.", []),
    ("en", "Power was cut across the city for six hours.", []),
    ("en", "Aid agencies were denied access to the camp.", []),
    ("fr", "Un journaliste a été tué par balle lundi.", ["killed"]),
    ("fr", "Trois journalistes ont été interpellés lors de la manifestation.", ["detained"]),
    ("fr", "Des journalistes étrangers ont été refoulés à la frontière.", ["denied_entry"]),
    ("fr", "Internet est coupé depuis vendredi dans la région.", ["shutdown"]),
    ("fr", "Couvre-feu à Feld après 12 arrestations.", []),
    ("ar", "قتل صحفي برصاص قناص في المدينة.", ["killed"]),
    ("ar", "اعتقلت قوات الأمن ثلاثة صحفيين.", ["detained"]),
    ("ar", "منعت السلطات الصحفيين الأجانب من دخول المنطقة.", ["denied_entry"]),
    ("ar", "قطعت السلطات خدمة الإنترنت عن المحافظة.", ["shutdown"]),
    ("ar", "انقطاع الكهرباء في المدينة.", []),
    ("ar", "فرض حظر تجول في المدينة بعد 12 اعتقالات.", []),
    ("es", "La policía detuvo a dos periodistas.", ["detained"]),
    ("ru", "Журналист был задержан полицией.", ["detained"]),
]


@pytest.fixture(scope="module")
def claims() -> ClaimDetector:
    return ClaimDetector.from_config(CONFIG)


@pytest.mark.parametrize(("language", "text", "expected"), FRAME_CASES)
def test_frame_cases(claims: ClaimDetector, language: str, text: str, expected: list[str]) -> None:
    """The frames of the sentence's claims with a speaker: wording alone is not a claim (test_claims.py)."""
    assert sorted({c.frame for c in claims.detect("", text, language) if c.speaker_type}) == expected


@pytest.mark.parametrize(("language", "text", "expected"), INCIDENT_CASES)
def test_incident_cases(incidents: IncidentDetector, language: str, text: str, expected: list[str]) -> None:
    assert incidents.detect(text, language) == expected


def test_tables_cover_every_label() -> None:
    positives = Counter((lang, label) for lang, _, labels in FRAME_CASES for label in labels)
    for label in LABELS:
        assert positives["en", label] >= 2 and positives["fr", label] >= 1 and positives["ar", label] >= 1, (
            label
        )
    negatives = Counter(lang for lang, _, labels in FRAME_CASES if not labels)
    assert negatives["en"] >= 12 and negatives["fr"] >= 3 and negatives["ar"] >= 3


def test_lexicons_cover_languages(frames: FrameDetector, incidents: IncidentDetector) -> None:
    assert {"en", "fr", "ar", "es", "ru"} <= set(frames.languages) <= set(incidents.languages)


def test_unknown_language_gets_nothing(frames: FrameDetector) -> None:
    text = "The interior ministry rejected the allegations of torture as baseless propaganda."
    assert frames.detect(text, "de") == [] and frames.detect(text, None) == []
    assert frames.detect(text, "EN-gb") == ["reports_false"]
    assert frames.detect("", "en") == []


def test_folding_case_diacritics_and_arabic_forms(frames: FrameDetector) -> None:
    assert frames.detect("THE MINISTRY DISMISSED THE REPORTS AS FABRICATED.", "en") == ["reports_false"]
    assert frames.detect("Le ministère qualifie ces informations de MENSONGERES.", "fr") == ["reports_false"]
    # tashkeel, hamza-on-alef and ta marbuta variants fold to the same letters
    assert frames.detect("نَفَى المُتَحَدِّثُ التَّقارِيرَ وَوَصَفَها بِأَنَّها مُفَبْرَكَه.", "ar") == ["reports_false"]
    assert frames.detect("عرقلت دوله حليفه مشروع قرار في مجلس الامن.", "ar") == ["great_power_shield"]


def test_clauses_and_sentences_bound_co_occurrence() -> None:
    tokens = tokenize("Officials, the U.N. said, met Mr. Dalen.\n\nNext")
    assert tokens.text.split("\n") == ["officials", "the u n said", "met mr dalen", "next"]
    assert tokens.sentence == [0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_detect_table(frames: FrameDetector, incidents: IncidentDetector) -> None:
    table = pa.table(
        {
            "lead": ["Officials blamed armed gangs for the killings.", None, "Texte neutre."],
            "body": ["Two journalists were detained.", "Reporters were denied entry.", ""],
            "language": ["en", "en", "fr"],
        }
    )
    found = frames.detect_table(table, ["lead", "body"], "language")
    assert found.column_names == ["row", "label"] and found.to_pylist() == [
        {"row": 0, "label": "militia_blamed"}
    ]
    kinds = incidents.detect_table(table, ["lead", "body"], "language").to_pylist()
    assert kinds == [{"row": 0, "kind": "detained"}, {"row": 1, "kind": "denied_entry"}]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("en:\n  reports_flase: [fake news]\n", "unknown label(s) ['reports_flase']"),
        ("en:\n  reports_false:\n    - {phrase: lies, whithin: 3}\n", "reports_false: entry 1"),
        ("en:\n  reports_false:\n    - {seq: [a, b], within: 99}\n", "between 0 and 30"),
        ("en:\n  reports_false:\n    - {near: [a, b, c]}\n", "exactly 2 parts"),
        ("en:\n  reports_false:\n    - {seq: [$nope, b]}\n", "unknown set $nope"),
        ('en:\n  reports_false: ["(lies|fakes"]\n', "unbalanced"),
        ('en:\n  reports_false: ["fa*ke"]\n', "'*' may only end a word"),
        ("en:\n  reports_false: [no]\n", "quote it"),
        ("English:\n  reports_false: [lies]\n", "not a language code"),
        ("en:\n  reports_false:\n    - {phrase: lies, scope: paragraph}\n", "scope is one of"),
    ],
)
def test_malformed_lexicon_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LexiconError) as info:
        load_lexicon(path, LABELS)
    assert str(path) in str(info.value) and message in str(info.value)
    if "entry" in message:
        assert ": en: reports_false: entry 1" in str(info.value)


def test_format_features(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "en:\n  sets:\n    press: [journalist*, reporter]\n"
        "  detained:\n"
        '    - {seq: [$press, "(was|were|) (detained|held)"], within: 2}\n'
        '    - {phrase: arrested, requires: $press, unless: ["(not|never) arrested"]}\n',
    )
    matcher = load_lexicon(path, INCIDENT_KINDS)["en"]
    assert isinstance(matcher, LabelMatcher)
    assert matcher.labels("Two journalists were detained.") == {"detained"}
    assert matcher.labels("Journalists, police said, were detained.") == set()  # a comma ends the clause
    assert matcher.labels("Police arrested a reporter.") == {"detained"}
    assert matcher.labels("Police arrested protesters. A reporter watched.") == set()
    assert matcher.labels("The reporter was never arrested.") == set()


class _Slots(dict):
    """Fills any template slot: numbers for {n}, a fictional name for the rest."""

    def __missing__(self, key: str) -> str:
        return "12" if key == "n" else "Feld"


def test_every_demo_template(frames: FrameDetector, incidents: IncidentDetector) -> None:
    """Each demo frame and incident sentence is found, and no neutral demo sentence fires."""
    for language, by_label in demo_text.FRAMES.items():
        for label, sentences in by_label.items():
            for sentence in sentences:
                assert frames.detect(sentence, language) == [label], sentence
    for language, by_kind in demo_text.INCIDENTS.items():
        for kind, template in by_kind.items():
            sentence = template.format_map(_Slots(weekday=demo_text.WEEKDAYS[language][0]))
            assert incidents.detect(sentence, language) == [kind], sentence
    for pool in (demo_text.TITLES, demo_text.LEADS, demo_text.NEUTRAL, demo_text.STATE_TITLES):
        for language, templates in pool.items():
            for template in templates:
                sentence = template.format_map(_Slots())
                assert frames.detect(sentence, language) == incidents.detect(sentence, language) == []


@pytest.fixture(scope="module")
def demo_articles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Default world (60 days) for frames; the small world has its blackout, hence incidents, by day 70."""
    out = {}
    for scenario, days in (("default", 60), ("small", 70)):
        root = tmp_path_factory.mktemp(scenario)
        generate(load_scenario(scenario), 7, root, days)
        columns = ["lead", "body", "language", "is_original", "frames", "incident_terms"]
        out[scenario] = pq.read_table(root / "world" / "articles.parquet", columns=columns).to_pylist()
    return out


def scores(rows: list[dict], detector, truth_col: str) -> dict[str, tuple[float, float, int]]:
    """Per label: precision over every article, recall over originals, and the number of true labels.

    Republished copies may drop their last paragraph but keep the original's truth, so a copy's truth
    can name a sentence it no longer has: recall is measured on originals, where the truth is exact.
    """
    tp, fp, fn, support = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        found = set(detector.detect(row["lead"] + "\n\n" + row["body"], row["language"]))
        truth = set(row[truth_col])
        tp.update(found & truth)
        fp.update(found - truth)
        if row["is_original"]:
            fn.update(truth - found)
            support.update(truth)
    return {
        label: (tp[label] / max(1, tp[label] + fp[label]), 1 - fn[label] / support[label], support[label])
        for label in support
    }


def test_demo_world_frames(frames: FrameDetector, demo_articles: dict[str, list[dict]]) -> None:
    result = scores(demo_articles["default"], frames, "frames")
    # the demo writes the six frames it had before political_preference and genocide_credits were added
    assert set(result) == {label for per_language in demo_text.FRAMES.values() for label in per_language}
    for label, (precision, recall, support) in result.items():
        assert support >= 10, label
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


def test_demo_world_incidents(incidents: IncidentDetector, demo_articles: dict[str, list[dict]]) -> None:
    result = scores(demo_articles["small"], incidents, "incident_terms")
    assert {"detained", "shutdown"} <= set(result)
    for kind, (precision, recall, _) in result.items():
        assert precision >= 0.95 and recall >= 0.95, (kind, precision, recall)
