"""Sentence templates for the demo world, per language: titles, leads, datelines, frames and incidents.

All places, outlets and people are fictional. Frame sentences paraphrase the denial tactics named in
docs/methodology.md; they are written independently of config/lexicons so tagging is really tested.
"""

from __future__ import annotations

TITLES: dict[str, list[str]] = {
    "en": [
        "{n} civilians reported killed in {town} as fighting continues",
        "Residents flee {town} after overnight shelling",
        "Aid convoy reaches {town} after {n}-day delay",
        "Officials in {region} report {n} families displaced",
        "Markets in {town} reopen amid tense calm",
        "Water shortages deepen in {town}, aid groups say",
        "Clashes near {town} enter day {n}",
        "Families in {region} search for {n} missing relatives",
        "Hospital in {town} overwhelmed, doctors say",
        "Curfew imposed in {town} after {n} arrests",
        "Schools in {region} stay shut for week {n}",
        "Fuel prices in {town} up {n} percent",
    ],
    "fr": [
        "{n} civils tués à {town} selon des sources locales",
        "Des habitants fuient {town} après des bombardements nocturnes",
        "Un convoi humanitaire atteint {town} après {n} jours de retard",
        "{region} : {n} familles déplacées selon les autorités locales",
        "Les marchés de {town} rouvrent dans un calme tendu",
        "Pénurie d'eau à {town}, alertent les ONG",
        "Affrontements près de {town} pour le {n}e jour",
        "À {town}, l'hôpital débordé selon les médecins",
        "Couvre-feu à {town} après {n} arrestations",
        "{region} : les écoles fermées depuis {n} semaines",
    ],
    "ar": [
        "مقتل {n} مدنيين في {town} مع استمرار القتال",
        "سكان يفرون من {town} بعد قصف ليلي",
        "قافلة مساعدات تصل إلى {town} بعد تأخير {n} أيام",
        "نزوح {n} عائلة في {region} بحسب مسؤولين محليين",
        "إعادة فتح الأسواق في {town} وسط هدوء حذر",
        "تفاقم نقص المياه في {town} بحسب منظمات إغاثة",
        "اشتباكات قرب {town} لليوم {n}",
        "مستشفى {town} مكتظ بالمصابين بحسب أطباء",
        "فرض حظر تجول في {town} بعد {n} اعتقالات",
    ],
    "ru": [
        "В {town} погибли {n} мирных жителей",
        "Жители покидают {town} после ночного обстрела",
        "Гуманитарный конвой прибыл в {town} с опозданием на {n} дней",
        "В регионе {region} перемещены {n} семей",
        "Рынки {town} вновь открылись",
        "Бои у {town} идут {n}-й день",
    ],
}

LEADS: dict[str, list[str]] = {
    "en": [
        "{n} people were killed in {town} on {weekday}, {person}, a {role}, told reporters.",
        "Hundreds of families left {town} overnight, {person}, a {role}, said by phone.",
        "An aid convoy carrying {n} tonnes of food reached {town}, {person}, a {role}, said.",
        "Fighting near {town} continued for a {ordinal} day, {person}, a {role}, said.",
        "Prices in {town} have risen sharply this month, {person}, a {role}, said.",
    ],
    "fr": [
        "{n} personnes ont été tuées à {town} {weekday}, a déclaré {person}, {role}.",
        "Des centaines de familles ont quitté {town} dans la nuit, selon {person}, {role}.",
        "Un convoi de {n} tonnes de vivres est arrivé à {town}, a indiqué {person}, {role}.",
        "Les combats se poursuivent près de {town}, a affirmé {person}, {role}.",
    ],
    "ar": [
        "قُتل {n} أشخاص في {town} يوم {weekday}، بحسب ما قال {person}، {role}.",
        "غادرت مئات العائلات {town} خلال الليل، وفق {person}، {role}.",
        "وصلت قافلة تحمل {n} طناً من الغذاء إلى {town}، بحسب {person}، {role}.",
        "تواصلت الاشتباكات قرب {town}، وفق ما أفاد {person}، {role}.",
    ],
    "ru": [
        "В {town} в {weekday} погибли {n} человек, сообщил {person}, {role}.",
        "Сотни семей покинули {town} ночью, сообщил {person}, {role}.",
    ],
}

NEUTRAL: dict[str, list[str]] = {
    "en": [
        "Aid agencies said access to the area remained limited.",
        "{n} people were treated at the {town} clinic, according to medical staff.",
        "Witnesses described hearing explosions through the night.",
        "The price of flour has risen by {n} percent since last month.",
        "Local officials said roads to {town} were partly blocked.",
        "Residents said they had received no warning before the strikes.",
    ],
    "fr": [
        "Les agences humanitaires affirment que l'accès à la zone reste limité.",
        "{n} personnes ont été soignées au dispensaire de {town}, selon le personnel médical.",
        "Des témoins ont entendu des explosions toute la nuit.",
        "Le prix de la farine a augmenté de {n} % depuis le mois dernier.",
    ],
    "ar": [
        "قالت وكالات الإغاثة إن الوصول إلى المنطقة ما زال محدوداً.",
        "تلقى {n} شخصاً العلاج في عيادة {town} بحسب الطاقم الطبي.",
        "قال شهود إنهم سمعوا انفجارات طوال الليل.",
        "ارتفع سعر الدقيق بنسبة {n} في المئة منذ الشهر الماضي.",
    ],
    "ru": [
        "Гуманитарные организации сообщают, что доступ в район ограничен.",
        "Свидетели слышали взрывы всю ночь.",
    ],
}

