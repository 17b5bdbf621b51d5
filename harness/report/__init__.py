"""Reports over a run folder: report.html, junit.xml and summary.md, plus comparisons."""
