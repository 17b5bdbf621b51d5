"""The cluster stack: the real Temporal Server, one process per service, on a private
PostgreSQL, all owned by the harness like the embedded dev server.

    build      where the server, its SQL tool, the schema and PostgreSQL's programs are
    layout     ports and environment of every process (one config file for all)
    postgres   a private PostgreSQL: its own data folder, loopback, its own port
    schema     the two databases and their schemas, set up with the server's SQL tool
    services   frontend, matching, worker and N history hosts as supervised processes
    cluster    all of it brought up and down as one; the faults' handle on each part

The config file `temporal.yaml` and `dynamicconfig.yaml` beside this module are the same
files docker-compose.yml mounts, so the cluster tested here is the one users bring up.
"""
