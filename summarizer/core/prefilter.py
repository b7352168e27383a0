"""Cheap tests that rule a text out before an expensive pattern is searched in it.

Most sentences match none of a section's patterns, and a pattern that starts with every state's name
(a trie of thousands) is tried at every capital letter. But each pattern also holds words no match can
do without ("supplied", one of the verbs of a transfer): when none of them is in the sentence, the
pattern cannot match there, and a substring test (``in``) says so for a fraction of the search's cost.

:func:`needles` reads those words off a pattern (or off a part that every match of a larger pattern
contains) with the standard library's own regex parser, so they always follow the pattern tables.
A gate never changes a result: a text without any of the words has no match.

A sentence is asked about by dozens of gates in turn. Instead of each gate testing its own words, one pass
of an Aho-Corasick automaton (pyahocorasick) over the text finds the words of every gate at once; the answer
for all gates is kept per text as a bit mask, and each gate tests its own bit (:class:`_Index`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

try:  # the standard parser and its node types: private modules (no public API exposes them), in 3.11-3.13
    import re._constants as _sre
    import re._parser as _parser
except ImportError:  # pragma: no cover - a later Python moved them: every text is admitted, results unchanged
    _sre = _parser = None

try:
    import ahocorasick
except ImportError:  # pragma: no cover - a dependency; without it each gate tests its own words (same answers)
    ahocorasick = None

MAX_NEEDLES = 40
"""A gate tests at most this many words: more substring tests cost about what the search saves."""
_MAX_STRINGS = 64  # a part's literal strings are spelled out while there are at most this many

# Characters outside ASCII that a case-insensitive pattern matches to an ASCII letter ("ſ" to "s", the Kelvin
# sign to "k"): lower-casing the text does not turn them into that letter, so their presence disables a gate.
_CASE_TWINS = "\u0130\u0131\u017f\u212a"


@dataclass(frozen=True)
class Needles:
    """Words one of which is in every text a pattern matches: ``exact`` as written, ``folded`` in lower case."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]
    bit: int = field(default=0, init=False, repr=False, compare=False)  # this word list's bit in the index

    def __post_init__(self) -> None:
        object.__setattr__(self, "bit", _INDEX.register(self))

    def admit(self, text: str) -> bool:
        """False only when ``text`` holds none of the words (and so no match)."""
        if len(text) >= _LONG:
            return self.admit_each(text)
        st = _INDEX.state
        m = st.masks.get(text)
        if m is None:
            m = _INDEX.mask(text, st, self)
        return bool(m & self.bit)

    def admit_each(self, text: str) -> bool:
        """:meth:`admit` by a substring test per word: the index's reference, and its stand-in without one."""
        for w in self.exact:  # a plain loop: quicker than any() for a few words
            if w in text:
                return True
        if not self.folded:
            return False
        if not text.isascii():
            for c in _CASE_TWINS:
                if c in text:
                    return True
        low = _lower(text)
        for w in self.folded:
            if w in low:
                return True
        return False


_last: tuple[str, str] = ("", "")


def _lower(text: str) -> str:
    """``text.lower()``, kept for the text asked last: the gates of one text ask in turn."""
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    low = text.lower()
    _last = (text, low)
    return low


_ALWAYS = 1  # the bit in every text's mask: a pattern without a gate searches every text
_MAX_MASKS = 512  # texts whose masks are kept (a run asks about one article's sentences at a time)
_LONG = 1000  # a text this long (a whole article) is asked about by few gates: each tests its own words, which
# stops at the first one found, instead of the automata finding every word of every list in it


@dataclass
class _State:
    """The automata of the word lists registered so far and the masks they gave. Registering a list replaces
    the whole state, so no mask worked out without that list's words is read after it."""

    exact: Any = None  # an ahocorasick.Automaton over the text as written: word -> bits of the lists holding it
    folded: Any = None  # the same over the text in lower case, for the lists' case-insensitive words
    built: bool = False
    masks: dict[str, int] = field(default_factory=dict)  # text -> the bits of the lists it holds a word of
    seen: set[str] = field(default_factory=set)  # texts asked about once, whose masks are not worked out yet


