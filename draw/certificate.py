"""Draw and certificate (docs/draw-spec.md §5-§8): run the draw from a commitment and
the revealed entropy, build the certificate, per-entity proofs, save and load."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from draw.assign import _parse_pool, _Pool, draw_inspectors, match_targets
from draw.canonical import (
    CANDIDATES,
    FILE_NAMES,
    MERKLE_FILES,
    canonical_json,
    file_leaves,
    merkle_path,
    sha256_hex,
)
from draw.parallel import no_gc
from draw.rank import rank_file
from draw.records import (
    ALGORITHM_V1_0,
    CERTIFICATE_FORMAT,
    MERKLE_CHUNK_LINES,
    Assignment,
    Certificate,
    Commitment,
    DrawError,
    DrawFailure,
    DrawResult,
    EntropyReveal,
    Group,
    StratumResult,
)
from draw.seed import derive_seed, rank_ticket

LABEL = "随机抽查抽取证书 / Random inspection draw certificate"


def draw(commitment: Commitment, reveal: EntropyReveal) -> DrawResult:
    """Run the draw from the committed snapshot and the revealed entropy.

    Inputs: commitment (published before the entropy existed); reveal.
    Outputs: DrawResult, status "drawn", or "failed" with a structured DrawFailure when
        the constraints cannot be met (the failure is certified too; nothing is patched).
    """
    seed = derive_seed(commitment, reveal)
    snap = commitment.snapshot
    return finish_draw(
        commitment, reveal, seed, rank_file(seed, snap.files[CANDIDATES], snap.strata)
    )


def finish_draw(
    commitment: Commitment, reveal: EntropyReveal, seed: str, strata: tuple[StratumResult, ...]
) -> DrawResult:
    """Inspector draw, grouping, matching and certificate, given the ranked strata.

    Inputs: commitment; reveal; seed (from derive_seed); strata (from rank_file or the
        columnar path). Outputs: DrawResult.
    """
    with no_gc():
        return _finish_draw(commitment, reveal, seed, strata)


def _finish_draw(
    commitment: Commitment, reveal: EntropyReveal, seed: str, strata: tuple[StratumResult, ...]
) -> DrawResult:
    snap = commitment.snapshot
    pool = _parse_pool(snap.files)
    per_dept, groups = draw_inspectors(seed, pool, snap.params, snap.group_count)
    assignments, failure = match_targets(strata, groups, pool, snap.params.max_load)
    status = "failed" if failure else "drawn"
    if failure:
        assignments = ()
    doc = _certificate_doc(
        commitment, reveal, seed, strata, per_dept, groups, assignments, pool, failure
    )
    cert = Certificate(doc, canonical_json(doc), dict(snap.files))
    return DrawResult(status, seed, strata, groups, assignments, failure, cert)


def _certificate_doc(
    commitment: Commitment,
    reveal: EntropyReveal,
    seed: str,
    strata: Sequence[StratumResult],
    per_dept: list[dict[str, Any]],
    groups: Sequence[Group],
    assignments: Sequence[Assignment],
    pool: _Pool,
    failure: DrawFailure | None,
) -> dict[str, Any]:
    loads = {m: pool.loads[m] for g in groups for m in g.members}
    by_id = {g.group_id: g for g in groups}
    for a in assignments:
        for m in by_id[a.group_id].members:
            loads[m] += 1
    return {
        "format": CERTIFICATE_FORMAT,
        "algorithm": commitment.manifest["algorithm"],
        "spec_version": commitment.manifest["spec_version"],
        "label": LABEL,
        "manifest": commitment.manifest,
        "manifest_sha256": commitment.manifest_sha256,
        "reveal": reveal_json(reveal),
        "seed": seed,
        "status": "failed" if failure else "drawn",
        "strata": [
            {
                "stratum": s.stratum,
                "population": s.population,
                "k": s.k,
                "cutoff_ticket": s.cutoff_ticket,
                "selected": [[t.uscc, t.ticket] for t in s.selected],
                "reserve": [[t.uscc, t.ticket] for t in s.reserve],
            }
            for s in strata
        ],
        "inspector_draw": per_dept,
        "groups": [
            {"group": g.group_id, "leader": g.members[0], "members": list(g.members)}
            for g in groups
        ],
        "assignments": [
            {"uscc": a.uscc, "stratum": a.stratum, "group": a.group_id} for a in assignments
        ],
        "loads": dict(sorted(loads.items())),
        "failure": (
            {"code": failure.code, "message": failure.message, "details": dict(failure.details)}
            if failure
            else None
        ),
        "events": [],
    }


def reveal_json(reveal: EntropyReveal) -> dict[str, Any]:
    """Outputs: the revealed entropy as stored in the certificate."""
    return {
        "server_nonce": reveal.server_nonce,
        "witness": [{"party": w.party, "digits": w.digits} for w in reveal.witness],
        "beacon": (
            {
                "round": reveal.beacon.round,
                "randomness": reveal.beacon.randomness,
                "signature": reveal.beacon.signature,
            }
            if reveal.beacon
            else None
        ),
    }


def draw_sha256(document: Mapping[str, Any]) -> str:
    """Outputs: SHA-256 of the canonical certificate without its "events" (the draw id
    that a re-draw's `supersedes` and every event chain refer to)."""
    return sha256_hex(canonical_json({k: v for k, v in document.items() if k != "events"}))


def entity_proof(cert: Certificate, uscc: str) -> dict[str, Any]:
    """Per-entity proof: lets one business check its own (non-)selection.

    Inputs: certificate; the entity id.
    Outputs: JSON-ready dict with its snapshot line, a Merkle audit path to the committed
        root, the manifest and reveal (to recompute the seed), its ticket and the
        stratum cutoff. v1.0 proofs (suiji-entity-proof/1) prove the line itself; v1.1
        proofs (suiji-entity-proof/2) carry the line's chunk of MERKLE_CHUNK_LINES lines
        and prove the chunk. Check it with `python3 verify.py --proof proof.json`.
    """
    doc = cert.document
    algorithm = doc["manifest"]["algorithm"]
    key = uscc.encode("utf-8") + b","
    for name in MERKLE_FILES:
        data = cert.files[name]
        pos = 0 if data.startswith(key) else data.find(b"\n" + key) + 1
        if pos > 0 or data.startswith(key):
            break
    else:
        raise DrawError("unknown_entity", f"{uscc} is not in the snapshot")
    index = data.count(b"\n", 0, pos)
    line = data[pos : data.index(b"\n", pos)].decode("utf-8")
    n_lines = data.count(b"\n")
    leaves = file_leaves(data, algorithm)
    stratum = line.split(",")[1]
    proof: dict[str, Any] = {
        "format": "suiji-entity-proof/1",
        "uscc": uscc,
        "file": name,
        "line": line,
        "index": index,
        "tree_size": n_lines,
    }
    if algorithm == ALGORITHM_V1_0:
        proof["audit_path"] = merkle_path(leaves, index)
    else:
        chunk, offset = divmod(index, MERKLE_CHUNK_LINES)
        start = end = pos
        for _ in range(offset):
            start = data.rfind(b"\n", 0, start - 1) + 1
        for _ in range(MERKLE_CHUNK_LINES - offset):
            nxt = data.find(b"\n", end)
            if nxt < 0:
                break
            end = nxt + 1
        proof.update(
            {
                "format": "suiji-entity-proof/2",
                "chunk_index": chunk,
                "chunk": data[start:end].decode("utf-8").split("\n")[:-1],
                "chunks": len(leaves),
                "audit_path": merkle_path(leaves, chunk),
            }
        )
    proof |= {
        "manifest": doc["manifest"],
        "manifest_sha256": doc["manifest_sha256"],
        "reveal": doc["reveal"],
        "seed": doc["seed"],
        "events": [e for e in doc["events"] if uscc in (e.get("in"), e.get("out"))],
    }
    if name == CANDIDATES:
        s = next(s for s in doc["strata"] if s["stratum"] == stratum)
        cutoff = s["selected"][-1] if s["selected"] else ["", ""]
        ticket = rank_ticket(doc["seed"], stratum, uscc)
        proof.update(
            {
                "ticket": ticket,
                "stratum": {
                    "stratum": stratum,
                    "population": s["population"],
                    "k": s["k"],
                    "cutoff_ticket": cutoff[1],
                    "cutoff_uscc": cutoff[0],
                },
                "status": "selected"
                if s["k"] and (ticket, uscc) <= (cutoff[1], cutoff[0])
                else "not_selected",
            }
        )
    else:
        proof["status"] = "excluded"
    return proof


def save_certificate(cert: Certificate, directory: str) -> str:
    """Write certificate.json and the canonical files it names into directory.

    Outputs: path of certificate.json. The JSON is the canonical serialization, so its
    SHA-256 is stable.
    """
    os.makedirs(directory, exist_ok=True)
    for name, data in cert.files.items():
        with open(os.path.join(directory, name), "wb") as fh:
            fh.write(data)
    path = os.path.join(directory, "certificate.json")
    with open(path, "wb") as fh:
        fh.write(cert.json_bytes)
    return path


def load_certificate(path: str, files_dir: str | None = None) -> Certificate:
    """Outputs: a Certificate read back from certificate.json and its files."""
    folder = files_dir or os.path.dirname(os.path.abspath(path))
    with open(path, "rb") as fh:
        data = fh.read()
    files = {}
    for name in FILE_NAMES:
        with open(os.path.join(folder, name), "rb") as fh:
            files[name] = fh.read()
    return Certificate(json.loads(data), data, files)
