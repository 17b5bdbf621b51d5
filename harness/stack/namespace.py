"""An external cluster's namespace made ready for a run: it exists, and the harness's
run-id search attribute is registered and usable.

Registering a search attribute returns before the cluster can use it: for 0.4-2 s after,
starting a workflow that carries it is refused ("no mapping defined for search attribute")
and a visibility query naming it fails. So after registering, the harness waits (bounded)
until a list query naming the attribute succeeds, and only then starts anything.
"""

from __future__ import annotations

import asyncio
import time

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from harness.errors import StackError, UsageError
from harness.stack.connection import TemporalConnection
from harness.workloads.settings import SEARCH_ATTRIBUTE

USABLE_TIMEOUT = 30.0


async def prepare_namespace(conn: TemporalConnection, timeout: float = USABLE_TIMEOUT) -> None:
    client = await conn.connect()
    await ensure_namespace(client, conn)
    await register_search_attribute(client, conn)
    await wait_search_attribute_usable(client, conn, timeout)


def missing_namespace_message(conn: TemporalConnection) -> str:
    return (f"namespace {conn.namespace!r} does not exist on {conn.address}; create it first, "
            f"e.g. `temporal operator namespace create --namespace {conn.namespace} "
            f"--address {conn.address}`, or pick an existing one with --namespace")


async def ensure_namespace(client: Client, conn: TemporalConnection) -> None:
    """A missing namespace is the user's input (--namespace), said as such: exit 2."""
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=conn.namespace))
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise UsageError(missing_namespace_message(conn)) from err
        raise StackError(f"cannot describe namespace {conn.namespace!r} on {conn.address}: "
                         f"{err}") from err


async def register_search_attribute(client: Client, conn: TemporalConnection) -> None:
    try:
        await client.operator_service.add_search_attributes(AddSearchAttributesRequest(
            namespace=conn.namespace,
            search_attributes={SEARCH_ATTRIBUTE: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD}))
    except RPCError as err:
        if "already" in str(err).lower():
            return
        if err.status == RPCStatusCode.NOT_FOUND and "namespace" in str(err).lower():
            raise UsageError(missing_namespace_message(conn)) from err
        raise StackError(f"cannot register search attribute {SEARCH_ATTRIBUTE} on "
                         f"{conn.address}: {err}") from err


async def wait_search_attribute_usable(client: Client, conn: TemporalConnection,
                                       timeout: float) -> float:
    """Poll a list query naming the attribute until it is accepted; seconds waited."""
    start = time.monotonic()
    query = f"{SEARCH_ATTRIBUTE} = 'harness-readiness-probe'"
    last: Exception | None = None
    while time.monotonic() - start < timeout:
        try:
            async for _ in client.list_workflows(query, page_size=1):
                break
            return time.monotonic() - start
        except RPCError as err:
            last = err
            await asyncio.sleep(0.2)
    raise StackError(f"search attribute {SEARCH_ATTRIBUTE} registered on {conn.address} "
                     f"(namespace {conn.namespace}) but still unusable in a list query after "
                     f"{timeout:.0f}s: {last}")
