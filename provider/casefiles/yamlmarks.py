"""Safe YAML parsing that keeps the source position of every key and value and finds duplicate keys.

PyYAML keeps the last of two equal keys without a word, and its constructed objects carry no
positions; both are recovered here from the composed node tree, in the same parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import yaml

Pointer = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


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
    """The text is not well-formed YAML; ``position`` is where the parser stopped."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def parse(text: str) -> MarkedDocument | None:
    """Parse one YAML document with the safe loader; ``None`` when the text holds no document."""
    loader = yaml.CSafeLoader(text)  # libyaml: the pure-Python loader is several times slower
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        document = MarkedDocument(data=None)
        _walk(node, (), document, loader, set())  # before construction, which rewrites merge keys
        document = replace(document, data=loader.construct_document(node))
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error) from None
    except yaml.reader.ReaderError as error:
        raise YamlError(f"invalid YAML: {error.reason}", _position_of_byte(text, error.position)) from None
    finally:
        loader.dispose()
    return document


def _walk(node: yaml.Node, pointer: Pointer, document: MarkedDocument, loader: Any, active: set[int]) -> None:
    document.values[pointer] = Position.of(node.start_mark)
    if id(node) in active:  # a recursive alias: the constructor builds it, positions stop here
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            # the key as the constructor will build it: "1" stays a string, 1 becomes an int
            key = key_node.value if key_node.tag == _STR_TAG else loader.construct_object(key_node)
            here = Position.of(key_node.start_mark)
            if key in seen:
                document.duplicates.append(Duplicate((*pointer, key), here, seen[key]))
            seen[key] = here
            document.keys[(*pointer, key)] = here
            _walk(value_node, (*pointer, key), document, loader, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*pointer, index), document, loader, active)
    active.discard(id(node))


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
