"""The scenario file format described for editors and people: JSON Schema and the Markdown reference.

In: the pydantic models of `schema.py` (through their JSON Schema). Out: `json_schema(kind)`, what
`riskmodel schema` prints, and `render_reference()`, the generated part of docs/scenarios.md: one table per
block with every key's type, default, unit, allowed values and description, plus the cession sources and
premium bases. `python -m riskmodel.scenario.docs --write` rewrites that part of the file; a test fails
when it is stale, so the reference cannot drift from the schema.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from riskmodel import payers
from riskmodel.scenario.checks import PREMIUM_BASES
from riskmodel.scenario.errors import IDENTIFIER_PATTERN, STATE_CODE_PATTERN, format_number
from riskmodel.scenario.schema import Portfolio, Scenario

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
BEGIN_MARK = "<!-- BEGIN GENERATED REFERENCE: python -m riskmodel.scenario.docs --write -->"
END_MARK = "<!-- END GENERATED REFERENCE -->"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Kind = Literal["scenario", "portfolio"]


# ------------------------------------------------------------------------------------------ JSON Schema
def json_schema(kind: Kind = "scenario") -> dict[str, Any]:
    """The JSON Schema of a scenario (or portfolio) file, as editors use it for completion and checks.

    It is pydantic's schema of the model, with one change the loader makes possible: a scenario's
    `portfolio` may also be the path of a portfolio file.
    """
    model = Scenario if kind == "scenario" else Portfolio
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, **model.model_json_schema()}
    if kind == "scenario":
        portfolio = schema["properties"]["portfolio"]
        portfolio["anyOf"].insert(
            1, {"type": "string", "description": "Path of a portfolio file, relative to this file."}
        )
    return schema


# ----------------------------------------------------------------------------------- model annotations
def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from `root`, by class name (the names of the JSON Schema's `$defs`)."""
    found: dict[str, type[BaseModel]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, type) and issubclass(node, BaseModel):
            if node.__name__ in found:
                return
            found[node.__name__] = node
            for f in node.model_fields.values():
                visit(f.annotation)
        for arg in get_args(node):
            visit(arg)

    visit(root)
    return found


def _key_name(model: type[BaseModel] | None, prop: str, schema_node: dict[str, Any]) -> str:
    """What the keys of a mapping field are: `<state>`, `<id>`, `<year>`, `<zone>`..."""
    for combo in ("anyOf", "oneOf"):  # an optional mapping: its mapping branch
        branches = [n for n in schema_node.get(combo, []) if n.get("type") == "object"]
        if branches:
            schema_node = branches[0]
    pattern = next(iter(schema_node.get("patternProperties", {})), None)
    if pattern == STATE_CODE_PATTERN:
        return "<state>"
    if pattern == IDENTIFIER_PATTERN:
        return "<id>"
    names = schema_node.get("propertyNames", {}).get("enum")
    if names:
        return "<" + "|".join(names) + ">"
    annotation = model.model_fields[prop].annotation if model and prop in model.model_fields else None
    for arg in [annotation, *get_args(annotation)]:
        if get_origin(arg) is dict:
            key = get_args(arg)[0]
            base = get_args(key)[0] if get_args(key) else key
            if base is int:
                return "<year>"
    return {"zones": "<zone>", "shares": "<key>"}.get(prop, "<key>")


# ------------------------------------------------------------------------------------------- rendering
def _anchor(name: str) -> str:
    return name.lower()


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _type(node: dict[str, Any], key: str = "<key>") -> str:
    name = _ref_name(node)
    if name:
        return f"[{name}](#{_anchor(name)})"
    for combo in ("anyOf", "oneOf"):
        if combo in node:
            parts = [_type(n, key) for n in node[combo] if n.get("type") != "null"]
            return " or ".join(parts)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type")
    if kind == "array":
        return f"list of {_type(node.get('items', {}))}"
    if kind == "object":
        values = next(iter(node.get("patternProperties", {}).values()), None)
        if values is None and isinstance(node.get("additionalProperties"), dict):
            values = node["additionalProperties"]
        return f"mapping `{key}` → {_type(values)}" if values is not None else "mapping"
    if kind == "string":
        pattern = node.get("pattern")
        return (
            "state code"
            if pattern == STATE_CODE_PATTERN
            else "id"
            if pattern == IDENTIFIER_PATTERN
            else "text"
        )
    return {"integer": "whole number", "number": "number", "boolean": "true/false"}.get(str(kind), str(kind))


