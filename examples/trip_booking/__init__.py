"""A second example user project: a trip booking saga with its own SQLite database.

Flights, hotel, car and the card charge are written to the app's own database (not the
harness's reference services); the harness learns what happened from Temporal's histories,
its worker interceptor's attempt log, and the effect probe in `chaos.py`. See README.md.
"""
