"""Checks that judge any workflow from evidence every Temporal app produces: histories, the
harness's attempt log and the user's effect probes. The built-in checks dispatch here by
option (`compensation` with `pairs`, `idempotency` with `effects`, `resume_from_last_step`
on histories); `practices` is one of them.
"""
