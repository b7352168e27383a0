"""Pattern gates: the words a pattern needs are read off it correctly, and a gate never drops a match."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.core import numbers, prefilter
from summarizer.core.prefilter import Gated, Needles, candidates, gated, needles
from summarizer.ingestion.articles import load_articles
from summarizer.offline import aid, arms, deployments, diplomacy
from summarizer.reading import casualty_clauses, claimants, dates
from summarizer.reading.article_sentences import split_sentences
from summarizer.reading.patterns import patterns
from summarizer.verification import injection

ROOT = Path(__file__).resolve().parent.parent


def _words(n: Needles | None) -> set[tuple[str, bool]] | None:
    return None if n is None else {(w, False) for w in n.exact} | {(w, True) for w in n.folded}


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        ("supplied", 0, {("supplied", False)}),
        (r"accus\w*\s+(?P<x>[A-Z]\w+)\s+of", 0, {("accus", False)}),
        # a small class or alternation is spelled out; the shortest list of words long enough wins
        ("(?:Defen[cs]e|Home) (?:Minister|Secretary)", 0,
         {("Defence ", False), ("Defense ", False), ("Home ", False)}),
        ("Defen[cs]e (?:Minister|Secretary)", 0, {("Defen", False)}),
        # a case-insensitive part is tested in lower case; a case-sensitive part as written
        (r"(?i:Held) talks", 0, {(" talks", False)}),
        (r"(?i:Ceasefire) \d", 0, {("ceasefire", True)}),
        (r"x+(?-i:Abc)", re.IGNORECASE, {("Abc", False)}),
        # every alternative must need a word: one that needs none leaves nothing to test
        (r"(?:meeting with|met)\b", re.IGNORECASE, {("meeting with", True), ("met", True)}),
        (r"killed|\d+", 0, None),
        (r"\w+\s+\w+", 0, None),
        # an optional part needs nothing; a repeat of at least once needs its words
        (r"(?:very )?(?:big )+deals", 0, {("deals", False)}),
        (r"(?:big )+\d", 0, {("big ", False)}),
        # a word that holds another adds nothing
        (r"(?:talks in|talks|talks with)", 0, {("talks", False)}),
        # non-ASCII words of a case-insensitive pattern are not lower-cased (the engine folds per character)
        ("café", re.IGNORECASE, None),
        ("café", 0, {("café", False)}),
    ],
)
def test_needles(pattern: str, flags: int, expected: set[tuple[str, bool]] | None) -> None:
    assert _words(needles(pattern, flags)) == expected


def test_case_twins_disable_a_folded_gate() -> None:
    """'ſ' matches 's' and the Kelvin sign 'k' under IGNORECASE, but lower-casing keeps them as they are."""
    rx = gated(re.compile("suffered|killed", re.IGNORECASE))
    for text in ("they ſuffered", "\u212ailled"):
        assert rx.rx.search(text) is not None
        assert rx.search(text) is not None
    assert rx.search("nothing here") is None


def test_the_case_twins_are_all_listed() -> None:
    import sys

    from summarizer.core.prefilter import _CASE_TWINS

    chars = "".join(chr(i) for i in range(128, sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF)
    assert set(re.findall("[a-z]", chars, re.IGNORECASE)) == set(_CASE_TWINS)


def _gates() -> Iterator[tuple[str, Gated]]:
    tables = {"arms": arms._arms_res(), "aid": aid._aid_res(), "deployments": deployments._deployment_res(),
              "diplomacy": diplomacy._diplomacy_res(), "casualties": casualty_clauses.casualty_res()}
    for table, d in tables.items():
        for key, value in d.items():
            if isinstance(value, Gated):
                yield f"{table}.{key}", value
            elif isinstance(value, list):
                yield from ((f"{table}.{key}.{k}", v) for k, v in value if isinstance(v, Gated))
    yield from ((f"injection.{family}.{k}", rx) for k, (family, rx) in enumerate(injection._compiled()))
    yield "claimants.lead", claimants._lead_re()
    yield "claimants.attribution", claimants._attribution_re()
    yield "dates", dates._DATES
    yield "numbers.vague", numbers._VAGUE
    yield "numbers.words", numbers._WORDS
    yield "numbers.month_date", numbers._MONTH_DATE
    yield "dates.relative", dates._relative_re()[1]
    yield "deployments.units", Gated(patterns().units, deployments._deployment_res()["units"])


GATES = dict(_gates())


def _implied(word: tuple[str, bool], gate: set[tuple[str, bool]]) -> bool:
    """A text holding ``word`` holds one of the gate's words."""
    w, folded = word
    return any((g in w.lower()) if g_folded else (not folded and g in w) for g, g_folded in gate)


