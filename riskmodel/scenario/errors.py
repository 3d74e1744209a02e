"""Problems in scenario and portfolio files, in words an underwriter can act on.

In: pydantic `ValidationError`s (and the problems the loader and `checks.py` find themselves). Out:
`Problem`s, one per mistake, each naming the file, the line where the YAML parser knows it, the key path,
the offending value and what is allowed, e.g.

    scenarios/x.yaml:14: schemes.rv_pool.candidates.IRN.p_join: 1.5 is not allowed: must be between 0 and 1

and `ScenarioError`, which carries every problem of a file (not only the first).
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import math
import re
import sys
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

KeyPath = tuple[str | int, ...]

STATE_CODE_PATTERN = "^[A-Z]{3}$"
#: Text with at least one character that is not a space (a name).
NOT_BLANK_PATTERN = r"\S"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$"


class _NoValue:
    """Marks a problem that has no offending value (a missing key, a cycle of files)."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


@dataclass(frozen=True)
class Problem:
    """One mistake in a file.

    `path` is the key path in the resolved document (`("schemes", "rv_pool", "capital_usd_m")`), `message`
    the sentence printed after it, `value` the offending value (or `NO_VALUE`), `allowed` what is allowed
    in plain words, `line` the 1-based line of the key in `file` when known. A problem with a mapping key
    of `path` (a key that is not text, say) names the key in `key`: the loader finds its line from it.

    >>> str(Problem("x.yaml", ("schemes", "rv_pool", "capital_usd_m"), "-5 is not allowed: must be "
    ...     "greater than 0", value=-5, allowed="must be greater than 0", line=14))
    'x.yaml:14: schemes.rv_pool.capital_usd_m: -5 is not allowed: must be greater than 0'
    """

    file: str | None
    path: KeyPath
    message: str
    value: Any = NO_VALUE
    allowed: str | None = None
    line: int | None = None
    key: Any = NO_VALUE

    @property
    def where(self) -> str:
        """`file:line`, `file`, or empty when neither is known."""
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    @property
    def dotted_path(self) -> str:
        return format_path(self.path)

    def located(self, file: str | None, line: int | None) -> Problem:
        return dataclasses.replace(self, file=file, line=line)

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.dotted_path) if p]
        return ": ".join([*parts, self.message])


class ScenarioError(ValueError):
    """A scenario or portfolio is invalid; `problems` lists every problem found, one per line in `str()`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


# --------------------------------------------------------------------------------------------- wording
def format_path(path: Iterable[Any]) -> str:
    """`("schemes", "rv_pool", "founders", 1)` -> `"schemes.rv_pool.founders[1]"`; a key that is not text
    is written as in YAML (`true`, `null`, `2027-01-01`), not as Python writes it."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{_yamlish(part)}]"
        else:
            out += ("." if out else "") + _key(part)
    return out


#: What a number read where no field is known yet (the loader's) may be: within every float's range.
WITHIN_EVERY_NUMBER = f"must be between about -{sys.float_info.max:.1e} and {sys.float_info.max:.1e}"


@dataclass(frozen=True)
class AtMost:
    """A number field's ceiling with its words (its unit, why it is there): the check pydantic runs after
    the field's type and bounds (`schema._at_most` wraps it in an `AfterValidator`), and what a number too
    large for any float is told at that field (`_translate`), as 10^300 is told by the check itself.

    >>> AtMost(100.0, "100 (10,000%)")(5.0), AtMost(100.0, "100 (10,000%)").message
    (5.0, 'must be at most 100 (10,000%)')
    """

    ceiling: float
    words: str

    @property
    def message(self) -> str:
        return f"must be at most {self.words}"

    def __call__(self, value: float) -> float:
        if value > self.ceiling:
            raise ValueError(self.message)
        return value


def _ceiling(metadata: Iterable[Any]) -> AtMost | None:
    """The `AtMost` among a field's metadata (inside its `AfterValidator`), if any."""
    for item in metadata:
        found = _ceiling(item.metadata) if isinstance(item, FieldInfo) else getattr(item, "func", None)
        if isinstance(found, AtMost):
            return found
    return None


