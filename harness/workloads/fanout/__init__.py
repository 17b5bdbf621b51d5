"""Fan-out/fan-in: a parent starts C children of A activities each and aggregates their results."""
