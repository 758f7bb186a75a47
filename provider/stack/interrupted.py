"""The creates a killed ``pulumi up`` left pending, completed from what AWS holds (for ``recover``).

The engine keeps a killed create as a pending operation that holds the checked inputs, and as no
resource: the case the run may have opened belongs to nothing, and the next ``up`` would open the file's
case again (a second one, if AWS or a person resolved the first meanwhile), while a file removed or
renamed in between would leave it open for good. For each such create, the provider looks at AWS (reads
only) for the case that run opened, by its reference: found, the resource is written into the
checkpoint as that create would have left it, with the messages AWS holds; not found, the create never
reached AWS and is dropped, and the next ``up`` opens the case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi.dynamic.dynamic import PROVIDER_KEY  # the pickled provider, kept among inputs and outputs

from provider.review.state import SECRET, SECRET_SIG, pending_create
from provider.stack.resource import SENSITIVE_OUTPUTS, SupportCaseProvider


def complete_interrupted(
    exported: dict[str, Any], shown: Mapping[str, Any], provider: SupportCaseProvider
) -> Iterator[str]:
    """Add to ``exported`` (a ``pulumi stack export``) a resource for each pending create of a case whose
    case AWS holds, yielding a line for each create; ``shown`` is the same export with its secrets shown
    (``--show-secrets``), to read the inputs. The pending operations themselves are left for the import
    to drop."""
    deployment = exported["deployment"]
    resources = deployment.setdefault("resources", [])
    live = {resource.get("urn") for resource in resources if not resource.get("delete")}
    pending = deployment.get("pending_operations") or []
    plain = (shown.get("deployment") or {}).get("pending_operations") or []
    for operation, readable in zip(pending, plain, strict=True):
        resource = operation.get("resource") or {}
        if (inputs := pending_create(readable)) is None:
            continue
        name = str(inputs["caseName"])
        if resource.get("urn") in live:
            yield f"{name}: a later `pulumi up` completed its create"
            continue
        outputs = provider.interrupted(inputs)
        if outputs is None:
            yield f"{name}: AWS holds no case the killed run opened for it: the next `pulumi up` opens it"
            continue
        resources.append(_completed(resource, inputs, outputs))
        said = len(outputs["sent"]["messages"])
        declared = len(inputs["spec"].get("communications") or [])
        messages = f" with {said} of its {declared} message(s)" if declared else ""
        yield (
            f"{name}: the killed run opened case {outputs['caseId']} ({outputs['displayId']}, "
            f"{outputs['caseStatus']}){messages}: recorded in the state"
        )


def _completed(
    resource: Mapping[str, Any], inputs: Mapping[str, Any], outputs: Mapping[str, Any]
) -> dict[str, Any]:
    """The resource a completed create leaves: the pending one, with the case's id and outputs, and as
    its inputs what was said (the spec the outputs record, no outbox): those of a sensitive case as
    secrets, as the program declares them; the pickled provider as it was."""
    sensitive = bool(inputs["spec"].get("sensitive"))

    def kept(key: str) -> Any:
        value = outputs[key]
        return {SECRET_SIG: SECRET, "plaintext": json.dumps(value)} if sensitive else value

    stored = {**outputs, **{key: kept(key) for key in SENSITIVE_OUTPUTS}}
    stored[PROVIDER_KEY] = (resource.get("inputs") or {}).get(PROVIDER_KEY)
    said = {**(resource.get("inputs") or {}), "spec": kept("spec"), "outbox": kept("outbox")}
    return {**resource, "id": outputs["caseId"], "inputs": said, "outputs": stored}