class _Index:
    """Every gate's word list, each with a bit; a text's mask has the bits of the lists it holds a word of."""

    def __init__(self) -> None:
        self.lists: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, Needles]] = {}
        self.exact: dict[str, int] = {}  # word -> bits of the lists holding it as written
        self.folded: dict[str, int] = {}  # word (lower case) -> bits of the lists holding it folded
        self.any_folded = 0  # bits of the lists with a folded word (a case twin in the text admits them all)
        self.state = _State()

    def register(self, n: Needles) -> int:
        """The bit of ``n``'s word list (the same for the same words)."""
        key = (n.exact, n.folded)
        if key in self.lists:
            return self.lists[key][0]
        bit = 1 << (len(self.lists) + 1)  # after _ALWAYS
        self.lists[key] = (bit, n)
        for w in n.exact:
            self.exact[w] = self.exact.get(w, 0) | bit
        for w in n.folded:
            self.folded[w] = self.folded.get(w, 0) | bit
        if n.folded:
            self.any_folded |= bit
        self.state = _State()
        return bit

    def _build(self, st: _State) -> None:
        if ahocorasick is not None:
            for words, attr in ((self.exact, "exact"), (self.folded, "folded")):
                if words:
                    a = ahocorasick.Automaton()
                    for w, bits in words.items():
                        a.add_word(w, bits)
                    a.make_automaton()
                    setattr(st, attr, a)
        st.built = True

    def mask(self, text: str, st: _State, asking: Needles | None) -> int:
        """``text``'s mask (kept in ``st``): one pass of each automaton over the text finds every list's words.

        The first time a text is asked about, only the ``asking`` list tests its own words (a figure's head is
        asked about by one or two patterns: a pass of the automata would cost more), and the answer is not kept.
        """
        if text not in st.seen:
            if len(st.seen) >= _MAX_MASKS:
                st.seen.clear()
            st.seen.add(text)
            return _ALWAYS | asking.bit if asking is not None and asking.admit_each(text) else _ALWAYS
        if not st.built:
            self._build(st)
        m = _ALWAYS
        if ahocorasick is None:  # pragma: no cover - each list tests its own words
            for bit, n in self.lists.values():
                if n.admit_each(text):
                    m |= bit
        else:
            if st.exact is not None:
                for _, bits in st.exact.iter(text):
                    m |= bits
            if st.folded is not None:
                if not text.isascii() and any(c in text for c in _CASE_TWINS):
                    m |= self.any_folded  # "ſ" matches "s" under IGNORECASE: every folded list admits the text
                else:
                    for _, bits in st.folded.iter(text.lower()):
                        m |= bits
        if len(st.masks) >= _MAX_MASKS:
            st.masks.clear()
        st.masks[text] = m
        return m


_INDEX = _Index()


Need = frozenset[tuple[str, bool]]  # (word, case-insensitive?): every match contains one of them


def needles(pattern: str, flags: int = 0) -> Needles | None:
    """The words every match of ``pattern`` contains one of, or None when the pattern has no short such list."""
    best = _best(candidates(pattern, flags))
    if best is None:
        return None
    return Needles(exact=_cover([w for w, i in best if not i]), folded=_cover([w for w, i in best if i]))


# Words in a good share of news sentences: a gate on one of them rules few out.
_COMMON = frozenset("""
a about after all also an and any are as at be been but by can could for from had has have he her his if in into
is it its more most new no not now of on one or other our over said says she so some than that the their them
there they this to two up was we were what when which who will with would year
""".split())


def _cover(words: list[str]) -> tuple[str, ...]:
    """Fewer words to test: a word of four letters or more that several of them share stands for them all
    ("talks" for "held talks", "talks with", "peace talks"): a text holding one of them holds it too."""
    left = set(words)
    out: list[str] = []
    while left:
        parts = {p for w in left for p in w.split() if len(p) >= 4 and p.lower() not in _COMMON}
        share = max(sorted(parts), key=lambda p: (sum(p in w for w in left), len(p)), default=None)
        if share is None or sum(share in w for w in left) < 2:
            out.extend(left)
            break
        out.append(share)
        left = {w for w in left if share not in w}
    return tuple(sorted(_shortest(out)))


