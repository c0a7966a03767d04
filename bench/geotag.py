"""Articles per second of ZoneTagger bulk tagging against a per-alias regex loop, on synthetic zones and articles."""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time

import pyarrow as pa

from core.registry import Zone
from transforms.udf.geotag import ZoneTagger
from transforms.udf.text import normalize

SYLLABLES = {
    "en": "ka ro mi tel vos dan ser lu bri gan ost val mer zor pel ina ur kes tam bo".split()
    + ["é", "ö", "ña"],
    "ru": "ка ро ми тел вос дан сер лу бри ган ост вал мер зор пел ина ур кес там бо".split(),
    "ar": "كا رو مي تل فو دا سر لو بر غا وس فا مر زو بي نا ور كس تا بو".split(),
}
ALIAS_SCRIPTS = ["en"] * 20 + ["ru"] * 15 + ["ar"] * 15  # 50 aliases per zone


def pseudo_word(rng: random.Random, lang: str, syllables: tuple[int, int]) -> str:
    word = "".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(*syllables)))
    return word.capitalize() if lang != "ar" else word


def make_zones(count: int, per_zone: int, rng: random.Random) -> list[Zone]:
    zones, seen = [], set()
    for z in range(count):
        aliases: dict[str, list[str]] = {}
        for i in range(per_zone):
            lang = ALIAS_SCRIPTS[i % len(ALIAS_SCRIPTS)]
            while True:
                words = [pseudo_word(rng, lang, (3, 4)) for _ in range(1 + (rng.random() < 0.2))]
                alias = " ".join(words)
                if normalize(alias) not in seen:
                    seen.add(normalize(alias))
                    break
            aliases.setdefault(lang, []).append(alias)
        country = "X" + chr(65 + z // 26 % 26) + chr(65 + z % 26)
        zones.append(Zone(id=f"zone-{z:03d}", name=f"Zone {z}", countries=[country], aliases=aliases))
    return zones


def make_articles(count: int, zones: list[Zone], rng: random.Random) -> pa.Table:
    """Filler words have 1-2 syllables (aliases 3-4), so only planted mentions are whole-word aliases;
    some articles also carry an alias glued inside a longer word, which must not match."""
    titles, bodies, languages = [], [], []
    for _ in range(count):
        lang = rng.choices(["en", "ru", "ar"], weights=[6, 2, 2])[0]
        words = [pseudo_word(rng, lang, (1, 2)).lower() for _ in range(150)]
        mentions = rng.choice([0, 0, 1, 2, 3])
        zone = rng.choice(zones)
        for _ in range(mentions):
            words[rng.randrange(len(words))] = rng.choice(zone.aliases[lang])
        if rng.random() < 0.2:
            decoy = rng.choice(rng.choice(zones).aliases[lang]).split()[0]
            words[rng.randrange(len(words))] = decoy.lower() + pseudo_word(rng, lang, (1, 1)).lower()
        if mentions and rng.random() < 0.3:
            words.insert(0, rng.choice(zone.aliases[lang]).upper() + " —")
        title = " ".join(words[:8]).capitalize()
        titles.append(title)
        bodies.append(" ".join(words[8:]) + ".")
        languages.append(lang)
    return pa.table({"title": titles, "body": bodies, "language": languages})


def regex_baseline(zones: list[Zone]) -> list[tuple[re.Pattern[str], str]]:
    """One compiled pattern per alias, with word boundaries, as a per-alias loop would use."""
    return [
        (re.compile(r"(?<!\w)" + re.escape(normalize(alias)) + r"(?!\w)"), zone.id)
        for zone in zones
        for names in zone.aliases.values()
        for alias in names
    ]


def run_baseline(patterns: list[tuple[re.Pattern[str], str]], table: pa.Table) -> list[set[str]]:
    found = []
    for title, body in zip(table.column("title").to_pylist(), table.column("body").to_pylist(), strict=True):
        text = normalize(title) + "\n" + normalize(body)
        found.append({zone_id for pattern, zone_id in patterns if pattern.search(text)})
    return found


def load_average() -> str:
    """On a shared machine wall time depends on other jobs; CPU time much less."""
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--zones", type=int, default=200)
    parser.add_argument("--aliases", type=int, default=50)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--baseline-sample", type=int, default=100, help="articles the regex loop tags")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    zones = make_zones(args.zones, args.aliases, rng)
    table = make_articles(args.articles, zones, rng)
    words = sum(len(b.split()) for b in table.column("body").to_pylist()) / table.num_rows

    started = time.perf_counter()
    tagger = ZoneTagger(zones)
    build_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    tagged = tagger.tag_table(table)
    tagger_s, tagger_cpu = time.perf_counter() - started, time.process_time() - cpu
    tagger_rate = table.num_rows / tagger_s

    sample = table.slice(0, args.baseline_sample)
    patterns = regex_baseline(zones)
    started, cpu = time.perf_counter(), time.process_time()
    baseline = run_baseline(patterns, sample)
    baseline_rate = sample.num_rows / (time.perf_counter() - started)
    baseline_cpu_rate = sample.num_rows / (time.process_time() - cpu)

    top = {row["item_index"]: row["zone_id"] for row in tagged.to_pylist() if row["rank"] == 1}
    agree = sum(1 for i, zones_found in enumerate(baseline) if i not in top or top[i] in zones_found)
    print(
        f"zones={args.zones} aliases/zone={args.aliases} patterns={tagger.pattern_count} "
        f"articles={table.num_rows} words/article={words:.0f}"
    )
    print(
        f"ZoneTagger: build {build_s:.2f} s, tag_table {tagger_s:.2f} s = {tagger_rate:,.0f} articles/s "
        f"({tagger_cpu:.2f} s CPU = {table.num_rows / tagger_cpu:,.0f} articles/s; {load_average()}), "
        f"{tagged.num_rows} matches, {len(top) / table.num_rows:.1%} of articles tagged"
    )
    print(
        f"baseline (one regex per alias, {len(patterns)} patterns, {sample.num_rows} articles, scaled): "
        f"{baseline_rate:,.1f} articles/s"
    )
    print(
        f"ratio: {tagger_rate / baseline_rate:,.0f}x (CPU: {table.num_rows / tagger_cpu / baseline_cpu_rate:,.0f}x); "
        "top zone found by the regex loop too: "
        f"{agree}/{sample.num_rows}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
