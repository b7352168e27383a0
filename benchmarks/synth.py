"""SYNTHETIC benchmark corpus: conflict-news-style articles from templates, each with a valid answer.

Every article names fictional states and people, carries the line ``SYNTHETIC benchmark article
SYN-<n>`` (the marker the benchmark server matches on) and comes with the Sections answer a
perfect model would give: quotes are exact sentences of the article and state every figure.
Deterministic for a seed. ``python benchmarks/synth.py --n 20 --out DIR`` writes the files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from summarizer.core.schema import Article, Sections  # noqa: E402
from summarizer.ingestion.articles import article_from_text  # noqa: E402
from summarizer.verification.grounding import verify  # noqa: E402

LABEL = "SYNTHETIC benchmark article"
MARKER = re.compile(r"SYN-(\d{6})")

# Fictional states: (name, adjective, capital, leader, defence minister, intelligence agency, army chief)
STATES = [
    ("Norland", "Norlandic", "Vask", "President Aila Verro", "Defence Minister Juno Tarr",
     "the Norlandic Security Bureau", "General Piet Holm"),
    ("Estavia", "Estavian", "Koryn", "President Dario Mensk", "Defence Minister Ilse Brandt",
     "the Estavian Intelligence Directorate", "General Oskar Rell"),
    ("Valmora", "Valmoran", "Tesh", "Prime Minister Rosa Quint", "Defence Minister Kai Udal",
     "Valmora's Foreign Intelligence Service", "General Mira Sotn"),
    ("Karthia", "Karthian", "Obel", "President Lev Darrow", "Defence Minister Tomas Ferr",
     "the Karthian military intelligence agency", "General Anton Veil"),
    ("Ostrea", "Ostrean", "Mirel", "Chancellor Greta Loh", "Defence Minister Ben Adler",
     "Ostrea's National Intelligence Service", "General Yara Voss"),
    ("Pelagia", "Pelagian", "Sarno", "President Nico Barra", "Defence Minister Lena Fisk",
     "the Pelagian General Staff", "General Hugo Brenn"),
]
REGIONS = ["Dresk", "Halvor", "Myrna", "Tobolin", "Ulvik", "Zarek", "Pernau", "Lisko"]
OUTLETS = ["Synthetic Wire", "The Synthetic Herald", "Example News Agency", "Test Gazette", "Benchmark Daily"]
LAWMAKERS = ["lawmaker Han Seo-jin", "MP Elin Marsh", "senator Radu Ilie", "MP Tariq Osei", "lawmaker Yuna Park"]
UNITS = ["Storm Corps", "3rd Rifle Brigade", "Iron Division", "41st Marine Brigade", "Falcon Regiment"]
QUALIFIED = ["at least {n}", "nearly {n}", "around {n}", "more than {n}", "up to {n}", "as many as {n}", "{n}"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ARMS = [("artillery shells", "ammunition", "containers of"), ("rocket launchers", "rocket_launcher", ""),
        ("attack drones", "drone", ""), ("self-propelled howitzers", "artillery", ""),
        ("air defence missiles", "missile", ""), ("armoured vehicles", "armoured_vehicle", "")]
AID_PARTS = ["air defence equipment including radars", "small boats and uncrewed surface vessels",
             "reconnaissance drones", "artillery ammunition", "winter equipment for soldiers",
             "demining equipment", "medical supplies for front-line units"]
CURRENCIES = [("£", "GBP"), ("$", "USD"), ("€", "EUR")]
FILLER = [
    "Analysts in {cap} said the fighting around {region} had intensified over the past month.",
    "{leader} has repeatedly denied that the war is going badly for {adj_a} forces.",
    "Residents of {region} described long queues for fuel and bread as supply lines were cut.",
    "The claims could not be independently verified by {outlet}.",
    "Officials in {cap} did not respond to a request for comment on the figures.",
    "Satellite images reviewed by researchers show new trenches dug along the {region} front line.",
    "The {region} region has changed hands twice since the start of the conflict.",
    "Observers say both sides are short of trained infantry as the war enters another winter.",
    "{state_b} has called for talks but says it will not accept the loss of {region}.",
    "Energy infrastructure in {cap} was again targeted overnight, local authorities said.",
]


@dataclass
class SynthArticle:
    """One SYNTHETIC article: the raw text, the cleaned Article and the valid answer for it."""

    index: int
    marker: str
    raw: str
    article: Article
    answer: dict[str, Any]


def _fig(rng: random.Random, lo: int, hi: int, step: int) -> str:
    return f"{rng.randrange(lo, hi, step):,}"


def _qualified(rng: random.Random, n: str) -> str:
    return rng.choice(QUALIFIED).format(n=n)


def _day(d: date) -> dict[str, str]:
    return {"start": d.isoformat(), "precision": "day"}


class _Builder:
    """Sentences and the items they support, for one article."""

    def __init__(self, rng: random.Random, published: date, outlet: str) -> None:
        self.rng = rng
        self.published = published
        self.outlet = outlet
        a, b, c = rng.sample(STATES, 3)
        self.a, self.b, self.c = a, b, c  # a fights in b's war on the side of c
        self.region = rng.choice(REGIONS)
        self.sentences: list[str] = []
        self.answer: dict[str, list[dict[str, Any]]] = {
            "casualties": [], "deployments": [], "arms_transfers": [], "aid": [], "diplomacy": []}

    def say(self, sentence: str) -> str:
        self.sentences.append(sentence)
        return sentence

    def filler(self) -> None:
        a, b = self.a, self.b
        self.say(self.rng.choice(FILLER).format(cap=a[2], region=self.region, leader=a[3], adj_a=a[1],
                                                outlet=self.outlet, state_b=b[0]))

    def casualties(self) -> None:
        rng, a, b = self.rng, self.a, self.b
        killed, wounded = _qualified(rng, _fig(rng, 30, 900, 10)), _qualified(rng, _fig(rng, 1000, 5000, 100))
        lawmaker = rng.choice(LAWMAKERS)
        weekday = rng.choice(WEEKDAYS)
        s = self.say(f"{killed.capitalize() if killed[0].isalpha() else killed} {a[1]} soldiers have been killed "
                     f"and {wounded} wounded in the {self.region} region, {b[0]} {lawmaker} told reporters on "
                     f"{weekday}, citing a briefing by {b[5]}.")
        self.answer["casualties"].append({
            "evidence": [{"quote": s}], "side": f"{a[1]} forces", "killed": {"text": killed},
            "wounded": {"text": wounded}, "claimant": b[5][0].upper() + b[5][1:] if b[5].startswith("the") else b[5],
            "conduit": f"{b[0]} {lawmaker}", "claimed": {"text": f"on {weekday}"}, "location": self.region})
        if rng.random() < 0.6:
            combined = _qualified(rng, _fig(rng, 2000, 9000, 100))
            month = rng.choice(MONTHS)
            s2 = self.say(f"{b[6]}, {b[1]} army chief, said on {weekday} that {a[1]} troops had suffered "
                          f"{combined} casualties since entering combat in {month}.")
            self.answer["casualties"].append({
                "evidence": [{"quote": s2}], "side": f"{a[1]} forces", "killed_or_wounded": {"text": combined},
                "claimant": b[6], "period": {"text": f"since {month}"}})

    def deployments(self) -> None:
        rng, a, c = self.rng, self.a, self.c
        size = _qualified(rng, _fig(rng, 2000, 20000, 500))
        unit = rng.choice(UNITS)
        month = rng.choice(MONTHS)
        s = self.say(f"{c[5][0].upper() + c[5][1:]} estimates that {size} {a[1]} troops, many from the {unit}, "
                     f"have been sent to {self.region} since {month}.")
        self.answer["deployments"].append({
            "evidence": [{"quote": s}], "force": f"{a[1]} troops", "size": {"text": size}, "unit": unit,
            "origin": a[0], "destination": self.region, "status": "deployed",
            "claimant": c[5][0].upper() + c[5][1:]})
        if rng.random() < 0.5:
            more = _fig(rng, 1000, 8000, 500)
            s2 = self.say(f"{a[0]} is preparing to send another {more} troops in a second rotation, {c[6]} said.")
            self.answer["deployments"].append({
                "evidence": [{"quote": s2}], "force": f"{a[1]} troops", "size": {"text": more},
                "origin": a[0], "destination": self.region, "status": "planned", "claimant": c[6]})

    def arms(self) -> None:
        rng, a, b, c = self.rng, self.a, self.b, self.c
        (n1, cat1, pre1), (n2, cat2, _) = rng.sample(ARMS, 2)
        q1 = _qualified(rng, _fig(rng, 1000, 20000, 500))
        q2 = _fig(rng, 20, 400, 10)
        pre = f"{pre1} " if pre1 else ""
        s = self.say(f"{a[0]} has also shipped {q1} {pre}{n1} and {q2} {n2} to {b[0]}, according to {c[5]}.")
        self.answer["arms_transfers"].append({
            "evidence": [{"quote": s}], "supplier": a[0], "recipient": b[0], "status": "alleged",
            "claimant": c[5][0].upper() + c[5][1:],
            "items": [{"name": n1, "category": cat1, "quantity": {"text": q1}},
                      {"name": n2, "category": cat2, "quantity": {"text": q2}}]})

    def aid(self) -> None:
        rng, b, c = self.rng, self.b, self.c
        sym, code = rng.choice(CURRENCIES)
        parts = rng.sample(AID_PARTS, 2)
        amounts = [rng.randrange(20, 140, 1) for _ in parts]
        total = sum(amounts) + rng.randrange(10, 90)
        weekday = rng.choice(WEEKDAYS)
        s = self.say(f"{c[0]} on {weekday} unveiled a package of {sym}{total} million in new military aid to "
                     f"{b[0]} for next year, {c[4]} said.")
        c1 = self.say(f"The package includes {sym}{amounts[0]} million for {parts[0]}, the ministry said.")
        c2 = self.say(f"A further {sym}{amounts[1]} million will pay for {parts[1]}.")
        self.answer["aid"].append({
            "evidence": [{"quote": s}, {"quote": c1}, {"quote": c2}], "donor": c[0], "recipient": b[0],
            "amount": {"text": f"{sym}{total} million"}, "kind": "military", "claimant": c[4],
            "components": [{"description": parts[0], "amount": {"text": f"{sym}{amounts[0]} million"}},
                           {"description": parts[1], "amount": {"text": f"{sym}{amounts[1]} million"}}]})

    def diplomacy(self) -> None:
        rng, b, c = self.rng, self.b, self.c
        weekday = rng.choice(WEEKDAYS)
        s = self.say(f"{c[4]} visited {b[2]} on {weekday} and held talks with {b[4]} on air defence.")
        self.answer["diplomacy"].append({
            "evidence": [{"quote": s}], "event_type": "visit", "parties": [c[0], b[0]],
            "summary": f"{c[4]} visited {b[2]} for talks with {b[4]}.", "claimed": {"text": f"on {weekday}"}})
        if rng.random() < 0.5:
            month = rng.choice(MONTHS)
            s2 = self.say(f"A defence pact between {self.a[0]} and {c[0]}, signed in {month}, came into force "
                          f"this month.")
            self.answer["diplomacy"].append({
                "evidence": [{"quote": s2}], "event_type": "agreement_in_force", "parties": [self.a[0], c[0]],
                "summary": f"Defence pact between {self.a[0]} and {c[0]} in force.",
                "period": {"text": f"signed in {month}"}})


def make_article(index: int, seed: int = 0) -> SynthArticle:
    """The SYNTHETIC article number ``index`` of corpus ``seed`` with its valid answer."""
    rng = random.Random(f"{seed}:{index}")
    published = date(2024, 10, 1) + timedelta(days=rng.randrange(0, 240))
    outlet = rng.choice(OUTLETS)
    b = _Builder(rng, published, outlet)
    steps = [b.casualties, b.deployments, b.arms, b.aid, b.diplomacy]
    rng.shuffle(steps)
    chosen = steps[: rng.randint(3, 5)]
    for step in chosen:
        step()
        for _ in range(rng.randint(2, 4)):
            b.filler()
    marker = f"SYN-{index:06d}"
    title = f"{b.a[1]} losses mount in {b.region} as {b.c[0]} steps up support for {b.b[0]}"
    paragraphs = [" ".join(b.sentences[i : i + 2]) for i in range(0, len(b.sentences), 2)]
    raw = "\n".join([title, *paragraphs, f"{LABEL} {marker}: generated from templates, not real news."]) + "\n"
    article = article_from_text(raw, title=title, outlet=outlet, published=published, path=f"synthetic/{marker}.txt")
    answer = {k: v for k, v in b.answer.items()}
    return SynthArticle(index=index, marker=marker, raw=raw, article=article, answer=answer)


def corpus(n: int, seed: int = 0) -> list[SynthArticle]:
    """``n`` SYNTHETIC articles (deterministic for ``seed``)."""
    return [make_article(i, seed) for i in range(n)]


def check(items: list[SynthArticle]) -> list[str]:
    """Problems with the answers: each must validate and ground completely (empty list when all are valid)."""
    problems = []
    for s in items:
        if s.marker not in s.article.text:
            problems.append(f"{s.marker}: marker dropped by cleaning")
        got = verify(Sections.model_validate(s.answer), s.article)
        total = sum(len(v) for v in s.answer.values())
        kept = len(got.items())
        if kept != total or got.rejected:
            problems.append(f"{s.marker}: {kept}/{total} grounded; " + "; ".join(r.reason for r in got.rejected))
    return problems


def write(items: list[SynthArticle], out: Path) -> None:
    """Write SYNTHETIC article files and corpus.jsonl (cleaned text, metadata, answer) under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "corpus.synthetic.jsonl").open("w", encoding="utf-8") as fh:
        for s in items:
            (out / f"{s.marker}.synthetic.txt").write_text(s.raw, encoding="utf-8")
            a = s.article
            fh.write(json.dumps({"_synthetic": True, "marker": s.marker, "id": a.id, "title": a.title,
                                 "outlet": a.outlet, "published": a.published.isoformat() if a.published else None,
                                 "text": a.text, "answer": s.answer}, ensure_ascii=False) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description="Write a SYNTHETIC benchmark corpus with valid answers.")
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--check", action="store_true", help="verify every answer with summarizer.verification.grounding")
    args = p.parse_args()
    items = corpus(args.n, args.seed)
    if args.check:
        problems = check(items)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            sys.exit(1)
    write(items, args.out)
    print(f"wrote {len(items)} SYNTHETIC articles to {args.out}")


if __name__ == "__main__":
    main()
