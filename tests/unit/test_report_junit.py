"""junit.xml: parses, one testcase per check, failure for fail, error (not skipped) for unknown."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report import write_reports
from harness.report.junit import junit_xml
from harness.report.model import load_report
from tests.unit.test_report_fixtures import make_run


def test_junit_carries_failure_error_and_properties(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    path = write_reports(run)["junit"]
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1 and suites[0].get("name") == "fixture"
    props = {p.get("name"): p.get("value") for p in suites[0].iter("property")}
    assert props["seed"] == "7" and props["run_id"] == "fixture-20260101T000000"
    cases = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert set(cases) == {"liveness", "idempotency", "resume"}
    assert all(c.get("classname") == "fixture" for c in cases.values())
    assert list(cases["liveness"]) == [cases["liveness"].find("system-out")]
    failure = cases["idempotency"].find("failure")
    assert failure is not None and failure.get("message") == "idempotency is fail"
    assert "order_saga-0" in (failure.text or "")
    error = cases["resume"].find("error")
    assert error is not None and error.get("message") == "resume is unknown"
    assert cases["resume"].find("skipped") is None
    assert suites[0].get("failures") == "1" and suites[0].get("errors") == "1"


def test_unjudged_run_is_an_error_not_an_empty_green_suite(tmp_path: Path) -> None:
    run = make_run(tmp_path, results=False)
    root = ET.fromstring(junit_xml([load_report(run)]))
    assert root.get("errors") == "1"
    assert root.find("testsuite/testcase/error") is not None


def test_control_characters_do_not_break_the_xml(tmp_path: Path) -> None:
    run = make_run(tmp_path, verdicts={"odd\x01check": "fail"})
    ET.fromstring(junit_xml([load_report(run)]))


def test_several_runs_make_several_suites(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1")
    b = make_run(tmp_path, "b-1", verdicts={"liveness": "pass"})
    root = ET.fromstring(junit_xml([load_report(a), load_report(b)]))
    assert len(root.findall("testsuite")) == 2
    assert root.get("tests") == "4"
