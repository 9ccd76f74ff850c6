"""Fixtures for the templating tests: the shipped library and study contexts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from reporting.templating import TemplateLibrary, build_context

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
MACROS = ROOT / "macros"
MRRT_FIXTURES = ROOT / "tests" / "fixtures" / "mrrt"


@pytest.fixture(scope="session")
def library() -> TemplateLibrary:
    return TemplateLibrary(TEMPLATES, MACROS)


ContextFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_context() -> ContextFactory:
    """Build a context from a few overrides of a realistic order."""

    def make(*, sex: str = "F", description: str = "CT CHEST WITH CONTRAST",
             modality: str = "CT", body_part: str = "CHEST",
             priors: list[dict[str, Any]] | None = None, **study: Any) -> dict[str, Any]:
        return build_context(
            patient={"mrn": "MRN123", "name": "Doe^Jane", "birth_date": "1970-06-15",
                     "sex": sex},
            study={"accession": "ACC9", "procedure_code": "71260",
                   "procedure_description": description, "modality": modality,
                   "body_part": body_part, "reason": "Cough for three weeks.",
                   "ordering_provider": "Smith^John", "performed_at": "2026-04-01T08:15:00",
                   **study},
            facility={"code": "MAIN", "name": "Main Hospital"},
            radiologist={"name": "House^Gregory", "credentials": "MD"},
            priors=priors or [],
            now=datetime(2026, 4, 1, 9, 0),
        )

    return make