class BeyondEveryFloat(int):
    """A number written beyond every float (`1.0e+400`, which YAML reads as infinity, or a whole number of
    more than the 4,300 digits Python reads), as the loader keeps it: a whole number of its sign beyond
    every float (±10^309), so that the schema judges it against the field's own bounds as it judges 10^400,
    with the text as written (`shown`, shortened) for the message.

    Two are equal when written alike (as keys of one mapping, `1.0e+400:` and `3.0e+400:` are two keys,
    not one given twice), and never equal to a plain whole number.

    >>> big = BeyondEveryFloat("-1.0e+400")
    >>> big < -sys.float_info.max, show_value(big)
    (True, '-1.0e+400')
    >>> BeyondEveryFloat("1.0e+400") == BeyondEveryFloat("3.0e+400"), big == BeyondEveryFloat("-1.0e+400")
    (False, True)
    """

    shown: str

    def __new__(cls, shown: str) -> BeyondEveryFloat:
        number = super().__new__(cls, -(10**309) if shown.startswith("-") else 10**309)
        number.shown = shown
        return number

    def __getnewargs__(self) -> tuple[str]:  # (a copy keeps the text)
        return (self.shown,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BeyondEveryFloat) and other.shown == self.shown

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((BeyondEveryFloat, self.shown))

    def __str__(self) -> str:  # (as written, where a message quotes a value given: `--set trials=1.0e+400`)
        return self.shown

    def __repr__(self) -> str:
        return f"BeyondEveryFloat({self.shown!r})"


def too_large(shown: str, allowed: str, *, negative: bool = False) -> str:
    """The message for a number beyond every float (no number field holds it), `shown` as written, with
    what is `allowed`: the field's, or `WITHIN_EVERY_NUMBER` where the field is not known. A `negative`
    one is too small (it is below every bound a field has).

    >>> too_large("1.0e+400", WITHIN_EVERY_NUMBER)
    '1.0e+400 is too large for a number: must be between about -1.8e+308 and 1.8e+308'
    >>> too_large("-1.0e+400", "must be a number greater than 0", negative=True)
    '-1.0e+400 is too small for a number: must be a number greater than 0'
    """
    return f"{shown} is too {'small' if negative else 'large'} for a number: {allowed}"


def too_long_number(digits: str) -> str:
    """A whole number's digits shortened to its first ten and last four, with the count of its digits.

    >>> too_long_number("1" + "0" * 400)
    '1000000000…0000 (401 digits)'
    """
    sign = digits[0] if digits[:1] in ("-", "+") else ""
    body = digits[len(sign) :]
    return digits if len(body) <= 24 else f"{sign}{body[:10]}…{body[-4:]} ({len(body)} digits)"