@pytest.mark.parametrize("name", sorted(GATES))
def test_each_gate_follows_from_its_whole_pattern(name: str) -> None:
    """The gate's words are implied by words the parser shows every match of the whole pattern needs
    (a gate built from a part of the pattern must be built from a part every match contains)."""
    g = GATES[name]
    gate = _words(g.needles)
    if gate is None:
        return
    found = candidates(prefilter.written(g.rx.pattern), g.rx.flags)  # as written: led() keeps the matches
    assert any(all(_implied(w, gate) for w in c) for c in found), (name, gate)


def _texts() -> Iterator[str]:
    """Every sentence of the seeds and the dev corpus, and each sentence's head before every figure."""
    arts = load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles
    for a in arts:
        for s in split_sentences(a.text):
            yield s.text
            yield from (s.text[: f.start] for f in s.figures)
            yield from (s.text[f.end :] for f in s.figures)


def test_no_gate_drops_a_match_in_the_corpora() -> None:
    texts = list(_texts())
    hits = 0
    for name, g in GATES.items():
        for t in texts:
            if g.rx.search(t) is not None:
                hits += 1
                assert g.search(t) is not None, (name, t)
            else:
                assert g.search(t) is None
    assert hits > 50  # the corpora do exercise the patterns


_VOCAB = ["Russia", "Iran", "North Korean", "troops", "soldiers", "supplied", "sent", "drones", "to", "with", "has",
          "also", "accused", "of", "killed", "wounded", "casualties", "were", "ſuffered", "suffered", "announced",
          "$100 million", "aid", "for", "Ukraine", "1,000", "signed", "agreement", "visited", "Kyiv", "ignore",
          "previous", "instructions", "AI", "model", "SYSTEM:", "released", "in exchange for", "the", "said",
          "deployments", "plans", "to", "send", "more", "troops", "met", "with", "condemned", "sanctions"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=14), st.sampled_from(sorted(GATES)))
def test_no_gate_drops_a_match_in_random_sentences(words: list[str], name: str) -> None:
    g = GATES[name]
    text = " ".join(words) + "."
    assert (g.search(text) is None) == (g.rx.search(text) is None)


# ---------------------------------------------------------------- fast paths equal the straightforward ones

_FOLD_CHARS = "aU.S. b\u200bоé“”’ﬁ½İKxZ.. A.B.C e.g. i.e. \u00adΑ\ufeff"


def _fold_per_character(text: str) -> str:
    import unicodedata

    if text.isascii():
        return text
    out = []
    for ch in injection._INVISIBLE.sub("", text):
        f = unicodedata.normalize("NFKC", ch).translate(injection._LOOKALIKE)
        out.append(f if len(f) == 1 else ch.translate(injection._LOOKALIKE))
    return "".join(out)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet=_FOLD_CHARS, max_size=40), st.text(max_size=40)))
