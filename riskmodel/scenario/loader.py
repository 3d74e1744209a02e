"""Read scenario and portfolio files: YAML in, validated `Scenario` / `Portfolio` out, or every problem.

In: a YAML file path (or a mapping, for notebooks and sweeps). Out: a frozen `Scenario` (or `Portfolio`),
or a `ScenarioError` listing every problem with its file, line, key path, value and what is allowed.

Resolution rules (documented for users in docs/scenarios.md):
- YAML is read with a safe loader; a key given twice in one mapping is an error, not a silent overwrite.
- Whole numbers are read as YAML 1.2 reads them, not as YAML 1.1 (PyYAML's default): `010` is ten (a
  leading zero means nothing), octal is written `0o10` and hexadecimal `0x1f`; `1:30` is text, not the
  base-60 number 90 (so a number field rejects it as text), and so is `1:30.5`. Digits may be grouped with
  `_` (`1_000`). A number beyond every float, a whole number of more than 4,300 digits (which Python does
  not read) or a decimal such as `1.0e+400` (not infinity, which YAML reads), is kept as written (a
  `BeyondEveryFloat`), for its field to judge: too large for that field's bounds.
- Lists and mappings nest at most `MAX_DEPTH` deep (a scenario needs fewer than ten levels).
- `extends: parent.yaml` (relative to the file that says it, or absolute) merges this file over its parent:
  mappings merge key by key, recursively (schemes, candidates, contracts and perils are mappings keyed by
  id, so a child changes one field of one scheme); every other value, lists included, replaces the
  parent's.
- A key set to `null` counts as absent: the schema's default applies, and in a child it removes what the
  parent set (`schemes: {rv_pool: null}` removes a scheme, `reinsurance: null` the scheme's reinsurance).
- `extends` and `baseline` belong to the file that says them and are not inherited.
- `portfolio: path.yaml` (relative to the file that says it) reads a portfolio file and replaces the
  parent's portfolio; an inline `portfolio:` mapping merges over the parent's like any mapping.
- Cycles of `extends` and missing parents are errors naming the chain of files.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from riskmodel.scenario import checks
from riskmodel.scenario.checks import WorldCodes
from riskmodel.scenario.errors import (
    NO_VALUE,
    WITHIN_EVERY_NUMBER,
    BeyondEveryFloat,
    KeyPath,
    Problem,
    ScenarioError,
    did_you_mean,
    invalid,
    problems_from_validation_error,
    show_value,
    suggestion,
    too_large,
    too_long_number,
)
from riskmodel.scenario.schema import NULL_NOT_ALLOWED, Portfolio, Scenario

if TYPE_CHECKING:
    from riskmodel.world import World

#: Keys that belong to the file that says them; a child does not inherit its parent's.
NOT_INHERITED = ("extends", "baseline")
#: A document whose aliases expand beyond this many nodes is refused (YAML "billion laughs").
MAX_NODES = 200_000
#: Lists and mappings nested deeper than this are refused (the checks walk documents recursively).
MAX_DEPTH = 64


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None


class LineDict(dict[Any, Any]):
    """A mapping that remembers the file and line of each of its keys (`locs`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locs: dict[Any, Location] = {}


class LineList(list[Any]):
    """A list that remembers the file and line of each item (`locs`)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.locs: list[Location] = []


# -------------------------------------------------------------------------------------- YAML reading
#: libyaml's parser when PyYAML was built with it (ten times faster), the pure-Python one otherwise.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """Safe loading, plus duplicate-key detection, the line of every key and list item, and numbers read as
    YAML 1.2 reads them (`_yaml12_resolvers`)."""

    def __init__(self, stream: str, label: str) -> None:
        super().__init__(stream)
        self.label = label
        self.problems: list[Problem] = []


#: YAML 1.2 whole numbers (core schema), with `_` allowed between digits as PyYAML allows it: no octal with
#: a bare leading zero (`010` is refused as ambiguous: `_construct_int`), no base 60 (`1:30` is text),
#: binary `0b` kept (it cannot be misread).
#: Decimals keep YAML 1.1's form less base 60: a point is needed (`1e9` is text, and its message says how
#: to write it).
_INT = re.compile(r"^[-+]?(?:[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$")
_FLOAT = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def _yaml12_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """The safe loader's implicit resolvers with YAML 1.2's int and float patterns in place of 1.1's."""
    ours = {"tag:yaml.org,2002:int": _INT, "tag:yaml.org,2002:float": _FLOAT}
    out: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items():
        out[first] = [(tag, ours.get(tag, regexp)) for tag, regexp in resolvers]
    return out


_Loader.yaml_implicit_resolvers = _yaml12_resolvers()


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    """A YAML 1.2 whole number: decimal, `0o` octal, `0x` hexadecimal, `0b` binary. A decimal with a
    leading zero (`010`) stays text, which a number field refuses with a hint: YAML 1.1 read it as octal
    (8), YAML 1.2 as ten, and a file written for either must not change its meaning silently."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    base = {"0o": 8, "0x": 16, "0b": 2}.get(digits[:2].lower(), 10)
    if base == 10 and len(digits) > 1 and digits.startswith("0"):
        return str(node.value)
    try:
        return sign * int(digits if base == 10 else digits[2:], base)
    except ValueError:
        if len(digits) <= 4300:  # no digits at all (`0x_`): text, which a number field refuses
            return str(node.value)
        return BeyondEveryFloat(too_long_number(text))  # more digits than int() reads


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float | BeyondEveryFloat:
    """A YAML decimal; one beyond every float (`1.0e+400`, which reads as infinity) is kept as written (a
    `BeyondEveryFloat`, which its field judges), not as `.inf`."""
    value: float = loader.construct_yaml_float(node)
    text = str(node.value)
    if math.isinf(value) and "inf" not in text.lower():
        return BeyondEveryFloat(text if len(text) <= 40 else text[:39] + "…")
    return value


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterable[LineDict]:
    data = LineDict()
    yield data
    n_explicit = sum(k.tag != "tag:yaml.org,2002:merge" for k, _ in node.value)
    loader.flatten_mapping(node)
    first_merged = len(node.value) - n_explicit
    explicit_lines: dict[Any, int] = {}
    for index, (key_node, value_node) in enumerate(node.value):
        line = key_node.start_mark.line + 1
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            loader.problems.append(
                Problem(
                    loader.label,
                    (),
                    f"a mapping key must be a single value, got {show_value(key)}",
                    line=line,
                )
            )
            continue
        if index >= first_merged:
            if key in explicit_lines:
                loader.problems.append(
                    Problem(
                        loader.label,
                        (),
                        f"duplicate key {show_value(key)} (first given on line {explicit_lines[key]}): "
                        "a key may appear once in a mapping",
                        value=key,
                        line=line,
                    )
                )
            explicit_lines.setdefault(key, line)
        data[key] = loader.construct_object(value_node, deep=False)
        data.locs[key] = Location(loader.label, line)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Iterable[LineList]:
    data = LineList()
    yield data
    for item in node.value:
        data.append(loader.construct_object(item, deep=False))
        data.locs.append(Location(loader.label, item.start_mark.line + 1))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)  # type: ignore[arg-type]
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)  # type: ignore[arg-type]
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)  # type: ignore[arg-type]
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)  # type: ignore[arg-type]


def _label(path: Path) -> str:
    """A path as printed in messages: relative to the working directory, unless far outside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path.resolve())
    return str(path.resolve()) if rel.startswith(os.pardir + os.sep + os.pardir) else rel