def show_value(value: Any, limit: int = 80) -> str:
    """A value as the user would write it in YAML, shortened to `limit` characters."""
    text = _yamlish(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _yamlish(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return format_number(value)
    if isinstance(value, BeyondEveryFloat):
        return value.shown
    if isinstance(value, int):
        try:
            return too_long_number(str(value))
        except ValueError:  # beyond the digits Python prints (sys.get_int_max_str_digits)
            return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {_yamlish(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yamlish(v) for v in value) + "]"
    return repr(value)


def _key(key: Any) -> str:
    return key if isinstance(key, str) else _yamlish(key)


def format_number(x: float | int) -> str:
    """`1.0` -> `"1"`, `0.25` -> `"0.25"`, `1e12` -> `"1e+12"`."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def did_you_mean(word: Any, candidates: Iterable[Any]) -> str | None:
    """The closest candidate to a misspelt `word` (case differences first), or None; never `word` itself,
    which was not allowed (a candidate that reads the same is no suggestion).

    >>> did_you_mean("p_jion", ["p_join", "by_year"]), did_you_mean("irn", ["IRN", "IRQ"])
    ('p_join', 'IRN')
    >>> did_you_mean("peril:", ["peril:"]) is None
    True
    """
    if not isinstance(word, str) or not word:
        return None
    names = [str(c) for c in candidates if str(c) != word]
    for name in names:
        if name.lower() == word.lower() and name != word:
            return name
    close = difflib.get_close_matches(word, names, n=5, cutoff=0.6)
    if not close:
        return None

    def score(name: str) -> tuple[float, int]:
        return (difflib.SequenceMatcher(None, word, name).ratio(), _common_prefix(word, name))

    return max(sorted(close), key=score)  # ties: the first in alphabetical order


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.lower(), b.lower(), strict=False):
        if x != y:
            break
        n += 1
    return n


def near_miss(word: str, names: Iterable[str]) -> str | None:
    """The name of `names` that `word` is most likely a misspelling of, for file columns, where a column of
    the user's own must not be mistaken for one: equal but for case, spaces, hyphens and underscores; or,
    for names of 5 characters or more with the same first letter, within 2 edits (insertions, deletions,
    substitutions), unless the closest is the word's own beginning (``trader`` and ``sanctioned_EUR`` are
    words of their own, not ``trade`` or another bloc misspelt); else None.

    >>> near_miss("Sanctioned EU", ["sanctioned_EU"]), near_miss("licenced", ["licensed"])
    ('sanctioned_EU', 'licensed')
    >>> near_miss("pi_clas", ["pi_class"]), near_miss("trader", ["trade"]), near_miss("grade", ["trade"])
    ('pi_class', None, None)
    >>> near_miss("flag_change", ["flag", "flag_changed"])
    'flag_changed'
    >>> near_miss("sanctioned_EUR", ["sanctioned_EU", "sanctioned_UK"]) is None
    True
    """

    def norm(text: str) -> str:
        return re.sub(r"[\s_-]+", "_", text.strip().lower())

    w = norm(word)
    best: tuple[int, str] | None = None
    for name in names:
        n = norm(name)
        if n == w:
            d = 0
        elif min(len(w), len(n)) >= 5 and w[0] == n[0]:
            d = _edits(w, n, 2)
        else:
            continue
        if d <= 2 and (best is None or d < best[0]):
            best = (d, name)
    if best is None or (best[0] > 0 and w.startswith(norm(best[1]))):
        return None  # (the closest name with more after it: a word of its own)
    return best[1]


def misspelt_columns(
    columns: Iterable[str], known: Sequence[str], present: Collection[str]
) -> list[tuple[str, str]]:
    """(column, the known name it misspells) for each of a file's `columns` that is not a known name but
    is a `near_miss` of one the file lacks (`present`: the known names it has): read as the user's own
    column, its values would be silently left out. Each file type words its own error.

    >>> misspelt_columns(["trial", "sanctioned_eu", "peril"], ["trial", "sanctioned_EU"], {"trial"})
    [('sanctioned_eu', 'sanctioned_EU')]
    """
    out = []
    for column in columns:
        meant = None if column in known else near_miss(column, known)
        if meant is not None and meant not in present:
            out.append((column, meant))
    return out


def _edits(a: str, b: str, most: int) -> int:
    """Levenshtein distance of `a` and `b`, or `most` + 1 once it exceeds `most`."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > most:
            return most + 1
    return row[-1]


def suggestion(word: Any, candidates: Iterable[Any]) -> str:
    """`" (did you mean 'p_join'?)"` or `""`."""
    best = did_you_mean(word, candidates)
    return f" (did you mean {best!r}?)" if best else ""


def not_allowed(value: Any, allowed: str) -> str:
    return f"{show_value(value)} is not allowed: {allowed}"


def invalid(path: KeyPath, value: Any, allowed: str, hint: str = "") -> Problem:
    """The common problem: `value` at `path` is not allowed; `allowed` says what is."""
    return Problem(None, tuple(path), not_allowed(value, allowed) + hint, value=value, allowed=allowed)


def range_text(bounds: Mapping[str, float], *, kind: str = "") -> str:
    """Plain words for numeric bounds; `kind` ("a number", "a whole number") is named when given.

    >>> range_text({"ge": 0, "le": 1}), range_text({"gt": 0}, kind="a number"), range_text({"ge": 0, "lt": 1})
    ('must be between 0 and 1', 'must be a number greater than 0', 'must be at least 0 and less than 1')
    """
    n = {k: format_number(v) for k, v in bounds.items()}
    lead = f"must be {kind}" if kind else "must be"
    if "ge" in n and "le" in n:
        return f"{lead} between {n['ge']} and {n['le']}"
    low = f"at least {n['ge']}" if "ge" in n else f"greater than {n['gt']}" if "gt" in n else ""
    high = f"at most {n['le']}" if "le" in n else f"less than {n['lt']}" if "lt" in n else ""
    if low and high:
        return f"{lead}{',' if kind else ''} {low} and {high}"
    if low or high:
        word = low or high
        return f"{lead}{',' if kind and word.startswith('at ') else ''} {word}"
    return lead if kind else "must be a number"


# ------------------------------------------------------------------------------- the schema at a path
@dataclass
class _Target:
    """What the schema expects at the end of a pydantic error location."""

    doc_path: list[str | int] = field(default_factory=list)
    node: Any = None
    bounds: dict[str, float] = field(default_factory=dict)
    pattern: str | None = None
    parent_model: type[BaseModel] | None = None
    field_info: FieldInfo | None = None
    is_key: bool = False
    tags: list[tuple[int, str]] = field(default_factory=list)
    #: the field's ceiling with its words, when it has one (`AtMost`)
    ceiling: AtMost | None = None


def _is_union(node: Any) -> bool:
    return get_origin(node) in (Union, types.UnionType)


def _strip(node: Any, metadata: list[Any]) -> Any:
    """Unwrap `Annotated` (collecting its metadata) and `Optional`."""
    while True:
        if get_origin(node) is typing.Annotated:
            args = get_args(node)
            node = args[0]
            metadata.extend(args[1:])
        elif _is_union(node) and type(None) in get_args(node):
            rest = [a for a in get_args(node) if a is not type(None)]
            if len(rest) != 1:
                return Union[tuple(rest)]  # noqa: UP007 - built from a runtime tuple
            node = rest[0]
        else:
            return node


def _constraints(metadata: Iterable[Any]) -> tuple[dict[str, float], str | None]:
    bounds: dict[str, float] = {}
    pattern = None
    for item in metadata:
        if isinstance(item, FieldInfo):
            sub_bounds, sub_pattern = _constraints(item.metadata)
            bounds.update(sub_bounds)
            pattern = sub_pattern or pattern
            continue
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(item, name, None)
            if isinstance(item, annotated_types.BaseMetadata) and isinstance(value, int | float):
                bounds[name] = value
        pattern = getattr(item, "pattern", None) or pattern
    return bounds, pattern


def _is_model(node: Any) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)


def _literal_values(node: Any) -> tuple[Any, ...]:
    return get_args(node) if get_origin(node) is Literal else ()


def _union_member(node: Any, tag: str) -> Any:
    members = get_args(node)
    for m in members:
        if _is_model(m) and m.__name__ == tag:
            return m
    for m in members:
        if _is_model(m) and any(tag in _literal_values(f.annotation) for f in m.model_fields.values()):
            return m
    for m in members:
        bare = _strip(m, [])
        if tag in ("float", "constrained-float") and bare is float:
            return m
        if tag in ("int", "constrained-int") and bare is int:
            return m
        if tag in ("str", "constrained-str") and bare is str:
            return m
        if tag.startswith("list[") and get_origin(bare) is list:
            return m
        if tag.startswith("dict[") and get_origin(bare) is dict:
            return m
        if tag.startswith("literal[") and get_origin(bare) is Literal:
            values = "[" + ",".join(repr(v) for v in get_args(bare)) + "]"
            if tag == f"literal{values}":
                return m
    return members[0]


def resolve(root: type[BaseModel], loc: Sequence[str | int]) -> _Target:
    """Walk the schema along a pydantic error location: the document path and what is expected there.

    Union branch tags in `loc` (`'ShareBy'`, `'constrained-float'`, `'poisson'`) are not keys of the
    document: they are recorded in `tags` and left out of `doc_path`.
    """
    t = _Target()
    node: Any = root
    pending: list[Any] = []
    key_type: Any = None
    for i, item in enumerate(loc):
        node = _strip(node, pending)
        if item == "[key]":
            t.is_key = True
            node, pending = key_type, []
            continue
        if _is_union(node):
            t.tags.append((i, str(item)))
            node = _union_member(node, str(item))
            pending = []
            continue
        pending = []
        if _is_model(node):
            t.parent_model = node
            t.doc_path.append(item)
            if item in node.model_fields:
                t.field_info = node.model_fields[str(item)]
                node = t.field_info.annotation
                pending = list(t.field_info.metadata)
            else:
                t.field_info, node = None, None
        elif get_origin(node) is dict:
            key_type, node = get_args(node)
            t.doc_path.append(item)
        elif get_origin(node) in (list, tuple):
            node = get_args(node)[0]
            t.doc_path.append(item)
        else:
            t.doc_path.append(item)
            node = None
    metadata = list(pending)
    t.node = _strip(node, metadata)
    t.bounds, t.pattern = _constraints(metadata)
    t.ceiling = _ceiling(metadata)
    return t


def describe(node: Any, bounds: Mapping[str, float] | None = None) -> str:
    """What a schema node accepts, in plain words (without "must be")."""
    node = _strip(node, [])
    if node is bool:
        return "true or false"
    if node in (int, float):
        kind = "a whole number" if node is int else "a number"
        return range_text(bounds or {}, kind=kind).removeprefix("must be ")
    if node is str:
        return "text"
    if get_origin(node) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(node))
    if get_origin(node) in (list, tuple):
        item = _strip(get_args(node)[0], [])
        return "a list" + (f" of {describe(item)}" if item in (str, int, float, bool) else "")
    if get_origin(node) is dict:
        return "a mapping (key: value lines)"
    if _is_model(node):
        return "a mapping with keys " + ", ".join(node.model_fields)
    if _is_union(node):
        return " or ".join(describe(m) for m in get_args(node))
    return "a valid value"


