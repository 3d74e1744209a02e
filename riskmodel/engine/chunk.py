"""One chunk of trials through every stage: adoption → market → sanctions → incidents → severity →
liability → contracts.

In: the `CompiledModel` and a `Chunk` (a range of trials made of whole random-number blocks).
Out: a `ChunkResult` of per-(trial, year) arrays (year loss tables per contract, payer ledger, market,
sanctions, counts) and, when asked, the event loss table. Each block of trials draws from its own keyed
streams, so the result of a trial does not depend on the chunk it ran in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskmodel.adoption import draw_latents, join_years
from riskmodel.engine.compile import LARGE_SPILL_T, CompiledModel, PerilPlan
from riskmodel.engine.random import BLOCK_TRIALS, Stream, generator, key_of
from riskmodel.incidents import EventUniforms, U, draw_candidates, thin_candidates
from riskmodel.liability import CAUSE_MARINE
from riskmodel.market import DOMESTIC, NONE, cover_shares, premium_bases
from riskmodel.reinsurance.terms import EventLossTable, apply_portfolio
from riskmodel.sanctions import BLOCS, designated_share, detentions, scheme_designations
from riskmodel.severity import event_damage
from riskmodel.waterfall import EventRecord, IGClaims, route_events

__all__ = ["Chunk", "ChunkResult", "make_chunks", "run_chunk"]


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # first global trial
    stop: int  # one past the last global trial


def make_chunks(n_trials: int, chunk_trials: int) -> list[Chunk]:
    """Split trials into chunks of whole blocks (the last may be short)."""
    if chunk_trials % BLOCK_TRIALS:
        raise ValueError(f"chunk_trials must be a multiple of {BLOCK_TRIALS}, got {chunk_trials}")
    return [
        Chunk(i, start, min(start + chunk_trials, n_trials))
        for i, start in enumerate(range(0, n_trials, chunk_trials))
    ]


@dataclass
class ChunkResult:
    """Per (trial, year) arrays of one chunk; `year_arrays` keys are stable names (see `results`)."""

    start: int
    stop: int
    contracts: dict[str, dict[str, np.ndarray]]  # contract id (and "portfolio") → field → (n, H)
    year_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    trial_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    events: dict[str, np.ndarray] | None = None


def _cum_pick(stacked: np.ndarray, row: np.ndarray, u: np.ndarray, width: int) -> np.ndarray:
    """Column of the category a uniform falls in, given its row's cumulative weights (last = 1).

    `stacked` is `row_index + cumulative weights`, flattened (`stack_cumulative`), so one
    `searchsorted` serves every row.
    """
    pos = np.searchsorted(stacked, row + u, side="right")
    return np.minimum(pos - row * width, width - 1)


def _peril_events(m: CompiledModel, p: PerilPlan, block: int, n: int) -> tuple[np.ndarray, ...]:
    """User-defined peril events of one block: trial, year, time, loss."""
    rng = generator(m.seed, Stream.PERIL, block, p.key)
    shape = (BLOCK_TRIALS, m.n_years)
    if p.frequency == "poisson":
        counts = rng.poisson(p.mean, shape)
    else:
        lam = rng.gamma(p.nb_r, p.mean / p.nb_r, shape)
        counts = rng.poisson(lam)
    counts[:, ~p.years] = 0
    counts = counts[:n]
    total = int(counts.sum())
    if p.severity == "lognormal":
        loss = rng.lognormal(p.sev_a, p.sev_b, total)
    elif p.severity == "pareto":
        loss = np.minimum(p.sev_a * (1.0 - rng.random(total)) ** (-1.0 / p.sev_b), p.sev_cap)
    else:
        loss = np.full(total, p.sev_a)
    time = rng.random(total)
    flat = np.repeat(np.arange(n * m.n_years), counts.ravel())
    return flat // m.n_years, flat % m.n_years, time, loss


#: Incident record kept per event (`keep_events`): codes (−1 where not a tanker event) and amounts.
EVENT_CODES = ("type", "cause", "pi_class", "coastal_state")
DAMAGE_COMPONENTS = (
    "spill_t",
    "pollution",
    "statutory",
    "wreck",
    "hull",
    "counterparty_hull",
    "infrastructure",
    "crew",
)
EVENT_AMOUNTS = ("gt", *DAMAGE_COMPONENTS, "damage")


def _keep(store: dict[str, list[np.ndarray]], values: dict[str, np.ndarray], n: int | None = None) -> None:
    """Append one group of events to the kept incident records; fields not given are −1 (codes) or 0."""
    size = n if n is not None else len(next(iter(values.values())))
    for k in EVENT_CODES:
        store.setdefault(k, []).append(values.get(k, np.full(size, -1, dtype=np.int64)))
    for k in EVENT_AMOUNTS:
        store.setdefault(k, []).append(values.get(k, np.zeros(size)))


def _group_sum(values: np.ndarray, group: np.ndarray, n_cells: int) -> np.ndarray:
    return np.bincount(group, weights=values, minlength=n_cells)


def run_block(m: CompiledModel, block: int, n: int, t0: int) -> ChunkResult:
    """Trials [t0, t0 + n) of one random-number block (n ≤ BLOCK_TRIALS)."""
    H = m.n_years
    cells = n * H
    year_arrays: dict[str, np.ndarray] = {}
    trial_arrays: dict[str, np.ndarray] = {}
    ev_trial: list[np.ndarray] = []
    ev_year: list[np.ndarray] = []
    ev_time: list[np.ndarray] = []
    ev_losses: list[dict[str, np.ndarray]] = []
    ev_codes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    ev_sanctioned: list[dict[str, np.ndarray]] = []
    ev_licensed: list[np.ndarray] = []
    attritional: dict[str, np.ndarray] = {}
    bases: dict[str, np.ndarray] = {}
    extra_events: dict[str, list[np.ndarray]] = {}

    if m.world_model:
        # ---- A: adoption
        z, eps = draw_latents(m.seed, block, BLOCK_TRIALS, m.adoption.state_of_slot)
        z, eps = z[:n], eps[:n]
        join = join_years(m.adoption, z, eps)
        trial_arrays["z"] = z
        trial_arrays["join_year"] = join

        # ---- C (first part): vessel designations, needed by the market
        desig = designated_share(z, H, m.vessel_initial, m.vessel_hazard, m.vessel_z)

        # ---- B: market
        certifies, accepts = [], []
        for s, sid in enumerate(m.scheme_ids):
            scheme = m.market.schemes[s]
            rng = generator(m.seed, Stream.RECOGNITION, block, key_of(sid))
            certifies.append(rng.random((BLOCK_TRIALS, scheme.certify_prob.size))[:n] < scheme.certify_prob)
            accepts.append(rng.random((BLOCK_TRIALS, scheme.accept_prob.size))[:n] < scheme.accept_prob)
        shares = cover_shares(m.market, z, join, certifies, accepts, desig, H)
        bases = premium_bases(
            shares,
            m.trade_gt,
            m.trade_hull,
            gxl_programme_usd_m=m.premium["gxl_programme_usd_m"],
            ig_reference_gt=m.premium["ig_reference_gt"],
            non_tanker_gt=m.premium["non_tanker_gt"],
            gxl_elasticity=m.premium["gxl_elasticity"],
            hm_rate_pct=m.premium["hm_rate_pct"],
            scheme_rates_per_gt_usd=m.scheme_rates,
            scheme_ids=m.scheme_ids,
        )
        year_arrays["tonnage_gt"] = np.einsum("nytc,t->nyc", shares, m.trade_gt)
        # analytic expectations given this trial-year's market (calibration checks, docs/model.md)
        rate = shares * (m.class_factor[None, None, None, :] * m.age_factor[None, None, :, :])
        for name, weight in m.trade_weights.items():
            year_arrays[f"expected:{name}"] = np.einsum("nytc,t->ny", rate, weight)
        shadow_gt = np.einsum("nytc,t->nyt", shares[..., 2:], m.trade_gt)
        shadow_total = shadow_gt.sum(-1)
        aged = np.einsum("nyt,t->ny", shadow_gt, m.trade_age_shadow)
        year_arrays["shadow_mean_age"] = np.divide(
            aged, shadow_total, out=np.full_like(aged, np.nan), where=shadow_total > 0
        )

        # ---- C: scheme designations and detentions
        n_s = len(m.scheme_ids)
        scheme_des = np.zeros((n, H, max(n_s, 1), len(BLOCS)), dtype=bool)
        for s, sid in enumerate(m.scheme_ids):
            slots = np.flatnonzero((m.adoption.scheme_of_slot == s) & ~m.slot_scheme_founder)
            extra = (join[:, slots, None] <= np.arange(H)[None, None, :]).sum(axis=1)
            active = np.arange(H) >= m.scheme_start[s]
            scheme_des[:, :, s, :] = scheme_designations(
                m.seed,
                block,
                BLOCK_TRIALS,
                sid,
                z,
                extra,
                active,
                m.designation_hazards[s],
                m.designation_z,
                m.designation_size,
            )
        for b, bloc in enumerate(BLOCS):
            for s, sid in enumerate(m.scheme_ids):
                year_arrays[f"scheme_designated:{sid}:{bloc}"] = scheme_des[:, :, s, b].astype(np.float64)
        shadow = shares[..., DOMESTIC] + shares[..., 4:].sum(axis=-1)
        exposed_share = shares[..., NONE] + desig[:, :, None] * shadow
        if n_s:
            any_des = scheme_des[:, :, :n_s, :].any(axis=-1)  # (n, H, S)
            exposed_share = exposed_share + np.einsum("nyts,nys->nyt", shares[..., 4:], any_des) * (
                1 - desig[:, :, None]
            )
        exposed = np.einsum("nyt,t,tz->nyz", exposed_share, m.trade_vessel_years, m.trade_zone_share)
        year_arrays["detentions"] = detentions(
            m.seed, block, BLOCK_TRIALS, exposed, m.zone_intensity, m.detention_probability
        ).astype(np.float64)
        year_arrays["designated_share"] = desig

        # ---- D: candidates, thinned
        parts = []
        for y in range(H):
            cand = draw_candidates(m.candidates, m.seed, block, y, BLOCK_TRIALS)
            inside = cand.trial < n  # a short last block: rows of cum beyond n are padding
            cum = np.cumsum(shares[np.minimum(np.arange(BLOCK_TRIALS), n - 1), y], axis=-1)
            idx, cls = thin_candidates(m.candidates, cand, cum, m.class_factor, m.age_factor)
            idx_in = inside[idx]
            idx, cls = idx[idx_in], cls[idx_in]
            parts.append(
                (np.full(idx.size, y), cand.trial[idx], cand.stratum[idx], cand.event_uniforms(idx), cls)
            )
        year = np.concatenate([p[0] for p in parts]).astype(np.int64)
        trial = np.concatenate([p[1] for p in parts])
        stratum = np.concatenate([p[2] for p in parts])
        u = EventUniforms.concatenate([p[3] for p in parts])
        cls = np.concatenate([p[4] for p in parts])
        order = np.argsort((trial * H + year) + u[U.TIME], kind="stable")
        year, trial, stratum, u, cls = year[order], trial[order], stratum[order], u.take(order), cls[order]

        cp = m.candidates
        trade, seg, zone, itype = cp.trade[stratum], cp.segment[stratum], cp.zone[stratum], cp.itype[stratum]
        k_coast = m.zone_coastal_cum.shape[1]
        coast = m.zone_coastal_state[zone, _cum_pick(m.zone_coastal_stacked, zone, u[U.COAST], k_coast)]
        flag = m.flag_states[_cum_pick(m.trade_flag_stacked, trade, u[U.FLAG], m.trade_flag_cum.shape[1])]
        gt = m.segment_gt[seg]

        # ---- E: severity
        dmg = event_damage(
            m.severity,
            u,
            itype,
            zone,
            m.trade_laden[trade],
            m.trade_oil[trade],
            m.trade_oil_cargo[trade],
            gt,
            m.segment_cargo[seg],
            m.segment_bunker[seg],
            m.segment_hull[seg],
            m.state_statutory[coast],
            m.zone_infrastructure[zone],
        )

        # sanctions status of each event
        shadow_cls = (cls == DOMESTIC) | (cls == NONE) | (cls >= 4)
        designated = shadow_cls & (u[U.DESIGNATED] < desig[trial, year])
        s_idx = np.where(cls >= 4, cls - 4, 0)
        ev_scheme_des = np.where((cls >= 4)[:, None], scheme_des[trial, year, s_idx, :], False)
        claimant_bloc = m.state_bloc[coast]
        claimant_member = np.zeros(trial.size, dtype=bool)
        for s in range(n_s):
            mine = cls == 4 + s
            if not mine.any():
                continue
            slot_of_state = np.full(len(m.state_codes), -1)
            slots = np.flatnonzero(m.adoption.scheme_of_slot == s)
            slot_of_state[m.adoption.state_of_slot[slots]] = slots
            sl = slot_of_state[coast[mine]]
            claimant_member[mine] = (sl >= 0) & (join[trial[mine], np.clip(sl, 0, None)] <= year[mine])
        dom = cls == DOMESTIC
        claimant_member[dom] = m.state_sanctioned_west[coast[dom]]

        # ---- background IG claims of non-tanker ships
        bg = m.background
        rng = generator(m.seed, Stream.BACKGROUND, block)
        bg_counts = rng.poisson(bg.rate, (BLOCK_TRIALS, H))
        n_bg_all = int(bg_counts.sum())
        bg_u = rng.random((n_bg_all, 2))
        bg_cell = np.repeat(np.arange(BLOCK_TRIALS * H), bg_counts.ravel())
        keep_bg = bg_cell < cells
        bg_cell, bg_u = bg_cell[keep_bg], bg_u[keep_bg]
        bg_claim = np.minimum(bg.threshold * (1.0 - bg_u[:, 0]) ** (-1.0 / bg.alpha), bg.cap)
        other = IGClaims(
            trial=bg_cell // H,
            year=bg_cell % H,
            time=bg_u[:, 1],
            claim=bg_claim,
            pollution=bg.pollution_share * bg_claim,
        )

        # ---- F: the waterfall
        rec = EventRecord(
            trial=trial,
            year=year,
            time=u[U.TIME],
            pi_class=cls,
            cause=dmg.cause,
            gt=gt,
            zone_war_excluded=m.zone_war_excluded[zone],
            clc=m.state_clc[coast],
            fund=m.state_fund[coast],
            supp=m.state_supp[coast],
            opa=m.state_opa[coast],
            claimant_sanctioned=m.state_sanctioned_west[coast],
            claimant_in_west=claimant_bloc.any(axis=1),
            claimant_member=claimant_member,
            scheme_blocked=(ev_scheme_des & claimant_bloc).any(axis=1),
            u_pays=u[U.PAYS],
            u_licence=u[U.LICENCE],
            pollution=dmg.pollution,
            statutory=dmg.statutory,
            wreck=dmg.wreck,
            hull=dmg.hull,
            counterparty_hull=dmg.counterparty_hull,
            blame=dmg.blame,
            counterparty_ig=dmg.counterparty_ig,
            infrastructure=dmg.infrastructure,
            crew=dmg.crew,
        )
        recap_u = generator(m.seed, Stream.CAPITAL, block).random((BLOCK_TRIALS, H, max(n_s, 1)))[:n]
        scheme_premium = (
            np.stack([bases[f"scheme_premium:{sid}"] for sid in m.scheme_ids], axis=-1)
            if n_s
            else np.zeros((n, H, 0))
        )
        wf = route_events(rec, m.waterfall, other, scheme_premium, recap_u, n, H)
        for s, sid in enumerate(m.scheme_ids):
            year_arrays[f"scheme_capital:{sid}"] = wf.scheme_capital_end[:, :, s]

        damage = rec.damage()
        group = trial * H + year
        material = damage >= m.materiality
        for name, col in wf.columns.items():
            small = np.where(material, 0.0, col)
            if small.any():
                attritional[name] = _group_sum(small, group, cells).reshape(n, H)
        sel = np.flatnonzero(material)
        ev_trial.append(trial[sel])
        ev_year.append(year[sel])
        ev_time.append(u[U.TIME][sel])
        ev_losses.append({k: v[sel] for k, v in wf.columns.items()})
        ev_codes.append((seg[sel], zone[sel], flag[sel]))
        sanctioned = designated[:, None] | ev_scheme_des
        ev_sanctioned.append({b: sanctioned[sel, i] for i, b in enumerate(BLOCS)})
        ev_licensed.append(u[U.LICENCE][sel] < m.waterfall.licence_probability)
        # background events: in the table with their tower columns
        ev_trial.append(other.trial)
        ev_year.append(other.year)
        ev_time.append(other.time)
        ev_losses.append(wf.other_ig)
        neg = np.full(other.trial.size, -1)
        ev_codes.append((neg, neg, neg))
        ev_sanctioned.append({b: np.zeros(other.trial.size, dtype=bool) for b in BLOCS})
        ev_licensed.append(np.zeros(other.trial.size, dtype=bool))

        # year-level statistics
        spilled = dmg.spilled & (dmg.cause == CAUSE_MARINE)  # ITOPF counts exclude war
        year_arrays["spills_7t"] = _group_sum(spilled.astype(float), group, cells).reshape(n, H)
        year_arrays["spills_700t"] = _group_sum(
            (spilled & (dmg.spill_t > LARGE_SPILL_T)).astype(float), group, cells
        ).reshape(n, H)
        year_arrays["events"] = _group_sum(np.ones(trial.size), group, cells).reshape(n, H)
        year_arrays["total_losses"] = _group_sum(dmg.total_loss.astype(float), group, cells).reshape(n, H)
        year_arrays["pollution_damage"] = _group_sum(dmg.pollution, group, cells).reshape(n, H)
        year_arrays["blocked_delayed"] = _group_sum(wf.blocked_delayed, group, cells).reshape(n, H)
        year_arrays["blocked_permanent"] = _group_sum(wf.blocked_permanent, group, cells).reshape(n, H)
        for c, name in enumerate(m.class_names):
            mine = cls == c
            year_arrays[f"damage:{name}"] = _group_sum(np.where(mine, damage, 0.0), group, cells).reshape(
                n, H
            )
        bg_group = other.trial * H + other.year
        year_arrays["gxl_claims"] = _group_sum(
            (wf.other_ig["ig_gxl_layer1"] + wf.other_ig["ig_hydra"] > 0).astype(float), bg_group, cells
        ).reshape(n, H)
        year_arrays["pool_claims"] = _group_sum(np.ones(other.trial.size), bg_group, cells).reshape(n, H)
        if m.keep_events:
            record = {"type": itype, "cause": dmg.cause, "pi_class": cls, "coastal_state": coast, "gt": gt}
            record |= {k: getattr(dmg, k) for k in DAMAGE_COMPONENTS} | {"damage": damage}
            _keep(extra_events, {k: v[sel] for k, v in record.items()})
            _keep(extra_events, {"damage": other.claim}, other.trial.size)

    for p in m.perils:
        pt, py, ptime, ploss = _peril_events(m, p, block, n)
        ev_trial.append(pt)
        ev_year.append(py)
        ev_time.append(ptime)
        ev_losses.append({p.source: ploss})
        neg = np.full(pt.size, -1)
        ev_codes.append((neg, neg, neg))
        ev_sanctioned.append({b: np.zeros(pt.size, dtype=bool) for b in BLOCS})
        ev_licensed.append(np.zeros(pt.size, dtype=bool))
        if m.keep_events:
            _keep(extra_events, {"damage": ploss}, pt.size)

    sizes = [a.size for a in ev_trial]
    total = int(sum(sizes))
    names = sorted({k for d in ev_losses for k in d})
    losses = {k: np.zeros(total) for k in names}
    pos = 0
    for d, size in zip(ev_losses, sizes, strict=True):
        for k, v in d.items():
            losses[k][pos : pos + size] += v
        pos += size

    def cat(parts: list[np.ndarray], dtype: type = np.float64) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    # one table in (trial, year, time) order, so the contracts need not sort it again
    e_trial, e_year, e_time = cat(ev_trial, np.int64), cat(ev_year, np.int64), cat(ev_time)
    order = np.argsort((e_trial * H + e_year) + e_time, kind="stable")
    losses = {k: v[order] for k, v in losses.items()}
    elt = EventLossTable(
        trial=e_trial[order] + t0,
        year=e_year[order],
        time=e_time[order],
        losses=losses,
        segment=cat([c[0] for c in ev_codes], np.int64)[order],
        zone=cat([c[1] for c in ev_codes], np.int64)[order],
        flag=cat([c[2] for c in ev_codes], np.int64)[order],
        sanctioned={b: cat([s[b] for s in ev_sanctioned], bool)[order] for b in BLOCS},
        licensed=cat(ev_licensed, bool)[order],
        attritional=attritional,
        premium_base={k: v for k, v in bases.items()},
        trial_offset=t0,
        n_trials=n,
        n_years=H,
    )
    # ledger: every payer's total per trial-year, attritional included
    ledger_group = (elt.trial - t0) * H + elt.year
    for name, col in losses.items():
        year_arrays[f"payer:{name}"] = _group_sum(col, ledger_group, cells).reshape(n, H) + attritional.get(
            name, 0.0
        )
    for name, v in bases.items():
        year_arrays[f"base:{name}"] = v

    contracts: dict[str, dict[str, np.ndarray]] = {}
    if m.contracts:
        res = apply_portfolio(elt, list(m.contracts.values()))
        fields = (
            "loss",
            "premium",
            "reinstatement_premium",
            "max_event_loss",
            "blocked_delayed",
            "blocked_permanent",
        )
        for cid, r in res.items():
            contracts[cid] = {f: getattr(r, f) for f in fields}
        contracts["portfolio"] = {f: getattr(res.total, f) for f in fields}

    events = None
    if m.keep_events:
        events = {
            "trial": elt.trial,
            "year": elt.year,
            "time": elt.time,
            "segment": elt.segment,
            "zone": elt.zone,
            "flag": elt.flag,
        }
        for k, parts in extra_events.items():
            events[k] = cat(parts, np.int64 if k in EVENT_CODES else np.float64)[order]
        for k, v in losses.items():
            events[f"payer:{k}"] = v
    return ChunkResult(t0, t0 + n, contracts, year_arrays, trial_arrays, events)


def run_chunk(m: CompiledModel, chunk: Chunk) -> ChunkResult:
    """Run the blocks of one chunk and join them in trial order."""
    parts = []
    for t0 in range(chunk.start, chunk.stop, BLOCK_TRIALS):
        block = t0 // BLOCK_TRIALS
        n = min(BLOCK_TRIALS, chunk.stop - t0)
        parts.append(run_block(m, block, n, t0))
    return join_results(parts)


def join_results(parts: list[ChunkResult]) -> ChunkResult:
    """Concatenate consecutive results along the trial axis (in the order given)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]

    contracts = {
        cid: {f: np.concatenate([p.contracts[cid][f] for p in parts]) for f in first.contracts[cid]}
        for cid in first.contracts
    }
    year_keys = sorted(set().union(*(p.year_arrays for p in parts)))
    year_arrays = {}
    for k in year_keys:
        year_arrays[k] = np.concatenate(
            [p.year_arrays.get(k, np.zeros((p.stop - p.start, _years(first)))) for p in parts]
        )
    trial_arrays = {k: np.concatenate([p.trial_arrays[k] for p in parts]) for k in first.trial_arrays}
    events = None
    if first.events is not None:
        keys = sorted(set().union(*(p.events for p in parts if p.events)))
        events = {}
        for k in keys:
            events[k] = np.concatenate(
                [p.events.get(k, np.zeros(p.events["trial"].size)) for p in parts if p.events]
            )
    return ChunkResult(first.start, parts[-1].stop, contracts, year_arrays, trial_arrays, events)


def _years(r: ChunkResult) -> int:
    for v in r.year_arrays.values():
        return v.shape[1]
    for c in r.contracts.values():
        for v in c.values():
            return v.shape[1]
    return 1
