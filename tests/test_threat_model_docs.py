"""docs/threat-model.md is written in English and in Dutch; these tests keep the halves alike.

They compare the form of the two sections, never their numbers or wording: the same headings,
tables with the same rows, lists with the same items and paragraphs, in the same order, the
same code spans (setting names, paths, reason codes) in each row, item and paragraph, the
same links, and no English sentences left in the Dutch half. A row, bullet or paragraph
dropped from either half, or left untranslated, fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "threat-model.md"
TITLE = "# Threat model / Dreigingsmodel"
LANGUAGES = ("English", "Nederlands")

HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
LIST_ITEM = re.compile(r"^(\d+\.|[-*+])\s+")
TABLE_SEPARATOR = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")

# Frequent short English words that are not Dutch words. A Dutch text may quote one now and
# then ("HTTP-only"), but a sentence left in English brings several at once.
ENGLISH_WORDS = frozenset(
    "the and which that with from are not this when to or for by its their it be a an on at "
    "only every".split()
)
# How often each may occur in the whole Dutch half, and in one cell, bullet or paragraph.
ENGLISH_WORD_LIMIT = 3
ENGLISH_WORDS_PER_PIECE = 1


@dataclass
class Block:
    """A heading, a table, a list or a paragraph of one half, in the order they appear."""

    kind: str  # "heading", "table", "list" or "paragraph"
    level: int = 0  # headings
    ordered: bool = False  # lists
    header: list[str] = field(default_factory=list)  # tables: the header's cells
    rows: list[list[str]] = field(default_factory=list)  # tables: the body's cells
    items: list[str] = field(default_factory=list)  # lists: one text per item
    text: str = ""  # headings and paragraphs

    def shape(self) -> tuple:
        if self.kind == "heading":
            return ("heading", self.level)
        if self.kind == "table":
            return ("table", len(self.header), len(self.rows))
        if self.kind == "list":
            return ("list", self.ordered, len(self.items))
        return ("paragraph",)

    def units(self) -> list[str]:
        """The pieces that must correspond one to one between the halves."""
        if self.kind == "table":
            return [" | ".join(row) for row in [self.header, *self.rows]]
        if self.kind == "list":
            return list(self.items)
        return [self.text]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped == "---":
            current = None
            continue
        heading = HEADING.match(line)
        if heading:
            blocks.append(Block("heading", level=len(heading.group(1)), text=heading.group(2)))
            current = None
        elif stripped.startswith("|"):
            if current is None or current.kind != "table":
                current = Block("table", header=_cells(stripped))
                blocks.append(current)
            elif not TABLE_SEPARATOR.match(stripped.replace(" ", "")):
                current.rows.append(_cells(stripped))
        elif (item := LIST_ITEM.match(line)) and (current is None or current.kind != "paragraph"):
            # Only unindented items start one: an indented line continues the item above.
            if current is None or current.kind != "list":
                current = Block("list", ordered=item.group(1)[0].isdigit())
                blocks.append(current)
            current.items.append(line[item.end() :])
        elif current is not None and current.kind == "list":
            current.items[-1] += " " + stripped
        elif current is not None and current.kind == "paragraph":
            current.text += " " + stripped
        else:
            current = Block("paragraph", text=stripped)
            blocks.append(current)
    return blocks


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def halves(text) -> dict[str, list[Block]]:
    sections = _sections(text)
    assert list(sections) == list(LANGUAGES), f"{DOC.name} needs exactly these sections, in order"
    return {lang: parse_blocks(sections[lang]) for lang in LANGUAGES}


def _of_kind(blocks: list[Block], kind: str) -> list[Block]:
    return [block for block in blocks if block.kind == kind]


def _subsections(blocks: list[Block]) -> list[list[Block]]:
    """The blocks before the first heading, then those under each heading."""
    groups: list[list[Block]] = [[]]
    for block in blocks:
        if block.kind == "heading":
            groups.append([])
        else:
            groups[-1].append(block)
    return groups


def _prose(text: str) -> str:
    """The words a reader reads: no code spans, no link targets."""
    return CODE_SPAN.sub(" ", LINK_TARGET.sub("]", text))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", _prose(text).lower())


def test_title_and_sections(text, halves):
    assert text.splitlines()[0] == TITLE
    assert not re.search(r"^# ", text.split("\n", 1)[1], flags=re.MULTILINE), "one title only"
    for lang in LANGUAGES:
        assert halves[lang], f"the {lang} section is empty"


def test_same_headings_in_the_same_order(halves):
    levels = {lang: [b.level for b in _of_kind(halves[lang], "heading")] for lang in LANGUAGES}
    assert levels["English"], "the English section has no subsections"
    assert set(levels["English"]) <= {3, 4}, "inside a language section, headings are ### or ####"
    assert levels["English"] == levels["Nederlands"]
    english = [b.text for b in _of_kind(halves["English"], "heading")]
    dutch = [b.text for b in _of_kind(halves["Nederlands"], "heading")]
    untranslated = [title for title in dutch if title in english]
    assert not untranslated, f"Dutch headings still in English: {untranslated}"


def test_same_tables_with_the_same_rows(halves):
    tables = {lang: _of_kind(halves[lang], "table") for lang in LANGUAGES}
    assert tables["English"], "the English section has no tables"
    shapes = {lang: [(len(t.header), len(t.rows)) for t in tables[lang]] for lang in LANGUAGES}
    assert shapes["English"] == shapes["Nederlands"], "columns and rows per table differ"
    for lang in LANGUAGES:
        for table in tables[lang]:
            for row in table.rows:
                assert len(row) == len(table.header), f"{lang}: a row has the wrong cells: {row}"


def test_same_bullets_per_subsection(halves):
    counts = {
        lang: [
            [(b.ordered, len(b.items)) for b in group if b.kind == "list"]
            for group in _subsections(halves[lang])
        ]
        for lang in LANGUAGES
    }
    assert any(counts["English"]), "the English section has no lists"
    assert counts["English"] == counts["Nederlands"]


def test_same_blocks_in_the_same_order(halves):
    """Paragraphs too: nothing is dropped, merged or summarised."""
    shapes = {lang: [block.shape() for block in halves[lang]] for lang in LANGUAGES}
    assert shapes["English"] == shapes["Nederlands"]


def test_same_code_spans(halves):
    spans = {
        lang: Counter(
            span
            for block in halves[lang]
            for unit in block.units()
            for span in CODE_SPAN.findall(unit)
        )
        for lang in LANGUAGES
    }
    assert spans["English"], "the English section has no code spans"
    assert spans["English"] == spans["Nederlands"], (
        f"only English: {spans['English'] - spans['Nederlands']}; "
        f"only Dutch: {spans['Nederlands'] - spans['English']}"
    )
    # And in the same row, bullet or paragraph.
    for english, dutch in zip(halves["English"], halves["Nederlands"], strict=True):
        for en_unit, nl_unit in zip(english.units(), dutch.units(), strict=True):
            assert Counter(CODE_SPAN.findall(en_unit)) == Counter(CODE_SPAN.findall(nl_unit)), (
                f"code spans differ between\n  {en_unit}\nand\n  {nl_unit}"
            )


def test_same_links_and_they_resolve(halves):
    targets = {
        lang: Counter(t for b in halves[lang] for u in b.units() for t in LINK_TARGET.findall(u))
        for lang in LANGUAGES
    }
    assert targets["English"] == targets["Nederlands"]
    for target in targets["English"]:
        if "://" not in target and not target.startswith("#"):
            assert (DOC.parent / target.split("#")[0]).exists(), target


def _pieces(block: Block) -> list[str]:
    """Each table cell, list item or paragraph on its own."""
    return [cell for row in [block.header, *block.rows] for cell in row] or block.units()


def _english_words(piece: str) -> list[str]:
    return [word for word in _words(piece) if word in ENGLISH_WORDS]


def test_no_english_sentences_left_in_the_dutch_half(halves):
    dutch = Counter(w for b in halves["Nederlands"] for u in b.units() for w in _english_words(u))
    too_often = {word: n for word, n in dutch.items() if n > ENGLISH_WORD_LIMIT}
    assert not too_often, f"English words in the Dutch half: {too_often}"
    for english, dutch_block in zip(halves["English"], halves["Nederlands"], strict=True):
        for en_piece, nl_piece in zip(_pieces(english), _pieces(dutch_block), strict=True):
            assert len(_english_words(nl_piece)) <= ENGLISH_WORDS_PER_PIECE, f"English: {nl_piece}"
            if len(_words(en_piece)) >= 2:
                assert _words(nl_piece) != _words(en_piece), f"not translated: {nl_piece}"


def test_the_english_check_would_notice_english(halves):
    """Nearly every sentence of the English half trips the check the Dutch half must pass."""
    pieces = [p for b in halves["English"] for p in _pieces(b) if len(_words(p)) >= 6]
    tripped = [p for p in pieces if len(_english_words(p)) > ENGLISH_WORDS_PER_PIECE]
    assert pieces
    assert len(tripped) >= 0.8 * len(pieces)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    plain = re.sub(r"[`*_]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", plain).replace(" ", "-")


def test_links_to_the_threat_model_resolve(text):
    anchors: set[str] = set()
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            slug = _slug(heading.group(2))
            n = 0
            while (f"{slug}-{n}" if n else slug) in anchors:
                n += 1
            anchors.add(f"{slug}-{n}" if n else slug)
    this_file = Path(__file__).resolve()
    files = [ROOT / "README.md", *ROOT.glob("docs/*.md")]
    files += [p for p in ROOT.glob("src/**/*") if p.suffix in {".html", ".py", ".txt", ".md"}]
    files += [p for p in ROOT.glob("tests/**/*.py") if p.resolve() != this_file]
    references = 0
    for path in files:
        content = path.read_text(encoding="utf-8")
        for match in re.finditer(r"threat-model\.md(?:#([\w-]+))?", content):
            references += 1
            if match.group(1):
                assert match.group(1) in anchors, f"{path.relative_to(ROOT)}: #{match.group(1)}"
    assert references, "nothing links to the threat model any more"