# ------------------------------------------------------------------------------------ pydantic errors
_TYPE_ERRORS = {
    "model_type",
    "model_attributes_type",
    "dict_type",
    "list_type",
    "tuple_type",
    "int_type",
    "int_parsing",
    "int_from_float",
    "float_type",
    "float_parsing",
    "string_type",
    "bool_type",
    "bool_parsing",
    "literal_error",
    "none_required",
}

StateSuggester = Callable[[str], str | None]


@dataclass
class _Entry:
    err: dict[str, Any]
    target: _Target

    @property
    def loc(self) -> tuple[Any, ...]:
        return tuple(self.err["loc"])


def problems_from_validation_error(
    exc: ValidationError,
    root: type[BaseModel],
    *,
    prefix: KeyPath = (),
    suggest_state: StateSuggester | None = None,
) -> list[Problem]:
    """Translate every error of `exc` (raised validating `root`) into a `Problem` at `prefix + path`.

    Of the branches of a union that all failed, only the most helpful is reported: the branch the input
    got furthest into (a mapping given for `cedant_share` is judged as a `ShareBy`, a number as a share);
    when the input matches no branch's type at all, one problem lists every accepted form.
    """
    entries = [_Entry(err, resolve(root, err["loc"])) for err in exc.errors(include_url=False)]
    entries = _prune_unions(root, entries)
    out: list[Problem] = []
    for e in entries:
        problem = _translate(e, suggest_state)
        out.append(dataclasses.replace(problem, path=tuple(prefix) + problem.path))
    return out


