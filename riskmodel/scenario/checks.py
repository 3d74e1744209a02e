"""Checks of a scenario that need the whole file or the world data, one small validator per concern.

In: the resolved scenario document (a plain mapping, after `extends` and the portfolio path are resolved;
a `Scenario.model_dump()` works too) and the codes of the world reference data. Out: `Problem`s, without
file and line (the loader adds them from the key path).

The validators read the raw document defensively and skip values of the wrong type: pydantic reports
those, and these checks still run, so a file with a type error *and* an unknown state code shows both.
Notes (`note_problems`, `scenario_notes`) are not errors: a contract on a scheme or peril the scenario
lacks is valid and cedes nothing (and, when it has no other source, earns no premium), so one portfolio
serves every scenario of a comparison.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from riskmodel import payers
from riskmodel.scenario.errors import (
    BeyondEveryFloat,
    KeyPath,
    Problem,
    did_you_mean,
    format_number,
    invalid,
    suggestion,
)
from riskmodel.scenario.schema import (
    BLOCK_TRIALS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_PERIL_EVENTS,
    MAX_YEARS,
    Contract,
    Horizon,
    Portfolio,
    Scenario,
    Scheme,
    Simulation,
)

_STATE = re.compile(r"^[A-Z]{3}$")
#: Premium bases a rated premium can name (MODEL.md section 4); `scheme_premium:<id>` per scheme.
PREMIUM_BASES: tuple[str, ...] = ("ig_gxl_premium", "hm_western_premium")
_SCHEME_PREMIUM = re.compile(r"^scheme_premium:([A-Za-z0-9_][A-Za-z0-9_\-]*)$")


def is_premium_base(name: str) -> bool:
    """A premium base the model produces: `PREMIUM_BASES` or `scheme_premium:<id>` (for some scheme)."""
    return name in PREMIUM_BASES or bool(_SCHEME_PREMIUM.match(name))


# ------------------------------------------------------------------------------------------ world codes
@dataclass(frozen=True)
class WorldCodes:
    """The codes of the world reference data a scenario may name."""

    states: frozenset[str]
    zones: frozenset[str]
    segments: frozenset[str] = frozenset()
    suggester: Callable[[str], Any] | None = None
    #: States some trade carries cargo to, and flags some trade's tankers fly (empty: not checked).
    destinations: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    #: States some trade carries cargo from (empty: not checked).
    origins: frozenset[str] = frozenset()
    #: The smallest IG club retention of the world's IG structures (None: unknown): a claim reaches the
    #: IG pool and the layers above it only beyond the retention.
    ig_retention: float | None = None
    #: Convention (`clc92`, `fund92`, `supp`, `opa`) → the states party to it in the world data (empty:
    #: not checked).
    conventions: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    def suggest_state(self, code: str) -> str | None:
        """The state code closest to a misspelt one, or None.

        A typo of a code (`IRM`) is matched against the codes; anything else (`irn`, `UK`, `Germany`) goes
        to the world's own suggester first, which knows aliases and state names.
        """
        if _STATE.match(code):
            best = did_you_mean(code, sorted(self.states))
            if best:
                return best
        if self.suggester is not None:
            try:
                found = self.suggester(code)
            except (KeyError, ValueError, LookupError):
                found = None
            if isinstance(found, list | tuple):
                found = found[0] if found else None
            if isinstance(found, str) and found in self.states and found != code:
                return found
        return did_you_mean(code, sorted(self.states))

    @classmethod
    def from_world(cls, world: Any) -> WorldCodes:
        segments: Any = getattr(world, "segment_codes", None)
        if segments is None and getattr(world, "segments", None) is not None:
            segments = world.segments.index
        return cls(
            states=frozenset(str(c) for c in world.state_codes),
            zones=frozenset(str(c) for c in world.zone_codes),
            segments=frozenset(str(c) for c in segments) if segments is not None else frozenset(),
            suggester=getattr(world, "suggest_state", None),
            destinations=_column_codes(getattr(world, "trades", None), "destination"),
            flags=_column_codes(getattr(world, "trade_flags", None), "flag"),
            origins=_column_codes(getattr(world, "trades", None), "origin"),
            ig_retention=_ig_retention(getattr(world, "ig", None)),
            conventions=_convention_parties(getattr(world, "states", None)),
        )


def _convention_parties(states: Any) -> dict[str, frozenset[str]]:
    """Convention → the states whose column is true in the world's states table (empty when missing)."""
    columns = getattr(states, "columns", ())
    return {
        name: frozenset(str(c) for c in states.index[states[name].astype(int).astype(bool)])
        for name in _CONVENTION_NAMES
        if name in columns
    }


def _ig_retention(ig: Any) -> float | None:
    structures = _map(_map(ig).get("structures")).values() if isinstance(ig, Mapping) else ()
    retentions = [r for r in (_number(_map(x).get("club_retention")) for x in structures) if r is not None]
    return min(retentions) if retentions else None


def _column_codes(table: Any, column: str) -> frozenset[str]:
    """The distinct codes of a world table's column (empty when the table or column is missing)."""
    if table is None or column not in getattr(table, "columns", ()):
        return frozenset()
    return frozenset(str(c) for c in table[column].unique())


def default_world_codes() -> WorldCodes:
    """The codes of the shipped world reference data (derived once per version of its files)."""
    from riskmodel.world.loader import shared_world

    return _codes_of_shared(shared_world())


@functools.lru_cache(maxsize=2)
def _codes_of_shared(world: Any) -> WorldCodes:
    """The codes of a World nobody edits (`shared_world`; told apart by identity)."""
    return WorldCodes.from_world(world)


# -------------------------------------------------------------------------------------------- helpers
def _map(node: Any) -> Mapping[Any, Any]:
    return node if isinstance(node, Mapping) else {}