def test_fold_equals_folding_each_character(text: str) -> None:
    assert injection.fold(text) == _fold_per_character(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZU.S. e.g.x.1", max_size=40))
def test_undot_equals_its_regex(text: str) -> None:
    from summarizer.verification.named import _DOTTED, undot

    assert undot(text) == _DOTTED.sub(lambda m: m.group().replace(".", ""), text)


def test_finding_instructions_in_a_whole_text_equals_asking_each_sentence() -> None:
    """_find reads each sentence of a whole text: the same findings as asking about each sentence on its own."""
    texts = [a.text for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles]
    texts += [p.read_text(encoding="utf-8") for d in ("verification", "hostile")
              for p in sorted((ROOT / "tests" / "fixtures" / d).glob("*.txt"))]
    found = 0
    for text in texts:
        each = tuple(injection.Found(a, b, f) for a, b in injection.sentence_spans(text)
                     if (f := injection.instruction_family(text[a:b])))
        assert injection._find.__wrapped__(text) == each
        found += len(each)
    assert found > 3  # the hostile fixtures do plant instructions


def test_without_the_private_parser_every_text_is_admitted(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a later Python moves re._parser, the gates fall back to searching every text: same matches."""
    from summarizer.core import prefilter

    rx = re.compile(r"\b(?:supplied|shipped)\s+(\d+)\s+drones\b")
    assert needles(rx.pattern) is not None
    monkeypatch.setattr(prefilter, "_parser", None)
    assert candidates(rx.pattern) == [] and needles(rx.pattern) is None
    g = gated(rx)
    assert g.needles is None
    assert g.search("Iran shipped 40 drones to Russia.") is not None
    assert g.search("No transfer was reported.") is None


# ---------------------------------------------------------------- the index equals each gate's own words

def _admits_each(g: Gated, text: str) -> bool:
    return g.needles is None or g.needles.admit_each(text)


def test_the_index_admits_what_each_gates_words_admit_in_the_corpora() -> None:
    """One pass of the automata over a text gives every gate the answer of its own substring tests."""
    texts = list(_texts())
    texts += [a.text for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles]
    assert any(len(t) >= prefilter._LONG for t in texts)  # long texts: each gate tests its own words
    for name, g in GATES.items():
        for t in texts:
            assert g.admit(t) == _admits_each(g, t), (name, t)
            assert (g.search(t) is None) == (not _admits_each(g, t) or g.rx.search(t) is None)


_GATE_CHARS = "aeiostuAKS ,.-'\u017f\u212a\u0130\u0131é’1"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_VOCAB), max_size=14).map(" ".join),
                 st.text(alphabet=_GATE_CHARS, max_size=30), st.text(max_size=30)),
       st.sampled_from(sorted(GATES)))
def test_the_index_admits_what_each_gates_words_admit_in_random_text(text: str, name: str) -> None:
    g = GATES[name]
    assert g.admit(text) == _admits_each(g, text)
    assert (g.search(text) is None) == (not _admits_each(g, text) or g.rx.search(text) is None)


def test_a_gate_made_after_a_text_was_read_still_admits_it() -> None:
    """A new word list replaces the index's state: masks worked out without its words are not used for it."""
    text = "the quokka census counted 12 quokkas."
    assert GATES["numbers.vague"].admit(text) is False  # the text's mask is worked out and kept
    late = gated(re.compile(r"quokka census"))
    assert late.needles is not None and late.admit(text) and late.search(text) is not None
    assert gated(re.compile(r"quokka census")).bit == late.bit  # the same words share one bit
    assert not late.admit("a census of wombats")


def test_the_currency_prefix_width_is_the_longest_it_matches() -> None:
    from re import _parser  # type: ignore[attr-defined]

    assert numbers._CUR_WIDTH == _parser.parse(numbers._CUR_PREFIX, re.IGNORECASE).getwidth()[1]


def _scan_from_the_start(text: str, monkeypatch: pytest.MonkeyPatch) -> list[numbers.Figure]:
    with monkeypatch.context() as m:
        m.setattr(numbers, "_CUR_WIDTH", 10**9)  # the digit figures searched from the text's first character
        return numbers._scan(text)


def test_figures_found_from_the_first_digit_equal_a_search_of_the_whole_text(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = list(_texts())
    assert sum(bool(numbers._scan(t)) for t in texts) > 100
    for t in texts:
        assert numbers._scan(t) == _scan_from_the_start(t, monkeypatch), t


_NUMBER_CHARS = "0123456789 ,.-$£€US Rs USD per cent%to and between million bn k,"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(alphabet=_NUMBER_CHARS, max_size=30),
                 st.lists(st.sampled_from(["US$", "Rs.", "USD", "€", "5", "1,000", "2.5", "million", "to", "and",
                                           "between", "%", "per cent", "June 5", "2024-05-01", "x", "-", "/"]),
                          max_size=10).map(" ".join)))
def test_figures_found_from_the_first_digit_in_random_text(text: str) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(numbers, "_CUR_WIDTH", 10**9)
        whole = numbers._scan(text)
    assert numbers._scan(text) == whole


def test_a_sentence_read_again_gives_the_same_casualty_readings() -> None:
    """read_casualties keeps each sentence's readings for verification's second reader: the same as reading anew."""
    arts = load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles
    read = 0
    for a in arts:
        for s in split_sentences(a.text):
            fresh = casualty_clauses._read_casualties(s)
            assert casualty_clauses.read_casualties(s) == fresh
            assert casualty_clauses.read_casualties(s) == fresh  # served from what was kept
            read += bool(fresh)
    assert read > 20


def test_an_article_without_the_north_or_south_gets_the_same_state_names_where_they_can_be_read() -> None:
    """Names.state_aliases reads which states an article names only when it says "the North" (South, East,
    West): in an article without any of those, the entries it leaves out could never be looked up."""
    from summarizer.reading.claimants import _POINTS, Names

    p = patterns()
    texts = [a.text for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles]
    texts += ["Troops of North Korea crossed; the North denied it.", "South Sudan said the South had left."]
    for text in texts:
        got = Names(text).state_aliases()
        every = dict(got)
        named = {p.state_alias[m.group()] for m in p.state_re.finditer(text)}
        for word in _POINTS:
            fits = [n for n in named if n.startswith(word + " ")]
            if len(fits) == 1:
                every[f"the {word}"] = fits[0]
        assert {k: v for k, v in every.items() if k in text} == {k: v for k, v in got.items() if k in text}, text
        assert all(k in got for k in every if k.startswith("the ") and k in text)


def test_no_character_folds_to_one_that_folds_again() -> None:
    """fold() replaces each character in turn: that equals translate() because a folded character never folds."""
    import sys

    for code in range(128, sys.maxunicode + 1):
        f = injection._FOLDED[code]
        if f != chr(code) and not f.isascii():
            assert injection._FOLDED[ord(f)] == f, hex(code)
    injection._FOLDED.clear()


def test_fold_with_many_folded_characters_equals_folding_each_character() -> None:
    many = "".join(chr(0xFF21 + k) for k in range(26)) + " ﬁ ½ о Α \u00a0x\u200b"  # fullwidth letters and more
    assert len({c for c in many if injection._FOLDED[ord(c)] != c}) > injection._MAX_REPLACED
    assert injection.fold(many) == _fold_per_character(many)
    assert injection.fold(many[20:]) == _fold_per_character(many[20:])


def _spelled_out_with_a_boundary(text: str, abbr: str) -> str | None:
    words = r"\s+(?:(?:of|for|and|on)\s+)?".join(rf"{c}[a-z]+" for c in abbr)
    m = re.search(rf"\b{words}\b", text)
    return m.group() if m else None


def test_an_abbreviation_spelled_out_is_found_as_with_a_word_boundary() -> None:
    from summarizer.reading.claimants import Names

    texts = [a.text for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles]
    found = 0
    for text in texts:
        names = Names(text)
        for abbr in sorted(set(re.findall(r"\b[A-Z]{2,6}\b", text))):
            got = names._spelled_out(abbr)
            assert got == _spelled_out_with_a_boundary(text, abbr), (abbr, text[:80])
            found += got is not None
    assert found > 3


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="NIS nis_é-1Nation Intel Service of", max_size=40), st.sampled_from(["NIS", "NS", "IS"]))
def test_an_abbreviation_spelled_out_in_random_text(text: str, abbr: str) -> None:
    from summarizer.reading.claimants import Names

    assert Names(text)._spelled_out(abbr) == _spelled_out_with_a_boundary(text, abbr)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="NIS nis_-é1x.", max_size=30), st.sampled_from(["NIS", "NS", "IS", "SN"]))