def _allowed(node: dict[str, Any]) -> str:
    for combo in ("anyOf", "oneOf"):
        if combo in node:
            parts = [_allowed(n) for n in node[combo] if n.get("type") != "null"]
            return "; ".join(p for p in parts if p)
    out = []
    # (both may be given, e.g. a probability that must also be above 0: the exclusive bound is the stricter)
    lo = (">", node["exclusiveMinimum"]) if "exclusiveMinimum" in node else ("≥", node.get("minimum"))
    hi = ("<", node["exclusiveMaximum"]) if "exclusiveMaximum" in node else ("≤", node.get("maximum"))
    if lo[1] is not None and hi[1] is not None:
        left = "≤" if lo[0] == "≥" else "<"
        out.append(f"{format_number(lo[1])} {left} x {hi[0]} {format_number(hi[1])}")
    elif lo[1] is not None:
        out.append(f"{lo[0]} {format_number(lo[1])}")
    elif hi[1] is not None:
        out.append(f"{hi[0]} {format_number(hi[1])}")
    if node.get("minLength") == 1:
        out.append("not empty")
    if "maxLength" in node:
        out.append(f"at most {node['maxLength']} characters")
    if "minItems" in node:
        out.append(f"at least {node['minItems']} item{'s' if node['minItems'] != 1 else ''}")
    if "minProperties" in node:
        out.append(f"at least {node['minProperties']} entr{'ies' if node['minProperties'] != 1 else 'y'}")
    if node.get("pattern") == STATE_CODE_PATTERN or STATE_CODE_PATTERN in node.get("patternProperties", {}):
        out.append("ISO3 state codes of the world data")
    for inner, label in (("items", "each"), ("additionalProperties", "each value")):
        if isinstance(node.get(inner), dict) and "$ref" not in node[inner]:
            text = _allowed(node[inner])
            if text and not text.startswith("ISO3"):
                out.append(f"{label} {text}")
            elif text:
                out.append(text)
    for values in node.get("patternProperties", {}).values():
        if "$ref" not in values and _allowed(values):
            out.append(f"each value {_allowed(values)}")
    return "; ".join(out)


