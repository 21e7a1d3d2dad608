"""Events after the draw (docs/draw-spec.md §7): replace a target or an inspector from
the published reserve lists, void; each event is hash-chained to the previous one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from draw.assign import _parse_pool
from draw.canonical import RE_REASON, canonical_json, check_field, check_text, sha256_hex
from draw.certificate import draw_sha256
from draw.records import Certificate, DrawError
from draw.seed import parse_utc


class _State:
    """Current assignment state: the drawn result with all events replayed."""

    def __init__(self, doc: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
        self.doc = doc
        self.pool = _parse_pool(files)
        self.max_load: int = doc["manifest"]["parameters"]["max_load"]
        self.groups = {g["group"]: list(g["members"]) for g in doc["groups"]}
        self.group_order = [g["group"] for g in doc["groups"]]
        self.assigned = {a["uscc"]: (a["stratum"], a["group"]) for a in doc["assignments"]}
        self.reserve = {s["stratum"]: [u for u, _ in s["reserve"]] for s in doc["strata"]}
        self.insp_reserve = {
            d["department"]: [b for b, _ in d["reserve"]] for d in doc["inspector_draw"]
        }
        self.used_entities = set(self.assigned)
        self.used_badges = {m for ms in self.groups.values() for m in ms}
        self.voided = False

    def group_targets(self, gid: str) -> list[str]:
        return sorted(u for u, (_, g) in self.assigned.items() if g == gid)

    def capacity_left(self, gid: str) -> int:
        cap = min(self.max_load - self.pool.loads[m] for m in self.groups[gid])
        return cap - len(self.group_targets(gid))

    def conflicted(self, gid: str, uscc: str) -> bool:
        return any((m, uscc) in self.pool.coi for m in self.groups[gid])

    def next_target(self, out: str) -> tuple[str, str, list[list[str]]]:
        stratum, old_group = self.assigned[out]
        skipped: list[list[str]] = []
        for cand in self.reserve.get(stratum, []):
            if cand in self.used_entities:
                continue
            if not self.conflicted(old_group, cand):
                return cand, old_group, skipped
            options = sorted(
                (len(self.group_targets(g)), i, g)
                for i, g in enumerate(self.group_order)
                if g != old_group and not self.conflicted(g, cand) and self.capacity_left(g) > 0
            )
            if options:
                return cand, options[0][2], skipped
            skipped.append([cand, "no_eligible_group"])
        raise DrawError(
            "reserve_exhausted",
            f"no usable reserve left in stratum {stratum}",
            {"stratum": stratum, "skipped": skipped},
        )

    def next_inspector(self, out: str) -> tuple[str, str, list[list[str]]]:
        gid = next((g for g, ms in self.groups.items() if out in ms), None)
        if gid is None:
            raise DrawError("not_a_member", f"inspector {out} is not in any group")
        dept = self.pool.departments[out]
        targets = self.group_targets(gid)
        skipped: list[list[str]] = []
        for cand in self.insp_reserve.get(dept, []):
            if cand in self.used_badges:
                continue
            if any((cand, u) in self.pool.coi for u in targets):
                skipped.append([cand, "conflict"])
            elif self.pool.loads[cand] + len(targets) > self.max_load:
                skipped.append([cand, "load"])
            else:
                return cand, gid, skipped
        raise DrawError(
            "reserve_exhausted",
            f"no usable reserve inspector in {dept}",
            {"department": dept, "skipped": skipped},
        )


def _check_open(cert: Certificate) -> None:
    events = cert.document["events"]
    if events and events[-1]["type"] == "void":
        raise DrawError("voided", "the draw has been voided; no further events")
    if cert.document["status"] != "drawn":
        raise DrawError("not_drawn", "a failed draw has no assignments to replace")


def _append_event(cert: Certificate, event: dict[str, Any]) -> Certificate:
    doc = dict(cert.document)
    events = list(doc["events"])
    if events and events[-1]["type"] == "void":
        raise DrawError("voided", "the draw has been voided; no further events")
    if doc["status"] != "drawn" and event["type"] != "void":
        raise DrawError("not_drawn", "a failed draw has no assignments to replace")
    check_field(event["reason"], RE_REASON, "reason")
    check_text(event["detail"], "detail")
    parse_utc(event["recorded_at"])
    prev = sha256_hex(canonical_json(events[-1])) if events else draw_sha256(doc)
    event = {"seq": len(events) + 1, **event, "prev": prev}
    doc["events"] = [*events, event]
    return Certificate(doc, canonical_json(doc), cert.files)


def replay(cert: Certificate) -> _State:
    """Outputs: the state after the draw and all recorded events (used by replace_*)."""
    state = _State(cert.document, cert.files)
    for ev in cert.document["events"]:
        _apply(state, ev)
    return state


def _apply(state: _State, ev: Mapping[str, Any]) -> None:
    if ev["type"] == "replace_target":
        stratum, _ = state.assigned.pop(ev["out"])
        state.assigned[ev["in"]] = (stratum, ev["group"])
        state.used_entities.add(ev["in"])
    elif ev["type"] == "replace_inspector":
        members = state.groups[ev["group"]]
        members[members.index(ev["out"])] = ev["in"]
        state.used_badges.add(ev["in"])
    elif ev["type"] == "void":
        state.voided = True


def replace_target(
    cert: Certificate, *, uscc: str, reason: str, detail: str, recorded_at: str
) -> Certificate:
    """Replace a target by the next usable entity in its stratum's published reserve.

    Inputs: certificate; the target to replace; reason code (e.g. "deregistered",
        "moved_out", "data_error"); detail text; recorded_at UTC.
    Outputs: a new Certificate with a hash-chained "replace_target" event. The substitute
        takes the same group unless it conflicts with a member; then the eligible group
        with the fewest targets. Never a fresh random pick. Raises DrawError.
    """
    _check_open(cert)
    state = replay(cert)
    if uscc not in state.assigned:
        raise DrawError("not_a_target", f"{uscc} is not a current target")
    new, group, skipped = state.next_target(uscc)
    return _append_event(
        cert,
        {
            "type": "replace_target",
            "out": uscc,
            "in": new,
            "group": group,
            "stratum": state.assigned[uscc][0],
            "skipped": skipped,
            "reason": reason,
            "detail": detail,
            "recorded_at": recorded_at,
        },
    )


def replace_inspector(
    cert: Certificate, *, badge: str, reason: str, detail: str, recorded_at: str
) -> Certificate:
    """Replace a group member by the next usable inspector in the department's reserve.

    Inputs: certificate; the badge to replace; reason code (e.g. "illness", "coi_found");
        detail; recorded_at.
    Outputs: new Certificate with a "replace_inspector" event (substitute takes the same
        slot, so replacing a leader makes the substitute leader). Reserves that conflict
        with a group target or would exceed max_load are skipped and listed.
    """
    _check_open(cert)
    state = replay(cert)
    new, group, skipped = state.next_inspector(badge)
    return _append_event(
        cert,
        {
            "type": "replace_inspector",
            "out": badge,
            "in": new,
            "group": group,
            "department": state.pool.departments[badge],
            "skipped": skipped,
            "reason": reason,
            "detail": detail,
            "recorded_at": recorded_at,
        },
    )


def void_draw(cert: Certificate, *, reason: str, detail: str, recorded_at: str) -> Certificate:
    """Void a draw. The certificate stays public; a re-draw is a new freeze + commit whose
    TaskInfo.supersedes = draw_sha256(this certificate's document).

    Outputs: the certificate with a terminal "void" event.
    """
    return _append_event(
        cert,
        {
            "type": "void",
            "reason": reason,
            "detail": detail,
            "recorded_at": recorded_at,
        },
    )


def current_assignments(cert: Certificate) -> dict[str, tuple[str, str]]:
    """Outputs: uscc -> (stratum, group) after all events."""
    return dict(replay(cert).assigned)


def current_groups(cert: Certificate) -> dict[str, list[str]]:
    """Outputs: group id -> members (leader first) after all events."""
    return {g: list(m) for g, m in replay(cert).groups.items()}
