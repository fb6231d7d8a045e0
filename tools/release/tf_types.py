"""Terraform type constraints (`list(object({a = optional(string, "x")}))`): parsed, and compared for what they accept.

python-hcl2 hands a variable's type back as text, so it is parsed here. A change is judged by the
values a caller may pass: a type that accepts everything it accepted before (and perhaps more) is a
minor change; one that rejects or drops something a caller could pass before is a major one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from release.semver import Level

PRIMITIVES = ("string", "number", "bool", "any")
COLLECTIONS = ("list", "set", "map")
# Bare `list` and `map` are Terraform 0.11 spellings of list(any) and map(any).
_LEGACY = {"list", "map"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CLOSE = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Primitive:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Collection:
    kind: str
    element: TfType

    def __str__(self) -> str:
        return f"{self.kind}({self.element})"


@dataclass(frozen=True)
class Attribute:
    type: TfType
    optional: bool
    default: str | None  # the optional() default as written, whitespace collapsed


@dataclass(frozen=True)
class Object:
    attributes: tuple[tuple[str, Attribute], ...]

    def __str__(self) -> str:
        return "object({...})"


@dataclass(frozen=True)
class Tuple:
    elements: tuple[TfType, ...]

    def __str__(self) -> str:
        return "tuple([...])"


TfType = Primitive | Collection | Object | Tuple


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def fail(self, expected: str) -> ValueError:
        return ValueError(f"expected {expected} at character {self.i + 1}")

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def take(self, token: str) -> bool:
        self.skip_space()
        if self.text.startswith(token, self.i):
            self.i += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise self.fail(repr(token))

    def word(self) -> str:
        self.skip_space()
        match = _WORD.match(self.text, self.i)
        if not match:
            raise self.fail("a type name")
        self.i = match.end()
        return match.group()

    def type(self) -> TfType:
        name = self.word()
        if name in PRIMITIVES:
            return Primitive(name)
        if name in COLLECTIONS and self.take("("):
            element = self.type()
            self.expect(")")
            return Collection(name, element)
        if name in _LEGACY:
            return Collection(name, Primitive("any"))
        if name == "object":
            return self.object()
        if name == "tuple":
            return self.tuple()
        raise ValueError(f"unknown type {name!r}")

    def object(self) -> Object:
        self.expect("(")
        self.expect("{")
        attributes: list[tuple[str, Attribute]] = []
        while not self.take("}"):
            self.skip_space()
            if self.text.startswith('"', self.i):
                quoted = self.raw_until_close(self.i)
                self.i += len(quoted)
                name = quoted[1:-1]
            else:
                name = self.word()
            self.expect("=")
            attributes.append((name, self.attribute()))
            self.take(",")
        self.expect(")")
        return Object(tuple(sorted(attributes)))

    def attribute(self) -> Attribute:
        self.skip_space()
        start = self.i
        if self.word() != "optional" or not self.take("("):
            self.i = start
            return Attribute(self.type(), optional=False, default=None)
        inner = self.type()
        default = None
        if self.take(","):
            self.skip_space()
            start = self.i
            while not self.text.startswith(")", self.i):
                if self.i >= len(self.text):
                    raise self.fail("')' closing optional(")
                self.i = self.skip_value(self.i)
            default = " ".join(self.text[start:self.i].split())
        self.expect(")")
        return Attribute(inner, optional=True, default=default)

    def skip_value(self, i: int) -> int:
        """Index after the string, bracketed group or single character at i."""
        char = self.text[i]
        if char == '"' or char in _CLOSE:
            return i + len(self.raw_until_close(i))
        return i + 1

    def raw_until_close(self, i: int) -> str:
        """The string or bracketed group starting at i, including its delimiters."""
        closing = '"' if self.text[i] == '"' else _CLOSE[self.text[i]]
        j = i + 1
        while j < len(self.text) and self.text[j] != closing:
            if self.text[j] == "\\" and closing == '"':
                j += 2
            elif closing != '"' and (self.text[j] == '"' or self.text[j] in _CLOSE):
                j = self.skip_value(j)
            else:
                j += 1
        if j >= len(self.text):
            raise ValueError(f"unclosed {self.text[i]!r} at character {i + 1}")
        return self.text[i:j + 1]

    def tuple(self) -> Tuple:
        self.expect("(")
        self.expect("[")
        elements: list[TfType] = []
        while not self.take("]"):
            elements.append(self.type())
            self.take(",")
        self.expect(")")
        return Tuple(tuple(elements))


def parse_type(text: str) -> TfType:
    """The type `text` spells (python-hcl2's `${...}` wrapper is removed); ValueError says where it is not one."""
    body = text.strip()
    if body.startswith("${") and body.endswith("}"):
        body = body[2:-1]
    parser = _Parser(body)
    parsed = parser.type()
    parser.skip_space()
    if parser.i != len(body):
        raise parser.fail("the end of the type")
    return parsed


Finding = tuple[Level, str]


def _at(where: str, what: str) -> str:
    return f"{where}: {what}" if where else what


def _differences(old: TfType, new: TfType, where: str) -> list[Finding]:
    if old == new:
        return []
    if new == Primitive("any"):
        return [(Level.MINOR, _at(where, f"widened from {old} to any"))]
    if old == Primitive("any"):
        return [(Level.MAJOR, _at(where, f"narrowed from any to {new}"))]
    if isinstance(old, Primitive) and isinstance(new, Primitive):
        if new.name == "string":  # Terraform converts numbers and bools to strings
            return [(Level.MINOR, _at(where, f"widened from {old} to string"))]
        return [(Level.MAJOR, _at(where, f"{old} became {new}"))]
    if isinstance(old, Collection) and isinstance(new, Collection) and old.kind == new.kind:
        return _differences(old.element, new.element, _at(where, f"{old.kind} element"))
    if isinstance(old, Object) and isinstance(new, Object):
        return _object_differences(dict(old.attributes), dict(new.attributes), where)
    if isinstance(old, Tuple) and isinstance(new, Tuple) and len(old.elements) == len(new.elements):
        return [finding for n, (a, b) in enumerate(zip(old.elements, new.elements, strict=True))
                for finding in _differences(a, b, _at(where, f"tuple element {n}"))]
    return [(Level.MAJOR, _at(where, f"{old} became {new}"))]


def _object_differences(old: dict[str, Attribute], new: dict[str, Attribute], where: str) -> list[Finding]:
    found: list[Finding] = []
    for name in sorted(old.keys() - new.keys()):
        found.append((Level.MAJOR, _at(where, f"attribute {name} removed (a value for it is now dropped)")))
    for name in sorted(new.keys() - old.keys()):
        if new[name].optional:
            found.append((Level.MINOR, _at(where, f"optional attribute {name} added")))
        else:
            found.append((Level.MAJOR, _at(where, f"required attribute {name} added")))
    for name in sorted(old.keys() & new.keys()):
        before, after, here = old[name], new[name], _at(where, f"attribute {name}")
        if before.optional and not after.optional:
            found.append((Level.MAJOR, f"{here} became required"))
        elif after.optional and not before.optional:
            found.append((Level.MINOR, f"{here} became optional"))
        elif before.default != after.default:
            found.append((Level.MINOR, f"{here} default {before.default or 'null'} -> {after.default or 'null'}"))
        found += _differences(before.type, after.type, here)
    return found


def compare_types(old: TfType, new: TfType) -> Finding | None:
    """The weightiest difference between two types (and every reason of that weight); None when equal."""
    found = _differences(old, new, "")
    if not found:
        return None
    level = max(level for level, _ in found)
    return level, "; ".join(reason for lvl, reason in found if lvl == level)