def _branch_score(entries: list[_Entry], site: int) -> tuple[int, int, int]:
    at_node_type = all(len(e.loc) == site + 1 and e.err["type"] in _TYPE_ERRORS for e in entries)
    shape = sum(e.err["type"] in ("missing", "extra_forbidden") for e in entries)
    return (int(at_node_type), shape, len(entries))


def _prune_unions(root: type[BaseModel], entries: list[_Entry]) -> list[_Entry]:
    while True:
        sites: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        for e in entries:
            for i, tag in e.target.tags:
                sites[e.loc[:i]].add(tag)
        contested = sorted((s for s, tags in sites.items() if len(tags) > 1), key=len)
        if not contested:
            return entries
        site = contested[0]
        i = len(site)
        group = [
            e for e in entries if e.loc[:i] == site and len(e.loc) > i and (i, str(e.loc[i])) in e.target.tags
        ]
        rest = [e for e in entries if e not in group]
        branches: dict[str, list[_Entry]] = defaultdict(list)
        for e in group:
            branches[str(e.loc[i])].append(e)
        scores = {tag: _branch_score(es, i) for tag, es in branches.items()}
        if all(score[0] for score in scores.values()):
            rest.append(_combined(root, site, branches))
        else:
            best = min(branches, key=lambda tag: scores[tag])
            rest.extend(branches[best])
        entries = rest