def _reduce(need: Need) -> Need:
    """Without the words that hold another word of the list ("talks" makes "talks in" redundant): a text
    with the longer word has the shorter one. A folded word stands for its exact words too."""
    folded = _shortest(w for w, i in need if i)
    exact = [w for w in _shortest(w for w, i in need if not i) if not any(f in w.lower() for f in folded)]
    return frozenset([*((w, True) for w in folded), *((w, False) for w in exact)])


def _shortest(words: Any) -> list[str]:
    kept: list[str] = []
    for w in sorted(set(words), key=lambda w: (len(w), w)):
        if not any(k in w for k in kept):
            kept.append(w)
    return kept


def candidates(pattern: str, flags: int = 0) -> list[Need]:
    """Every list of words the parser shows a match of ``pattern`` must contain one of (an empty list: none)."""
    if _parser is None:
        return []
    try:
        parsed = _parser.parse(pattern, flags)
    except (re.error, AttributeError, TypeError):  # AttributeError, TypeError: a parser that changed shape
        return []
    return _sequence(list(parsed), bool(parsed.state.flags & re.IGNORECASE))


def _word(s: str, icase: bool) -> tuple[str, bool] | None:
    if not s:
        return None
    if not icase:
        return s, False
    # Lower-casing is a faithful test for ASCII only (the regex engine folds case per character).
    return (s.lower(), True) if s.isascii() else None


def _need(strings: set[str], icase: bool) -> Need | None:
    words = [_word(s, icase) for s in strings]
    if not words or any(w is None for w in words):
        return None
    return _reduce(frozenset(w for w in words if w is not None))


def _sequence(seq: list[tuple[Any, Any]], icase: bool) -> list[Need]:
    """Candidates of a sequence: the strings each run of spelled-out items can be (the run so far, at each
    item that is not a single character, is one candidate), and each required part that is not spelled out
    (a group, an alternation, a repeat of at least once) on its own."""
    out: list[Need] = []
    run: set[str] = {""}  # the strings the current run spells out

    def emit() -> None:
        if run != {""}:
            need = _need(run, icase)
            if need is not None:
                out.append(need)

    for op, av in seq:
        strings = _strings(op, av, icase)
        if strings is not None:
            if op is not _sre.LITERAL:
                emit()  # the run before this part is a candidate of its own (fewer strings)
            grown = {a + b for a in run for b in strings}
            if len(grown) <= _MAX_STRINGS:
                run = grown
                continue
            run = strings if len(strings) <= _MAX_STRINGS else {""}  # too many: a new run starts here
            continue
        emit()
        run = {""}
        out.extend(_inner(op, av, icase))
    emit()
    return out


def _flags(av: Any, icase: bool) -> bool:
    _group, add, remove, _sub = av
    return (icase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE


def _strings(op: Any, av: Any, icase: bool) -> set[str] | None:
    """The strings an item matches, when they are few and literal (case kept as written), else None."""
    if op is _sre.LITERAL:
        return {chr(av)}
    if op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):  # a class of a few letters: "[cs]"
        return {chr(c) for _, c in av}
    if op is _sre.SUBPATTERN:
        if _flags(av, icase) != icase:
            return None  # another case mode: its words are tested on their own
        return _spelled(list(av[3]), icase)
    if op is _sre.BRANCH:
        found: set[str] = set()
        for alt in av[1]:
            s = _spelled(list(alt), icase)
            if s is None:
                return None
            found |= s
        return found if len(found) <= _MAX_STRINGS else None
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
        s = _spelled(list(av[2]), icase)
        return None if s is None else s | {""}
    return None


def _spelled(seq: list[tuple[Any, Any]], icase: bool) -> set[str] | None:
    found = {""}
    for op, av in seq:
        s = _strings(op, av, icase)
        if s is None:
            return None
        found = {a + b for a in found for b in s}
        if len(found) > _MAX_STRINGS:
            return None
    return found