def parse_yaml(text: str, label: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document safely; problems carry the parser's line (and column)."""
    loader = _Loader(text, label)
    try:
        doc = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        where = f" (column {mark.column + 1}"
        start = exc.context_mark
        if mark and start and start.line != mark.line and str(exc.context).startswith("while"):
            where += f"; it started on line {start.line + 1}"
        where = where + ")" if mark else ""
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
            where += ": a tab? indent with spaces, not tabs"
        return None, [Problem(label, (), f"invalid YAML: {what}{where}", line=line)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: say on which line
        line = text.count("\n", 0, exc.position) + 1
        what = (
            f"character #x{exc.character:04x} is not allowed (a control character, or a file not saved as "
            "UTF-8 text)"
            if isinstance(exc.character, int)
            else str(exc)
        )
        return None, [Problem(label, (), f"invalid YAML: {what}", line=line)]
    except yaml.YAMLError as exc:
        return None, [Problem(label, (), f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    shape = _shape_problem(doc, label)
    if shape:
        return None, [shape]
    return doc, loader.problems


def _shape_problem(doc: Any, label: str) -> Problem | None:
    """Refuse documents that contain themselves (recursive anchors), expand beyond `MAX_NODES` or nest
    deeper than `MAX_DEPTH` (said at the top-level key that holds the nesting)."""
    count = 0
    stack: list[tuple[Any, frozenset[int], KeyPath]] = [(doc, frozenset(), ())]
    while stack:
        node, ancestors, top = stack.pop()
        count += 1
        if count > MAX_NODES:
            return Problem(label, (), f"the document expands to more than {MAX_NODES} values (aliases?)")
        if isinstance(node, dict | list):
            if id(node) in ancestors:
                return Problem(label, (), "invalid YAML: an alias refers to a node that contains it")
            if len(ancestors) >= MAX_DEPTH:
                line = _loc(doc, top[0], Location(label, None)).line if top else None
                message = (
                    f"lists and mappings nest more than {MAX_DEPTH} deep here: at most {MAX_DEPTH} levels "
                    "are allowed (a scenario needs fewer than ten)"
                )
                return Problem(label, top, message, line=line)
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((child, ancestors | {id(node)}, top or (key,)) for key, child in items)
    return None


def _read_mapping(path: Path, label: str, what: str) -> tuple[LineDict | None, list[Problem]]:
    """Read a file that must hold one YAML mapping."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(label, (), f"is not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(label, (), f"cannot be read: {exc.strerror or exc}")]
    doc, problems = parse_yaml(text, label)
    if problems and doc is None:
        return None, problems
    if doc is None:
        return None, [
            Problem(label, (), f"the file is empty: a {what} file is a mapping of keys, starting with name:")
        ]
    if not isinstance(doc, LineDict):
        return None, [
            Problem(
                label,
                (),
                f"the top level must be a mapping of keys (name: ..., ...), got {show_value(doc, 40)}",
                value=doc,
                line=1,
            )
        ]
    return doc, problems


# ------------------------------------------------------------------------------------------- merging
def _loc(mapping: Mapping[Any, Any], key: Any, default: Location) -> Location:
    locs = getattr(mapping, "locs", None)
    return locs.get(key, default) if isinstance(locs, dict) else default


def _drop_nulls(node: Any, path: tuple[Any, ...] = ()) -> Any:
    """A copy of `node` (at key `path` from the document's top) without keys set to null (a null key counts
    as absent), but for the key paths of `NULL_NOT_ALLOWED` (the schema rejects their null); lines kept."""
    if isinstance(node, dict):
        out = LineDict()
        out.locs = dict(getattr(node, "locs", {}))
        for key, value in node.items():
            if value is not None or (*path, key) in NULL_NOT_ALLOWED:
                out[key] = _drop_nulls(value, (*path, key))
        return out
    if isinstance(node, list):
        items = LineList(_drop_nulls(v) for v in node)  # (no key path below a list: no null is kept there)
        items.locs = list(getattr(node, "locs", []))
        return items
    return node


def merge(parent: Mapping[Any, Any], child: Mapping[Any, Any]) -> LineDict:
    """`child` over `parent`: mappings merge recursively, other values replace, null deletes.

    >>> merge({"a": {"x": 1, "y": 2}, "l": [1, 2]}, {"a": {"y": 3}, "l": [9]})
    {'a': {'x': 1, 'y': 3}, 'l': [9]}
    >>> merge({"schemes": {"rv": {"x": 1}, "b": {"x": 2}}}, {"schemes": {"b": None}})
    {'schemes': {'rv': {'x': 1}}}
    """
    return _merge(parent, child, ())


def _merge(parent: Mapping[Any, Any], child: Mapping[Any, Any], path: tuple[Any, ...]) -> LineDict:
    out = _drop_nulls(parent, path)
    for key, value in child.items():
        out.locs[key] = _loc(child, key, out.locs.get(key, Location("", None)))
        if value is None and (*path, key) not in NULL_NOT_ALLOWED:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, (*path, key))
        else:
            out[key] = _drop_nulls(value, (*path, key))
    return out


def plain(node: Any) -> Any:
    """A deep copy made of plain dicts and lists (what pydantic, hashing and JSON see)."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def locations(doc: Any, prefix: KeyPath = ()) -> dict[KeyPath, Location]:
    """The file and line of every key path of a resolved document (also keys a child set to null)."""
    out: dict[KeyPath, Location] = {}
    if isinstance(doc, dict):
        for key, loc in getattr(doc, "locs", {}).items():
            out[(*prefix, key)] = loc
        for key, value in doc.items():
            out.update(locations(value, (*prefix, key)))
    elif isinstance(doc, list):
        for i, loc in enumerate(getattr(doc, "locs", [])):
            out[(*prefix, i)] = loc
        for i, value in enumerate(doc):
            out.update(locations(value, (*prefix, i)))
    return out


# ---------------------------------------------------------------------------------------- resolution
@dataclass
class _Resolver:
    """Resolves `extends` and `portfolio:` paths, collecting every problem on the way."""

    problems: list[Problem] = field(default_factory=list)
    #: baseline files whose check is under way (a baseline's own baseline is checked unless among them)
    baselines: tuple[Path, ...] = ()
    #: the world codes a baseline is checked against (None: the shipped world's)
    world: Any = None

    def file(
        self, path: Path, chain: tuple[Path, ...] = (), extended_as: tuple[str, Location] | None = None
    ) -> LineDict | None:
        """One scenario file resolved; `extended_as`: the `extends:` value of the child that names it, and
        where it says it (a portfolio file named there is refused as a parent)."""
        label = _label(path)
        doc, problems = _read_mapping(path, label, "scenario")
        self.problems.extend(problems)
        if doc is None:
            return None
        if extended_as is not None and detect_kind(doc) == "portfolio":
            allowed = "must be the path of a parent scenario file, relative to this file"
            why = ": it is a portfolio file, not a scenario (a scenario names a portfolio under `portfolio:`)"
            self._add(invalid(("extends",), extended_as[0], allowed, why), extended_as[1])
            return None
        return self.layer(doc, path.parent, label, (*chain, path.resolve()))

    def layer(self, doc: LineDict, base_dir: Path, label: str, chain: tuple[Path, ...]) -> LineDict:
        """One file's document with its parent merged in and its portfolio path read."""
        own, doc = doc, LineDict(doc)
        doc.locs = dict(own.locs)
        here = Location(label, None)
        parent = self._parent(doc, base_dir, label, chain)
        if isinstance(doc.get("portfolio"), str):
            portfolio = self._portfolio(doc["portfolio"], base_dir, _loc(doc, "portfolio", here))
            if portfolio is None:
                del doc["portfolio"]
            else:
                doc["portfolio"] = portfolio
                if parent is not None:
                    parent.pop("portfolio", None)
        fleet = doc.get("fleet")
        if isinstance(fleet, dict) and isinstance(fleet.get("path"), str):
            self._fleet_path(fleet, base_dir, _loc(doc, "fleet", here))
        if isinstance(own.get("baseline"), str):
            self._baseline(own["baseline"], base_dir, chain, _loc(own, "baseline", here))
        if parent is None:
            return _drop_nulls(doc)
        for key in NOT_INHERITED:
            parent.pop(key, None)
            parent.locs.pop(key, None)
        return merge(parent, doc)

    def _parent(self, doc: LineDict, base_dir: Path, label: str, chain: tuple[Path, ...]) -> LineDict | None:
        ext = doc.get("extends")
        loc = _loc(doc, "extends", Location(label, None))
        if ext is None:
            # (`extends:` left empty in a file loaded as a scenario of defaults, without a word; null removes
            # inherited keys only, and extends is not inherited. A mapping (`load_scenario_from_dict`, no
            # chain of files) may say None: a Scenario's model_dump does, for a scenario of its own.)
            if "extends" in doc and chain:
                allowed = (
                    "must be the path of a parent scenario file, relative to this file (or an absolute path)"
                )
                self._add(
                    invalid(("extends",), None, allowed, "; remove the key for a scenario of its own"), loc
                )
            return None
        if not isinstance(ext, str) or not ext.strip():
            self._add(
                invalid(
                    ("extends",), ext, "must be the path of a parent scenario file, relative to this file"
                ),
                loc,
            )
            return None
        path = base_dir / ext
        if path.resolve() in chain:
            names = " → ".join(_label(p) for p in (*chain, path.resolve()))
            self._add(invalid(("extends",), ext, f"makes a cycle of extends: {names}"), loc)
            return None
        if not path.is_file():
            chain_text = " → ".join(_label(p) for p in chain)
            by = f" (extended by {chain_text})" if chain else ""  # (the path names where it was looked for)
            hint = _extends_hint(ext, base_dir, inline=not chain) if not path.is_dir() else ""
            self._add(invalid(("extends",), ext, f"{_not_a_file(path)}{by}", hint), loc)
            return None
        return self.file(path, chain, (ext, loc))

    def _fleet_path(self, fleet: dict, base_dir: Path, loc: Location) -> None:
        """Resolve `fleet.path` against the file that states it (in place), or report a missing file."""
        path = (base_dir / fleet["path"]).resolve()
        if not path.is_file():
            allowed = "must be the path of a fleet list (.csv or .xlsx), relative to this file"
            self._add(invalid(("fleet", "path"), fleet["path"], allowed, f": {_not_a_file(path)}"), loc)
            return
        fleet["path"] = str(path)

    def _baseline(self, ref: str, base_dir: Path, chain: tuple[Path, ...], loc: Location) -> None:
        """`baseline:` names another scenario file: it must exist, be a file and not be this one."""
        path = base_dir / ref
        allowed = "must be the path of another scenario file, relative to this file"
        if not path.is_file():
            hint = suggestion(ref, _yaml_files(path.parent, base_dir))
            self._add(invalid(("baseline",), ref, allowed, f": {_not_a_file(path)}{hint}"), loc)
        elif chain and path.resolve() == chain[-1]:
            self._add(invalid(("baseline",), ref, allowed, ": it names this file itself"), loc)
        elif path.resolve() not in (*chain, *self.baselines):
            trouble = _baseline_trouble(path, (*chain[-1:], *self.baselines), self.world)
            if trouble:
                self._add(invalid(("baseline",), ref, allowed, f": {trouble}"), loc)

    def _portfolio(self, ref: str, base_dir: Path, loc: Location) -> LineDict | None:
        path = base_dir / ref
        if not path.is_file():
            hint = suggestion(ref, _yaml_files(path.parent, base_dir))
            allowed = (
                f"{_not_a_file(path, 'portfolio file')} (the path is relative to {loc.file or 'this file'})"
            )
            self._add(invalid(("portfolio",), ref, allowed, hint), loc)
            return None
        label = _label(path)
        doc, problems = _read_mapping(path, label, "portfolio")
        self.problems.extend(problems)
        if doc is not None and (wrong := _scenario_not_portfolio(doc)):
            where = f"{loc.file}:{loc.line}" if loc.file and loc.line else loc.file or "this scenario"
            self.problems.append(Problem(label, (), f"{wrong} (named by `portfolio:` at {where})"))
            return None
        return _drop_nulls(doc) if doc is not None else None

    def _add(self, problem: Problem, loc: Location) -> None:
        self.problems.append(problem.located(loc.file, loc.line))


def _fleet_problems_of_file(path: str, cedant: str | None, world: Any = None) -> list[Problem]:
    """`_fleet_problems`, read once per version of the file (a sweep validates every point) on the
    package's world data; on another `World` (`world`), read each time (it may be edited in place)."""
    if world is not None:
        return _fleet_problems(path, cedant, world)
    try:
        stat = Path(path).stat()
    except OSError:
        return _fleet_problems(path, cedant)
    return list(_fleet_problems_cached(path, cedant, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _fleet_problems_cached(path: str, cedant: str | None, mtime_ns: int, size: int) -> tuple[Problem, ...]:
    return tuple(_fleet_problems(path, cedant))


def _fleet_problems(path: str, cedant: str | None, world: Any = None) -> list[Problem]:
    """The fleet list a scenario names, read as the engine will read it on `world` (default: the
    package's world data): every problem of the list (as one problem of `fleet.path`), a cedant it does
    not hold, segments the world does not know."""
    from riskmodel.screening import read_fleet
    from riskmodel.screening.fleet import InputRowsError
    from riskmodel.world.loader import shared_world

    world = shared_world() if world is None else world
    try:
        fleet = read_fleet(path, world=world)
    except InputRowsError as exc:
        shown = "; ".join(str(p) for p in exc.problems[:10])
        more = f"; and {len(exc.problems) - 10} more" if len(exc.problems) > 10 else ""
        return [invalid(("fleet", "path"), path, f"must be a valid fleet list ({shown}{more})")]
    except (OSError, ValueError) as exc:
        return [invalid(("fleet", "path"), path, f"must be a readable fleet list (.csv or .xlsx): {exc}")]
    out = []
    if cedant is not None and not (fleet["cedant"].astype(str) == cedant).any():
        held = sorted({str(c) for c in fleet["cedant"].dropna()})
        listed = ", ".join(held[:20]) + (" ..." if len(held) > 20 else "")
        allowed = f"must be a cedant of the fleet list: {listed}"
        out.append(invalid(("fleet", "cedant"), cedant, allowed, suggestion(cedant, held)))
    unknown = sorted({str(g) for g in fleet["segment"]} - {str(g) for g in world.segments.index})
    if unknown:
        segments = ", ".join(str(g) for g in world.segments.index)
        allowed = f"must be a list of tanker segments of the model: {segments} (found {unknown})"
        out.append(invalid(("fleet", "path"), path, allowed))
    return out


def _not_a_file(path: Path, what: str = "file") -> str:
    """Why `path` cannot be read as a file: it is a folder, or there is no such file."""
    if path.is_dir():
        return f"{_label(path)} is a folder, not a {what}"
    return f"no such {what} {_label(path)}"


#: The scenarios shipped with the package's source (absent from an installed wheel): named in the hint of
#: an `extends` that names no file, as a copy of a shipped scenario keeps the relative `extends` of its own.
SHIPPED_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _extends_hint(ext: str, base_dir: Path, *, inline: bool) -> str:
    """What follows "no such file" for an `extends`: a near file's name (a typo), or the shipped scenario
    of that name (a copy of a shipped file whose relative `extends` names nothing where it now is), and
    what `extends` may be: a path relative to the file that says it, or an absolute one."""
    shipped = SHIPPED_SCENARIOS / Path(ext).name
    if shipped.is_file() and shipped.resolve() != (base_dir / ext).resolve():
        near = f" (the shipped scenario {Path(ext).name} is {shipped})"
    else:
        near = suggestion(ext, _yaml_files((base_dir / ext).parent, base_dir))
    folder = f"{_label(base_dir)}{os.sep}"
    where = f"base_dir, here {folder}" if inline else f"the folder of the file that names it, {folder}"
    return (
        f"{near}; extends takes a path relative to {where}, or an absolute path: to build on a shipped "
        "scenario, extend it where it is rather than copy it"
    )


def _yaml_files(directory: Path, base_dir: Path) -> list[str]:
    """YAML files near a missing path, spelt relative to `base_dir` (for a did-you-mean)."""
    if not directory.is_dir():
        return []
    names = []
    for p in sorted(directory.glob("*.y*ml")):
        names.append(os.path.relpath(p, base_dir))
    return names


def _as_linedict(doc: Any, label: str) -> Any:
    """A plain mapping as a `LineDict` tree whose locations name `label` without lines."""
    if isinstance(doc, Mapping):
        out = LineDict()
        for key, value in doc.items():
            out[key] = _as_linedict(value, label)
            out.locs[key] = Location(label, None)
        return out
    if isinstance(doc, list | tuple):
        items = LineList(_as_linedict(v, label) for v in doc)
        items.locs = [Location(label, None)] * len(items)
        return items
    return doc


# ---------------------------------------------------------------------------------------- validation
Kind = Literal["scenario", "portfolio"]


@dataclass
class Validation:
    """The outcome of reading one file: the validated object, or every problem; notes either way."""

    file: str
    kind: Kind
    scenario: Scenario | None = None
    portfolio: Portfolio | None = None
    document: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)


def _world_codes(world: Any) -> WorldCodes:
    if world is None:
        return checks.default_world_codes()
    return world if isinstance(world, WorldCodes) else WorldCodes.from_world(world)


def _validate_document(
    doc: Any,
    kind: Kind,
    label: str,
    world: WorldCodes,
    problems: list[Problem] | None = None,
    fleet_world: Any = None,
) -> Validation:
    """Schema validation and the semantic checks of a resolved document, every problem located; a fleet
    list is read on `fleet_world` (a `World`; default the package's world data)."""
    where = locations(doc)
    data = plain(doc)
    result = Validation(file=label, kind=kind, document=data)
    found: list[Problem] = list(problems or [])
    nonfinite = checks.check_finite_numbers(data)
    found_paths = {p.path for p in [*found, *nonfinite] if p.path}
    found.extend(nonfinite)
    model: type[BaseModel] = Scenario if kind == "scenario" else Portfolio
    try:
        obj = model.model_validate(data, strict=True)
    except ValidationError as exc:
        obj = None
        for p in problems_from_validation_error(exc, model, suggest_state=world.suggest_state):
            if p.path == ("portfolio",) and kind == "scenario":
                p = _portfolio_may_be_a_path(p)
            if p.path not in found_paths:
                found.append(p)
                found_paths.add(p.path)
    found.extend(_beyond_every_float(data, found))
    semantic = (
        checks.check_scenario(data, world) if kind == "scenario" else checks.check_portfolio(data, world)
    )
    if isinstance(obj, Scenario) and obj.fleet is not None:
        semantic = [*semantic, *_fleet_problems_of_file(obj.fleet.path, obj.fleet.cedant, fleet_world)]
    found.extend(p for p in semantic if p.path not in found_paths)
    located = _dedupe([_locate(p, where, label) for p in found])
    files = list(dict.fromkeys(p.file for p in located))
    result.problems = sorted(located, key=lambda p: (files.index(p.file), p.line or 0))
    if kind == "scenario":
        notes = [*checks.note_problems(data), *checks.candidate_notes(data, world)]
        result.notes = [_locate(p, where, label) for p in notes]
    else:
        result.notes = [_locate(p, where, label) for p in checks.portfolio_notes(data)]
    if not result.problems:
        if isinstance(obj, Scenario):
            result.scenario = obj
        elif isinstance(obj, Portfolio):
            result.portfolio = obj
    return result


def _beyond_every_float(doc: Any, found: Iterable[Problem]) -> list[Problem]:
    """A problem for each number beyond every float (`BeyondEveryFloat`, a value or a key) of `doc` that no
    problem of `found` is about (at its key path or above): one the schema let through, on a field without
    an upper bound, is too large for any number."""
    reported = [(*p.path, p.key) if p.key is not NO_VALUE else p.path for p in found]
    out = []
    stack: list[tuple[Any, KeyPath]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, BeyondEveryFloat) and not _under(reported, (*path, key)):
                    message = "key " + too_large(key.shown, WITHIN_EVERY_NUMBER, negative=key < 0)
                    out.append(Problem(None, path, message, value=key, allowed=WITHIN_EVERY_NUMBER, key=key))
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            stack.extend((value, (*path, i)) for i, value in enumerate(node))
        elif isinstance(node, BeyondEveryFloat) and not _under(reported, path):
            message = too_large(node.shown, WITHIN_EVERY_NUMBER, negative=node < 0)
            out.append(Problem(None, path, message, value=node, allowed=WITHIN_EVERY_NUMBER))
    return out


def _under(paths: Iterable[KeyPath], path: KeyPath) -> bool:
    """Whether `path` is one of `paths` or below one."""
    return any(path[: len(p)] == p for p in paths)


def _portfolio_may_be_a_path(problem: Problem) -> Problem:
    """A scenario's `portfolio` may also be a file path: say so where pydantic only knows the mapping."""
    allowed = f"{problem.allowed}, or the path of a portfolio file (relative to this file)"
    return dataclasses.replace(
        problem, message=f"{problem.message}, or the path of a portfolio file", allowed=allowed
    )


def _locate(problem: Problem, where: Mapping[KeyPath, Location], label: str) -> Problem:
    if problem.file is not None:
        return problem
    key_loc = None if problem.key is NO_VALUE else where.get((*problem.path, problem.key))
    if key_loc is not None:
        return problem.located(key_loc.file or label, key_loc.line)
    for n in range(len(problem.path), 0, -1):
        loc = where.get(problem.path[:n])
        if loc is not None:
            return problem.located(loc.file or label, loc.line)
    return problem.located(label, None)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def detect_kind(doc: Mapping[Any, Any]) -> Kind:
    """A portfolio file has a key only portfolios have (`contracts:`, `bloc:`, or a misspelling of one, so
    that the misspelling is reported as a portfolio's) and no key that only scenarios have."""
    only_scenario = set(Scenario.model_fields) - set(Portfolio.model_fields)
    only_portfolio = set(Portfolio.model_fields) - set(Scenario.model_fields)
    unknown = [k for k in doc if isinstance(k, str) and k not in Scenario.model_fields]
    portfolio_keys = only_portfolio & set(doc) or any(did_you_mean(k, only_portfolio) for k in unknown)
    if portfolio_keys and not only_scenario & set(doc):
        return "portfolio"
    return "scenario"


def _scenario_not_portfolio(doc: Mapping[Any, Any]) -> str | None:
    """Why a file read as a portfolio is a scenario file (keys only scenarios have, no `contracts:`),
    or None: said once, instead of one unknown key for each of its sections."""
    only_scenario = [k for k in doc if k in set(Scenario.model_fields) - set(Portfolio.model_fields)]
    if "contracts" in doc or not only_scenario:
        return None
    return (
        f"is a scenario file (it has {', '.join(map(str, only_scenario))}), not a portfolio file: a "
        f"portfolio file has the keys {', '.join(Portfolio.model_fields)}, its contracts under `contracts:`"
    )


def _baseline_trouble(path: Path, checking: tuple[Path, ...], world: Any = None) -> str | None:
    """What is wrong with a baseline scenario file (a run compares with it), or None: it is a portfolio
    file, or it has problems of its own (its own baseline is checked too, unless among `checking`)."""
    label = _label(path)
    doc, problems = _read_mapping(path, label, "scenario")
    if doc is not None and detect_kind(doc) == "portfolio":
        return "it is a portfolio file, not a scenario"
    if doc is not None:
        resolver = _Resolver(problems=list(problems), baselines=(*checking, path.resolve()), world=world)
        resolved = resolver.layer(doc, path.parent, label, (path.resolve(),))
        problems = list(
            _validate_document(resolved, "scenario", label, _world_codes(world), resolver.problems).problems
        )
    if not problems:
        return None
    more = f" ({len(problems)} problems; run `riskmodel validate {label}`)" if len(problems) > 1 else ""
    return f"the baseline is not a valid scenario: {problems[0]}{more}"


def _file_path(path: object, function: str, mapping: str = "") -> Path:
    """`path` (a str or an `os.PathLike`) as a Path; anything else is a `TypeError` naming `function`, what
    it takes, and for a mapping `mapping`: where a mapping goes instead."""
    if isinstance(path, str | os.PathLike):
        return Path(path)
    from riskmodel.arguments import shown

    hint = f": {mapping}" if mapping and isinstance(path, Mapping) else ""
    raise TypeError(
        f"{function} takes the path of a YAML file (a str or a pathlib.Path), got {shown(path, 40)}{hint}"
    )


#: Where a scenario given as a mapping goes: not `load_scenario` (nor `simulate`, `simulate_together`),
#: where `extends` and a portfolio path would resolve against the working directory rather than a file's,
#: and errors would cite no file, but `load_scenario_from_dict`, whose `base_dir` says where those paths
#: lie (one way to read each). The words every function that takes a scenario file says it in.
SCENARIO_MAPPING = (
    "for a scenario given as a mapping, use riskmodel.scenario.load_scenario_from_dict(doc, base_dir=...)"
)


def validate_file(path: str | os.PathLike[str], *, kind: Kind | None = None, world: Any = None) -> Validation:
    """Read and check one scenario or portfolio file (kind detected from its keys unless given), against
    `world`'s codes: a `World` (`load_world`), bare `WorldCodes`, or None for the package's world data.
    A valid scenario remembers a `World` it was checked against (`scenario_world`), to run on it.

    Never raises for a mistake in the file: problems and notes are in the returned `Validation`. A `path`
    that is not a str or a path (a mapping: `load_scenario_from_dict`) is a `TypeError`.
    """
    p = _file_path(path, "validate_file", SCENARIO_MAPPING)
    label = _label(p)
    codes = _world_codes(world)
    doc, problems = _read_mapping(p, label, kind or "scenario")
    if doc is None:
        return Validation(file=label, kind=kind or "scenario", problems=problems)
    if kind == "scenario" and detect_kind(doc) == "portfolio":
        message = (
            "is a portfolio file, not a scenario: a scenario names it under `portfolio:` (run the scenario, "
            "or `riskmodel validate` the portfolio)"
        )
        return Validation(file=label, kind="scenario", problems=[*problems, Problem(label, (), message)])
    if kind == "portfolio" and (wrong := _scenario_not_portfolio(doc)):
        return Validation(file=label, kind="portfolio", problems=[*problems, Problem(label, (), wrong)])
    kind = kind or detect_kind(doc)
    if kind == "portfolio":
        return _validate_document(_drop_nulls(doc), "portfolio", label, codes, problems)
    resolver = _Resolver(problems=list(problems), world=world)
    resolved = resolver.layer(doc, p.parent, label, (p.resolve(),))
    result = _validate_document(resolved, "scenario", label, codes, resolver.problems, _a_world(world))
    if result.scenario is not None:
        _validated_on(result.scenario, world)
    return result


# ---------------------------------------------------------------------------------------- public API
def extended_file(path: str | os.PathLike[str]) -> Path | None:
    """The parent a scenario file's own `extends:` names (relative to the file, or absolute), when it names
    a file; None when the file extends nothing, cannot be read, or names no file (`validate_file` says so).

    ``riskmodel validate`` compares a file's notes with its parent's, so as not to repeat those it inherits.
    """
    p = Path(path)
    doc, _ = _read_mapping(p, _label(p), "scenario")
    ext = doc.get("extends") if doc is not None else None
    if not isinstance(ext, str) or not ext.strip():
        return None
    parent = p.parent / ext
    return parent if parent.is_file() else None


def load_scenario(path: str | os.PathLike[str], *, world: Any = None) -> Scenario:
    """Read, resolve and validate a scenario file: `path` a str or a `pathlib.Path`.

    The codes it names (states, zones, segments) are checked against `world`: a `World` from
    `riskmodel.world.load_world()` (perhaps edited, or loaded from another folder), or None for the
    package's world data. The scenario remembers that World (`scenario_world`, not a field: it is in
    no dump or hash) and `simulate` runs on it unless given `world=`; a run on a World whose content
    has changed since checks the scenario's codes against it again (`check_on_world`).

    Raises `ScenarioError` listing every problem. Notes (e.g. a contract on a scheme this scenario lacks)
    are available from `scenario_notes(scenario)`. A scenario given as a mapping (a dict) is
    `load_scenario_from_dict`'s: here it is a `TypeError` that says so.
    """
    result = validate_file(_file_path(path, "load_scenario", SCENARIO_MAPPING), kind="scenario", world=world)
    result.raise_for_problems()
    assert result.scenario is not None
    return result.scenario


def load_portfolio(path: str | os.PathLike[str], *, world: Any = None) -> Portfolio:
    """Read and validate a portfolio file (`path` a str or a `pathlib.Path`); raises `ScenarioError`
    listing every problem."""
    result = validate_file(
        _file_path(
            path,
            "load_portfolio",
            "a portfolio given as a mapping goes under a scenario's portfolio key "
            "(riskmodel.scenario.load_scenario_from_dict)",
        ),
        kind="portfolio",
        world=world,
    )
    result.raise_for_problems()
    assert result.portfolio is not None
    return result.portfolio


def load_scenario_from_dict(
    doc: Mapping[str, Any],
    origin: str = "<inline>",
    *,
    base_dir: str | os.PathLike[str] | None = None,
    world: Any = None,
) -> Scenario:
    """Validate a scenario given as a mapping (notebooks, sweeps); `extends` and a portfolio path are
    resolved relative to `base_dir` (default: the working directory); `world` as for `load_scenario`
    (the scenario remembers a `World`, to run on it). Raises `ScenarioError`.
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError([Problem(origin, (), f"a scenario must be a mapping, got {show_value(doc, 40)}")])
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    resolver = _Resolver(world=world)
    resolved = resolver.layer(_as_linedict(doc, origin), base, origin, ())
    result = _validate_document(
        resolved, "scenario", origin, _world_codes(world), resolver.problems, _a_world(world)
    )
    result.raise_for_problems()
    assert result.scenario is not None
    return _validated_on(result.scenario, world)


def resolved_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The merged document of a scenario file (parents merged, portfolio read), before validation.

    Raises `ScenarioError` when the files cannot be read or resolved (YAML errors, cycles, missing files).
    """
    p = Path(path)
    resolver = _Resolver()
    resolved = resolver.file(p)
    if resolver.problems or resolved is None:
        raise ScenarioError(resolver.problems)
    return plain(resolved)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the canonical JSON of the validated scenario (defaults included): its provenance id."""
    canonical = json.dumps(
        scenario.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_value(text: str) -> Any:
    """A command-line value as YAML would read it: `2000` -> 2000, `0.5` -> 0.5, `[RUS]` -> ['RUS']."""
    doc, problems = parse_yaml(text, "<value>")
    if problems:
        raise ScenarioError(problems)
    return plain(doc)


def with_overrides(
    scenario: Scenario, overrides: Mapping[str, Any], *, origin: str = "<overrides>", world: Any = None
) -> Scenario:
    """A re-validated copy of `scenario` with values set at dotted key paths, checked against `world`
    (default: the World `scenario` was validated against, which the copy remembers too, else the
    package's world data).

    `None` removes a key (its default applies: ``schemes.rv_pool.recapitalisation: None`` removes the
    scheme's backstop); ``portfolio`` may be set to a portfolio file's path. The copy is named after its
    parent and what changed, ``"<name> (with horizon.years=3)"`` (`derived_name`; not the run settings,
    `UNNAMED_OVERRIDES`: the trials and seed a run states by itself), so that its results,
    plots and report say which variant they are, unless ``"name"`` is among the overrides. Raises
    `ScenarioError` when a result is invalid.

    >>> none = WorldCodes(frozenset(), frozenset())
    >>> s = load_scenario_from_dict({"name": "x"}, world=none)
    >>> short = with_overrides(s, {"horizon.years": 3}, world=none)
    >>> short.horizon.years, short.name
    (3, 'x (with horizon.years=3)')
    >>> with_overrides(s, {"horizon.years": 3, "name": "x, 3 years"}, world=none).name
    'x, 3 years'
    """
    world = scenario_world(scenario) if world is None else world
    doc = scenario.model_dump(mode="python")
    if not any(str(dotted) == "name" for dotted in overrides):
        doc["name"] = derived_name(scenario.name, overrides)
    problems = []
    for dotted, value in overrides.items():
        value = _python_scalar(value)
        if str(dotted) == "portfolio" and isinstance(value, str | os.PathLike):
            # a portfolio file, as a scenario file may name one (relative to the current folder here)
            value = load_portfolio(value, world=world).model_dump(mode="python")
        problem = _set_path(doc, str(dotted), value)
        if problem:
            problems.append(problem.located(origin, None))
    if problems:
        raise ScenarioError(problems)
    result = _validate_document(
        _as_linedict(doc, origin), "scenario", origin, _world_codes(world), fleet_world=_a_world(world)
    )
    if result.problems:
        # a key set inside an entry that does not exist made a new, incomplete entry: say that instead
        missing = [
            m for dotted in overrides if (m := _missing_entry(scenario, str(dotted), origin)) is not None
        ]
        raise ScenarioError(missing or result.problems)
    assert result.scenario is not None
    return _validated_on(result.scenario, world)


def scenario_world(scenario: Scenario) -> World | None:
    """The World `scenario` was validated against (`load_scenario(path, world=w)`, `with_overrides` of
    such a scenario), which `simulate` runs it on unless given another; None for the package's world
    data. The World itself, not a copy: an edit of it in place reaches the runs that follow."""
    return scenario._world


def _a_world(world: Any) -> World | None:
    """`world` when it is a `World` (not bare `WorldCodes`), else None."""
    from riskmodel.world import World

    return world if isinstance(world, World) else None


def _validated_on(scenario: Scenario, world: Any) -> Scenario:
    """`scenario`, just validated against `world`, marked with it (`Scenario._world`, `_checked_on`): a
    `World` is remembered with the fingerprint of its content now, the package's world data (None) by
    its fingerprint alone; bare `WorldCodes` leave it unmarked (a run checks it on its world)."""
    from riskmodel.world.fingerprint import shared_world_fingerprint, world_fingerprint
    from riskmodel.world.loader import shared_world

    if world is None:
        scenario._checked_on = shared_world_fingerprint(shared_world())
    elif (mine := _a_world(world)) is not None:
        scenario._world = mine
        scenario._checked_on = world_fingerprint(mine)
    return scenario


def check_on_world(scenario: Scenario, world: World, world_sha256: str | None) -> None:
    """Raise `ScenarioError` when `scenario` is not valid on `world`: the loader's checks (`with_overrides`
    runs the same) against `world`'s codes, each problem named by its key path, so that a zone, state or
    segment `world` lacks is said before compiling (not a `KeyError` in it). `world_sha256` is
    `world_fingerprint(world)` now: when the loader checked the scenario against that content, there is
    nothing to check again (the usual case, and the package's world data).

    The problems are located at `"scenario <name> on the world data of <world.source>"`, or `"... on a
    World loaded from <world.source>, its content no longer that of those files"` for a World whose
    source is a folder of world data but whose content is no longer that of the folder's files (a
    `load_world()` copy edited in place keeps the folder as its source, and the files may have changed
    on disk since: the folder's data as it stands is not at fault).
    """
    if world_sha256 is not None and world_sha256 == scenario._checked_on:
        return
    origin = f"scenario {scenario.name!r} on {_world_named(world, world_sha256)}"
    doc = _as_linedict(scenario.model_dump(mode="python"), origin)
    result = _validate_document(doc, "scenario", origin, WorldCodes.from_world(world), fleet_world=world)
    result.raise_for_problems()


def _world_named(world: World, world_sha256: str | None) -> str:
    """How a problem found on `world` names it (`check_on_world`): by its source, unless that is a folder
    whose files, as read now, are of other content than `world` (`world_sha256`)."""
    from riskmodel.world.fingerprint import shared_world_fingerprint
    from riskmodel.world.loader import WorldDataError, shared_world

    folder = Path(world.source)
    if folder.is_dir():
        try:
            as_read = shared_world_fingerprint(shared_world(folder))
        except WorldDataError:
            as_read = None
        if world_sha256 is None or world_sha256 != as_read:
            return f"a World loaded from {world.source}, its content no longer that of those files"
    return f"the world data of {world.source}"


#: Overrides left out of the name `with_overrides` gives its copy: those that change no figure of a run, and
#: the trials and seed, which say how it is run, not what it models: `simulate`'s arguments override them,
#: and a run states its own (`Results.n_trials`, `Results.seed`), so a name stating them could be wrong.
UNNAMED_OVERRIDES = frozenset(
    {
        "name",
        "description",
        "simulation.keep_events",
        "simulation.chunk_trials",
        "simulation.trials",
        "simulation.seed",
    }
)
#: The overrides a derived name lists; more are counted.
NAMED_OVERRIDES = 3
#: The characters a derived name gives an override's value (a path's file name is given whole).
SHOWN_OVERRIDE = 40


def derived_name(name: str, overrides: Mapping[str, Any]) -> str:
    """The name of a variant: its parent's and the overrides that change its figures, each value as
    YAML writes it (shortened), the first `NAMED_OVERRIDES` of them; the parent's name when there is none.
    A path (a `Path`, or text with a ``/``) is shortened from the left, so that its file name shows.

    >>> derived_name("RV pool", {"schemes.rv_pool.capital_usd_m": 2000, "simulation.keep_events": True})
    'RV pool (with schemes.rv_pool.capital_usd_m=2000)'
    >>> derived_name("RV pool", {"a": None, "b": [1, 2], "c": "x", "d": 0.5})
    "RV pool (with a=null, b=[1, 2], c='x' and 1 more)"
    >>> derived_name("RV pool", {"portfolio": "books/underwriting_2026/cedant_book_variant_a.yaml"})
    "RV pool (with portfolio='…/cedant_book_variant_a.yaml')"
    """
    changed = [
        f"{path}={_shown_override(value)}"
        for path, value in overrides.items()
        if str(path) not in UNNAMED_OVERRIDES
    ]
    if not changed:
        return name
    more = len(changed) - NAMED_OVERRIDES
    listed = ", ".join(changed[:NAMED_OVERRIDES]) + (f" and {more} more" if more > 0 else "")
    return f"{name} (with {listed})"


def _shown_override(value: Any) -> str:
    """An override's value in a derived name: a path quoted and shortened from the left (variants over
    files in one folder differ in their file names), anything else as YAML writes it, shortened."""
    value = _python_scalar(value)
    if isinstance(value, os.PathLike) or (
        isinstance(value, str) and any(sep in value for sep in _SEPARATORS)
    ):
        return repr(_shortened_path(os.fspath(value), SHOWN_OVERRIDE - 2))  # (2 for the quotes)
    return show_value(value, SHOWN_OVERRIDE)


_SEPARATORS = frozenset({"/", os.sep})


def _shortened_path(text: str, limit: int) -> str:
    """`text` when at most `limit` characters, else "…" and as many of its last folders as fit with its
    file name, which is whole even when it alone is longer.

    >>> _shortened_path("books/underwriting_2026/cedant_book_variant_a.yaml", 48)
    '…/underwriting_2026/cedant_book_variant_a.yaml'
    >>> _shortened_path("books/underwriting_2026/cedant_book_variant_a.yaml", 40)
    '…/cedant_book_variant_a.yaml'
    >>> _shortened_path("a/cedant_book_variant_a.yaml", 10)
    '…/cedant_book_variant_a.yaml'
    """
    if len(text) <= limit:
        return text
    tail = text[len(text) - (limit - 1) :]  # (1 for the ellipsis)
    folder = next((i for i, char in enumerate(tail) if char in _SEPARATORS), None)
    if folder is not None:
        return "…" + tail[folder:]
    file_name = max(text.rfind(sep) for sep in _SEPARATORS)
    return "…" + text[file_name:] if file_name > 0 else text


def _python_scalar(value: Any) -> Any:
    """A numpy scalar (a sweep built with ``np.arange``) as its Python value; anything else as it is."""
    return value.item() if hasattr(value, "item") and getattr(value, "shape", None) == () else value


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _missing_entry(scenario: Scenario, path: str, origin: str) -> Problem | None:
    """A `Problem` when `path` sets a key inside a named entry the scenario does not have
    (``schemes.nopool.x`` when there is no scheme ``nopool``), else None."""
    parts = path.split(".")
    node: Any = scenario
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                return None
            node = getattr(node, part)
        elif isinstance(node, dict):
            key = next((k for k in node if str(k) == part), None)
            if key is None:
                container = parts[i - 1] if i else "entries"
                names = ", ".join(str(k) for k in node) or "none"
                return Problem(
                    origin,
                    (),
                    f"no {_singular(container)} {part!r} ({'.'.join(parts[:i]) or container}: {names})",
                )
            node = node[key]
        elif isinstance(node, list | tuple):
            if not part.isdigit() or int(part) >= len(node):
                return None
            node = node[int(part)]
        else:
            return None
        if node is None:
            return None
    return None


def _set_path(doc: dict[str, Any], dotted: str, value: Any) -> Problem | None:
    parts = dotted.split(".")
    if not dotted or any(not part for part in parts):
        return Problem(None, (), f"{dotted!r} is not a dotted key path such as schemes.rv_pool.capital_usd_m")
    if parts[0] in NOT_INHERITED:
        return invalid(
            (parts[0],),
            value,
            f"{parts[0]} is resolved when the file is read, so an override cannot change it: edit the file "
            "(or give the other scenario file itself)",
        )
    node: Any = doc
    done: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return invalid(tuple(done), part, f"must be a list index below {len(node)}")
            key: Any = int(part)
        elif isinstance(node, dict):
            key = next((k for k in node if str(k) == part), None)
            if key is None:
                key = int(part) if part.isdigit() and node and all(isinstance(k, int) for k in node) else part
        else:
            return Problem(None, tuple(done), f"is {show_value(node)}, not a mapping: cannot set {dotted}")
        if last:
            if value is None and tuple(parts) in NULL_NOT_ALLOWED:
                return invalid(tuple(parts), value, NULL_NOT_ALLOWED[tuple(parts)])
            if isinstance(node, dict) and value is None:
                node.pop(key, None)
            else:
                node[key] = value
            return None
        nxt = node[key] if isinstance(node, list) or key in node else None
        if nxt is None:
            nxt = {}
            node[key] = nxt
        node = nxt
        done.append(key)
    return None
