"""The template and macro library on disk, reloaded when files change."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting.templating.context import normalize_body_part, regions_of
from reporting.templating.macros import Macro, load_macro_file, macros_in_scope, merge_macros
from reporting.templating.model import Template, TemplateError, TemplateNotFound, parse_template

TEMPLATE_SUFFIX = ".j2"
MACRO_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LibraryError:
    """A file the library could not (re)load; the last good version stays in use."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def selection_score(template: Template, order: Mapping[str, Any]) -> int | None:
    """How well a template fits an order (higher wins); None when it does not apply.

    A procedure-code match beats everything; otherwise each declared constraint
    (modality, body region, patient sex) must hold and adds to the score, so the most
    specific template wins and a template with no constraints is the generic fallback.
    """
    app = template.applicability
    code = str(order.get("procedure_code") or "").strip()
    modality = str(order.get("modality") or "").upper()
    body_part = str(order.get("body_part") or "")
    description = str(order.get("procedure_description") or order.get("description") or "")
    sex = str(order.get("patient_sex") or order.get("sex") or "").upper()[:1]
    score = 0
    if code and code in app.procedure_codes:
        score += 1000
    if app.sex and sex in {"M", "F"}:
        if sex not in app.sex:
            return None
        score += 3
    if score < 1000:
        if app.modalities:
            if modality not in app.modalities:
                return None
            score += 20
        if app.body_parts:
            order_regions = regions_of(body_part, description)
            wanted = {normalize_body_part(b) for b in app.body_parts}
            exact = normalize_body_part(body_part) in wanted
            template_regions = frozenset().union(*(regions_of(b) for b in app.body_parts))
            if not exact and not (order_regions & template_regions):
                return None
            score += 10 if exact else 4
        if app.procedure_codes and not app.modalities and not app.body_parts:
            return None
    if app.fallback:
        score -= 1
    return score


class TemplateLibrary:
    """Templates (``*.j2``) and macros (``*.yaml``) from two folders, hot-reloaded.

    ``reload_if_changed`` stats the files (cheap) and re-parses only changed ones; a file
    that becomes broken keeps serving its last good version and is listed in ``errors``.
    """

    def __init__(self, templates_dir: Path, macros_dir: Path, *, min_interval: float = 0.0
                 ) -> None:
        self.templates_dir = Path(templates_dir)
        self.macros_dir = Path(macros_dir)
        self.min_interval = min_interval
        self._lock = threading.RLock()
        self._stamps: dict[Path, tuple[int, int]] = {}
        self._by_path: dict[Path, Template] = {}
        self._macros_by_path: dict[Path, list[Macro]] = {}
        self._errors: dict[Path, LibraryError] = {}
        self._checked_at = 0.0
        self.reload_if_changed(force=True)

    @property
    def errors(self) -> list[LibraryError]:
        """Current load problems, one per broken file."""
        with self._lock:
            return sorted(self._errors.values(), key=lambda e: (e.path, e.line))

    def templates(self) -> list[Template]:
        """Every loaded template, ordered by id."""
        with self._lock:
            return sorted(self._unique_templates().values(), key=lambda t: t.id)

    def find(self, template_id: str) -> Template | None:
        """The template with this id, or None."""
        with self._lock:
            return self._unique_templates().get(template_id)

    def get(self, template_id: str) -> Template:
        """The template with this id; TemplateNotFound otherwise."""
        found = self.find(template_id)
        if found is None:
            raise TemplateNotFound(f"no template {template_id!r}")
        return found

    def select(self, order: Mapping[str, Any]) -> Template:
        """The best template for an order (procedure_code, modality, body_part, patient_sex)."""
        scored = []
        for template in self.templates():
            score = selection_score(template, order)
            if score is not None:
                scored.append((score, template.id, template))
        if not scored:
            raise TemplateNotFound("no template applies to this order and none is a fallback")
        scored.sort(key=lambda item: (-item[0], item[1]))
        return scored[0][2]

    def macros(self, *, modality: str | None = None, template_id: str | None = None,
               personal: list[Macro] | None = None) -> list[Macro]:
        """Shipped macros (plus personal ones, which win by name), optionally scoped."""
        with self._lock:
            shipped = [m for path in sorted(self._macros_by_path)
                       for m in self._macros_by_path[path]]
        merged = merge_macros(shipped, personal or [])
        if modality is None and template_id is None:
            return merged
        return macros_in_scope(merged, modality=modality, template_id=template_id)

    def reload_if_changed(self, *, force: bool = False) -> bool:
        """Re-read changed, new and deleted files; True when anything changed."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked_at < self.min_interval:
                return False
            self._checked_at = now
            changed = False
            current = self._scan()
            for path in set(self._stamps) - set(current):
                self._by_path.pop(path, None)
                self._macros_by_path.pop(path, None)
                self._errors.pop(path, None)
                del self._stamps[path]
                changed = True
            for path, stamp in current.items():
                if self._stamps.get(path) == stamp:
                    continue
                self._stamps[path] = stamp
                changed = True
                if path.suffix == TEMPLATE_SUFFIX:
                    self._load_template(path)
                else:
                    self._load_macros(path)
            return changed

    def _scan(self) -> dict[Path, tuple[int, int]]:
        found: dict[Path, tuple[int, int]] = {}
        for folder, suffixes in ((self.templates_dir, (TEMPLATE_SUFFIX,)),
                                 (self.macros_dir, MACRO_SUFFIXES)):
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if path.suffix in suffixes and path.is_file():
                    stat = path.stat()
                    found[path] = (stat.st_mtime_ns, stat.st_size)
        return found

    def _load_template(self, path: Path) -> None:
        try:
            template, problems = parse_template(path.read_text(encoding="utf-8"), path=str(path))
        except (OSError, UnicodeDecodeError) as exc:
            self._errors[path] = LibraryError(str(path), 0, f"cannot read: {exc}")
            return
        if template is None:
            first = problems[0]
            self._errors[path] = LibraryError(str(path), first.line, first.message)
            return
        for other_path, other in self._by_path.items():
            if other.id == template.id and other_path != path:
                self._errors[path] = LibraryError(
                    str(path), 2, f"duplicate template id {template.id!r} (also {other_path})")
                return
        self._errors.pop(path, None)
        self._by_path[path] = template

    def _load_macros(self, path: Path) -> None:
        try:
            self._macros_by_path[path] = load_macro_file(path)
            self._errors.pop(path, None)
        except (OSError, UnicodeDecodeError) as exc:
            self._errors[path] = LibraryError(str(path), 0, f"cannot read: {exc}")
        except TemplateError as exc:
            self._errors[path] = LibraryError(str(path), exc.line, exc.detail)

    def _unique_templates(self) -> dict[str, Template]:
        unique: dict[str, Template] = {}
        for path in sorted(self._by_path):
            template = self._by_path[path]
            unique.setdefault(template.id, template)
        return unique