FRAMES: dict[str, dict[str, list[str]]] = {
    "en": {
        "reports_false": [
            "A government spokesperson dismissed the reports of killings as fabricated.",
            "Officials called the accounts of the shelling fake news spread by foreign media.",
        ],
        "victims_combatants": [
            "The ministry said those killed were terrorists, not civilians.",
            "Officials described the dead as armed combatants.",
        ],
        "deaths_unintended": [
            "Authorities said the deaths were an unintended consequence of security operations.",
            "The army called the casualties accidental.",
        ],
        "victims_aggressors": [
            "State media said residents had attacked security forces first.",
            "Officials said the protesters provoked the violence.",
        ],
        "militia_blamed": [
            "Officials blamed unidentified armed gangs for the killings.",
            "The government said rogue militias were responsible.",
        ],
        "great_power_shield": [
            "An allied power blocked a draft resolution on the violence at the Security Council.",
        ],
    },
    "fr": {
        "reports_false": [
            "Un porte-parole du gouvernement a qualifié ces informations sur les tueries de mensongères."
        ],
        "victims_combatants": ["Le ministère affirme que les personnes tuées étaient des terroristes."],
        "deaths_unintended": ["Les autorités parlent de victimes involontaires des opérations de sécurité."],
        "victims_aggressors": [
            "Selon la télévision d'État, les habitants ont attaqué les forces de l'ordre en premier."
        ],
        "militia_blamed": [
            "Le gouvernement accuse des milices incontrôlées d'être responsables des violences."
        ],
        "great_power_shield": ["Un pays allié a bloqué un projet de résolution au Conseil de sécurité."],
    },
    "ar": {
        "reports_false": ["نفى متحدث باسم الحكومة التقارير عن عمليات القتل ووصفها بأنها مفبركة."],
        "victims_combatants": ["قالت الوزارة إن القتلى كانوا إرهابيين وليسوا مدنيين."],
        "deaths_unintended": ["قالت السلطات إن الوفيات كانت غير مقصودة خلال العمليات الأمنية."],
        "victims_aggressors": ["قال التلفزيون الرسمي إن السكان هاجموا قوات الأمن أولاً."],
        "militia_blamed": ["حمّلت الحكومة ميليشيات خارجة عن السيطرة مسؤولية أعمال العنف."],
        "great_power_shield": ["عرقلت دولة حليفة مشروع قرار في مجلس الأمن."],
    },
    "ru": {
        "reports_false": ["Представитель правительства назвал сообщения об убийствах мирных жителей фейком."],
        "militia_blamed": ["Власти возложили ответственность на неподконтрольные ополчения."],
    },
}

INCIDENTS: dict[str, dict[str, str]] = {
    "en": {
        "detained": "Two journalists were detained at a checkpoint near {town}.",
        "expelled": "A foreign correspondent was expelled from the country on {weekday}.",
        "denied_entry": "Reporters were denied entry at the border crossing to {region}.",
        "killed": "A local reporter was killed while covering the fighting near {town}.",
        "shutdown": "Internet access has been cut across {region} since {weekday}.",
    },
    "fr": {
        "detained": "Deux journalistes ont été arrêtés à un poste de contrôle près de {town}.",
        "expelled": "Un correspondant étranger a été expulsé du pays {weekday}.",
        "shutdown": "L'accès à Internet est coupé dans toute la région de {region} depuis {weekday}.",
    },
    "ar": {
        "detained": "اعتُقل صحفيان عند حاجز قرب {town}.",
        "expelled": "طُرد مراسل أجنبي من البلاد يوم {weekday}.",
        "shutdown": "انقطعت خدمة الإنترنت في {region} منذ يوم {weekday}.",
    },
    "ru": {"detained": "Двое журналистов задержаны на блокпосту у {town}."},
}

WEEKDAYS: dict[str, list[str]] = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "ar": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
    "ru": ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"],
}

