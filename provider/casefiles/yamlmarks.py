"""Safe YAML parsing that keeps the source position of every key and value and finds duplicate keys.

PyYAML keeps the last of two equal keys without a word, and its constructed objects carry no
positions; both are recovered here from the composed node tree, in the same parse.

Hostile text is refused before it costs time or memory, each refusal a :class:`YamlError` with a
position: nesting deeper than :data:`MAX_DEPTH` (libyaml's composer recurses in C, and crashes the
interpreter at about 100,000 levels), and more than :data:`MAX_VALUES` values once aliases and merge
keys are expanded (a few hundred bytes of aliases otherwise expand to billions of values).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import yaml

Pointer = tuple[str | int, ...]

MAX_DEPTH = 32  # levels of nesting; a case file needs 5 (communications[0].ccEmailAddresses[0])
MAX_VALUES = 50_000  # keys and values, aliases and merge keys expanded

# Every collection (and every value) of a YAML text begins at one of these indicators, so their count
# bounds both the nesting depth and the number of values before anything is parsed.
_INDICATORS = "[{-:?,"
_COMPOSE_DIRECTLY = 1_000  # at most this many indicators: libyaml's composer is safe and fast

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_VALUE_EVENTS = (*_OPENING, yaml.ScalarEvent, yaml.AliasEvent)


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the source text."""

    line: int
    col: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> Position:
        """Convert a 0-based PyYAML mark."""
        return cls(mark.line + 1, mark.column + 1)


@dataclass(frozen=True)
class Duplicate:
    """A mapping key written twice: ``pointer`` ends with the key, ``position`` is the second one."""

    pointer: Pointer
    position: Position
    first: Position


@dataclass(frozen=True)
class MarkedDocument:
    """A parsed YAML document with the positions of its keys and values, by JSON-pointer-like path."""

    data: Any
    keys: dict[Pointer, Position] = field(default_factory=dict)
    values: dict[Pointer, Position] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)

    def position(self, pointer: Pointer, *, key: bool = False) -> Position:
        """Where ``pointer`` is written (its key when ``key``), else where its nearest written ancestor is."""
        for depth in range(len(pointer), 0, -1):
            prefix = pointer[:depth]
            found = (key and self.keys.get(prefix)) or self.values.get(prefix)
            if found:
                return found
        return self.values[()]  # the document itself always has a position