def _inner(op: Any, av: Any, icase: bool) -> list[Need]:
    """Candidates of one required item that is not spelled out."""
    if op is _sre.SUBPATTERN:
        best = _best(_sequence(list(av[3]), _flags(av, icase)))
        return [best] if best is not None else []
    if op is _sre.ATOMIC_GROUP:
        best = _best(_sequence(list(av), icase))
        return [best] if best is not None else []
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        best = _best(_sequence(list(av[2]), icase))
        return [best] if best is not None else []
    if op is _sre.BRANCH:  # each alternative must give a list; a match contains a word of its alternative's
        union: set[tuple[str, bool]] = set()
        for alt in av[1]:
            best = _best(_sequence(list(alt), icase))
            if best is None:
                return []
            union |= best
        reduced = _reduce(frozenset(union))
        return [reduced] if len(reduced) <= MAX_NEEDLES else []
    return []  # a class, a look-around, a boundary, an optional part: nothing required


def _best(found: list[Need]) -> Need | None:
    """The list likeliest to rule a text out among those short enough."""
    usable = [n for n in found if len(n) <= MAX_NEEDLES]
    if not usable:
        return None
    # no common word, words of four characters or more (shorter ones are in most sentences), the fewest words
    return max(usable, key=lambda n: (not any(w.lower() in _COMMON for w, _ in n), min(4, *(len(w) for w, _ in n)),
                                      -len(n), min(len(w) for w, _ in n)))