def _default(model: type[BaseModel] | None, prop: str, node: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" in node:
        value = node["default"]
    elif model is not None and prop in model.model_fields:
        value = model.model_fields[prop].get_default(call_default_factory=True)
        if isinstance(value, BaseModel) and _is_default_model(value):
            return "its defaults"
        value = to_jsonable_python(value)
    else:
        return ""
    if value is None:
        return "none"
    if isinstance(value, float):
        return format_number(value)
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _is_default_model(value: BaseModel) -> bool:
    """True when `value` is its class with every key at its default."""
    cls = type(value)
    return not any(f.is_required() for f in cls.model_fields.values()) and value == cls()


_UNITS: tuple[tuple[str, str], ...] = (
    ("sdr_usd", "USD per SDR"),
    ("_cap_usd", "USD/bbl"),
    ("_mean_usd", "USD/bbl"),
    ("_per_gt_usd", "USD per GT a year"),
    ("_usd_m", "USD m"),
    ("_usd", "USD"),
    ("_pct", "%"),
    ("ramp_years", "years"),
    ("years", "years"),
    ("_year", "year"),
)


def _unit(prop: str) -> str:
    for suffix, unit in _UNITS:
        if prop.endswith(suffix) or prop == suffix.lstrip("_"):
            return unit
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _sections(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(name, JSON Schema, key paths where it appears) of every block, depth first from the root."""
    defs: dict[str, Any] = schema.get("$defs", {})
    order: list[str] = []
    used_at: dict[str, list[str]] = {}
    models = {**_models(Scenario), **_models(Portfolio)}

    def refs(node: Any, path: str, key: str) -> list[tuple[str, str]]:
        if not isinstance(node, dict):
            return []
        name = _ref_name(node)
        if name:
            return [(name, path)]
        out: list[tuple[str, str]] = []
        for combo in ("anyOf", "oneOf"):
            for n in node.get(combo, []):
                out.extend(refs(n, path, key))
        if isinstance(node.get("items"), dict):
            out.extend(refs(node["items"], f"{path}[]", key))
        for values in node.get("patternProperties", {}).values():
            out.extend(refs(values, f"{path}.{key}", key))
        if isinstance(node.get("additionalProperties"), dict):
            out.extend(refs(node["additionalProperties"], f"{path}.{key}", key))
        return out

    def visit(name: str, node: dict[str, Any], path: str) -> None:
        used_at.setdefault(name, [])
        if path and path not in used_at[name]:
            used_at[name].append(path)
        if name in order:
            return
        order.append(name)
        model = models.get(name)
        for prop, sub in node.get("properties", {}).items():
            key = _key_name(model, prop, sub)
            for child, child_path in refs(sub, f"{path}.{prop}" if path else prop, key):
                visit(child, defs[child], child_path)

    visit(schema["title"], schema, "")
    all_defs = {schema["title"]: schema, **defs}
    return [(name, all_defs[name], used_at[name]) for name in order]


def _render_block(
    name: str, node: dict[str, Any], used_at: list[str], models: dict[str, type[BaseModel]]
) -> str:
    model = models.get(name)
    lines = [f"### {name}", ""]
    if used_at:
        lines += ["At " + ", ".join(f"`{p}`" for p in used_at) + ".", ""]
    if node.get("description"):
        lines += [node["description"], ""]
    lines += ["| key | type | default | unit | allowed | description |", "|---|---|---|---|---|---|"]
    required = set(node.get("required", []))
    for prop, sub in node.get("properties", {}).items():
        cells = [
            f"`{prop}`",
            _type(sub, _key_name(model, prop, sub)),
            _default(model, prop, sub, prop in required),
            _unit(prop),
            _allowed(sub),
            sub.get("description", ""),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def render_reference() -> str:
    """The generated part of docs/scenarios.md (between `BEGIN_MARK` and `END_MARK`)."""
    models = {**_models(Scenario), **_models(Portfolio)}
    parts = [
        "## Reference of every key",
        "",
        "Generated from the schema by `python -m riskmodel.scenario.docs --write`; do not edit by hand. "
        "`x` in the *allowed* column is the value; a default of *its defaults* means every key of that block "
        "takes its own default.",
    ]
    for name, node, used_at in _sections(json_schema("scenario")):
        parts += ["", _render_block(name, node, used_at, models)]
    parts += [
        "",
        "### Cession sources",
        "",
        "The payer columns a contract's `source` (and a peril's `source`) can name (MODEL.md section 8):",
        "",
        ", ".join(f"`{p}`" for p in payers.FIXED_PAYERS) + ";",
        "and per scheme `<id>`: "
        + ", ".join(f"`{p.format(id='<id>')}`" for p in payers.SCHEME_PAYER_PATTERNS)
        + ";",
        f"and per user-defined peril `<id>`: `{payers.PERIL_PAYER_PATTERN.format(id='<id>')}`.",
        "",
        "### Premium bases",
        "",
        "The bases a rated premium (`premium: {rate_on_base: ..., base: ...}`) can name: "
        + ", ".join(f"`{b}`" for b in PREMIUM_BASES)
        + ", and per scheme `scheme_premium:<id>`.",
    ]
    return "\n".join(parts).rstrip() + "\n"


def replace_generated(text: str, generated: str) -> str:
    """`text` with the part between the markers replaced by `generated` (markers appended if absent)."""
    block = f"{BEGIN_MARK}\n{generated}{END_MARK}"
    if BEGIN_MARK in text and END_MARK in text:
        head, rest = text.split(BEGIN_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        return head + block + tail
    return text.rstrip("\n") + "\n\n" + block + "\n"


def generated_part(text: str) -> str | None:
    """The part of `text` between the markers, or None when they are missing."""
    if BEGIN_MARK not in text or END_MARK not in text:
        return None
    return text.split(BEGIN_MARK, 1)[1].split(END_MARK, 1)[0].removeprefix("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate or check the reference in docs/scenarios.md.")
    parser.add_argument("path", nargs="?", type=Path, default=DOCS_PATH)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite the generated part of the file")
    action.add_argument("--check", action="store_true", help="exit 1 when the generated part is stale")
    args = parser.parse_args(argv)
    generated = render_reference()
    if args.write:
        text = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        args.path.write_text(replace_generated(text, generated), encoding="utf-8")
        print(f"wrote {args.path}")
        return 0
    if args.check:
        current = generated_part(args.path.read_text(encoding="utf-8"))
        if current != generated:
            print(f"{args.path} is stale: run python -m riskmodel.scenario.docs --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
