"""Sentence boundaries in linear time, for the offline extractor and the model chunker.

The rules follow the English rules of the Pragmatic Segmenter (as ported by pysbd): a sentence
ends at ``.``, ``!`` or ``?`` unless that mark belongs to an abbreviation, a number, an
ellipsis inside a sentence, or sits between quotes, brackets or parentheses. pysbd applies its
rules as string rewrites and then finds every sentence again in the text, which is quadratic in
the length of a paragraph (300 KB of one paragraph took 33 s) and builds new regular
expressions for every call. Here every rule only *masks* a punctuation mark by swapping it for
a private character of the same length, so offsets never move, every pattern is compiled once,
and the last step reads the sentence ends off the masked text in one pass. Paragraphs longer
than :data:`MAX_SEGMENT` characters are cut first at a likely sentence end, which bounds the
work of the few patterns that can backtrack.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

# Longest stretch handed to the rules at once; longer paragraphs are cut at a likely sentence end.
MAX_SEGMENT = 3000

# Masked marks: same length as the mark they hide, never a sentence end.
_DOT, _BANG, _QUERY, _APOS = "\x00", "\x01", "\x02", "\x03"
_PAIR = "\x04"  # the second mark of "?!", "!!", "??" or "!?": ends the sentence with the first
_PARENS = str.maketrans({"(": "\x05", ")": "\x06"})
_MASK = str.maketrans({".": _DOT, "!": _BANG, "?": _QUERY, "'": _APOS, "。": _DOT, "．": _DOT,
                       "！": _BANG, "？": _QUERY})
_MASK_KEEP_APOS = str.maketrans({".": _DOT, "!": _BANG, "?": _QUERY, "。": _DOT, "．": _DOT,
                                 "！": _BANG, "？": _QUERY})
_ENDS = ".!?。．！？"
_END_RE = re.compile(r"[.!?。．！？]")

ABBREVIATIONS = frozenset((
    "adj adm adv al ala alta apr arc ariz ark art assn asst attys aug ave bart bld bldg blvd brig bros btw "
    "cal calif capt cl cmdr co col colo comdr con conn corp cpl cres ct d.phil dak dec del dept det dist dr "
    "dr.phil dr.philos drs e.g ens esp esq etc exp expy ext feb fed fla ft fwy fy ga gen gov hon hosp hr hway "
    "hwy i.e ia id ida ill inc ind ing insp is jan jr jul jun kan kans ken ky la lt ltd maj man mar mass may "
    "md me med messrs mex mfg mich min minn miss mlle mm mme mo mont mr mrs ms msgr mssrs mt mtn neb nebr nev "
    "no nos nov nr oct ok okla ont op ord ore p pa pd pde penn penna pfc ph ph.d pl plz pp prof pvt que rd rs "
    "ref rep reps res rev rt sask sec sen sens sep sept sfc sgt sr st supt surg tce tenn tex univ usafa u.s ut "
    "va v ver viz vs vt wash wis wisc wy wyo yuk fig"
).split())
# Titles before a name ("Gen. Smith"): never the end of a sentence.
PREPOSITIVE = frozenset(
    "adm attys brig capt cmdr col cpl det dr gen gov ing lt maj mr mrs ms mt messrs mssrs prof ph rep reps rev "
    "sen sens sgt st supt v vs fig".split()
)
# Before a number ("No. 5", "pp. 10"): not the end of a sentence.
NUMBER_ABBREVIATIONS = frozenset("art ext no nos p pp".split())
# After "U.S." or "E.U." one of these words starts a new sentence.
_STARTERS = ("A Being Did For He How However I In It Millions More She That The There They We What When Where "
             "Who Why").split()

# The masking rules: the marks inside each match (or inside group 1) are hidden.
# An initial ("J. Smith", "Plan B. Then") is not an end: at the very start, or after a space.
# "^[A-Z](\.)(?=\s)|(?<=\s)[A-Z](\.)(?=,?\s)" with the capital first: the search skips to capitals
_SINGLE_LETTER = re.compile(r"[A-Z](?:(?<=^[A-Z])(\.)(?=\s)|(?<=\s[A-Z])(\.)(?=,?\s))")
_POSSESSIVE = re.compile(r"\.(?='s(?:\s|$))")
_OTHER_ABBR_NEXT = re.compile(r"[.:\-?,]|\s(?:[a-z]|I\s|I'm|I'll|\d|\()")
_MULTI_PERIOD = re.compile(r"\b[a-z](?:\.[a-z])+\.", re.IGNORECASE)
_AM_PM = re.compile(r"(?:(?<= P\x00M)|(?<=A\x00M)|(?<=p\x00m)|(?<=a\x00m))(\x00)(?=\s[A-Z])")
_ABBR_BOUNDARY = re.compile(
    r"(?:U\x00S|U\.S|U\x00K|E\x00U|E\.U|U\x00S\x00A|U\.S\.A|I|i.v|I.V)(\x00)(?=\s(?:"
    + "|".join(_STARTERS) + r")\s)"
)
# Each rule that hides a mark after a look-behind is written with the mark first and the look-behind over it
# ("(?<=\d)\." as "\.(?<=\d\.)"): the same matches, but the search skips to each mark instead of trying every
# position (tests/test_first_sight.py compares them with the rules as written).
_NUMBER_RULES = (
    re.compile(r"\.(?=\d)"),
    re.compile(r"\.(?<=\d\.)(?=\S)"),
    re.compile(r"\.(?<=^\d\.)(?=\s\S|\))"),
    re.compile(r"\.(?<=^\d\d\.)(?=\s\S|\))"),
)
_DIGIT_DOT = re.compile(r"\d\.|\.\d")
# What every match of a rule holds (its rule is skipped without): _SINGLE_LETTER, _MULTI_PERIOD (which folds
# case like it), _NUMBERED_REF (a bracket or digit after the mark), _FILE_FORMAT (extensions are lower case).
_CAPITAL_DOT = re.compile(r"[A-Z]\.")
_LETTER_DOT_LETTER = re.compile(r"[a-z]\.[a-z]", re.IGNORECASE)
_DOT_REF = re.compile(r"[.\x00][\[\d]")
_SPACE_DOT_LETTER = re.compile(r"\s\.[a-z]")
_CONTINUOUS = re.compile(r"(?<=\S)[!?]{3,}(?=\s|$)")
# A footnote number after a dot ("shelled.12 The"): the dot is not the end.
_NUMBERED_REF = re.compile(
    r"(?<=[^\d\s])[.\x00](?:(?:\[(?:\d{1,3},?\s?-?\s?)*\b\d{1,3}\])+|(?:\d{1,3}\s?)?\d{1,3})(?=\s[A-Z])"
)
_GEO = re.compile(r"(?<=[a-zA-z]°)\.(?=\s*\d+)")
_FILE_FORMAT = re.compile(r"(?<=\s)\.(?=(?:jpe?g|png|gif|tiff?|pdf|ps|docx?|xlsx?|svg|bmp|tga|exif|odt|html?|txt|rtf|"
                          r"bat|sxw|xml|zip|exe|msi|blend|wmv|mp[34]|pptx?|flac|rb|cpp|cs|js)\s)")
_INNER_DOT = re.compile(r"\.(?<=[a-zA-Z0-9_]\.)(?=[a-zA-Z0-9_])")  # "(?<=[a-zA-Z0-9_])\.(?=...)", mark first
# Ellipses: inside a sentence they are not an end; before a capital the last dot is.
_ELLIPSIS_RULES = (
    re.compile(r"(\s\.){3}\s"),
    re.compile(r"(?<=[a-z])(\.\s){3}\.(?:$|\\n)"),
    re.compile(r"(?<=\S)\.{3}(?=\.\s[A-Z])"),
    re.compile(r"\.\.(?=\.\s+[A-Z])"),
    re.compile(r"\.\.\."),
)
_EXCLAMATION_WORDS = re.compile("|".join(re.escape(w) for w in (
    "!Xũ !Kung ǃʼOǃKung !Xuun !Kung-Ekoka ǃHu ǃKhung ǃKu ǃung ǃXo ǃXû ǃXung ǃXũ !Xun Yahoo! Y!J Yum!".split())))
_BANG_RULES = (re.compile(r"!(?=['\"])"), re.compile(r"!(?=,\s[a-z])"), re.compile(r"!(?=\s[a-z])"))
_QUERY_IN_QUOTES = re.compile(r"\?(?=['\"])")
_DOUBLE_PUNCT = re.compile(r"\?!|!\?|\?\?|!!")
_ROMAN_IN_PARENS = re.compile(r"\(((?=[mdclxvi])m*(c[md]|d?c*)(x[cl]|l?x*)(i[xv]|v?i*))\)(?=\s[A-Z])")
# Quoted or bracketed stretches whose marks are not sentence ends (left-to-right pairs).
_LEADING_APOS_WORD = re.compile(r"(?<=\s)'(?:[^']|'[a-zA-Z])*'\S")
_BETWEEN_KEEP_APOS = (
    re.compile(r"(?<=\s)'(?:[^']|'[a-zA-Z])*'"),
)
_BETWEEN = (
    ("‘", re.compile(r"(?<=\s)‘(?:[^’]|’[a-zA-Z])*’")),
    ('"', re.compile(r'"[^"\\]+"')),
    ("[", re.compile(r"\[[^\]\\]+\]")),
    ("(", re.compile(r"\([^()\\]+\)")),
    ("«", re.compile(r"«[^»\\]+»")),
    ("--", re.compile(r"--[^-]*--")),
    ("“", re.compile(r"“[^”\\]+”")),
)
_QUOTE_AT_END = re.compile(r"(?<=[!?.\-][\"'“”])\s(?=[A-Z])")
_LIKELY_END = re.compile(r"[.!?][\x04\"'”’)]*\s+(?=[\"“‘(]?[A-Z])")


def _sub(pattern: re.Pattern[str], text: str, group: int = 0, table: dict[int, str] = _MASK) -> str:
    """Mask the marks inside every match (or inside one group of it) of ``pattern``."""
    return _mask_matches(text, pattern.finditer(text), group, table)


def _mask_matches(text: str, matches: Iterable[re.Match[str]], group: int = 0, table: dict[int, str] = _MASK) -> str:
    pieces: list[str] = []
    last = 0
    for m in matches:
        s, e = m.span(group)
        pieces.append(text[last:s])
        pieces.append(text[s:e].translate(table))
        last = e
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _abbreviations(text: str) -> str:
    """Hide the dot of a known abbreviation where the next characters show the sentence goes on.

    The word is everything from the last space to the dot ("Gen", "U.S", "e.g"); only words of up to
    9 characters are looked at, so a long run without spaces costs nothing.
    """
    chars: list[str] | None = None
    for m in re.finditer(r"\.", text):
        dot = m.start()
        head = text[max(0, dot - 10) : dot]
        cut = max(head.rfind(" "), head.rfind("\t"), head.rfind("\n"), head.rfind("\r"))
        if cut < 0 and dot > 9:
            continue
        word = head[cut + 1 :].lower()
        if not word or word not in ABBREVIATIONS:
            continue
        after = text[dot + 1 : dot + 64]
        if word in PREPOSITIVE:
            hide = after[:1].isspace() or re.match(r":\d", after) is not None
        elif word in NUMBER_ABBREVIATIONS:
            hide = re.match(r"\s\d|\s+\(", after) is not None
        else:
            hide = _OTHER_ABBR_NEXT.match(after) is not None
        if hide:
            if chars is None:
                chars = list(text)
            chars[dot] = _DOT
    return text if chars is None else "".join(chars)


def _unhide(pattern: re.Pattern[str], text: str) -> str:
    """Give back the dot in group 1 of each match: an abbreviation that does end its sentence."""
    pieces: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        i = m.start(1)
        pieces.append(text[last:i])
        pieces.append(".")
        last = i + 1
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _mask_words(text: str) -> tuple[str, list[int]]:
    """First pass: abbreviations, numbers, ellipses. Returns the masked text and forced breaks.

    A forced break comes after a footnote number ("shelled.12 The" ends after "12"). Rules whose
    characters are absent are skipped: most sentences need only a few of them.
    """
    # A rule is skipped where the characters every one of its matches holds are absent.
    t = _sub(_SINGLE_LETTER, text) if _CAPITAL_DOT.search(text) else text
    breaks: list[int] = []
    if "." in t:
        if ".'s" in t:
            t = _sub(_POSSESSIVE, t)
        t = _abbreviations(t)
        if _LETTER_DOT_LETTER.search(t):
            t = _sub(_MULTI_PERIOD, t)
        if _DOT in t:  # both give back a dot hidden above (their group 1 is the private character)
            t = _unhide(_AM_PM, t)
            t = _unhide(_ABBR_BOUNDARY, t)
        if _DIGIT_DOT.search(t):  # each number rule needs a dot next to a digit; rules only hide dots
            for rule in _NUMBER_RULES:
                t = _sub(rule, t)
    if "!" in t or "?" in t:
        t = _sub(_CONTINUOUS, t)
    if "." in t:
        if _DOT_REF.search(t):
            refs = list(_NUMBERED_REF.finditer(t))
            breaks = [m.end() for m in refs]
            t = _mask_matches(t, refs)
        if "°" in t:
            t = _sub(_GEO, t)
        if _SPACE_DOT_LETTER.search(t):
            t = _sub(_FILE_FORMAT, t)
        t = _sub(_INNER_DOT, t)
        if ". ." in t or ".." in t:
            for rule in _ELLIPSIS_RULES:
                t = _sub(rule, t)
    return t, breaks


def _mask_quotes(t: str) -> str:
    """Second pass: marks inside quotes, brackets and parentheses, and '!' or '?' inside a sentence."""
    bang, query = "!" in t or "ǃ" in t, "?" in t
    if bang:
        t = _sub(_EXCLAMATION_WORDS, t)
    if bang or query:
        t = _pairs(t)
    if "'" in t and not (_LEADING_APOS_WORD.search(t) and not re.search(r"'\s", t)):
        for rule in _BETWEEN_KEEP_APOS:
            t = _sub(rule, t, table=_MASK_KEEP_APOS)
    for opener, rule in _BETWEEN:
        if opener in t:
            t = _sub(rule, t)
    if bang:
        for rule in _BANG_RULES:
            t = _sub(rule, t)
    if query:
        t = _sub(_QUERY_IN_QUOTES, t)
    if "(" in t:
        # "(iv) The" is a list item, not a sentence in parentheses
        t = _sub(_ROMAN_IN_PARENS, t, table=_PARENS)
    return t


def mask(text: str) -> str:
    """``text`` with every ``.``, ``!`` and ``?`` that does not end a sentence swapped for a private character."""
    return _mask_quotes(_mask_words(text)[0])


def _pairs(text: str) -> str:
    """Tie the second mark of "?!", "!!", "??" and "!?" to the first (unless the text starts with one)."""
    if _DOUBLE_PUNCT.match(text):
        return text
    pieces: list[str] = []
    last = 0
    for m in _DOUBLE_PUNCT.finditer(text):
        pieces.append(text[last : m.start() + 1])
        pieces.append(_PAIR)
        last = m.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


class _Next:
    """Positions of one character, for 'the next one at or after i' in O(log n)."""

    def __init__(self, text: str, char: str) -> None:
        self.pos = [i for i, c in enumerate(text) if c == char] if len(text) > 200 else None
        self.text, self.char = text, char

    def after(self, i: int) -> int:
        if self.pos is None:  # short text: a plain search is cheaper than an index
            return self.text.find(self.char, i)
        k = bisect.bisect_left(self.pos, i)
        return self.pos[k] if k < len(self.pos) else -1


_OPENERS = {'"': ('"', 1), "“": ("”", 1), "'": ("'", 1), "(": (")", 2)}


def _segment_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within one line or paragraph, ends exclusive and stripped."""
    masked, breaks = _mask_words(text)
    if not _END_RE.search(masked):
        return [_strip(text, 0, len(text))]  # no mark that can end a sentence: one sentence, quotes and all
    masked = _mask_quotes(masked)
    n = len(masked)
    ends = [m.start() for m in _END_RE.finditer(masked)]
    if breaks:
        ends = sorted({*ends, *(b - 1 for b in breaks)})
    closers: dict[str, _Next] = {}
    out: list[tuple[int, int]] = []
    pos, k = 0, 0
    while pos < n:
        c = masked[pos]
        if c.isspace():
            pos += 1
            continue
        if c in _ENDS and pos + 1 < n and (masked[pos + 1] in _ENDS or masked[pos + 1] == " "):
            # a run of marks and spaces ("?. ", ".. ") stands alone
            end = pos
            while end < n and (masked[end] in _ENDS or masked[end] == " "):
                end += 1
            out.append(_strip(text, pos, end))
            pos = end
            continue
        end = -1
        if c in _OPENERS:
            close_char, least = _OPENERS[c]
            if close_char not in closers:
                closers[close_char] = _Next(masked, close_char)
            close = closers[close_char].after(pos + 1)
            if (close - pos - 1 >= least and (c == "(" or masked[close - 1] != ",")
                    and close + 2 < n and masked[close + 1].isspace() and "A" <= masked[close + 2] <= "Z"):
                end = close + 1
        if end < 0:
            while k < len(ends) and ends[k] < pos + 1:
                k += 1
            if k < len(ends):
                end = ends[k] + 1
                if end < n and masked[end] == _PAIR:
                    end += 1
            else:
                end = n
        out.extend(_after_quotes(text, pos, end))
        pos = end
    return out


