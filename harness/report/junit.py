"""junit.xml: one testsuite per scenario, one testcase per check, for CI dashboards.

An `unknown` verdict is written as <error>, never <skipped>: CI renders skipped as
green, and a check that could not judge must not look like a pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.report.model import RunReport, compact

EVIDENCE_ROWS = 50
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (a stray control byte would break the file)."""
    return _NOT_XML.sub("?", text)


def _seconds(verdict: dict[str, Any]) -> float:
    stats = verdict.get("stats")
    value = stats.get("seconds") if isinstance(stats, dict) else None
    return float(value) if isinstance(value, int | float) else 0.0


def evidence_text(evidence: list[Any], limit: int = EVIDENCE_ROWS) -> str:
    lines = [compact(row, 2000) for row in evidence[:limit]]
    if len(evidence) > limit:
        lines.append(f"... {len(evidence) - limit} more rows in results.json")
    return "\n".join(lines)


def testsuite(report: RunReport) -> ET.Element:
    verdicts = report.verdicts
    counts = report.counts()
    suite = ET.Element("testsuite", {
        "name": _clean(report.scenario), "tests": str(len(verdicts)),
        "failures": str(counts["fail"]), "errors": str(counts["unknown"]), "skipped": "0",
        "time": f"{sum(_seconds(v) for v in verdicts):.3f}",
    })
    if report.meta.get("started_at"):
        suite.set("timestamp", _clean(str(report.meta["started_at"])))
    props = ET.SubElement(suite, "properties")
    for name, value in (("seed", report.seed), ("run_id", report.run_id),
                        ("run_dir", str(report.path)), ("status", report.status)):
        ET.SubElement(props, "property", {"name": name, "value": _clean(compact(value))})
    for v in verdicts:
        case = ET.SubElement(suite, "testcase", {
            "classname": _clean(report.scenario), "name": _clean(compact(v.get("check"))),
            "time": f"{_seconds(v):.3f}"})
        summary = _clean(compact(v.get("summary"), 1000))
        evidence = list(v.get("evidence") or [])
        if v.get("status") == "fail":
            node = ET.SubElement(case, "failure", {"message": summary, "type": "fail"})
            node.text = _clean(evidence_text(evidence))
        elif v.get("status") != "pass":
            node = ET.SubElement(case, "error", {"message": summary, "type": "unknown"})
            node.text = _clean("verdict unknown: the check could not judge this run\n"
                               + evidence_text(evidence))
        else:
            ET.SubElement(case, "system-out").text = summary
    if not verdicts:  # an unjudged run must not pass CI by having no testcases
        case = ET.SubElement(suite, "testcase", {"classname": _clean(report.scenario),
                                                 "name": "results", "time": "0"})
        ET.SubElement(case, "error", {"message": "no verdicts: the run was not judged",
                                      "type": "unknown"}).text = _clean("\n".join(report.notes))
        suite.set("tests", "1")
        suite.set("errors", "1")
    return suite


def junit_xml(reports: Sequence[RunReport]) -> str:
    """A <testsuites> document over one or more runs (one suite each)."""
    root = ET.Element("testsuites", {"name": "harness"})
    for report in reports:
        root.append(testsuite(report))
    for attr in ("tests", "failures", "errors"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(reports: Sequence[RunReport], path: Path) -> Path:
    tmp = path.with_suffix(".xml.tmp")
    tmp.write_text(junit_xml(reports), encoding="utf-8")
    tmp.replace(path)
    return path