@dataclass(frozen=True)
class Gated:
    """A compiled pattern that is only searched in texts holding one of its needles.

    ``needles`` of None: no gate, every text is searched.
    """

    rx: re.Pattern[str]
    needles: Needles | None
    bit: int = field(default=_ALWAYS, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.needles is not None:
            object.__setattr__(self, "bit", self.needles.bit)

    # The index is looked up inline below: these run for every sentence and pattern.
    def admit(self, text: str) -> bool:
        """False only when the pattern cannot match in ``text``."""
        if len(text) >= _LONG:
            return self.needles is None or self.needles.admit_each(text)
        st = _INDEX.state
        m = st.masks.get(text)
        if m is None:
            m = _INDEX.mask(text, st, self.needles)
        return bool(m & self.bit)

    def search(self, text: str) -> re.Match[str] | None:
        if len(text) >= _LONG:
            return self.rx.search(text) if self.admit(text) else None
        st = _INDEX.state
        m = st.masks.get(text)
        if m is None:
            m = _INDEX.mask(text, st, self.needles)
        return self.rx.search(text) if m & self.bit else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if len(text) >= _LONG:
            return self.rx.finditer(text) if self.admit(text) else iter(())
        st = _INDEX.state
        m = st.masks.get(text)
        if m is None:
            m = _INDEX.mask(text, st, self.needles)
        return self.rx.finditer(text) if m & self.bit else iter(())

    def finditer_alone(self, text: str) -> Iterator[re.Match[str]]:
        """:meth:`finditer` for a text no other gate asks about (a copy of a sentence made for one search): the
        gate tests its own words, where the index would work out every gate's words for a mask never read."""
        if self.needles is None or self.needles.admit_each(text):
            return self.rx.finditer(text)
        return iter(())


def gated(rx: re.Pattern[str], required: str | None = None) -> Gated:
    """``rx`` behind a gate built from ``required``: a part of the pattern every match contains (the pattern
    itself when None, as written before :func:`led` rewrote it; a large pattern is cheaper to read through such
    a part)."""
    return Gated(rx, needles(written(rx.pattern) if required is None else required, rx.flags))


# ---------------------------------------------------------------- a word found without compiling a pattern for it


def _word_char(c: str) -> bool:
    r"""``c`` is what ``\w`` matches in a str pattern: a letter, digit or numeric character, or "_"."""
    return c.isalnum() or c == "_"


def word_starts(text: str, word: str, joiners: str = "") -> Iterator[int]:
    r"""Every start of ``word`` in ``text`` (overlapping ones too) with no word character and none of ``joiners``
    right before it or right after it: where ``(?<![\w{joiners}]){re.escape(word)}(?![\w{joiners}])`` matches.

    For a word that changes with each article (a name, an acronym), ``str.find`` does what that pattern does
    without compiling it (a pattern compiled per article costs more than the search).
    """
    if not word:
        raise ValueError("word_starts needs a non-empty word")
    n, size = len(word), len(text)
    at = text.find(word)
    while at >= 0:
        end = at + n
        if (at == 0 or not (_word_char(c := text[at - 1]) or c in joiners)) and (
                end == size or not (_word_char(c := text[end]) or c in joiners)):
            yield at
        at = text.find(word, at + 1)


def at_boundary(text: str, i: int) -> bool:
    r"""``\b`` at offset ``i`` of ``text``: a word character on one side of it and none on the other."""
    before = i > 0 and _word_char(text[i - 1])
    return before != (i < len(text) and _word_char(text[i]))


# ---------------------------------------------------------------- an alternation a search can skip through


def led(alternatives: list[str], behind: str | None = None, icase: bool = False) -> str:
    r"""``(?<!{behind})(?:{'|'.join(alternatives)})`` written to open with one character class.

    A pattern that opens with a look-behind (or ``\b``) is tried at every position of the text; one that opens
    with a character, or an alternation of characters, is searched by skipping to those characters. Each
    alternative (a regex opening with a plain letter or digit, no ``|`` outside brackets) is written as its first
    character, the look-behind on the character before it, and the rest; alternatives with the same first
    character stay together in their order (two with different first characters never match at one place), so
    the matches, the groups and the order in which a failing match tries the alternatives are unchanged.

    ``behind``: a class of one character ("[\w-]") that must not come before the match (None: no look-behind).
    ``icase``: for a pattern compiled with IGNORECASE; the opening class then holds every character that matches
    a first character regardless of case ("ſ" matches "s"), and each group checks its character by a
    look-behind.
    """
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        first = alt[:1]
        if not (first.isascii() and first.isalnum()) or alt[1:2] in ("?", "*", "+", "{") or _top_level_bar(alt):
            raise ValueError(f"led() needs alternatives opening with a letter or digit: {alt!r}")
        key = first.lower() if icase else first
        groups.setdefault(key, []).append(alt[1:])
    rests = {c: "(?:" + "|".join(r) + ")" for c, r in groups.items()}
    if not icase:
        no = (lambda c: f"(?<!{behind}{c})") if behind else (lambda c: "")
        return "(?:" + "|".join(f"{c}{no(c)}{rest}" for c, rest in rests.items()) + ")"
    chars = sorted({x for c in groups for x in (c, c.upper(), *_CASE_TWINS) if re.fullmatch(c, x, re.IGNORECASE)})
    no_before = f"(?<!{behind}.)" if behind else ""
    return (f"(?-i:[{''.join(chars)}]){no_before}(?:"
            + "|".join(f"(?<={c}){rest}" for c, rest in rests.items()) + ")")


def _top_level_bar(alt: str) -> bool:
    """``alt`` has a "|" outside brackets and character classes (it would be two alternatives)."""
    depth, k, in_class = 0, 0, False
    while k < len(alt):
        c = alt[k]
        if c == "\\":
            k += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            k += alt[k + 1 : k + 2] == "^"
            k += alt[k + 1 : k + 2] == "]"  # "[]...]", "[^]...]": a "]" first in a class is a character of it
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        k += 1
    return False


_WRITTEN: dict[str, str] = {}  # a pattern rewritten to open with a character class -> the pattern as written


def as_written(fast: str, written: str) -> str:
    """``fast``, noted as ``written`` rewritten with :func:`led` (the same matches): a gate reads its words off
    the pattern as written, whose parts the parser can spell out (:func:`gated`)."""
    _WRITTEN[fast] = written
    return fast


def written(pattern: str) -> str:
    """The pattern as written that ``pattern`` was rewritten from (:func:`as_written`), else ``pattern``."""
    return _WRITTEN.get(pattern, pattern)


_OPENS_WITH_WORDS = re.compile(r"\\b(?:\(\?:([a-z|]+)\)|([a-z]+))(?![?*+{])")


def skipping(pattern: str, flags: int = 0) -> str:
    r"""``pattern`` written to open with a character class when it opens with ``\b`` and a word or an alternation
    of words ("\b(?:any|all|every)\s+..."): the same matches (:func:`led`), searched by skipping to the words'
    first letters instead of trying every position. Any other pattern is returned as it is."""
    m = _OPENS_WITH_WORDS.match(pattern)
    if m is None or _top_level_bar(pattern):
        return pattern
    words = (m.group(1) or m.group(2)).split("|")
    if not all(words):
        return pattern
    return as_written(led(words, r"\w", icase=bool(flags & re.IGNORECASE)) + pattern[m.end() :], pattern)
