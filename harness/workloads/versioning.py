"""Building a workflow's code versions from one change, the way teams ship them.

Every reference workflow has a hook where its v2 change goes. From one change this makes
the three versions a deploy drill needs:
- v2-unpatched: the change inserted as is: nondeterministic against v1 histories;
- v2-patched: the change behind `workflow.patched(id)`: old executions keep the old path;
- v3-deprecated: `workflow.deprecate_patch(id)` and the change always on: compatible with
  v2-patched histories, still nondeterministic against pure v1 histories (the marker is
  what tells them apart), which is why v3 may only ship once no v1 execution is open.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow

Change = Callable[[Any, Any], Awaitable[None]]


async def unpatched(change: Change, self: Any, arg: Any, patch_id: str) -> None:
    await change(self, arg)


async def patched(change: Change, self: Any, arg: Any, patch_id: str) -> None:
    if workflow.patched(patch_id):
        await change(self, arg)


async def deprecated(change: Change, self: Any, arg: Any, patch_id: str) -> None:
    workflow.deprecate_patch(patch_id)
    await change(self, arg)


STYLES = {"v2-unpatched": unpatched, "v2-patched": patched, "v3-deprecated": deprecated}


def versions_of(base: type, *, name: str, hook: str, change: Change, patch_id: str,
                arg_type: type, result_type: type, companions: tuple[type, ...] = ()
                ) -> dict[str, list[type]]:
    """{version: [workflow classes]}: `base` with `hook` doing `change` in each style.

    The SDK wants @workflow.run on each class itself, with real type hints (it converts
    payloads by them), hence the small class built per style.
    """
    versions: dict[str, list[type]] = {}
    for version, style in STYLES.items():
        async def run(self: Any, arg: Any) -> Any:
            return await base.run(self, arg)  # type: ignore[attr-defined]

        async def hook_impl(self: Any, arg: Any, _style: Any = style) -> None:
            await _style(change, self, arg, patch_id)

        suffix = version.replace("-", "_").title().replace("_", "")
        class_name = f"{base.__name__.removesuffix('V1')}{suffix}"
        run.__annotations__ = {"arg": arg_type, "return": result_type}
        # A module-level class in all but syntax: the SDK refuses `<locals>` qualnames.
        run.__qualname__ = f"{class_name}.run"
        run.__module__ = change.__module__
        hook_impl.__qualname__ = f"{class_name}.{hook}"
        cls = type(class_name, (base,),
                   {"run": workflow.run(run), hook: hook_impl,
                    "__doc__": f"{name} {version}: {change.__doc__ or ''}".strip(),
                    "__module__": change.__module__, "__qualname__": class_name})
        cls = workflow.defn(name=name)(cls)
        # The sandbox re-imports workflow classes by module and name: publish it there.
        setattr(sys.modules[change.__module__], class_name, cls)
        versions[version] = [cls, *companions]
    return versions