class YamlError(Exception):
    """The text is not well-formed YAML, or too costly to read; ``position`` is where it went wrong."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def parse(text: str) -> MarkedDocument | None:
    """Parse one YAML document with the safe loader; ``None`` when the text holds no document."""
    try:
        if sum(text.count(indicator) for indicator in _INDICATORS) > _COMPOSE_DIRECTLY:
            _check_events(text)
        loader = yaml.CSafeLoader(text)  # libyaml: the pure-Python loader is several times slower
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            document = MarkedDocument(data=None)
            top = Position.of(node.start_mark)
            _Walk(document, loader, aliases="*" in text).node(node, (), 1, top, None)  # before construction
            return replace(document, data=loader.construct_document(node))
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error) from None
    except yaml.reader.ReaderError as error:
        raise YamlError(f"invalid YAML: {error.reason}", _position_of_byte(text, error.position)) from None


def _check_events(text: str) -> None:
    """Refuse too deep or too many values from libyaml's event stream, which is read without recursion,
    before the composer builds anything."""
    loader = yaml.CSafeLoader(text)
    depth = values = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, _VALUE_EVENTS):
                values += 1
                if values > MAX_VALUES:
                    raise YamlError(_too_many(), Position.of(event.start_mark))
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(_too_deep(), Position.of(event.start_mark))
            elif isinstance(event, _CLOSING):
                depth -= 1
    finally:
        loader.dispose()


_FEWER = "a case file needs far fewer"


def _too_deep() -> str:
    return f"YAML nested deeper than {MAX_DEPTH} levels; a case file needs no more than 5"


def _too_many(aliases: bool = False) -> str:
    if aliases:
        return f"YAML aliases expand the document to more than {MAX_VALUES:,} values; {_FEWER}"
    return f"the document holds more than {MAX_VALUES:,} YAML values; {_FEWER}"


@dataclass
class _Walk:
    """Records the position of every key and value and the duplicate keys, and counts the values as the
    constructor will build them (aliases and merge keys expanded), refusing the hostile.

    Without aliases (no ``*`` in the text) every node is met once: the bookkeeping of nodes already met
    is skipped, which keeps ``validate`` fast on ordinary files.
    """

    document: MarkedDocument
    loader: Any
    aliases: bool  # the text may hold aliases
    values: int = 0
    seen: set[int] = field(default_factory=set)  # nodes walked once: a second walk is through an alias
    active: set[int] = field(default_factory=set)  # nodes being walked: an alias to one is a cycle

    def node(
        self, node: yaml.Node, pointer: Pointer | None, depth: int, used_at: Position, via: Position | None
    ) -> None:
        """Walk ``node``, written at ``pointer`` (``None``: merged, so only counted) at ``depth``.

        ``used_at`` is where the node is referred to, ``via`` where the outermost alias on the way to it is
        used (None: none is): an alias has no position of its own, a refusal inside one points at its use.
        """
        mark = node.start_mark
        here = Position(mark.line + 1, mark.column + 1)
        ident = id(node)
        first_time = not self.aliases or ident not in self.seen
        if via is None and not first_time:
            via = used_at
        self.values += 1
        if self.values > MAX_VALUES:
            raise YamlError(_too_many(aliases=via is not None), via or here)
        if pointer is not None:
            self.document.values[pointer] = here
        if node.__class__ is yaml.ScalarNode:
            if self.aliases:
                self.seen.add(ident)
            return
        if depth > MAX_DEPTH:
            raise YamlError(_too_deep(), via or here)
        if self.aliases:
            if ident in self.active:  # a recursive alias: the constructor builds it, positions stop here
                return
            self.seen.add(ident)
            self.active.add(ident)
        if node.__class__ is yaml.MappingNode:
            self._pairs(node, pointer, depth, via, duplicates=first_time)
        else:
            for index, item in enumerate(node.value):
                self.node(item, None if pointer is None else (*pointer, index), depth + 1, here, via)
        if self.aliases:
            self.active.discard(ident)

    def _pairs(
        self,
        node: yaml.MappingNode,
        pointer: Pointer | None,
        depth: int,
        via: Position | None,
        *,
        duplicates: bool,
    ) -> None:
        first: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            here = Position(mark.line + 1, mark.column + 1)
            self.values += 1  # the key
            tag = key_node.tag
            if pointer is None or tag == _MERGE_TAG or key_node.__class__ is not yaml.ScalarNode:
                # merged pairs are counted, not located: their positions are the mapping's
                self.node(value_node, None, depth + 1, here, via)
                continue
            # the key as the constructor will build it: "1" stays a string, 1 becomes an int
            key = key_node.value if tag == _STR_TAG else self.loader.construct_object(key_node)
            if duplicates and key in first:
                self.document.duplicates.append(Duplicate((*pointer, key), here, first[key]))
            first[key] = here
            self.document.keys[(*pointer, key)] = here
            self.node(value_node, (*pointer, key), depth + 1, here, via)


def _syntax_error(error: yaml.MarkedYAMLError) -> YamlError:
    mark = error.problem_mark or error.context_mark
    message = f"invalid YAML: {error.problem or error.context}"
    if error.context and error.problem and error.context_mark:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return YamlError(message, Position.of(mark) if mark else Position(1, 1))


def _position_of_byte(text: str, offset: int) -> Position:
    """The position of a libyaml reader error, which counts bytes of the UTF-8 text."""
    before = text.encode("utf-8")[:offset].decode("utf-8", "replace")
    return Position(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
