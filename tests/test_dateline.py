"""Datelines: parsing in en/fr/es/ar/ru with its traps, resolving to zones, and the demo world's ground truth."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from blindspot.demo.generator import generate
from blindspot.demo.registry_config import write_demo_config
from blindspot.demo.scenario import load_scenario
from core.registry import Zone
from transforms.udf.datelines_resolve import DatelineResolver, extract_dateline

REPO = Path(__file__).resolve().parents[1]

# (text, language, expected (place, country, agency) or None)
CASES = [
    ("GOMA, Congo (Reuters) - Rebels entered the city.", "en", ("GOMA", "Congo", "Reuters")),
    ("KHARTOUM — Shelling resumed on Sunday.", "en", ("KHARTOUM", None, None)),
    ("KHARTOUM, Sudan, Nov 3 (AFP) - Shelling resumed.", "en", ("KHARTOUM", "Sudan", "AFP")),
    ("PARIS (AFP) - Ministers met on Monday.", "en", ("PARIS", None, "AFP")),
    ("SURABAYA, Indonesia/JAKARTA (Reuters) - Two places.", "en", ("SURABAYA", "Indonesia", "Reuters")),
    ("KIEV/KYIV, Ukraine — Sirens sounded.", "en", ("KIEV", "Ukraine", None)),
    ("PORT-AU-PRINCE, Haiti (AP) -- Gangs blocked the road.", "en", ("PORT-AU-PRINCE", "Haiti", "AP")),
    (
        "Aid convoy reaches Goma\nGOMA, Congo (Reuters) - The convoy arrived.",
        "en",
        ("GOMA", "Congo", "Reuters"),
    ),
    ("By Jane Doe\nBUNIA, Congo (Reuters) - Militia attacked.", "en", ("BUNIA", "Congo", "Reuters")),
    (
        "BROVIK, Valdoria - Residents wait for aid. (Photo: Meridian Wire)\nSARN, Elmaria (Meridian Wire) - Aid.",
        "en",
        ("SARN", "Elmaria", "Meridian Wire"),
    ),
    (
        "KARSA, Valdoria - Residents wait for aid.\nLUMEN, Bervia (Wire) - Talks began.",
        "en",
        ("LUMEN", "Bervia", "Wire"),
    ),
    ("Photo: residents in Goma\nGOMA — The city was calm.", "en", ("GOMA", None, None)),
    ("MARIA TALEN, a teacher from Karsa, said on Monday that the situation was worsening.", "en", None),
    (
        "BROVIK, Valdoria - Residents wait for aid. (Photo: Meridian Wire)\nFighting went on, a nurse said.",
        "en",
        None,
    ),
    ("Residents flee Talen after overnight shelling - report", "en", None),
    ("fighting near Goma - which began on Monday - continued.", "en", None),
    ("UPDATE 2-Rebels advance on Goma", "en", None),
    ("BREAKING — Rebels advance on Goma", "en", None),
    ("Hundreds of families left Karsa overnight, a nurse said by phone.", "en", None),
    ("", "en", None),
    ("GOMA (RD Congo) (AFP) - Les rebelles sont entrés dans la ville.", "fr", ("GOMA", "RD Congo", "AFP")),
    ("KELMAR (Agence Horizon) - Des familles ont quitté Kelmar.", "fr", ("KELMAR", None, "Agence Horizon")),
    ("PORT-AMEL — Les combats se poursuivent.", "fr", ("PORT-AMEL", None, None)),
    ("AMIRA DALEN, commerçant à Feld, a déclaré samedi que la situation empirait.", "fr", None),
    ("PORT-AMEL - Des habitants attendent de l'aide. (Photo : Agence Horizon)", "fr", None),
    ("BOGOTÁ, 3 nov (EFE) - El Gobierno anunció un alto el fuego.", "es", ("BOGOTÁ", None, "EFE")),
    ("Bogotá, 3 nov (EFE).- El Gobierno anunció un alto el fuego.", "es", ("Bogotá", None, "EFE")),
    (
        "PUERTO PRÍNCIPE, Haití (EFE) - Las bandas bloquearon la ruta.",
        "es",
        ("PUERTO PRÍNCIPE", "Haití", "EFE"),
    ),
    ("el Gobierno anunció - según fuentes - un alto el fuego.", "es", None),
    ("دمشق، سوريا (CNN) -- قال مسؤولون إن القصف توقف.", "ar", ("دمشق", "سوريا", "CNN")),
    ("تالين — قُتل 42 شخصاً في تالين يوم الاثنين.", "ar", ("تالين", None, None)),
    (
        "سارن، إلماريا (Nahr News Agency) - غادرت مئات العائلات سينا.",
        "ar",
        ("سارن", "إلماريا", "Nahr News Agency"),
    ),
    ("دوناي - سكان ينتظرون المساعدات. (صورة: Nahr News Agency)", "ar", None),
    ("قُتل 42 أشخاص في تالين يوم الاثنين، بحسب ما قال أحد السكان.", "ar", None),
    ("КАРСА — Сотни семей покинули город ночью.", "ru", ("КАРСА", None, None)),
    (
        "ЛЮМЕН, Бервия (Regional Dispatch) — Свидетели слышали взрывы.",
        "ru",
        ("ЛЮМЕН", "Бервия", "Regional Dispatch"),
    ),
    ("Сотни семей покинули Карса ночью, сообщил житель.", "ru", None),
    # dashes glued to the story, a date without a comma, the agency after the dash
    ("Jerusalén (EFE).-El jefe del Ejército aseguró esta tarde.", "es", ("Jerusalén", None, "EFE")),
    (
        "دبي، الإمارات العربية المتحدة (CNN)-حقق الميزان التجاري فائضا.",
        "ar",
        ("دبي", "الإمارات العربية المتحدة", "CNN"),
    ),
    ("CIUDAD DE MÉXICO (apro).-La inflación no cesa.", "es", ("CIUDAD DE MÉXICO", None, "apro")),
    ("Santo Domingo, 4 dic .- Un tigre de bengala ha nacido.", "es", ("Santo Domingo", None, None)),
    ("JERUSALEM Aug. 23, 2004 - Israel announced plans Monday.", "en", ("JERUSALEM", None, None)),
    ("GAZA CITY, Gaza Strip Sept. 7, 2004 - Helicopters attacked.", "en", ("GAZA CITY", "Gaza Strip", None)),
    ("Москва. 9 декабря. INTERFAX.RU - Заявление прозвучало вечером.", "ru", ("Москва", None, "INTERFAX.RU")),
    ("Москва, 8 декабря - DIXINEWS. Поклонники собрались в зале.", "ru", ("Москва", None, "DIXINEWS")),
    # a colon after the header, on a paragraph (not a headline's topic)
    (f"GAZA CITY: The Israeli army demolished 13 houses. {'More. ' * 20}", "en", ("GAZA CITY", None, None)),
    (f"NDJAMENA : UN High Commissioner Ruud Lubbers said. {'More. ' * 20}", "en", ("NDJAMENA", None, None)),
    (f"KANDAHAR, Afghanistan : An Afghan man died. {'More. ' * 20}", "en", ("KANDAHAR", "Afghanistan", None)),
    ("IMF: Lebanon needs an immediate fiscal adjustment", "en", None),
    ("RDC : Nouveaux combats entre l'armée et les rebelles du M23", "fr", None),
    (f"Sudan: fighting spread to Darfur on Monday, witnesses said. {'More. ' * 20}", "en", None),
    # PLACE[,.] DATE. [AGENCY.] text: the date (or agency) makes a period a separator
    ("КИЇВ. 15 листопада. УНН. Російські окупанти вдарили по об'єкту.", "uk", ("КИЇВ", None, "УНН")),
    (
        "Ростовская область, 3 декабря 2022. DON24.RU. Уроженец Ростова.",
        "ru",
        ("Ростовская область", None, "DON24.RU"),
    ),
    ("МОСКВА, 3 мая. /ТАСС/. Президент провел совещание.", "ru", ("МОСКВА", None, "ТАСС")),
    (
        "БИШКЕК, 5 августа /Новости-Грузия/. Правоохранительные органы.",
        "ru",
        ("БИШКЕК", None, "Новости-Грузия"),
    ),
    ("Palma, 27 Oct. Los aeropuertos de Baleares operarán 1.109 vuelos.", "es", ("Palma", None, None)),
    ("Bangkok, 25 ago. Birmania (Myanmar) es una cárcel.", "es", ("Bangkok", None, None)),
    (
        "MADRID, 4 (EUROPA PRESS) La insurgencia hutí ha denunciado ataques.",
        "es",
        ("MADRID", None, "EUROPA PRESS"),
    ),
    (
        f"DAMASCO. “Queremos democracia”, coreaban los manifestantes. {'Más. ' * 20}",
        "es",
        ("DAMASCO", None, None),
    ),
    (f"LIMA. El Congreso de Perú reanudará hoy el debate. {'Más. ' * 20}", "es", ("LIMA", None, None)),
    (
        f"Lima. El Congreso de Perú reanudará hoy el debate. {'Más. ' * 20}",
        "es",
        None,
    ),  # no date, not all caps
    ("LIMA. El Congreso reanudará hoy el debate.", "es", None),  # a short line: a headline, not a lead
    (f"U.S. troops killed five militants in a raid. {'More. ' * 20}", "en", None),
    ("Monday, 3 May - The talks resumed in Geneva.", "en", None),  # a date is not a place
    ("Last year, 2,000 people - most of them women - fled.", "en", None),
    (f"WHO (World Health Organization) officials said. {'More. ' * 20}", "en", None),
    # the place in parentheses (La Presse)
    (
        f"(Khartoum) La violence a franchi jeudi un nouveau palier. {'Encore. ' * 15}",
        "fr",
        ("Khartoum", None, None),
    ),
    (f"(AP) The army said on Monday that the city was calm. {'More. ' * 20}", "en", None),
    (f"(Video) Rebels enter the city. {'More. ' * 20}", "en", None),
    # an agency alone is not a place (AG News), and a kicker is not one either
    ("AFP - The Nigerian army killed 24 Islamic militants.", "en", None),
    ("AP - British Foreign Secretary Jack Straw toured a camp.", "en", None),
    ("LE POINT SUR LA SITUATION - «Les combats se poursuivent»", "fr", None),
]


@pytest.mark.parametrize(("text", "language", "expected"), CASES)
def test_extract_dateline_table(text: str, language: str, expected: tuple | None) -> None:
    found = extract_dateline(text, language)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.place, found.country, found.agency) == expected
        assert found.zone_id is None  # no resolver, no zone


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("Москва. 9 декабря. INTERFAX.RU - Заявление прозвучало.", "Москва. 9 декабря. INTERFAX.RU"),
        ("Москва, 8 декабря - DIXINEWS. Поклонники собрались.", "Москва, 8 декабря - DIXINEWS"),
        ("КИЇВ. 15 листопада. УНН. Російські окупанти вдарили.", "КИЇВ. 15 листопада. УНН"),
        ("MADRID, 4 (EUROPA PRESS) La insurgencia ha denunciado.", "MADRID, 4 (EUROPA PRESS)"),
        (f"(Khartoum) La violence a franchi un palier. {'Encore. ' * 15}", "(Khartoum)"),
        (f"KANDAHAR, Afghanistan : An Afghan man died. {'More. ' * 20}", "KANDAHAR, Afghanistan"),
        ("Jerusalén (EFE).-El jefe del Ejército habló.", "Jerusalén (EFE)"),
    ],
)
def test_header_is_the_dateline_as_written(text: str, header: str) -> None:
    found = extract_dateline(text, "xx")
    assert found is not None and found.header == header


DEMO_NAMES = {"XVA": ["Valdoria", "Valdorie"], "XBE": ["Bervia", "Bervie", "بيرفيا", "Бервия"]}


@pytest.fixture(scope="module")
def demo_like_resolver() -> DatelineResolver:
    north = Zone(
        id="xva-north",
        name="Northern Valdoria",
        countries=["XVA"],
        aliases={"en": ["Karsa", "Talen"], "fr": ["Talen"], "ar": ["كارسا", "تالين"], "ru": ["Карса"]},
        exclusions={"en": ["Talen, Bervia"], "fr": ["Talen (Bervie)"], "ar": ["تالين، بيرفيا"]},
    )
    highlands = Zone(
        id="xbe-highlands", name="Bervian Highlands", countries=["XBE"], aliases={"en": ["Kelmar"]}
    )
    return DatelineResolver([north, highlands], country_names=DEMO_NAMES)


@pytest.mark.parametrize(
    ("text", "zone_id", "ambiguous_zone_id"),
    [
        ("KARSA, Valdoria (Meridian Wire) - Families left.", "xva-north", None),
        ("KARSA — Families left.", "xva-north", None),
        ("КАРСА — Сотни семей покинули город.", "xva-north", None),
        ("كارسا — غادرت مئات العائلات.", "xva-north", None),
        ("TALEN, Valdoria (Meridian Wire) - Families left.", "xva-north", None),
        ("TALEN, Bervia (Meridian Wire) - Families left.", None, None),
        ("TALEN (Bervie) (Agence Horizon) - Des familles.", None, None),
        ("تالين، بيرفيا (Nahr News Agency) - غادرت العائلات.", None, None),
        ("TALEN — Families left.", None, "xva-north"),  # namesake in Bervia, no country: undecided
        ("TALEN (Agence Horizon) - Des familles ont quitté Talen.", None, "xva-north"),
        ("KARSA, Bervia (Wire) - Families left.", None, None),  # a known country outside the zone
        ("KARSA, Bervian Highlands (Wire) - Families left.", None, None),  # another zone's name
        ("KELMAR, Bervia (Wire) - Families left.", "xbe-highlands", None),
        ("LUMEN, Bervia (Wire) - Talks began.", None, None),  # not a zone place: outside
    ],
)
def test_resolver_country_check(
    demo_like_resolver: DatelineResolver, text: str, zone_id: str | None, ambiguous_zone_id: str | None
) -> None:
    found = demo_like_resolver.extract(text, "en")
    assert found is not None
    assert (found.zone_id, found.ambiguous_zone_id) == (zone_id, ambiguous_zone_id)
    assert extract_dateline(text, "en", resolver=demo_like_resolver) == found


def test_resolver_on_real_zones() -> None:
    resolver = DatelineResolver.from_config(REPO / "config")
    cases = {
        "GOMA, Congo (Reuters) - Rebels entered the city.": "cd-north-kivu",
        "GOMA (RD Congo) (AFP) - Les rebelles sont entrés.": "cd-north-kivu",
        "GOMA, Rwanda (Reuters) - Officials met.": None,
        "HEBRON, West Bank (AP) - Settlers attacked.": "ps-west-bank",
        "HEBRON, Kentucky (AP) - A fair opened.": None,
        "BENI, Bolivia (EFE) - Llueve.": None,
        "دمشق، سوريا (CNN) -- قال مسؤولون إن القصف توقف.": "sy-syria",
        "الفاشر — قال شهود إن القصف استمر.": "sd-darfur",
        "ДОНЕЦК — Обстрел продолжался.": "ua-donbas",
        "KHARTOUM, Sudan, Nov 3 (AFP) - Shelling resumed.": "sd-khartoum",
        "PARIS (AFP) - Ministers met on Monday.": None,
        # the country level: a place outside the watched zones, in a watched country
        "YANGON (Reuters) - The junta said.": "mm-myanmar",
        "PORT SUDAN, Sudan (AFP) - Ministers met.": "sd-sudan",
        "SOMEVILLE, Ukraine (AP) - Sirens sounded.": "ua-ukraine",
        "NAIROBI, Kenya (AP) - Somalia's parliament met.": None,
    }
    for text, zone_id in cases.items():
        found = resolver.extract(text, "en")
        assert found is not None and found.zone_id == zone_id, (text, found)
    pokrovsk = resolver.extract("POKROVSK — Shelling went on.", "en")
    assert (pokrovsk.place, pokrovsk.zone_id, pokrovsk.ambiguous_zone_id) == ("POKROVSK", None, "ua-donbas")
    assert pokrovsk.header == "POKROVSK"  # also a town in Yakutia


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[DatelineResolver, list[dict]]:
    root = tmp_path_factory.mktemp("demo")
    scenario = load_scenario("default")
    config = write_demo_config(scenario, "http://127.0.0.1:1", root / "config")
    generate(scenario, 7, root / "demo", 60)
    names = {
        c.code: [n for n in (c.name.en, c.name.fr, c.name.ar, c.name.ru) if n] for c in scenario.countries
    }
    articles = pq.read_table(root / "demo" / "world" / "articles.parquet").to_pylist()
    return DatelineResolver.from_config(config, country_names=names), [
        a for a in articles if a["is_original"]
    ]


def test_demo_world_presence_matches_truth(demo_world: tuple[DatelineResolver, list[dict]]) -> None:
    """Caption first (when there is one) to exercise the trap, then the lead, against is_inside_dateline.

    Bare "TALEN —" datelines are undecided by design (Talen is also a town in Bervia and the dateline gives
    no country); they count as outside here. They are the only misses, so accuracy over all items sits just
    under 98% while accuracy over decided items is near 100%.
    """
    resolver, originals = demo_world
    correct = decided_correct = decided = true_inside = predicted_inside = 0
    undecided = []
    for article in originals:
        text = f"{article['caption']}\n{article['lead']}" if article["caption"] else article["lead"]
        found = resolver.extract(text, article["language"])
        inside = found is not None and found.zone_id == article["zone_id"]  # not its neighbour's country
        truth = article["is_inside_dateline"]
        correct += inside == truth
        predicted_inside += inside
        true_inside += inside and truth
        if found is not None and found.ambiguous_zone_id is not None:
            undecided.append(found)
        else:
            decided += 1
            decided_correct += inside == truth
    assert len(originals) > 3000
    assert true_inside / predicted_inside >= 0.99
    assert decided_correct / decided >= 0.98
    assert correct / len(originals) >= 0.975
    assert len(undecided) / len(originals) <= 0.04
    assert {(d.place, d.ambiguous_zone_id) for d in undecided} <= {
        ("TALEN", "xva-north"),
        ("تالين", "xva-north"),
    }
