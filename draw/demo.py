"""Demo: `python -m draw.demo [outdir]`.

Draws a fictional county (a few hundred entities, 3 departments), writes the certificate
and files, verifies them with the standalone verifier, replaces one target and one
inspector, then tampers with copies and shows the verifier failing.
Exit 0 only if everything behaved as expected.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

from draw import verify
from draw.canonical import sha256_hex
from draw.engine import (
    commit,
    draw,
    draw_sha256,
    entity_proof,
    freeze,
    replace_inspector,
    replace_target,
    save_certificate,
)
from draw.records import (
    BeaconPlan,
    BeaconValue,
    DepartmentRequirement,
    DrawParams,
    EntropyPlan,
    EntropyReveal,
    Quota,
    TaskInfo,
    WitnessContribution,
)
from draw.synthetic import county

QUICKNET = BeaconPlan(
    network="drand-quicknet",
    chain_hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    genesis_time=1692803367,
    period=3,
    delay_seconds=1800,
)
DEMO_NONCE = "5e" * 32


def demo_params() -> DrawParams:
    """Outputs: grade ratios A 2% .. E 20%, flagged entities 50%, 2 inspectors from each
    of 3 departments per group (seed 002's joint inspection), yearly cap 2 (seed 004)."""
    ratios = {"A": 200, "B": 500, "C": 1000, "D": 1500, "E": 2000}
    quotas = {g: Quota(ratio_bp=r) for g, r in ratios.items()}
    quotas.update({f"{g}:flagged": Quota(ratio_bp=5000) for g in ratios})
    return DrawParams(
        quotas=quotas,
        departments=(
            DepartmentRequirement("SCJG", 2),
            DepartmentRequirement("WGLY", 2),
            DepartmentRequirement("XFJY", 2),
        ),
        stratify_flags=("flagged",),
        max_inspections_per_year=2,
        group_count=0,
        max_load=12,
    )


def run(outdir: str) -> int:
    """Outputs: 0 if the draw verified and every tampered copy failed, else 1."""
    data = county(n_entities=400, inspectors_per_department=12)
    task = TaskInfo(
        task_id="DEMO-2026-017",
        draw_id="DEMO-2026-017-D1",
        as_of_date="2026-11-26",
        frozen_at="2026-11-26T01:00:00Z",
        filter_description="虚构县 (139901) 全部企业; 行业不限",
        title="2026年度虚构县跨部门联合抽查（演示）",
    )
    snap = freeze(
        task=task,
        params=demo_params(),
        candidates=data.candidates,
        exclusions=data.exclusions,
        inspectors=data.inspectors,
        inspector_exclusions=data.inspector_exclusions,
        conflicts=data.conflicts,
    )
    com = commit(
        snap,
        committed_at="2026-11-26T01:30:00Z",
        audit_chain_head="audit:000123:" + "ab" * 32,
        server_nonce_sha256=sha256_hex(DEMO_NONCE),
        entropy=EntropyPlan(("县司法局公证员", "企业代表", "纪检监督员"), 6, QUICKNET),
    )
    signature = "a7" * 48
    reveal = EntropyReveal(
        server_nonce=DEMO_NONCE,
        witness=(
            WitnessContribution("县司法局公证员", "361524"),
            WitnessContribution("企业代表", "904417"),
            WitnessContribution("纪检监督员", "552830"),
        ),
        beacon=BeaconValue(
            com.manifest["entropy"]["beacon"]["round"],
            sha256_hex(bytes.fromhex(signature)),
            signature,
        ),
    )
    result = draw(com, reveal)
    print(f"抽取 draw: status={result.status} seed={result.seed}")
    for s in result.strata:
        print(f"  {s.stratum:12} N={s.population:4} k={s.k:3} reserve={len(s.reserve)}")
    print(f"  groups={len(result.groups)} assignments={len(result.assignments)}")
    if result.failure:
        print(f"抽取失败 draw failed: {result.failure}")
        return 1
    cert = result.certificate
    first = result.assignments[0]
    cert = replace_target(
        cert,
        uscc=first.uscc,
        reason="deregistered",
        detail="抽取后注销",
        recorded_at="2026-11-27T02:00:00Z",
    )
    member = result.groups[0].members[1]
    cert = replace_inspector(
        cert, badge=member, reason="illness", detail="病假", recorded_at="2026-11-27T03:00:00Z"
    )
    good = os.path.join(outdir, "certificate")
    path = save_certificate(cert, good)
    print(f"证书 written: {path} draw_sha256={draw_sha256(cert.document)}")
    proof = entity_proof(cert, first.uscc)
    proof_path = os.path.join(outdir, f"proof-{first.uscc}.json")
    with open(proof_path, "w", encoding="utf-8") as fh:
        json.dump(proof, fh, ensure_ascii=False, indent=1)

    ok = True
    verifier = os.path.abspath(verify.__file__)
    rc = subprocess.call([sys.executable, verifier, path])
    ok &= rc == 0
    rc = subprocess.call([sys.executable, verifier, "--proof", proof_path])
    ok &= rc == 0

    def tampered(label: str, change: str, expect: str) -> None:
        nonlocal ok
        copy = os.path.join(outdir, f"tampered-{label}")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(good, copy)
        if change == "file":
            with open(os.path.join(copy, "candidates.csv"), "r+b") as fh:
                fh.seek(3)
                byte = fh.read(1)
                fh.seek(3)
                fh.write(b"7" if byte != b"7" else b"8")
        else:
            with open(os.path.join(copy, "certificate.json"), "rb") as fh:
                doc = json.load(fh)
            if change == "swap":
                a = doc["strata"][0]["selected"]
                a[0], a[1] = a[1], a[0]
            elif change == "seed":
                doc["seed"] = "0" * 64
            with open(os.path.join(copy, "certificate.json"), "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False)
        print(f"\n--- 篡改 tampered copy: {label} (expect {expect} to FAIL) ---")
        lines: list[str] = []
        files: dict[str, bytes | None] = {}
        for name in verify.FILES:
            with open(os.path.join(copy, name), "rb") as fh:
                files[name] = fh.read()
        with open(os.path.join(copy, "certificate.json"), "rb") as fh:
            doc = json.load(fh)
        report = verify.verify_certificate(doc, files, out=lines.append)
        for line in lines:
            if "FAIL" in line:
                print("  " + line)
        good_fail = expect in report.failed
        print(f"  => {'as expected' if good_fail else 'NOT DETECTED'}")
        ok &= good_fail

    tampered("byte", "file", "file:candidates.csv")
    tampered("reorder", "swap", f"stratum:{cert.document['strata'][0]['stratum']}")
    tampered("seed", "seed", "seed")
    print("\n演示结果 demo:", "通过 PASS" if ok else "失败 FAIL")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        os.makedirs(args[0], exist_ok=True)
        return run(args[0])
    with tempfile.TemporaryDirectory(prefix="draw-demo-") as tmp:
        return run(tmp)


if __name__ == "__main__":
    sys.exit(main())