def _after_quotes(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a sentence after a closing quote that ends a quoted sentence ('... won." Then ...')."""
    piece = text[start:end]
    cut = start
    for m in _QUOTE_AT_END.finditer(piece):
        yield _strip(text, cut, start + m.start())
        cut = start + m.end()
    yield _strip(text, cut, end)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _segments(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut [start, end) into stretches of at most MAX_SEGMENT characters, at a likely sentence end if any."""
    while end - start > MAX_SEGMENT:
        window = text[start : start + MAX_SEGMENT]
        cut = -1
        for m in _LIKELY_END.finditer(mask(window), MAX_SEGMENT // 2, MAX_SEGMENT - 200):
            cut = m.end()
        if cut < 0:
            space = window.rfind(" ", MAX_SEGMENT // 2)
            cut = space + 1 if space > 0 else MAX_SEGMENT
        yield start, start + cut
        start += cut
    yield start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in a paragraph or line, whitespace trimmed, in order, in linear time."""
    out: list[tuple[int, int]] = []
    for s, e in _segments(text, 0, len(text)):
        out.extend((s + a, s + b) for a, b in _segment_spans(text[s:e]) if b > a)
    return out


def line_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a whole text: every line on its own, then :func:`sentence_spans` inside it."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        out.extend((pos + a, pos + b) for a, b in sentence_spans(line))
        pos += len(line) + 1
    return out