def _seq(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _int(node: Any) -> int | None:
    """`node` as a whole number, or None when it is not one (a bool is not) or is a number beyond every
    float kept for the schema to report (`BeyondEveryFloat`: no check does arithmetic with it)."""
    if isinstance(node, bool | BeyondEveryFloat) or not isinstance(node, int):
        return None
    return node


def _code(node: Any) -> str | None:
    return node if isinstance(node, str) and _STATE.match(node) else None


def _schemes(doc: Mapping[Any, Any]) -> Iterator[tuple[Any, Mapping[Any, Any]]]:
    for sid, scheme in _map(doc.get("schemes")).items():
        if isinstance(scheme, Mapping):
            yield sid, scheme


def _candidates(scheme: Mapping[Any, Any]) -> Iterator[tuple[Any, Mapping[Any, Any]]]:
    for code, cand in _map(scheme.get("candidates")).items():
        if isinstance(cand, Mapping):
            yield code, cand


def _contracts(portfolio: Mapping[Any, Any]) -> Iterator[tuple[Any, Mapping[Any, Any]]]:
    for cid, contract in _map(portfolio.get("contracts")).items():
        if isinstance(contract, Mapping):
            yield cid, contract


def _sources(contract: Mapping[Any, Any]) -> list[tuple[KeyPath, str]]:
    """(relative path, name) of each source a contract names."""
    source = contract.get("source")
    if isinstance(source, str):
        return [(("source",), source)]
    return [(("source", i), s) for i, s in enumerate(_seq(source)) if isinstance(s, str)]


def horizon_years(doc: Mapping[Any, Any]) -> tuple[int, int] | None:
    """(first, last) policy year of the document's horizon; None when the horizon itself is invalid (the
    schema says why): a year out of its range, or a number beyond every float kept for the schema to judge
    (`errors.BeyondEveryFloat`), never reaches the checks' arithmetic."""
    h = doc.get("horizon", {})
    if not isinstance(h, Mapping):
        return None
    start = _int(h.get("start_year", Horizon.model_fields["start_year"].default))
    years = _int(h.get("years", Horizon.model_fields["years"].default))
    if start is None or years is None or not FIRST_YEAR <= start <= LAST_YEAR or not 1 <= years <= MAX_YEARS:
        return None
    return start, start + years - 1


# ----------------------------------------------------------------------------------------- validators
def check_finite_numbers(doc: Any, prefix: KeyPath = ()) -> list[Problem]:
    """NaN and infinity are never allowed (YAML's `.nan` and `.inf` parse as floats)."""
    out: list[Problem] = []
    if isinstance(doc, float) and not math.isfinite(doc):
        hint = (
            " (leave the key out for no limit)" if prefix and str(prefix[-1]).endswith("limit_usd_m") else ""
        )
        out.append(invalid(prefix, doc, "must be a finite number: NaN and infinity are not allowed", hint))
    elif isinstance(doc, Mapping):
        for key, value in doc.items():
            out.extend(check_finite_numbers(value, (*prefix, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.extend(check_finite_numbers(value, (*prefix, i)))
    return out


def _state_code_paths(doc: Mapping[Any, Any]) -> Iterator[tuple[KeyPath, str]]:
    for sid, scheme in _schemes(doc):
        base = ("schemes", sid)
        for i, code in enumerate(_seq(scheme.get("founders"))):
            yield (*base, "founders", i), code
        for code, cand in _candidates(scheme):
            yield (*base, "candidates", code), code
            for i, cond in enumerate(_seq(cand.get("conditions"))):
                yield (*base, "candidates", code, "conditions", i), cond
        for block in ("certifying_flags", "port_acceptance"):
            for code in _map(scheme.get(block)):
                yield (*base, block, code), code
    for code in _map(_map(doc.get("world")).get("conventions")):
        yield ("world", "conventions", code), code


def check_state_codes(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """Every state code a scenario names exists in the world data."""
    out = []
    for path, code in _state_code_paths(doc):
        if _code(code) and code not in world.states:
            best = world.suggest_state(code)
            hint = f" (did you mean {best!r}?)" if best else ""
            out.append(invalid(path, code, "must be a state of the world reference data", hint))
    return out


def check_recognition_reaches_trades(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """Recognition levers name states the market stage can use (MODEL.md section 4): port acceptance a
    trade's destination, a certifying flag one that some trade's tankers fly. Anything else would be
    accepted and change nothing."""
    levers = (
        ("port_acceptance", world.destinations, "the destination of a trade in the world data"),
        ("certifying_flags", world.flags, "a flag that tankers of a trade in the world data fly"),
    )
    if _map(doc.get("simulation")).get("world_model", True) is False:
        return []  # a perils-only run has no market
    out = []
    for sid, scheme in _schemes(doc):
        for block, known, what in levers:
            if not known:
                continue
            for code in _map(scheme.get(block)):
                if _code(code) and code in world.states and code not in known:
                    allowed = f"must be {what} (else it changes nothing): " + ", ".join(sorted(known))
                    out.append(invalid(("schemes", sid, block, code), code, allowed))
    return out


#: Convention overrides that contradict each other in one state: (key set to true, key set alongside or
#: the world's value of it, its value that contradicts, why). The engine drops the first then.
_CONVENTION_CLASHES = (
    ("fund92", "clc92", False, "the 1992 Fund Convention is open only to parties to CLC 1992"),
    ("supp", "fund92", False, "the Supplementary Fund is open only to parties to the 1992 Fund"),
    ("supp", "clc92", False, "the Supplementary Fund is open only to parties to CLC 1992"),
    ("opa", "clc92", True, "a state's waters are under CLC 1992 or the US Oil Pollution Act, not both"),
)
_CONVENTION_NAMES = ("clc92", "fund92", "supp", "opa")


def check_convention_overrides(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A state's convention overrides contradict neither each other nor the world data's memberships the
    override keeps: the engine would drop the override (`fund92: true` for a state that is no party to CLC
    1992 stays false) or the world's membership (`clc92: true` for the USA ends its OPA; `clc92: false`
    for a Fund state ends its Fund membership)."""
    out = []
    for code, override in _map(_map(doc.get("world")).get("conventions")).items():
        o = _map(override)
        for key, other, clash, why in _CONVENTION_CLASHES:
            if o.get(key) is not True:
                continue
            path = ("world", "conventions", code, key)
            parties = world.conventions.get(other)  # (None: the world's memberships are not known here)
            if o.get(other) is clash:
                out.append(invalid(path, True, f"contradicts {other}: {str(clash).lower()} ({why})"))
            elif o.get(other) is None and parties and code in world.states and (code in parties) is clash:
                out.append(
                    invalid(
                        path,
                        True,
                        f"{code} has {other}: {str(clash).lower()} in the world data, and {why}: also set "
                        f"{other}: {str(not clash).lower()} for {code} (or leave {key} out)",
                    )
                )
        # the other way: `other` set to the clashing value drops the world's `key`
        for key, other, clash, why in _CONVENTION_CLASHES:
            parties = world.conventions.get(key)
            if (
                o.get(other) is clash
                and key not in o
                and parties
                and code in world.states
                and code in parties
            ):
                out.append(
                    invalid(
                        ("world", "conventions", code, other),
                        clash,
                        f"{code} has {key}: true in the world data, and {why}: also set {key}: false for "
                        f"{code} (or leave {other} out)",
                    )
                )
    return out


def check_zone_codes(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """Enforcement zones exist in the world data."""
    out = []
    zones = _map(_map(_map(doc.get("sanctions")).get("enforcement")).get("zones"))
    for zone in zones:
        if isinstance(zone, str) and zone not in world.zones:
            allowed = "must be a zone of the world reference data: " + ", ".join(sorted(world.zones))
            out.append(
                invalid(
                    ("sanctions", "enforcement", "zones", zone), zone, allowed, suggestion(zone, world.zones)
                )
            )
    return out


def check_scheme_years(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A scheme starts inside the horizon."""
    horizon = horizon_years(doc)
    if horizon is None:
        return []
    first, last = horizon
    out = []
    for sid, scheme in _schemes(doc):
        year = _int(scheme.get("start_year"))
        if year is not None and not first <= year <= last:
            out.append(
                invalid(("schemes", sid, "start_year"), year, f"must lie inside the horizon {first}–{last}")
            )
    return out


def check_candidate_years(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A candidate's years lie between its scheme's start and the horizon's end.

    `by_year` may lie past the horizon (it only sets the yearly hazard, which continues), but not before
    the scheme starts; `earliest_year` and the years of a `schedule` must lie inside
    [scheme start_year, last year of the horizon].
    """
    horizon = horizon_years(doc)
    if horizon is None:
        return []
    out = []
    for sid, scheme in _schemes(doc):
        start = _int(scheme.get("start_year"))
        if start is None or not horizon[0] <= start <= horizon[1]:
            continue  # an invalid start is reported once, by check_scheme_years
        last = horizon[1]
        window = f"must lie between the scheme's start_year {start} and the horizon's last year {last}"
        for code, cand in _candidates(scheme):
            base = ("schemes", sid, "candidates", code)
            earliest = _int(cand.get("earliest_year"))
            if earliest is not None and not start <= earliest <= last:
                out.append(invalid((*base, "earliest_year"), earliest, window))
            by_year = _int(cand.get("by_year"))
            if by_year is not None and by_year < start:
                out.append(
                    invalid(
                        (*base, "by_year"),
                        by_year,
                        f"must not be before the scheme's start_year {start} "
                        "(a by_year past the horizon is allowed)",
                    )
                )
            schedule = cand.get("schedule")
            if isinstance(schedule, Mapping):
                if not schedule:
                    out.append(
                        invalid((*base, "schedule"), {}, "must give a probability for at least one year")
                    )
                for year in schedule:
                    y = _int(year)
                    if y is not None and not start <= y <= last:
                        out.append(invalid((*base, "schedule", year), y, window))
    return out


def check_peril_years(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A peril's years lie inside the horizon."""
    horizon = horizon_years(doc)
    if horizon is None:
        return []
    first, last = horizon
    out = []
    for pid, peril in _map(doc.get("perils")).items():
        for i, year in enumerate(_seq(_map(peril).get("years"))):
            y = _int(year)
            if y is not None and not first <= y <= last:
                out.append(
                    invalid(("perils", pid, "years", i), y, f"must lie inside the horizon {first}–{last}")
                )
    return out


def check_peril_events(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """The perils' expected events in a trial over the horizon stay within `MAX_PERIL_EVENTS` (memory)."""
    horizon = horizon_years(doc)
    if horizon is None:
        return []
    n_years = horizon[1] - horizon[0] + 1
    load: dict[Any, tuple[float, Any]] = {}  # peril → (its expected events over the horizon, its mean)
    for pid, peril in _map(doc.get("perils")).items():
        given = _map(_map(peril).get("frequency")).get("mean")
        mean = _number(given)
        years = _seq(_map(peril).get("years"))
        if mean is not None:
            load[pid] = (mean * (len(set(map(str, years))) if years else n_years), given)
    total = sum(events for events, _ in load.values())
    if total <= MAX_PERIL_EVENTS:
        return []
    pid = max(load, key=lambda k: load[k][0])
    allowed = (
        f"the perils draw {total:,.0f} events a trial over the horizon (each mean × the years it applies); "
        f"at most {MAX_PERIL_EVENTS:,}: the engine holds a block of {BLOCK_TRIALS:,} trials' events at once"
    )
    return [invalid(("perils", pid, "frequency", "mean"), load[pid][1], allowed)]


def check_founders_in_one_scheme(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A state founds at most one scheme (a repeat in one scheme's list: `check_lists_name_each_once`)."""
    founded: dict[str, Any] = {}
    out = []
    for sid, scheme in _schemes(doc):
        for i, code in enumerate(_seq(scheme.get("founders"))):
            if not isinstance(code, str):
                continue
            path = ("schemes", sid, "founders", i)
            if code in founded and founded[code] != sid:
                out.append(
                    invalid(
                        path,
                        code,
                        f"already a founder of scheme {founded[code]!r} (a state founds at most one scheme)",
                    )
                )
            else:
                founded[code] = sid
    return out


def check_founders_not_candidates(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A founder is a member of its scheme from the start, so it is no candidate of any scheme: of its own
    it would change nothing; of another, the engine (`adoption.join_years`: a state joins at most one
    scheme, the one it would join first) could let it join that one instead, and the founder would never
    be a member of the scheme it founds."""
    founded_by: dict[str, list[Any]] = {}  # (a state listed as founder of two schemes: another check's error)
    for sid, scheme in _schemes(doc):
        for code in _seq(scheme.get("founders")):
            if isinstance(code, str):
                founded_by.setdefault(code, []).append(sid)
    out = []
    for sid, scheme in _schemes(doc):
        for code, _ in _candidates(scheme):
            founders = founded_by.get(code, []) if isinstance(code, str) else []
            if not founders:
                continue
            founder_of = sid if sid in founders else founders[0]
            path = ("schemes", sid, "candidates", code)
            if founder_of == sid:
                out.append(
                    invalid(path, code, "already a founder of this scheme, so it cannot also be a candidate")
                )
            else:
                out.append(
                    invalid(
                        path,
                        code,
                        f"a founder of scheme {founder_of!r} cannot be a candidate of scheme {sid!r}: a "
                        "state joins at most one scheme, and a founder is a member of its own from its "
                        f"start_year (remove {code} from the candidates of {sid!r}, or from the founders of "
                        f"{founder_of!r})",
                    )
                )
    return out


def check_conditions(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """Conditions name founders or other candidates of the same scheme, and form no cycle."""
    out = []
    for sid, scheme in _schemes(doc):
        founders = {c for c in _seq(scheme.get("founders")) if isinstance(c, str)}
        candidates = dict(_candidates(scheme))
        needs: dict[Any, list[Any]] = {}
        for code, cand in candidates.items():
            needs[code] = []
            for i, cond in enumerate(_seq(cand.get("conditions"))):
                path = ("schemes", sid, "candidates", code, "conditions", i)
                if not isinstance(cond, str):
                    continue
                if cond == code:
                    out.append(invalid(path, cond, "a state cannot be its own condition"))
                elif cond not in founders and cond not in candidates:
                    allowed = "must be a founder or a candidate of this scheme"
                    out.append(invalid(path, cond, allowed, suggestion(cond, [*founders, *candidates])))
                elif cond in candidates:
                    needs[code].append(cond)
        reported: set[Any] = set()
        for code in needs:
            cycle = _cycle_from(code, needs)
            if cycle and not reported.intersection(cycle):
                reported.update(cycle)
                chain = " → ".join(str(c) for c in [*cycle, cycle[0]])
                out.append(
                    invalid(
                        ("schemes", sid, "candidates", code, "conditions"),
                        needs[code],
                        f"conditions form a cycle {chain}: none of these states could ever join",
                    )
                )
    return out


def _cycle_from(start: Any, graph: Mapping[Any, list[Any]]) -> list[Any] | None:
    """The cycle through `start` in a dependency graph, if any."""
    stack: list[tuple[Any, list[Any]]] = [(start, [start])]
    seen: set[Any] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return path
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def check_perils_only_run(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A run without the world model simulates only user-defined perils, so it needs one."""
    if _map(doc.get("simulation")).get("world_model") is False and not _map(doc.get("perils")):
        return [
            invalid(
                ("simulation", "world_model"),
                False,
                "a perils-only run needs at least one entry under perils",
            )
        ]
    return []


def _known_sources(doc: Mapping[Any, Any]) -> list[str]:
    names = list(payers.FIXED_PAYERS)
    for sid, _ in _schemes(doc):
        names.extend(payers.scheme_payers(str(sid)))
    names.extend(payers.peril_payer(str(pid)) for pid in _map(doc.get("perils")))
    return names


def check_peril_sources(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A peril's losses land in a payer column that exists in this scenario."""
    out = []
    schemes = {sid for sid, _ in _schemes(doc)}
    perils = set(_map(doc.get("perils")))
    for pid, peril in _map(doc.get("perils")).items():
        source = _map(peril).get("source")
        if not isinstance(source, str):
            continue
        path = ("perils", pid, "source")
        kind, ident = payers.split_source(source)
        if not payers.is_valid_source(source):
            allowed = "must be a payer column: " + payers.all_source_names_hint()
            hint = suggestion(source, _known_sources(doc)) or _pattern_hint(source)
            out.append(invalid(path, source, allowed, hint))
        elif ident is not None and kind == "peril" and ident not in perils:
            out.append(invalid(path, source, f"names peril {ident!r}, which this scenario does not define"))
        elif ident is not None and kind != "peril" and ident not in schemes:
            known = ", ".join(map(str, schemes)) or "none"
            out.append(
                invalid(
                    path,
                    source,
                    f"names scheme {ident!r}, which this scenario does not define (schemes: {known})",
                )
            )
    return out


# ------------------------------------------------------------------------------------ portfolio checks
def check_contract_sources(
    portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()
) -> list[Problem]:
    """Every contract names at least one valid cession source (a payer column of MODEL.md section 8)."""
    out = []
    allowed = "must be a payer column: " + payers.all_source_names_hint()
    for cid, contract in _contracts(portfolio):
        if contract.get("source") == []:
            out.append(invalid((*prefix, "contracts", cid, "source"), [], "must name at least one source"))
        for rel, source in _sources(contract):
            if not payers.is_valid_source(source):
                hint = _pattern_hint(source) or suggestion(source, payers.FIXED_PAYERS)
                out.append(invalid((*prefix, "contracts", cid, *rel), source, allowed, hint))
    return out


#: The prefixes of the payer columns of a scheme or a peril, ``<prefix>:<id>`` (`payers.split_source`).
_SOURCE_PREFIXES = ("scheme", "scheme_reinsurance", "hm_scheme", "peril")


def _pattern_hint(source: str) -> str:
    """What to change in a malformed payer column of a scheme or a peril: a misspelt prefix
    (``schem:rv_pool``: did you mean ``scheme:rv_pool``), or the id after the colon, which must be letters,
    digits, _ or - (``peril:``, ``scheme:RV POOL``). Never the value given back; "" for another mistake.

    >>> _pattern_hint("schem:rv_pool")
    " (did you mean 'scheme:rv_pool'?)"
    >>> _pattern_hint("scheme:RV POOL")
    " ('scheme:' must be followed by an id of letters, digits, _ or -, not starting with -)"
    """
    head, sep, tail = source.partition(":")
    if not sep:
        return ""
    prefix = head if head in _SOURCE_PREFIXES else did_you_mean(head, _SOURCE_PREFIXES)
    if prefix is None:
        return ""
    if payers.is_valid_source(fixed := f"{prefix}:{tail}"):
        return f" (did you mean {fixed!r}?)"
    return f" ('{prefix}:' must be followed by an id of letters, digits, _ or -, not starting with -)"


def check_contract_ids(
    portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()
) -> list[Problem]:
    """No contract takes the name the results give the whole book (`portfolio`)."""
    return [
        invalid(
            (*prefix, "contracts", cid),
            cid,
            "is the name of the whole book in the results: rename the contract",
        )
        for cid, _ in _contracts(portfolio)
        if cid == "portfolio"
    ]


def check_inures(portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()) -> list[Problem]:
    """`inures` names other quota-share contracts of this portfolio whose sources are all among the
    contract's own (their cessions come out of its subject loss), and no contract inures, through others,
    to itself."""
    out = []
    contracts = dict(_contracts(portfolio))
    for cid, contract in contracts.items():
        own = {s for _, s in _sources(contract)}
        for i, name in enumerate(_seq(contract.get("inures"))):
            if not isinstance(name, str):
                continue
            path = (*prefix, "contracts", cid, "inures", i)
            other = contracts.get(name)
            if name == cid:
                out.append(invalid(path, name, "a contract cannot inure to itself"))
            elif other is None:
                allowed = "must name a quota_share contract of this portfolio"
                out.append(invalid(path, name, allowed, suggestion(name, contracts)))
            elif other.get("type") != "quota_share":
                out.append(
                    invalid(
                        path, name, f"names a {other.get('type')} contract: only quota_share contracts inure"
                    )
                )
            elif not {s for _, s in _sources(other)} <= own:
                theirs = sorted(s for _, s in _sources(other) if isinstance(s, str))
                mine = sorted(s for s in own if isinstance(s, str))
                out.append(
                    invalid(
                        path,
                        name,
                        f"names a quota share on sources {theirs}, not all among this contract's own {mine}: "
                        "an inuring quota share's sources must be among the contract's",
                    )
                )
    out += _inuring_cycles(contracts, prefix)
    return out


def _inuring_cycles(contracts: Mapping[Any, Any], prefix: KeyPath) -> list[Problem]:
    """One problem per cycle of `inures` (a -> b -> a), at the `inures` entry that closes it."""
    graph = {
        cid: [n for n in _seq(c.get("inures")) if isinstance(n, str) and n in contracts and n != cid]
        for cid, c in contracts.items()
    }
    out: list[Problem] = []
    state: dict[Any, int] = {}  # 1 on the path, 2 done

    def visit(cid: Any, path: tuple[Any, ...]) -> None:
        state[cid] = 1
        for name in graph[cid]:
            if state.get(name) == 1:
                cycle = " -> ".join(map(str, (*path[path.index(name) :], cid, name)))
                where = (*prefix, "contracts", cid, "inures", _seq(contracts[cid].get("inures")).index(name))
                out.append(invalid(where, name, f"closes an inuring cycle ({cycle}): inuring cannot loop"))
            elif state.get(name) is None:
                visit(name, (*path, cid))
        state[cid] = 2

    for cid in graph:
        if cid not in state:
            visit(cid, ())
    return out


def check_premium_bases(
    portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()
) -> list[Problem]:
    """A rated premium names a premium base the model produces."""
    out = []
    for cid, contract in _contracts(portfolio):
        base = _map(contract.get("premium")).get("base")
        if isinstance(base, str) and not is_premium_base(base):
            allowed = (
                "must be one of " + ", ".join(repr(b) for b in PREMIUM_BASES) + " or 'scheme_premium:<id>'"
            )
            hint = suggestion(base, PREMIUM_BASES)
            out.append(invalid((*prefix, "contracts", cid, "premium", "base"), base, allowed, hint))
    return out


def check_cedant_share_keys(
    portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()
) -> list[Problem]:
    """A cedant share by zone, segment or flag names zones, segments or states of the world data."""
    out = []
    for cid, contract in _contracts(portfolio):
        share = contract.get("cedant_share")
        by = share.get("by") if isinstance(share, Mapping) else None
        if not isinstance(share, Mapping) or by not in ("zone", "segment", "flag"):
            continue
        known = {"zone": world.zones, "segment": world.segments, "flag": world.states}[by]
        if not known:
            continue
        what = {"zone": "zone", "segment": "fleet segment", "flag": "state"}[by]
        for key in _map(share.get("shares")):
            if key not in known:
                path = (*prefix, "contracts", cid, "cedant_share", "shares", key)
                hint = suggestion(key, known)
                if by == "flag" and isinstance(key, str):
                    best = world.suggest_state(key)
                    hint = f" (did you mean {best!r}?)" if best else ""
                allowed = f"must be a {what} of the world reference data"
                if by != "flag":
                    allowed += ": " + ", ".join(sorted(known))
                out.append(invalid(path, key, allowed, hint))
    return out


def check_cedant_share_by_on_perils(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A scenario's contract with a cedant share by zone, segment or flag that takes a peril's events (on
    `peril:<id>`, or on the source a peril's `source:` routes them to) gives the share's `default`: those
    events carry no zone, segment or flag, so without it each would take 0 unnoticed. (A portfolio by
    itself may: an event file given to apply-terms can carry them for a peril's events.)"""
    routed: dict[str, list[str]] = {}  # source → the perils whose events land in it
    for pid, peril in _map(doc.get("perils")).items():
        target = _map(peril).get("source")
        routed.setdefault(target if isinstance(target, str) else f"peril:{pid}", []).append(str(pid))
    out = []
    for cid, contract in _contracts(_map(doc.get("portfolio"))):
        share = contract.get("cedant_share")
        by = share.get("by") if isinstance(share, Mapping) else None
        if not isinstance(by, str) or "default" in _map(share):
            continue
        perils = [p for _, s in _sources(contract) if payers.is_valid_source(s) for p in routed.get(s, ())]
        if perils:
            out.append(
                invalid(
                    ("portfolio", "contracts", cid, "cedant_share", "by"),
                    by,
                    f"contract {cid!r} takes the events of peril {', '.join(map(repr, perils))}, which carry "
                    "no zone, segment or flag: each would take the default share, 0, as none is given; give "
                    "cedant_share.default (the share of events without one), or cedant_share as a number",
                )
            )
    return out


def _number(node: Any) -> float | None:
    """`node` as a float, or None when it is not a number (a bool is not) or too large for a float (pydantic
    reports it)."""
    if not isinstance(node, int | float) or isinstance(node, bool):
        return None
    try:
        return float(node)
    except OverflowError:
        return None


def _largest_cedant_share(share: Any) -> float | None:
    """The largest share a contract's `cedant_share` gives any event (scalar, or by code with a default)."""
    if not isinstance(share, Mapping):
        return _number(share)
    values = [_number(share.get("default", 0.0)), *(_number(v) for v in _map(share.get("shares")).values())]
    return None if None in values else max(values)  # type: ignore[type-var]


#: IG tower columns a claim reaches only beyond the club retention (the pool and everything above it).
_ABOVE_RETENTION = frozenset(payers.TOWER_SOURCES_ABOVE_RETENTION)


def xol_materiality_problem(
    sources: Sequence[str],
    attachment: float,
    largest_share: float,
    threshold: float,
    ig_retention: float | None,
    *,
    run: bool = False,
) -> str | None:
    """What is wrong with a per-occurrence XoL attaching at `attachment` on `sources` (its largest cedant
    share `largest_share`) when events below `threshold` (USD m, on their whole damage) are attritional:
    None when it sees every layer loss, else the rule (`check_xol_above_materiality`; apply-terms on a
    run folder applies it with the run's threshold: `run`)."""
    world_sources = _attritional_sources(sources, threshold, ig_retention)
    least = threshold * largest_share
    if not world_sources or attachment >= least:
        return None
    lower = _LOWER_MATERIALITY[run]
    return (
        f"must be at least {format_number(least)} for a per-occurrence xol on {', '.join(world_sources)}: "
        f"simulation.materiality_usd_m ({format_number(threshold)}) × the largest cedant share "
        f"({format_number(largest_share)}), before any inuring cessions; losses of smaller events are "
        f"attritional and an xol does not see them ({lower}, or use a quota_share or stop_loss)"
    )


#: How to lower the materiality threshold: in a scenario, or (`run`: apply-terms on a run folder) by a re-run.
_LOWER_MATERIALITY = {
    False: "lower materiality_usd_m",
    True: "re-run with a lower simulation.materiality_usd_m",
}


def _attritional_sources(sources: Sequence[str], threshold: float, ig_retention: float | None) -> list[str]:
    """The `sources` whose events below `threshold` become attritional (not peril sources; not the IG
    pool and the layers above it when the threshold is at most the club retention: they see nothing of
    such an event)."""
    above = _ABOVE_RETENTION if ig_retention is not None and threshold <= ig_retention else ()
    return [s for s in sources if payers.split_source(s)[0] != "peril" and s not in above]


def _valid_materiality(simulation: Mapping[Any, Any]) -> float | None:
    """`simulation.materiality_usd_m` (the schema's default when not given), or None when the schema
    refuses it (NaN, infinite, not above 0, beyond the money ceiling, not a number): that mistake is
    reported at its own key, and bounds derived from it would only blame valid contracts for it ("must be
    at least nan").

    >>> _valid_materiality({}), _valid_materiality({"materiality_usd_m": 2}), _valid_materiality(
    ...     {"materiality_usd_m": float("nan")})
    (5.0, 2.0, None)
    """
    value = simulation.get("materiality_usd_m", Simulation.model_fields["materiality_usd_m"].default)
    try:
        Simulation.model_validate({"materiality_usd_m": value}, strict=True)
    except ValidationError:
        return None
    return _number(value)


def check_xol_above_materiality(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A per-occurrence XoL on a source of the world model attaches at or above what a non-material event
    can cede: events below `simulation.materiality_usd_m` (on their whole damage) leave the event table
    for the attritional aggregates, which an XoL does not see, so a lower attachment would silently miss
    their layer losses (docs/model.md, materiality). Peril sources keep every event, and the IG pool and
    the layers above it see nothing of an event below the club retention. The bound is taken before any
    inuring cessions (which can only lower the real one). Skipped when the threshold is itself invalid
    (`_valid_materiality`)."""
    simulation = _map(doc.get("simulation"))
    if simulation.get("world_model", True) is False:
        return []
    threshold = _valid_materiality(simulation)
    if threshold is None:
        return []
    out = []
    for cid, contract in _contracts(_map(doc.get("portfolio"))):
        if contract.get("type") == "quota_share" and contract.get("limit_usd_m") is not None:
            out.extend(_quota_share_limit_problem(cid, contract, threshold, world.ig_retention))
        if contract.get("type") != "xol":
            continue
        attachment = _number(contract.get("attachment_usd_m", 0.0))
        share = _largest_cedant_share(contract.get("cedant_share", 1.0))
        if attachment is None or share is None:
            continue
        sources = [s for _, s in _sources(contract)]
        problem = xol_materiality_problem(sources, attachment, share, threshold, world.ig_retention)
        if problem:
            out.append(invalid(("portfolio", "contracts", cid, "attachment_usd_m"), attachment, problem))
    return out


def _quota_share_limit_problem(
    cid: Any, contract: Mapping[Any, Any], threshold: float, ig_retention: float | None
) -> list[Problem]:
    limit = _number(contract.get("limit_usd_m"))
    share = _largest_cedant_share(contract.get("cedant_share", 1.0))
    quota = 1.0 if contract.get("quota") is None else _number(contract.get("quota"))
    if limit is None or share is None or quota is None:
        return []
    sources = [s for _, s in _sources(contract)]
    problem = quota_share_limit_problem(sources, limit, share, threshold, ig_retention, quota=quota)
    return [invalid(("portfolio", "contracts", cid, "limit_usd_m"), limit, problem)] if problem else []


def quota_share_limit_problem(
    sources: Sequence[str],
    limit: float,
    largest_share: float,
    threshold: float,
    ig_retention: float | None,
    *,
    quota: float = 1.0,
    run: bool = False,
) -> str | None:
    """What is wrong with a quota share's per-event `limit` on `sources` when events below `threshold` are
    attritional: their losses are ceded in aggregate, where no per-event limit acts, so a limit below what
    such an event can cede (threshold × the largest cedant share × the quota) would cede more of them than
    event by event. None when it is at least that. `run`: apply-terms on a run folder."""
    world_sources = _attritional_sources(sources, threshold, ig_retention)
    least = threshold * largest_share * quota
    if not world_sources or limit >= least:
        return None
    of_quota = f" × the quota ({format_number(quota)})" if quota != 1.0 else ""
    lower = _LOWER_MATERIALITY[run]
    return (
        f"must be at least {format_number(least)} for a quota share's per-event limit on "
        f"{', '.join(world_sources)}: simulation.materiality_usd_m ({format_number(threshold)}) × the "
        f"largest cedant share ({format_number(largest_share)}){of_quota}; losses of smaller events are "
        f"attritional, ceded in aggregate without a per-event limit ({lower}, or raise the limit)"
    )


@functools.cache
def _name_list_fields() -> frozenset[str]:
    """The keys of the schema's lists of names or numbers (founders, conditions, western_fixed_blocs, a
    peril's years, a contract's source and inures), found by walking the file-format models."""
    import typing

    from pydantic import BaseModel

    from riskmodel.scenario.schema import Portfolio

    found: set[str] = set()
    seen: set[type] = set()

    def walk(tp: Any, name: str) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in seen:
                seen.add(tp)
                for field, info in tp.model_fields.items():
                    walk(info.annotation, field)
            return
        args = typing.get_args(tp)
        if typing.get_origin(tp) is list and not (
            args and isinstance(args[0], type) and issubclass(args[0], BaseModel)
        ):
            found.add(name)
        for arg in args:
            walk(arg, name)

    walk(Scenario, "")
    walk(Portfolio, "")
    return frozenset(found)


def _repeats(node: Any, path: KeyPath) -> Iterator[Problem]:
    """Items given twice in the schema's lists of names or numbers, anywhere under `node` (a list under
    any other key is the schema's to report: an unknown key, or a mapping expected)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _repeats(value, (*path, key))
    elif isinstance(node, list):
        names = bool(path) and path[-1] in _name_list_fields()
        seen: set[Any] = set()
        for i, item in enumerate(node):
            if isinstance(item, str | int) and not isinstance(item, bool):
                if names and item in seen:
                    yield invalid(
                        (*path, i), item, f"must be named once: {item!r} is given twice in {path[-1]}"
                    )
                seen.add(item)
            else:
                yield from _repeats(item, (*path, i))


def check_nothing_twice(
    portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()
) -> list[Problem]:
    """A contract names each source and each inuring contract once (a repeat would cede a loss twice)."""
    return list(_repeats(portfolio, prefix))


def check_lists_name_each_once(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """A scenario's lists (founders, conditions, blocs, a peril's years) name each item once: a repeat
    changes nothing, so it is most likely a slip for another state, bloc or year."""
    return [p for key, value in doc.items() if key != "portfolio" for p in _repeats(value, (key,))]


PortfolioCheck = Callable[[Mapping[Any, Any], WorldCodes, KeyPath], list[Problem]]
ScenarioCheck = Callable[[Mapping[Any, Any], WorldCodes], list[Problem]]

SCENARIO_CHECKS: tuple[ScenarioCheck, ...] = (
    check_state_codes,
    check_recognition_reaches_trades,
    check_zone_codes,
    check_convention_overrides,
    check_scheme_years,
    check_candidate_years,
    check_peril_years,
    check_peril_events,
    check_founders_in_one_scheme,
    check_founders_not_candidates,
    check_conditions,
    check_perils_only_run,
    check_peril_sources,
    check_xol_above_materiality,
    check_cedant_share_by_on_perils,
    check_lists_name_each_once,
)
PORTFOLIO_CHECKS: tuple[PortfolioCheck, ...] = (
    check_contract_ids,
    check_contract_sources,
    check_nothing_twice,
    check_inures,
    check_premium_bases,
    check_cedant_share_keys,
)


def check_portfolio(portfolio: Mapping[Any, Any], world: WorldCodes, prefix: KeyPath = ()) -> list[Problem]:
    """Every portfolio check; `prefix` is the portfolio's key path (`("portfolio",)` inside a scenario)."""
    return [p for check in PORTFOLIO_CHECKS for p in check(portfolio, world, prefix)]


def check_scenario(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """Every scenario check, including those of an inline (or resolved) portfolio."""
    out = [p for check in SCENARIO_CHECKS for p in check(doc, world)]
    portfolio = doc.get("portfolio")
    if isinstance(portfolio, Mapping):
        out.extend(check_portfolio(portfolio, world, ("portfolio",)))
    return out


# ---------------------------------------------------------------------------------------------- notes
def _world_model(doc: Mapping[Any, Any]) -> bool:
    return _map(doc.get("simulation")).get("world_model", True) is not False


def scenario_sources(doc: Mapping[Any, Any]) -> frozenset[str]:
    """`payers.present_sources` of a scenario document: a file's (resolved) or a run's stored
    `model_dump` (`riskmodel apply-terms` on a run folder applies the same rule as the run)."""
    perils = [
        source if isinstance(source := _map(peril).get("source"), str) else payers.peril_payer(str(pid))
        for pid, peril in _map(doc.get("perils")).items()
    ]
    default_hull = Scheme.model_fields["hull_cover"].default
    schemes = {str(sid): scheme.get("hull_cover", default_hull) is not False for sid, scheme in _schemes(doc)}
    return payers.present_sources(_world_model(doc), schemes, perils)


def scenario_listings(doc: Mapping[Any, Any]) -> dict[str, frozenset[str]]:
    """`payers.listed_payees` of a scenario document (a file's, resolved, or a run's stored `model_dump`):
    bloc → the payer columns whose payee it lists, as `compile_scenario` applies them to the contracts."""
    listings = {
        str(sid): [str(b) for b in _map(scheme.get("reinsurance")).get("listed_by") or ()]
        for sid, scheme in _schemes(doc)
    }
    return payers.listed_payees(listings)


def _why_absent(source: str, doc: Mapping[Any, Any], schemes: set[str]) -> str | None:
    """Why the scenario `doc` has no column `source` (None for a name that is not a source: an error)."""
    kind, ident = payers.split_source(source)
    if ident is None and source not in payers.FIXED_PAYERS:
        return None
    if kind == "peril":
        peril = _map(doc.get("perils")).get(ident)
        if peril is None:
            return f"names peril {ident!r}, which this scenario does not define"
        return f"names peril {ident!r}, whose losses go to {_map(peril).get('source')!r} instead"
    if ident is not None and ident not in schemes:
        return f"names scheme {ident!r}, which this scenario does not define" + suggestion(ident, schemes)
    if not _world_model(doc):
        return "has no losses without the world model (simulation.world_model: false)"
    return f"names scheme {ident!r}, which writes no hull cover (hull_cover: false)"


def note_problems(doc: Mapping[Any, Any]) -> list[Problem]:
    """Contracts on sources the scenario does not produce (a scheme or peril it lacks, the world model's
    columns without it): valid, and they cede nothing from them here; a contract on none of its sources
    is not written here and earns no premium either (as `compile_scenario` runs it)."""
    out = portfolio_notes(_map(doc.get("portfolio")), ("portfolio",))
    schemes = {str(sid) for sid, _ in _schemes(doc)}
    present = scenario_sources(doc)
    bloc = str(_map(doc.get("portfolio")).get("bloc", Portfolio.model_fields["bloc"].default))
    listed = scenario_listings(doc).get(bloc, frozenset())
    for cid, contract in _contracts(_map(doc.get("portfolio"))):
        base = ("portfolio", "contracts", cid)
        sources = _sources(contract)
        clause = contract.get("sanctions_clause", Contract.model_fields["sanctions_clause"].default)
        for rel, source in sources:
            if source not in listed:
                continue
            outcome = (
                ": the sanctions clause blocks every claim on it (paid late where licensed)"
                if clause is not False
                else ", and the contract has no sanctions clause: it pays them, an exposure the bloc's "
                "sanctions forbid"
            )
            where = f"schemes.{payers.scheme_of(source)}.reinsurance.listed_by"
            text = f"pays a reinsurer that the portfolio's bloc {bloc} lists ({where}){outcome}"
            out.append(_note((*base, *rel), source, text))
        absent = [
            (rel, source, why)
            for rel, source in sources
            if source not in present and (why := _why_absent(source, doc, schemes)) is not None
        ]
        outcome = "cedes nothing and earns no premium" if len(absent) == len(sources) else "cedes nothing"
        out.extend(
            _note((*base, *rel), source, f"{why}: the contract {outcome} here") for rel, source, why in absent
        )
        premium_base = _map(contract.get("premium")).get("base")
        if len(absent) == len(sources) or not isinstance(premium_base, str):
            continue  # (no premium either way)
        m = _SCHEME_PREMIUM.match(premium_base)
        if m and m.group(1) not in schemes:
            why = f"names scheme {m.group(1)!r}, which this scenario does not define" + suggestion(
                m.group(1), schemes
            )
        elif is_premium_base(premium_base) and premium_base not in payers.present_premium_bases(
            _world_model(doc), schemes
        ):  # (a name that is no base at all is an error, not this note)
            why = "is a base of the world model's market, which this scenario does not run"
        else:
            continue
        out.append(
            Problem(
                None,
                (*base, "premium", "base"),
                f"{premium_base!r} {why}: the premium is zero here",
                value=premium_base,
            )
        )
    return out


def portfolio_notes(portfolio: Mapping[Any, Any], prefix: KeyPath = ()) -> list[Problem]:
    """The notes of a portfolio (a file's, a scenario's under `prefix` ``("portfolio",)``, or the book
    `riskmodel apply-terms` reads), by contract: a contract that writes nothing (`idle_contract_notes`),
    reinstatements its aggregate limit never reaches (`unreachable_reinstatement_notes`), and a quota share
    whose participation is read as its quota (`inuring_quota_notes`). Valid portfolios, said so that a
    slip is not run without a word."""
    notes = [
        *idle_contract_notes(portfolio, prefix),
        *unreachable_reinstatement_notes(portfolio, prefix),
        *inuring_quota_notes(portfolio, prefix),
    ]
    order = {cid: i for i, (cid, _) in enumerate(_contracts(portfolio))}
    return sorted(notes, key=lambda p: order.get(p.path[len(prefix) + 1], len(order)))


def idle_contract_notes(portfolio: Mapping[Any, Any], prefix: KeyPath = ()) -> list[Problem]:
    """A contract at participation 0: valid (participation is a share from 0 to 1), but every loss,
    premium and blocked amount of it is multiplied by 0 (terms.py step 5): it writes nothing."""
    out = []
    for cid, contract in _contracts(portfolio):
        if _number(contract.get("participation", 1.0)) == 0.0:
            out.append(
                Problem(
                    None,
                    (*prefix, "contracts", cid, "participation"),
                    "participation 0: the contract writes nothing (every loss, premium and blocked amount "
                    "is multiplied by it); give the reinsurer's share, greater than 0 and at most 1, or "
                    "remove the contract",
                    value=0,
                )
            )
    return out


def unreachable_reinstatement_notes(portfolio: Mapping[Any, Any], prefix: KeyPath = ()) -> list[Problem]:
    """An XoL whose stated aggregate limit A ends the year's cover before some of its reinstatements: the
    j-th reinstated limit pays from j × limit L, so it is used only when A > j × L (terms.py step 6 caps
    the limit reinstated at A − L). Valid (A may be stated below (n + 1) × L), but those reinstatements
    never restore cover nor earn premium; an A at or below L reaches none of them."""
    out = []
    for cid, contract in _contracts(portfolio):
        rates = _seq(contract.get("reinstatements"))
        limit, aggregate = (
            _number(contract.get("limit_usd_m")),
            _number(contract.get("aggregate_limit_usd_m")),
        )
        if contract.get("type") != "xol" or not rates or limit is None or aggregate is None:
            continue
        if not (0 < limit < math.inf and 0 < aggregate < math.inf):
            continue
        n = len(rates)
        usable = sum(j * limit < aggregate * (1 - 1e-12) for j in range(1, n + 1))
        if usable == n:
            continue
        a, lim = format_number(aggregate), format_number(limit)
        if usable == 0:
            which = (
                "its reinstatement cannot be used"
                if n == 1
                else f"{'neither' if n == 2 else 'none'} of its {n} reinstatements can be used"
            )
            where, when = ("below", "before") if aggregate < limit else ("equal to", "when")
            why = (
                f"the aggregate limit (aggregate_limit_usd_m {a}) is {where} one limit (limit_usd_m "
                f"{lim}), so the year's cover ends {when} one limit is used up and none is reinstated (nor "
                "earns premium)"
            )
        else:
            first, last = _ordinal(usable + 1), _ordinal(n)
            unused = (
                last
                if usable + 1 == n
                else f"{first} and {last}"
                if usable + 2 == n
                else f"{first} to {last}"
            )
            which = f"the {unused} of its {n} reinstatements cannot be used"
            why = (
                f"the aggregate limit (aggregate_limit_usd_m {a}) ends the year's cover before the "
                f"{_ordinal(usable + 1)} reinstated limit, which would pay from "
                f"{format_number((usable + 1) * limit)}"
            )
        out.append(
            Problem(
                None,
                (*prefix, "contracts", cid, "reinstatements"),
                f"{which}: {why}; raise the aggregate limit to (reinstatements + 1) × limit "
                f"({format_number((n + 1) * limit)}) to use them all, or remove those it does not reach",
                value=aggregate,
            )
        )
    return out


def _ordinal(k: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``22nd``."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def inuring_quota_notes(portfolio: Mapping[Any, Any], prefix: KeyPath = ()) -> list[Problem]:
    """A quota share that an excess inures to, written at a participation below 1 without a `quota`: its
    participation is read as the treaty's quota, so the excess deducts only that share of the loss; if it
    is a line on a larger treaty, the deduction is too small (say so, valid either way)."""
    contracts = dict(_contracts(portfolio))
    out = []
    for qs_id, qs in contracts.items():
        part = _number(qs.get("participation", 1.0))
        if qs.get("type") != "quota_share" or qs.get("quota") is not None or part is None or part >= 1.0:
            continue
        users = [cid for cid, c in contracts.items() if qs_id in _seq(c.get("inures"))]
        if users:
            out.append(
                Problem(
                    None,
                    (*prefix, "contracts", qs_id, "participation"),
                    f"{', '.join(map(repr, users))} inure{'s' if len(users) == 1 else ''} to this quota "
                    f"share, whose participation ({format_number(part)}) is read as its quota: if it is a "
                    "line on a larger treaty, give the treaty's quota (quota: 0.4 for 40%), so that the "
                    "whole treaty's cession is deducted",
                    value=part,
                )
            )
    return out


def candidate_notes(doc: Mapping[Any, Any], world: WorldCodes) -> list[Problem]:
    """Candidates that are no trade's origin or destination and no flag of a trade's tankers in the world
    data: valid, but their join moves no tonnage (the market stage has nothing of theirs to move); it acts
    through the designation hazard's size loading and, for a coastal state, by making the scheme's claims in
    its waters a member's (paid whatever the scheme's payment reliability). Said so that a reader does not
    expect volumes."""
    if not (world.origins and world.destinations and world.flags):
        return []
    if _map(doc.get("simulation")).get("world_model", True) is False:
        return []
    reach = world.origins | world.destinations | world.flags
    out = []
    for sid, scheme in _schemes(doc):
        for code in _map(scheme.get("candidates")):
            if _code(code) and code in world.states and code not in reach:
                out.append(
                    _note(
                        ("schemes", sid, "candidates", code),
                        code,
                        "is no trade's origin or destination and no flag of a trade's tankers in the world "
                        "data: its join moves no tonnage; it acts through the designation hazard "
                        "(sanctions.scheme_designation.size_loading) and, in its own waters, makes the "
                        "scheme's claims a member's (paid whatever its payment_reliability)",
                    )
                )
    return out


def _note(path: KeyPath, source: str, text: str) -> Problem:
    return Problem(None, path, f"{source!r} {text}", value=source)


def scenario_notes(scenario: Scenario) -> list[str]:
    """The notes of a valid scenario, one sentence each (e.g. a contract on a scheme it lacks)."""
    return [str(p) for p in note_problems(scenario.model_dump())]