def _combined(root: type[BaseModel], site: tuple[Any, ...], branches: dict[str, list[_Entry]]) -> _Entry:
    """One error for an input that matches the type of no branch of a union."""
    first = next(iter(branches.values()))[0]
    target = resolve(root, site)
    forms = []
    literals: list[Any] = []
    for tag in branches:
        member = resolve(root, (*site, tag))
        if get_origin(member.node) is Literal:
            literals.extend(get_args(member.node))
        else:
            forms.append(describe(member.node, member.bounds))
    if literals:
        forms.insert(0, "one of " + ", ".join(repr(v) for v in literals))
    err = {
        "type": "union_mismatch",
        "loc": site,
        "input": first.err["input"],
        "msg": "",
        "ctx": {"forms": forms, "literals": literals},
    }
    return _Entry(err, target)


def _beyond_float(value: Any) -> bool:
    """A whole number too large for a float (above about 1.8e+308): no number field can hold it."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max


def _takes_number(t: _Target) -> bool:
    """Whether the field at `t` takes a number (or has numeric bounds): a number beyond every float is then
    too large (or small) for it; elsewhere (text, true or false) it is just not allowed."""
    members = get_args(t.node) if _is_union(t.node) else (t.node,)
    return any(_strip(m, []) in (int, float) for m in members) or bool(t.bounds) or t.ceiling is not None


def _ceiling_words(t: _Target, allowed: str) -> str:
    """What is allowed at `t` for a number above every float: the field's ceiling (`AtMost`, as 10^300 is
    told), or `allowed` with the floats' bound where the field has no upper bound of its own (it said
    "must be a number, at least 0.1", which 1.0e+400 is).

    >>> _ceiling_words(_Target(node=float, bounds={"ge": 0.1}), "must be a number, at least 0.1")
    'must be a number, at least 0.1 and at most about 1.8e+308'
    """
    if t.ceiling is not None:
        return t.ceiling.message
    if "le" in t.bounds or "lt" in t.bounds or t.node not in (int, float):
        return allowed
    return f"{allowed} and at most about {sys.float_info.max:.1e}"


def _date_hint(value: Any, *, whole: bool) -> str:
    """For a value YAML read as a date (`2026-02-20`): that it did, and how to write what was meant.

    >>> _date_hint(datetime.date(2026, 2, 20), whole=True)
    ' (YAML reads 2026-02-20 as a date: a year is a whole number, e.g. 2026)'
    """
    if not isinstance(value, datetime.date):
        return ""
    if whole:
        return f" (YAML reads {show_value(value)} as a date: a year is a whole number, e.g. {value.year})"
    return f" (YAML reads {show_value(value)} as a date: quote it for text, e.g. '{show_value(value)}')"


def _number_as_text_hint(
    value: Any,
    *,
    whole: bool = False,
    ceiling: AtMost | None = None,
    bounds: Mapping[str, float] | None = None,
) -> str:
    """For text that reads as a number in exponent form (YAML 1.1 reads `1e9` as text), or a whole number
    with a leading zero (`010`, octal to YAML 1.1, decimal to 1.2): how to write it (for a whole-number
    field, only as a whole number).

    >>> _number_as_text_hint("1e9"), _number_as_text_hint("1e5", whole=True), _number_as_text_hint("1000")
    (' (YAML reads 1e9 as text: write 1.0e+9 or 1000000000)', ' (YAML reads 1e5 as text: write 100000)', '')

    Beyond every float, or outside the field's `bounds` (`ge`, `gt`, `le`, `lt`) or `ceiling`, no form is
    offered (the field would refuse it): it would be too large, or too small, for what the field allows:

    >>> _number_as_text_hint("1e400")
    ' (YAML reads 1e400 as text; as a number, it would be too large: must be between about -1.8e+308 ...)'
    >>> _number_as_text_hint("1e400", ceiling=AtMost(1e9, "1e9 (USD m)"), bounds={"ge": 0})
    ' (YAML reads 1e400 as text; as a number, it would be too large: must be at most 1e9 (USD m))'
    >>> _number_as_text_hint("1e5", bounds={"ge": 0, "le": 1})
    ' (YAML reads 1e5 as text; as a number, it would be too large: must be between 0 and 1)'
    >>> _number_as_text_hint("-1e3", bounds={"gt": 0}, ceiling=AtMost(1e9, "1e9 (USD m)"))
    ' (YAML reads -1e3 as text; as a number, it would be too small: must be greater than 0)'
    """
    if isinstance(value, str) and re.fullmatch(r"[-+]?0[0-9_]+", value):
        number = int(value.replace("_", ""))
        octal = ("-" if value.startswith("-") else "") + "0o" + (value.lstrip("+-0").replace("_", "") or "0")
        return (
            f" (a whole number with a leading zero is ambiguous: YAML 1.1 reads {value} as octal, YAML 1.2 "
            f"as decimal: write {number}, or {octal} for octal)"
        )
    if not isinstance(value, str) or "e" not in value.lower():
        return ""
    try:
        number = float(value)
    except ValueError:
        return ""
    bounds = bounds or {}
    below = ("ge" in bounds and number < bounds["ge"]) or ("gt" in bounds and number <= bounds["gt"])
    above = ("le" in bounds and number > bounds["le"]) or ("lt" in bounds and number >= bounds["lt"])
    if ceiling is not None and number > ceiling.ceiling:
        side, allowed = "large", ceiling.message
    elif below or above:
        side, allowed = "small" if below else "large", range_text(bounds)
    elif math.isinf(number):  # (beyond every float, on a side the field does not bound)
        side, allowed = "large" if number > 0 else "small", WITHIN_EVERY_NUMBER
        if bounds and number > 0:
            allowed = f"{range_text(bounds)} and at most about {sys.float_info.max:.1e}"
    else:
        side = allowed = ""
    if side:
        return f" (YAML reads {value} as text; as a number, it would be too {side}: {allowed})"
    mantissa, exponent = value.lower().split("e", 1)
    fixed = f"{mantissa if '.' in mantissa else mantissa + '.0'}e{int(exponent):+d}"
    as_int = f"{int(number)}" if number.is_integer() and abs(number) < 1e18 else None
    if whole:
        return f" (YAML reads {value} as text: write {as_int})" if as_int else ""
    return f" (YAML reads {value} as text: write {fixed}" + (f" or {as_int})" if as_int else ")")


def _translate(e: _Entry, suggest_state: StateSuggester | None) -> Problem:
    err, t = e.err, e.target
    kind: str = err["type"]
    value = err.get("input", NO_VALUE)
    ctx: dict[str, Any] = err.get("ctx") or {}
    path = tuple(t.doc_path)
    key_word = "key " if t.is_key else ""

    def bad(allowed: str, hint: str = "") -> Problem:
        text_key = t.node is str or get_origin(t.node) is Literal
        if t.is_key and text_key and (isinstance(value, bool) or value is None) and not hint:
            hint = (
                " (YAML reads an unquoted NO, YES, ON, OFF, TRUE, FALSE as true or false, and ~ or null as "
                "null: quote the key, e.g. 'NO')"
            )
        hint = hint or _date_hint(value, whole=t.node is int)
        # a float such as 2027.0 where a whole number is expected is shown as written, not as 2027
        whole_float = isinstance(value, float) and value.is_integer() and "whole number" in allowed
        shown = repr(value) if whole_float else show_value(value)
        if _beyond_float(value) and _takes_number(t):  # (said so, with the field's bound it is beyond)
            if value > 0:
                allowed = _ceiling_words(t, allowed)
            message = key_word + too_large(shown, allowed, negative=value < 0) + hint
        else:
            message = f"{key_word}{shown} is not allowed: {allowed}{hint}"
        if t.is_key and not isinstance(value, str):
            # pydantic's location spells such a key as text (False as 0, a date as Python writes it): the
            # problem is the mapping's, and the key itself finds its line
            return Problem(None, path[:-1], message, value=value, allowed=allowed, key=value)
        return Problem(None, path, message, value=value, allowed=allowed)

    if kind == "missing":
        desc = t.field_info.description if t.field_info is not None else None
        expected = describe(t.node, t.bounds)
        message = f"is required but missing: give {expected}" + (f" ({desc.rstrip('.')})" if desc else "")
        return Problem(None, path, message, allowed=expected)
    if kind == "invalid_key":  # a key of a mapping of named keys that is not text
        allowed_keys = list(t.parent_model.model_fields) if t.parent_model else []
        allowed = "allowed keys: " + ", ".join(allowed_keys)
        why = "a key is text"
        if isinstance(value, bool) or value is None:
            why += "; YAML reads an unquoted yes, no, on, off, true, false as true or false, and ~ as null"
        message = f"key {show_value(value)} is not allowed ({why}); {allowed}"
        return Problem(None, path[:-1], message, value=value, allowed=allowed, key=value)
    if kind == "extra_forbidden":
        key = path[-1] if path else value
        allowed_keys = list(t.parent_model.model_fields) if t.parent_model else []
        allowed = "allowed keys: " + ", ".join(allowed_keys)
        message = f"unknown key {show_value(key)}{suggestion(key, allowed_keys)}; {allowed}"
        return Problem(None, path, message, value=key, allowed=allowed)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bounds = dict(t.bounds) or {k: v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")}
        return bad(range_text(bounds))
    if kind == "finite_number":
        return bad("must be a finite number (not NaN or infinity)")
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", t.pattern or ""))
        if pattern == STATE_CODE_PATTERN:
            hint = ""
            if isinstance(value, str) and suggest_state is not None:
                best = suggest_state(value)
                hint = f" (did you mean {best!r}?)" if best else ""
            return bad("must be an ISO 3166-1 alpha-3 state code: three upper-case letters, e.g. 'RUS'", hint)
        if pattern == IDENTIFIER_PATTERN:
            return bad("must be an id of letters, digits, '_' and '-' (no spaces or dots)")
        if pattern == NOT_BLANK_PATTERN:
            return bad("must not be empty or only spaces")
        return bad(f"must match the pattern {pattern}")
    if kind == "string_too_short":
        return bad("must not be empty")
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind == "string_too_long" else "items"
        return bad(f"must be at most {ctx.get('max_length')} {unit}")
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return bad(f"must have at least {n} item{'s' if n != 1 else ''}")
    if kind == "literal_error":
        options = _literal_values(t.node) or ()
        allowed = "must be one of " + (", ".join(repr(v) for v in options) or str(ctx.get("expected")))
        return bad(allowed, suggestion(value, options))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        disc = str(ctx.get("discriminator", "'distribution'")).strip("'")
        tags = [
            v
            for m in get_args(t.node)
            if _is_model(m)
            for v in _literal_values(m.model_fields[disc].annotation)
        ]
        allowed = "must be one of " + ", ".join(repr(v) for v in tags)
        if kind == "union_tag_not_found":
            return Problem(
                None, (*path, disc), f"is required but missing: give {allowed[8:]}", allowed=allowed
            )
        tag = ctx.get("tag")
        return Problem(
            None, (*path, disc), not_allowed(tag, allowed) + suggestion(tag, tags), value=tag, allowed=allowed
        )
    if kind == "union_mismatch":
        forms: list[str] = ctx["forms"]
        allowed = "must be " + ", or ".join(forms)
        return bad(allowed, suggestion(value, ctx["literals"]))
    if kind in ("list_type", "tuple_type") and isinstance(value, str | int | float):
        return bad(f"must be a list (for one item write [{show_value(value).strip(chr(39))}])")
    if kind in _TYPE_ERRORS or kind.endswith(("_type", "_parsing")):
        what = describe(t.node, t.bounds) if t.node is not None else "of another type"
        if kind == "int_from_float" or (kind in ("int_type", "int_parsing")):
            what = describe(int, t.bounds)
        if kind in ("float_type", "float_parsing"):
            what = describe(float, t.bounds)
        whole = kind in ("int_type", "int_parsing", "int_from_float") or t.node is int
        hint = _number_as_text_hint(value, whole=whole, ceiling=t.ceiling, bounds=t.bounds)
        return bad(f"must be {what}", hint)
    if kind in ("value_error", "assertion_error"):
        cause = ctx.get("error")
        text = str(cause) if cause is not None else str(err.get("msg", ""))
        text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if isinstance(value, Mapping | list):
            got = "" if "got " in text else f" (got {show_value(value)})"
            return Problem(None, path, text + got, value=value, allowed=text)
        if show_value(value) in text or str(value) in text:
            return Problem(None, path, text, value=value, allowed=text)
        return bad(text)
    return bad(str(err.get("msg", "is not valid")).lower())
