"""Send a DiagnosticReport to a FHIR server with an idempotent PUT."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from reporting.core.config import Destination
from reporting.delivery.outcome import AttemptOutcome

_RETRY_STATUSES = {408, 429}


def deliver_fhir(dest: Destination, resource: dict[str, Any]) -> AttemptOutcome:
    """PUT {base_url}/{type}/{id}: 2xx delivered; 408, 429, 5xx, network retry; 4xx quarantine."""
    if not dest.base_url:
        return AttemptOutcome("quarantine", "config", f"destination {dest.name}: base_url is empty")
    resource_type = resource.get("resourceType", "")
    resource_id = resource.get("id", "")
    if not resource_type or not resource_id:
        return AttemptOutcome("quarantine", "invalid", "resource needs resourceType and id")
    url = f"{dest.base_url.rstrip('/')}/{quote(resource_type)}/{quote(resource_id)}"
    headers = {
        "Content-Type": "application/fhir+json; charset=utf-8",
        "Accept": "application/fhir+json",
    }
    if dest.bearer_token:
        headers["Authorization"] = f"Bearer {dest.bearer_token}"
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timeout = httpx.Timeout(dest.timeout_seconds, connect=min(dest.timeout_seconds, 5.0))
    try:
        with httpx.Client(timeout=timeout) as client:
            response = client.put(url, content=body, headers=headers)
    except httpx.TimeoutException as e:
        return AttemptOutcome("retry", "timeout", f"{type(e).__name__}: {e}")
    except httpx.ConnectError as e:
        return AttemptOutcome("retry", "connection_refused", str(e))
    except httpx.TransportError as e:
        return AttemptOutcome("retry", "dropped", f"{type(e).__name__}: {e}")
    code = str(response.status_code)
    if response.is_success:
        return AttemptOutcome("delivered", code, response.headers.get("ETag", ""))
    detail = response.text[:500]
    if response.status_code in _RETRY_STATUSES or response.status_code >= 500:
        return AttemptOutcome("retry", code, detail)
    return AttemptOutcome("quarantine", code, detail)