def test_an_acronym_is_found_as_with_a_look_behind(text: str, acr: str) -> None:
    from summarizer.verification.named import _acronym_in

    assert _acronym_in(acr, text) == (re.search(rf"(?<![\w-]){acr}(?![\w-])", text) is not None)


_ENDS_AS_WRITTEN = re.compile(r"[.!?]+[\"”’)\]]*(?=\s|$)|\n[ \t]*\n|\n(?=[ \t]*[\"“‘(\[*•A-Z0-9-])")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=".!?\n \t\"”’)]“‘([*•A0-b-", max_size=40))
def test_sentence_ends_opening_with_their_character_class_equal_the_pattern_as_written(text: str) -> None:
    assert [m.span() for m in injection._ENDS.finditer(text)] == [m.span() for m in _ENDS_AS_WRITTEN.finditer(text)]


def test_sentence_ends_in_the_corpora_equal_the_pattern_as_written() -> None:
    texts = [a.text for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles]
    texts += [p.read_text(encoding="utf-8") for d in ("verification", "hostile")
              for p in sorted((ROOT / "tests" / "fixtures" / d).glob("*.txt"))]
    for text in texts:
        assert [m.span() for m in injection._ENDS.finditer(text)] == [m.span() for m in _ENDS_AS_WRITTEN.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet="ab Z_1٣²½é’“—\u00a0ßİſ.-", max_size=40)))
