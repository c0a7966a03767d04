"""Real-world dataset formats of the demo world (CPJ, KeepItOn, ACLED, RSF, IODA, GDELT, ReliefWeb), bytes out.

Every renderer drops rows dated after `as_of`. Layouts, as the parsers must read them (columns this
fictional world has no value for are present and empty):

cpj.csv: comma CSV, UTF-8, minimal quoting, CRLF. CPJ_COLUMNS: the first 41 are CPJ's cpj.org/data export
  ("Journalists and Media Workers Killed between 1992 and 2022 ...csv" in youyansu/JOURN-124-Final-project; the
  2020 export in andypicke/Journalists-Under-Fire has the same plus photoUrl, photoCredit). The export has no
  date, only `year`, so two columns follow that are named after fields of CPJ's JSON data API (seen in
  scrapers of it): startDisplay, endDisplay ("June 12, 2026"; endDisplay empty for the imprisoned). Kinds:
  killed -> status Killed (combinedStatus Confirmed); imprisoned and detained -> status Imprisoned.
  expelled, denied_entry and attacked have no CPJ record type and are left out of this file.
keepiton.csv: comma CSV, UTF-8, dates M/D/YYYY (Google Sheets export). KEEPITON_COLUMNS: the 36 columns of
  Access Now's STOP sheet (header of a test fixture of a public STOP parser; codebook fields match
  jens-koning/internet_shutdowns_india). shutdown_status is Ongoing with end_date and duration empty while
  the shutdown has not ended by `as_of`, else Ended; duration counts days, both ends included.
acled.csv: comma CSV, UTF-8, event_date YYYY-MM-DD. ACLED_COLUMNS: the 31 columns since ACLED's 20 March
  2023 change (acledR codebook; acleddata.com "Guide to 2023 ACLED column changes"). `iso` is numeric:
  fictional countries get 900 + position of their alpha-3 in sorted order (ISO's user-assigned range).
rsf_{year}.csv: semicolon CSV, decimal comma ("73,58"), CRLF; UTF-8 with BOM up to 2024, without from 2025
  (unguisdraconis/rsf-streamgraph: real 2021/2022/2024 files and README; petzi53/rsf). Year <= 2021:
  RSF_COLUMNS_2021 (score `Score N`); 2022: RSF_COLUMNS_2022; 2023: RSF_COLUMNS_2022 + Score N-1;Score
  evolution; 2024 on: RSF_COLUMNS_2024, with `Score {year}` instead of `Score` from 2025. Sorted by rank;
  Situation comes from the score (RSF's bands, French labels as in 2024); Zone and indicators are empty.
ioda/{alpha2}.json: IODA API v2 /v2/signals/raw/country/{code} envelope {type, metadata: {requestTime,
  responseTime}, requestParameters, error, perf, data, copyright}; data = [[series]], series = {entityType,
  entityCode, entityName, datasource, subtype, from, until, step, nativeStep, values} (notes on IODA v2 from
  sample responses, in a public IODA client). Daily: step 86400, values[i] at from + i*86400, null if missing.
gdelt/{zone_id}.json: GDELT DOC 2.0 mode=timelinevolraw&format=json: {query_details: {title,
  date_resolution}, timeline: [{series: "Article Count", data: [{date: "YYYYMMDDTHHMMSSZ", value, norm}]}]}
  (gdeltdoc's timeline parser; a captured payload in a public test). All days up to `as_of`.
reliefweb/reports.json: ReliefWeb API /v2/reports: {time, href, links: {self, next?}, took, totalCount, count,
  data: [{id (a string), score, fields: {title, date: {created, original}, country: [{name, iso3 (lower
  case)}], source: [{name}], url_alias}}]}, newest first, `offset`/`limit` paging (limit at most 1000).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pyarrow as pa

from blindspot.demo.formats import long_date, midnight, rfc3339

CPJ_COLUMNS = (
    "year,combinedStatus,fullName,sortName,primaryNationality,secondaryNationality,tertiaryNationality,gender,"
    "type,lastStatus,typeOfDeath,status,employedAs,organizations,jobs,coverage,mediums,country,location,region,"
    "state,locality,province,localOrForeign,sourcesOfFire,motiveConfirmed,accountabilityCrossfire,"
    "accountabilityAssignment,impunityMurder,tortured,captive,threatened,charges,motive,lengthOfSentence,"
    "healthProblems,impCountry,entry,sentenceDate,sentence,locationImprisoned,startDisplay,endDisplay"
).split(",")
KEEPITON_COLUMNS = (
    "start_date_type,start_date,country,geo_scope,area_name,shutdown_type,affected_network,shutdown_extent,"
    "ordered_by,decision_maker,actual_cause,actual_cause_details,info_source,info_source_link,shutdown_status,"
    "end_date,duration,gov_justification,gov_ack,facebook_affected,twitter_affected,whatsapp_affected,"
    "instagram_affected,telegram_affected,other_affected,sms_affected,phonecall_affected,telcos_involved,"
    "election,violence,hr_abuse_reported,users_targeted,users_target_detail,event,an_link,region"
).split(",")
ACLED_COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
).split(",")
_RSF_INDICATORS = (
    "Political Context;Rank_Pol;Economic Context;Rank_Eco;Legal Context;Rank_Leg;Social Context;Rank_Soc;Safety;"
    "Rank_Saf"
)
RSF_COLUMNS_2021 = (
    "Year (N);ISO;Rank N;Score N;Score N without the exactions;Score N with the exactions;Score exactions;"
    "Rank N-1;Score N-1;Rank evolution;FR_country;EN_country;ES_country;AR_country;FA_country;Zone"
).split(";")
RSF_COLUMNS_2022 = (
    f"ISO;Score;Rank;{_RSF_INDICATORS};Zone;Country_EN;Country_FR;Country_ES;Country_AR;Country_FA;Year (N);"
    "Rank N-1;Rank evolution"
).split(";")
RSF_COLUMNS_2024 = (
    f"ISO;Score;Rank;{_RSF_INDICATORS};Situation;Zone;Country_FR;Country_EN;Country_ES;Country_PT;Country_AR;"
    "Country_FA;Year (N);Rank N-1;Rank evolution;Score N-1;Score evolution"
).split(";")
IODA_NATIVE_STEP = {"bgp": 300, "ping-slash24": 600, "merit-nt": 60}


def _csv(columns: list[str], rows: list[dict], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=delimiter, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _upto(table: pa.Table, column: str, as_of: date) -> list[dict]:
    return [r for r in table.to_pylist() if r[column] is not None and r[column] <= as_of]


def _us_date(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def _cpj_row(r: dict) -> dict | None:
    day, killed = r["occurred_on"], r["kind"] == "killed"
    if r["kind"] not in {"killed", "imprisoned", "detained"}:
        return None  # CPJ keeps no record of expulsions, denied entry or assaults
    status, shown = ("Killed" if killed else "Imprisoned"), long_date(day)
    row = dict(
        year=day.year, fullName=r["person_name"], primaryNationality=r["country_name"], type="Journalist"
    )
    row |= dict(lastStatus=status, status=status, employedAs="Staff", organizations=r["organization"])
    row |= dict(country=r["country_name"], location=r["location"], locality=r["location"], startDisplay=shown)
    if killed:
        row |= dict(combinedStatus="Confirmed", typeOfDeath="Murder", motiveConfirmed="Confirmed")
        return row | dict(impunityMurder="Complete Impunity", localOrForeign="Local", endDisplay=shown)
    row |= dict(combinedStatus="Imprisoned", charges="No Charge", lengthOfSentence="Not Sentenced")
    return row | dict(localOrForeign="Local", locationImprisoned=r["location"])


def render_cpj_csv(incidents: pa.Table, as_of: date) -> bytes:
    rows = [_cpj_row(r) for r in _upto(incidents, "occurred_on", as_of)]
    return _csv(CPJ_COLUMNS, [r for r in rows if r]).encode("utf-8")


def _keepiton_row(r: dict, as_of: date) -> dict:
    ended = r["end_date"] is not None and r["end_date"] <= as_of
    extent, network = {
        "service-based": ("Service-based", ""),
        "mobile": ("Full network", "Mobile"),
    }.get(r["shutdown_type"], ("Full network", "Broadband, Mobile"))
    row = dict(start_date_type="Actual", start_date=_us_date(r["start_date"]), country=r["country_name"])
    row |= dict(area_name=r["area_name"], shutdown_type="Shutdown", affected_network=network)
    row |= dict(
        shutdown_extent=extent, actual_cause=r["actual_cause"], event=f"Shutdown in {r['area_name']}."
    )
    if not ended:  # as of that day nobody knows when it will end
        return row | dict(shutdown_status="Ongoing")
    days = (r["end_date"] - r["start_date"]).days + 1
    return row | dict(shutdown_status="Ended", end_date=_us_date(r["end_date"]), duration=days)


def render_keepiton_csv(shutdowns: pa.Table, as_of: date) -> bytes:
    rows = [_keepiton_row(r, as_of) for r in _upto(shutdowns, "start_date", as_of)]
    return _csv(KEEPITON_COLUMNS, rows).encode("utf-8")


def _acled_row(r: dict, iso: int) -> dict:
    inter1, inter2 = (
        1,
        ({"Protesters": 6, "Rioters": 5, "Civilians": 7}.get(r["actor2"], 3) if r["actor2"] else 0),
    )
    day, kind = r["event_date"], r["event_type"]
    row = dict(event_id_cnty=r["event_id"], event_date=day.isoformat(), year=day.year, time_precision=1)
    row |= dict(disorder_type="Demonstrations" if kind in {"Protests", "Riots"} else "Political violence")
    row |= dict(event_type=kind, sub_event_type=r["sub_event_type"], actor1=r["actor1"], inter1=inter1)
    row |= dict(
        actor2=r["actor2"] or "",
        inter2=inter2,
        interaction=int(f"{min(inter1, inter2)}{max(inter1, inter2)}"),
    )
    row |= dict(civilian_targeting="Civilian targeting" if kind == "Violence against civilians" else "")
    row |= dict(
        iso=iso, country=r["country_name"], admin1=r["admin1"], location=r["location"], geo_precision=1
    )
    row |= dict(latitude=f"{r['latitude']:.4f}", longitude=f"{r['longitude']:.4f}", notes=r["notes"])
    stamp = int(midnight(day).timestamp()) + 86399  # uploaded at the end of the event day
    return row | dict(
        source="Demo local media", source_scale="National", fatalities=r["fatalities"], timestamp=stamp
    )


def render_acled_csv(conflict: pa.Table, as_of: date) -> bytes:
    iso = {code: 900 + i for i, code in enumerate(sorted(set(conflict.column("country").to_pylist())))}
    rows = [_acled_row(r, iso[r["country"]]) for r in _upto(conflict, "event_date", as_of)]
    return _csv(ACLED_COLUMNS, rows).encode("utf-8")


def _comma(value: float | int | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _situation(score: float) -> str:
    bands = [(85, "Bonne situation"), (70, "Situation plutôt bonne"), (55, "Situation problématique")]
    return next(
        (label for floor, label in bands if score >= floor),
        "Situation difficile" if score >= 40 else "Situation très grave",
    )


def _rsf_columns(year: int) -> tuple[list[str], str]:
    """(columns, name of the score column) of the index published in `year`."""
    if year <= 2021:
        return RSF_COLUMNS_2021, "Score N"
    if year <= 2023:
        return RSF_COLUMNS_2022 + (["Score N-1", "Score evolution"] if year == 2023 else []), "Score"
    score = f"Score {year}" if year >= 2025 else "Score"
    return [score if c == "Score" else c for c in RSF_COLUMNS_2024], score


def render_rsf_csv(press_scores: pa.Table, year: int) -> bytes:
    """The RSF index of `year` in that year's layout and encoding (the server decides when it is out)."""
    columns, score = _rsf_columns(year)
    all_rows = press_scores.to_pylist()
    previous = {r["country"]: r for r in all_rows if r["year"] == year - 1}
    out = []
    for r in sorted((r for r in all_rows if r["year"] == year), key=lambda r: (r["rank"], r["country"])):
        row = {
            "Year (N)": year,
            "ISO": r["country"],
            "Rank N": r["rank"],
            "Rank": r["rank"],
            score: _comma(r["score"]),
        }
        row |= {f"{lang}_country": r["country_name"] for lang in ("FR", "EN", "ES", "AR", "FA")}
        row |= {f"Country_{lang}": r["country_name"] for lang in ("EN", "FR", "ES", "PT", "AR", "FA")}
        row["Situation"] = _situation(r["score"])
        if before := previous.get(r["country"]):
            row |= {"Rank N-1": before["rank"], "Rank evolution": before["rank"] - r["rank"]}
            row |= {
                "Score N-1": _comma(before["score"]),
                "Score evolution": _comma(r["score"] - before["score"]),
            }
        out.append({c: row.get(c, "") for c in columns})
    return _csv(columns, out, delimiter=";").encode("utf-8-sig" if year <= 2024 else "utf-8")


