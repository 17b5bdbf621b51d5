"""summary.md: a verdict table, key figures, first failure rows, relative links."""

from __future__ import annotations

import json
from pathlib import Path

from harness.report import write_reports
from harness.report.markdown import EVIDENCE_ROWS, cell
from tests.unit.test_report_fixtures import make_run


def test_summary_has_the_verdict_table_and_links(tmp_path: Path) -> None:
    text = write_reports(make_run(tmp_path))["markdown"].read_text()
    assert text.startswith("## fixture: FAIL")
    assert "| check | verdict | summary |" in text
    assert "| liveness | PASS | liveness is pass |" in text
    assert "| idempotency | FAIL | idempotency is fail |" in text
    assert "| resume | UNKNOWN | resume is unknown |" in text
    assert "### idempotency" in text and "### resume" not in text
    assert "(report.html)" in text and "(histories/)" in text
    assert "(histories/fixture-20260101T000000__order_saga-0__run-0.json)" in text
    assert "| 30 | 25 | 4 |" in text  # workflows, completed, failed


def test_summary_caps_evidence_rows(tmp_path: Path) -> None:
    run = make_run(tmp_path, verdicts={"liveness": "fail"})
    results = json.loads((run / "results.json").read_text())
    results["verdicts"][0]["evidence"] = [{"workflow_id": f"w{i}"}
                                          for i in range(EVIDENCE_ROWS + 7)]
    (run / "results.json").write_text(json.dumps(results))
    text = write_reports(run)["markdown"].read_text()
    assert "| w4 |" in text and "| w5 |" not in text
    assert "7 more rows" in text


def test_cells_cannot_break_the_table() -> None:
    assert cell("a|b\nc") == "a\\|b c"
    assert "<" not in cell("<script>")