# Quoted people: a first and a last name drawn independently, so leads of distinct stories rarely repeat.
FIRST_NAMES: dict[str, list[str]] = {
    "en": [
        "Amira",
        "Joss",
        "Lina",
        "Teo",
        "Sami",
        "Ada",
        "Nour",
        "Idris",
        "Maren",
        "Kofi",
        "Hana",
        "Elio",
        "Zara",
        "Omar",
        "Petra",
        "Yusuf",
        "Ines",
        "Dario",
        "Leyla",
        "Tomas",
    ],
    "fr": [
        "Amira",
        "Joss",
        "Lina",
        "Théo",
        "Sami",
        "Adèle",
        "Nour",
        "Idriss",
        "Maren",
        "Kofi",
        "Hana",
        "Éloi",
        "Zara",
        "Omar",
        "Pétra",
        "Youssef",
        "Inès",
        "Dario",
        "Leïla",
        "Tomas",
    ],
    "ar": [
        "أميرة",
        "سامي",
        "نور",
        "لينا",
        "إدريس",
        "هناء",
        "عمر",
        "يوسف",
        "ليلى",
        "زارا",
        "مريم",
        "خالد",
        "سلمى",
        "رامي",
        "دانة",
        "طارق",
    ],
    "ru": ["Амира", "Тео", "Лина", "Сами", "Нур", "Идрис", "Марен", "Хана", "Омар", "Юсуф", "Инес", "Томас"],
}
# The invented surnames are spelt alike in English and French, but for the accent of Vérin.
_SURNAMES = [
    "Dalen",
    "Verin",
    "Okar",
    "Marsh",
    "Rendal",
    "Kovel",
    "Halden",
    "Sarrow",
    "Benning",
    "Tallis",
    "Orwin",
    "Castel",
    "Mirov",
    "Quist",
    "Lennard",
    "Ashby",
    "Dray",
    "Fenn",
    "Holloway",
    "Ibsen",
]
LAST_NAMES: dict[str, list[str]] = {
    "en": _SURNAMES,
    "fr": ["Vérin" if name == "Verin" else name for name in _SURNAMES],
    "ar": [
        "دالين",
        "رندل",
        "هالدن",
        "أوكار",
        "كاستل",
        "ميروف",
        "تاليس",
        "فين",
        "أوروين",
        "بنينغ",
        "درايع",
        "سارو",
        "كوفل",
        "لينارد",
        "آشبي",
        "إبسن",
    ],
    "ru": [
        "Дален",
        "Марш",
        "Рендал",
        "Ковель",
        "Халден",
        "Сарроу",
        "Таллис",
        "Орвин",
        "Кастель",
        "Миров",
        "Квист",
        "Фенн",
    ],
}

ROLES: dict[str, list[str]] = {
    "en": ["local nurse", "teacher", "shopkeeper", "aid worker", "district official", "resident"],
    "fr": ["infirmière locale", "enseignant", "commerçant", "travailleur humanitaire", "habitant"],
    "ar": ["ممرضة محلية", "معلم", "صاحب متجر", "عامل إغاثة", "أحد السكان"],
    "ru": ["местная медсестра", "учитель", "житель"],
}

# How each language writes an agency dateline; wires name the region, others give the place alone.
DATELINE_WITH_AGENCY = {
    "en": "{PLACE}, {country} ({agency}) - ",
    "fr": "{PLACE} ({agency}) - ",
    "ar": "{place}، {country} ({agency}) - ",
    "ru": "{PLACE}, {country} ({agency}) — ",
}
# A town that shares its name with a town elsewhere is always written with its country.
DATELINE_WITH_COUNTRY = {
    "en": "{PLACE}, {country} — ",
    "fr": "{PLACE} ({country}) — ",
    "ar": "{place}، {country} — ",
    "ru": "{PLACE}, {country} — ",
}
DATELINE_PLAIN = {"en": "{PLACE} — ", "fr": "{PLACE} — ", "ar": "{place} — ", "ru": "{PLACE} — "}

# A person's name in capitals opening a lead looks like a dateline but is not one (a trap).
NAME_TRAP = {
    "en": "{PERSON}, a {role} from {town}, said on {weekday} that the situation was worsening.",
    "fr": "{PERSON}, {role} à {town}, a déclaré {weekday} que la situation empirait.",
}
# A photo caption opening the text names a place and a credit; it is not the story's dateline.
CAPTION = {
    "en": "{PLACE}, {country} - Residents wait for aid. (Photo: {agency})",
    "fr": "{PLACE} - Des habitants attendent de l'aide. (Photo : {agency})",
    "ar": "{place} - سكان ينتظرون المساعدات. (صورة: {agency})",
}

ORDINALS = {"en": ["second", "third", "fourth", "fifth", "sixth"]}

STATE_TITLES: dict[str, list[str]] = {
    "en": [
        "Security operation restores order in {town}",
        "Ministry: situation in {region} stable",
        "Government delivers aid to families in {town}",
    ],
    "fr": ["Les forces de l'ordre rétablissent le calme à {town}", "{region} : la situation est stable"],
    "ar": ["عملية أمنية تعيد الهدوء إلى {town}", "الوزارة: الوضع في {region} مستقر"],
    "ru": ["Ситуация в {town} стабильна"],
}
BACKGROUND_TITLES: dict[str, list[str]] = {
    "en": [
        "Central bank of {country} holds rates",
        "{country} hosts regional trade fair",
        "Football: {country} wins cup",
    ],
    "fr": ["La banque centrale de {country} maintient ses taux", "Salon commercial régional en {country}"],
    "ar": ["البنك المركزي في {country} يثبت أسعار الفائدة", "{country} تستضيف معرضاً تجارياً"],
    "ru": ["Центробанк {country} сохранил ставку"],
}