def _json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_ioda_json(signals: pa.Table, country_alpha2: str, as_of: date, alpha3: str | None = None) -> bytes:
    """IODA raw signals of one country; pass `alpha3` to pick its rows out of a multi-country table."""
    rows = [r for r in _upto(signals, "day", as_of) if alpha3 is None or r["country"] == alpha3]
    until = int(midnight(as_of + timedelta(days=1)).timestamp())
    start = int(midnight(min(r["day"] for r in rows)).timestamp()) if rows else until - 86400
    series = []
    for datasource in sorted({r["datasource"] for r in rows}):
        values: list[float | None] = [None] * ((until - start) // 86400)
        for r in (r for r in rows if r["datasource"] == datasource):
            values[(int(midnight(r["day"]).timestamp()) - start) // 86400] = r["value"]
        entity = dict(entityType="country", entityCode=country_alpha2, entityName=rows[0]["country_name"])
        step = dict(step=86400, nativeStep=IODA_NATIVE_STEP.get(datasource, 300))
        series.append(
            entity | {"datasource": datasource, "subtype": "", "from": start, "until": until} | step
        )
        series[-1]["values"] = values
    stamp = rfc3339(midnight(as_of + timedelta(days=1)))
    params = dict(entityType="country", entityCode=country_alpha2, datasource=None, sourceParams=None)
    params |= {"from": str(start), "until": str(until), "maxPoints": None}
    document = dict(
        type="signals", metadata=dict(requestTime=stamp, responseTime=stamp), requestParameters=params
    )
    return _json(
        document | dict(error=None, perf=None, data=[series], copyright="Demo data, fictional countries.")
    )


def render_gdelt_timeline_json(volumes: pa.Table, query: str, as_of: date) -> bytes:
    rows = sorted((r for r in _upto(volumes, "day", as_of) if r["query"] == query), key=lambda r: r["day"])
    data = [{"date": f"{r['day']:%Y%m%d}T000000Z", "value": r["value"], "norm": r["norm"]} for r in rows]
    details = {"title": query, "date_resolution": "day"}
    return _json({"query_details": details, "timeline": [{"series": "Article Count", "data": data}]})


def render_reliefweb_json(reports: pa.Table, as_of: date, offset: int = 0, limit: int = 1000) -> bytes:
    """ReliefWeb reports up to `as_of`, newest first; `offset`/`limit` page through them like the API."""
    rows = sorted(_upto(reports, "published_on", as_of), key=lambda r: (r["published_on"], r["report_id"]))[
        ::-1
    ]
    href = "/datasets/reliefweb/reports.json?offset={}&limit=" + str(limit)
    links = {"self": {"href": href.format(offset)}}
    if offset + limit < len(rows):
        links["next"] = {"href": href.format(offset + limit)}
    data = []
    for r in rows[offset : offset + limit]:
        stamp = f"{r['published_on'].isoformat()}T00:00:00+00:00"
        fields = dict(title=r["title"], date=dict(created=stamp, original=stamp), url_alias=r["url_alias"])
        fields |= dict(country=[dict(name=r["country_name"], iso3=r["country"].lower())])
        data.append(
            dict(id=str(r["report_id"]), score=1, fields=fields | dict(source=[dict(name=r["source_name"])]))
        )
    head = dict(time=1, href=href.format(offset), links=links, took=1, totalCount=len(rows), count=len(data))
    return _json(head | dict(data=data))