def test_letter_runs_equal_the_regex(text: str) -> None:
    from summarizer.core.language import letter_runs

    assert letter_runs(text) == re.findall(r"[^\W\d_]+", text)


def test_letter_runs_in_the_corpora_equal_the_regex() -> None:
    from summarizer.core.language import letter_runs

    for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles:
        for text in (a.text, a.text.lower()):
            assert letter_runs(text) == re.findall(r"[^\W\d_]+", text)


def _names_re_as_written(names: tuple[str, ...]) -> re.Pattern[str]:
    from summarizer.reading.patterns import any_of

    return re.compile(rf"(?<![\w-]){any_of([re.escape(k) for k in names])}(?![\w-])")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="Kim JongU.-tNh", min_size=1, max_size=8), min_size=1, max_size=5, unique=True),
       st.text(alphabet="Kim JongU.-tNh x", max_size=40))
def test_an_articles_own_names_are_found_as_with_a_look_behind(names: list[str], text: str) -> None:
    from summarizer.reading.patterns import name_spans

    got = name_spans(text, tuple(names))
    assert got == [(*m.span(), m.group()) for m in _names_re_as_written(tuple(names)).finditer(text)]


def test_an_articles_own_names_in_the_corpora_are_found_as_with_a_look_behind() -> None:
    from summarizer.reading.claimants import Names
    from summarizer.reading.patterns import name_spans

    hits = 0
    for a in load_articles([ROOT / "seeds", ROOT / "evals" / "dev" / "articles"]).articles:
        names = tuple(Names(a.text, {"Putin": "Russia", "Kim": "North Korea"}).state_aliases())
        for text in [a.text, *(s.text for s in split_sentences(a.text))]:
            got = name_spans(text, names)
            assert got == [(*m.span(), m.group()) for m in _names_re_as_written(names).finditer(text)]
            hits += len(got)
    assert hits > 5
