"""`python -m harness.cli`: the same as the `harness` console script."""

from harness.cli.app import main

main()
