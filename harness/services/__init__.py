"""Reference external services (inventory, payments, shipping, notifications, approvals)
and the SQLite ledger the checks judge by. See app.py, ledger.py and client.py."""
