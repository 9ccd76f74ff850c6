"""Report templates: a Jinja2 body under YAML front matter, parsed into typed objects.

A template file looks like::

    ---
    id: ct_head_wo
    title: CT HEAD WITHOUT CONTRAST
    version: 3
    applicability: {modalities: [CT], body_parts: [HEAD], procedure_codes: ["70450"]}
    sections:
      - {id: findings, heading: FINDINGS, loinc: 59776-5}
    fields:
      - {id: findings, label: Findings, section: findings, type: text}
    ---
    {% block findings %}{{ fields.findings }}{% endblock %}

Each section renders from the ``{% block <section id> %}`` of the body, or, when the
body has no such block, from its fields ("Label: value" lines). Field values are
strings; see ``FIELD_TYPES`` for the encodings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal

import jinja2
import yaml
from jinja2 import nodes

from reporting.core.errors import InvalidInput, NotFound
from reporting.templating.sandbox import (
    TEMPLATE_FILENAME,
    environment,
    error_line,
    render_string,
    tidy,
)

FieldType = Literal["text", "choice", "multichoice", "number", "date", "checkbox"]
FIELD_TYPES: tuple[str, ...] = ("text", "choice", "multichoice", "number", "date", "checkbox")
"""Value encodings (all strings): text as typed; choice = one option value; multichoice =
option values joined by ``"; "``; number = decimal with a dot ("12.5"); date = ISO
``YYYY-MM-DD``; checkbox = ``"yes"`` / ``"no"`` (``""`` = not answered)."""

MULTI_SEPARATOR = "; "
CHECKBOX_VALUES = ("yes", "no")

LOINC_CLINICAL_INFORMATION = "55752-0"
LOINC_COMPARISON = "18834-2"
LOINC_PROCEDURE = "55111-9"
LOINC_FINDINGS = "59776-5"
LOINC_IMPRESSION = "19005-8"
LOINC_RECOMMENDATION = "18783-1"

REQUIRED_FIELDS = ("findings", "impression")

_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_LOINC_RE = re.compile(r"^\d{1,7}-\d$")
_RADLEX_RE = re.compile(r"^RID\d+$")
_TOP_KEYS = {
    "id", "title", "version", "description", "language", "attribution", "applicability",
    "sections", "fields", "mrrt",
}
_APPLICABILITY_KEYS = {"modalities", "procedure_codes", "body_parts", "sex", "fallback"}
_SECTION_KEYS = {"id", "heading", "loinc", "radlex"}
_FIELD_KEYS = {
    "id", "label", "section", "type", "options", "units", "required", "default", "radlex",
    "loinc", "spoken",
}


class TemplateError(InvalidInput):
    """A template that cannot be used, with the file and line where the author should look."""

    code = "template_invalid"

    def __init__(self, message: str, *, path: str = "", line: int = 0) -> None:
        where = f"{path}:{line}: " if path else ""
        super().__init__(f"{where}{message}", path=path, line=line)
        self.path = path
        self.line = line
        self.detail = message


class TemplateNotFound(NotFound):
    """No template with that id is loaded."""

    code = "template_not_found"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template file: the line (1-based, 0 if unknown) and what."""

    line: int
    message: str


@dataclass(frozen=True)
class Option:
    """A pick-list entry: the stored value and the text printed in the report."""

    value: str
    label: str


@dataclass(frozen=True)
class SectionSpec:
    """A report section: id (``findings``), printed heading and LOINC section code."""

    id: str
    heading: str
    loinc: str = ""
    radlex: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """A report field in template order."""

    id: str
    label: str
    section: str
    type: FieldType = "text"
    options: tuple[Option, ...] = ()
    units: str = ""
    required: bool = False
    default: str = ""
    radlex: str = ""
    loinc: str = ""
    spoken_names: tuple[str, ...] = ()

    def option_label(self, value: str) -> str:
        """The printed text of a stored option value (the value itself when not an option)."""
        for option in self.options:
            if option.value == value:
                return option.label
        return value

    def display(self, value: str) -> str:
        """The text a stored value prints as (labels for options, units after numbers)."""
        value = value.strip()
        if not value:
            return ""
        if self.type == "choice":
            return self.option_label(value)
        if self.type == "multichoice":
            return ", ".join(self.option_label(v) for v in split_multi(value))
        if self.type == "number" and self.units:
            return f"{value} {self.units}"
        return value


@dataclass(frozen=True)
class Applicability:
    """Which orders a template suits; empty tuples mean "any"."""

    modalities: tuple[str, ...] = ()
    procedure_codes: tuple[str, ...] = ()
    body_parts: tuple[str, ...] = ()
    sex: tuple[str, ...] = ()
    fallback: bool = False


@dataclass(frozen=True)
class RenderedSection:
    """A section as the PDF/HL7/SR builders print it, in template order."""

    id: str
    heading: str
    loinc_code: str
    text: str


def split_multi(value: str) -> list[str]:
    """Split a multichoice value ("a; b") into its option values."""
    return [part.strip() for part in value.split(";") if part.strip()]


def join_multi(values: Sequence[str]) -> str:
    """Encode chosen option values as a multichoice value."""
    return MULTI_SEPARATOR.join(v.strip() for v in values if v.strip())


def content_hash(source: str) -> str:
    """The sha256 hex digest that identifies one exact template text."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


@dataclass(frozen=True, eq=False)
class Template:
    """A parsed, compiled template. Build with ``Template.from_source``."""

    id: str
    title: str
    version: str
    source: str
    path: str
    sections: tuple[SectionSpec, ...]
    fields: tuple[FieldSpec, ...]
    applicability: Applicability = Applicability()
    description: str = ""
    language: str = "en"
    attribution: str = ""
    mrrt: Mapping[str, str] = field(default_factory=dict)
    body_line_offset: int = 0
    field_lines: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_source(cls, source: str, *, path: str = "") -> Template:
        """Parse and compile a template file; raise TemplateError at the first problem."""
        template, problems = parse_template(source, path=path)
        if problems or template is None:
            first = problems[0] if problems else Problem(0, "template could not be parsed")
            raise TemplateError(first.message, path=path, line=first.line)
        return template

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the exact source text; stored with every report."""
        return content_hash(self.source)

    @cached_property
    def compiled(self) -> jinja2.Template:
        """The compiled body (compiled once per template object)."""
        return environment().from_string(self.body)

    @property
    def body(self) -> str:
        """The Jinja body below the front matter."""
        return split_front_matter(self.source)[1]

    def field(self, field_id: str) -> FieldSpec:
        """The field with this id (KeyError when the template has none)."""
        for spec in self.fields:
            if spec.id == field_id:
                return spec
        raise KeyError(field_id)

    def field_ids(self) -> list[str]:
        """Field ids in template order (the order "next field" walks)."""
        return [spec.id for spec in self.fields]

    def section_fields(self, section_id: str) -> list[FieldSpec]:
        """The fields that sit in one section, in order."""
        return [spec for spec in self.fields if spec.section == section_id]

    def spoken_lookup(self) -> dict[str, str]:
        """Lower-case spoken names (labels, ids, aliases) to field ids, for "go to <field>"."""
        lookup: dict[str, str] = {}
        for spec in self.fields:
            for name in (*spec.spoken_names, spec.label, spec.id.replace("_", " ")):
                lookup.setdefault(name.strip().lower(), spec.id)
        return lookup

    def default_values(self, context: Mapping[str, Any]) -> dict[str, str]:
        """Every field's initial value; Jinja defaults are rendered over the study context."""
        values: dict[str, str] = {}
        for spec in self.fields:
            try:
                values[spec.id] = tidy(render_string(spec.default, context))
            except jinja2.TemplateError as exc:
                raise TemplateError(
                    f"default of field {spec.id!r} failed: {exc}", path=self.path,
                    line=self.field_lines.get(spec.id, 0),
                ) from exc
        return values

    def render_variables(
        self, values: Mapping[str, str], context: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What the body sees: the context plus ``fields`` (printed text), ``values`` (raw)
        and ``lists`` (multichoice labels as lists)."""
        raw = {spec.id: str(values.get(spec.id, "") or "") for spec in self.fields}
        printed = {spec.id: spec.display(raw[spec.id]) for spec in self.fields}
        lists = {
            spec.id: [spec.option_label(v) for v in split_multi(raw[spec.id])]
            for spec in self.fields
            if spec.type == "multichoice"
        }
        return {**context, "fields": printed, "values": raw, "lists": lists}

    def render_sections(
        self, values: Mapping[str, str], context: Mapping[str, Any], only: str | None = None
    ) -> list[RenderedSection]:
        """Render each section (or the section `only`) in order; empty ones are dropped."""
        variables = self.render_variables(values, context)
        compiled = self.compiled
        rendered: list[RenderedSection] = []
        for section in self.sections:
            if only is not None and section.id != only:
                continue
            if section.id in compiled.blocks:
                try:
                    ctx = compiled.new_context(variables, shared=False)
                    text = tidy("".join(compiled.blocks[section.id](ctx)))
                except jinja2.TemplateError as exc:
                    line = error_line(exc, compiled)
                    raise TemplateError(
                        f"section {section.id!r} failed to render: {exc}",
                        path=self.path,
                        line=(line or 0) + self.body_line_offset if line else 0,
                    ) from exc
            else:
                text = self._default_section_text(section.id, variables["fields"])
            if text:
                rendered.append(RenderedSection(section.id, section.heading, section.loinc, text))
        return rendered

    def render_text(self, values: Mapping[str, str], context: Mapping[str, Any]) -> str:
        """The whole report as plain text: HEADING, then text, sections separated by a blank."""
        return "\n\n".join(
            f"{section.heading}:\n{section.text}"
            for section in self.render_sections(values, context)
        )

    def _default_section_text(self, section_id: str, printed: Mapping[str, str]) -> str:
        lines: list[str] = []
        for spec in self.section_fields(section_id):
            text = printed[spec.id]
            if not text:
                continue
            bare = spec.id == section_id or spec.id in REQUIRED_FIELDS
            lines.append(text if bare else f"{spec.label}: {text}")
        return tidy("\n".join(lines))


@dataclass(frozen=True)
class TemplateSnapshot:
    """The exact template a report was created with; store it with the report.

    Later edits to the template file never change a report: rebuild the template from
    the snapshot (``snapshot.template()``) to render or sign it.
    """

    template_id: str
    version: str
    content_hash: str
    source: str

    @classmethod
    def of(cls, template: Template) -> TemplateSnapshot:
        """Snapshot a loaded template."""
        return cls(template.id, template.version, template.content_hash, template.source)

    def template(self) -> Template:
        """Rebuild the template; raise TemplateError if the stored text was tampered with."""
        if content_hash(self.source) != self.content_hash:
            raise TemplateError(
                f"stored template {self.template_id} v{self.version} does not match its hash"
            )
        return _template_from_snapshot(self.source)

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form for a database column."""
        return {
            "template_id": self.template_id,
            "version": self.version,
            "content_hash": self.content_hash,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TemplateSnapshot:
        """Inverse of ``to_dict``."""
        return cls(
            str(data["template_id"]), str(data["version"]), str(data["content_hash"]),
            str(data["source"]),
        )


_SNAPSHOT_CACHE: dict[str, Template] = {}


def _template_from_snapshot(source: str) -> Template:
    key = content_hash(source)
    cached = _SNAPSHOT_CACHE.get(key)
    if cached is None:
        if len(_SNAPSHOT_CACHE) > 256:
            _SNAPSHOT_CACHE.clear()
        cached = _SNAPSHOT_CACHE[key] = Template.from_source(source, path="<snapshot>")
    return cached


# --- parsing -------------------------------------------------------------------------


def split_front_matter(source: str) -> tuple[str, str, int]:
    """Split a file into (front matter YAML, body, body line offset)."""
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise TemplateError("file must start with a '---' line (YAML front matter)", line=1)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 1
    raise TemplateError("front matter is not closed by a '---' line", line=len(lines))


_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML once (libyaml when available) and keep the node tree for line numbers."""
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


class _Locator:
    """Maps a path in the front matter (("fields", 2, "type")) to a file line."""

    def __init__(self, root: yaml.Node | None, first_line: int) -> None:
        self.first_line = first_line
        self.root = root

    def line(self, *path: str | int) -> int:
        node = self.root
        best = node
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                match = [v for k, v in node.value if getattr(k, "value", None) == step]
                if not match:
                    key_nodes = [k for k, _ in node.value]
                    best = key_nodes[0] if key_nodes else node
                    break
                node = match[0]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    break
                node = node.value[step]
            else:
                break
            best = node
        if best is None:
            return self.first_line
        return int(best.start_mark.line) + self.first_line


def _str_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        return (str(value),)
    return tuple(str(v) for v in value)


def parse_template(source: str, *, path: str = "") -> tuple[Template | None, list[Problem]]:
    """Parse a template file, collecting every schema and syntax problem with its line."""
    try:
        front, body, offset = split_front_matter(source)
    except TemplateError as exc:
        return None, [Problem(exc.line, exc.detail)]
    try:
        data, root = load_yaml_with_nodes(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return None, [Problem(line, f"front matter is not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(2, "front matter must be a mapping")]
    loc = _Locator(root, 2)
    problems: list[Problem] = []

    def problem(message: str, *where: str | int) -> None:
        problems.append(Problem(loc.line(*where), message))

    for key in sorted(set(data) - _TOP_KEYS):
        problem(f"unknown front matter key {key!r}", key)
    template_id = str(data.get("id") or "")
    if not template_id:
        problem("'id' is required", "id")
    elif not _ID_RE.match(template_id):
        problem(f"id {template_id!r} must be letters, digits, '_', '-' or '.'", "id")
    title = str(data.get("title") or "")
    if not title:
        problem("'title' is required", "title")
    version = data.get("version")
    if version is None or str(version).strip() == "":
        problem("'version' is required", "version")

    applicability = _parse_applicability(data.get("applicability"), problem)
    sections = _parse_sections(data.get("sections"), problem)
    fields = _parse_fields(data.get("fields"), {s.id for s in sections}, problem)

    field_ids = {f.id for f in fields}
    for required in REQUIRED_FIELDS:
        if required not in field_ids:
            problem(f"every template needs a free-text {required!r} field", "fields")
        elif next(f for f in fields if f.id == required).type != "text":
            problem(f"field {required!r} must be of type text", "fields")

    problems.extend(_check_body(body, offset, {s.id for s in sections}, field_ids))
    if problems:
        return None, problems
    mrrt = data.get("mrrt") or {}
    template = Template(
        id=template_id,
        title=title,
        version=str(version),
        source=source,
        path=path,
        sections=tuple(sections),
        fields=tuple(fields),
        applicability=applicability,
        description=str(data.get("description") or ""),
        language=str(data.get("language") or "en"),
        attribution=str(data.get("attribution") or ""),
        mrrt={str(k): str(v) for k, v in mrrt.items()} if isinstance(mrrt, dict) else {},
        body_line_offset=offset,
        field_lines={
            spec.id: loc.line("fields", index, "default" if spec.default else "id")
            for index, spec in enumerate(fields)
        },
    )
    return template, []


def _parse_applicability(raw: Any, problem: Any) -> Applicability:
    if raw is None:
        return Applicability()
    if not isinstance(raw, dict):
        problem("'applicability' must be a mapping", "applicability")
        return Applicability()
    for key in sorted(set(raw) - _APPLICABILITY_KEYS):
        problem(f"unknown applicability key {key!r}", "applicability", key)
    sex = tuple(s.upper() for s in _str_tuple(raw.get("sex")))
    for value in sex:
        if value not in {"M", "F", "O", "U"}:
            problem(f"applicability sex {value!r} must be M, F, O or U", "applicability", "sex")
    return Applicability(
        modalities=tuple(m.upper() for m in _str_tuple(raw.get("modalities"))),
        procedure_codes=_str_tuple(raw.get("procedure_codes")),
        body_parts=tuple(b.upper() for b in _str_tuple(raw.get("body_parts"))),
        sex=sex,
        fallback=bool(raw.get("fallback", False)),
    )


def _parse_sections(raw: Any, problem: Any) -> list[SectionSpec]:
    if not isinstance(raw, list) or not raw:
        problem("'sections' must be a non-empty list", "sections")
        return []
    sections: list[SectionSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            problem("each section must be a mapping", "sections", index)
            continue
        for key in sorted(set(item) - _SECTION_KEYS):
            problem(f"unknown section key {key!r}", "sections", index, key)
        section_id = str(item.get("id") or "")
        if not _ID_RE.match(section_id):
            problem(f"section id {section_id!r} is missing or invalid", "sections", index)
            continue
        if section_id in seen:
            problem(f"duplicate section id {section_id!r}", "sections", index, "id")
        seen.add(section_id)
        loinc = str(item.get("loinc") or "")
        if loinc and not _LOINC_RE.match(loinc):
            problem(f"section {section_id!r}: {loinc!r} is not a LOINC code", "sections", index,
                    "loinc")
        radlex = str(item.get("radlex") or "")
        if radlex and not _RADLEX_RE.match(radlex):
            problem(f"section {section_id!r}: {radlex!r} is not a RadLex id (RID…)", "sections",
                    index, "radlex")
        heading = str(item.get("heading") or section_id.replace("_", " ").upper())
        sections.append(SectionSpec(section_id, heading, loinc, radlex))
    return sections


def _parse_options(raw: Any, where: tuple[str | int, ...], problem: Any) -> tuple[Option, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problem("'options' must be a list", *where, "options")
        return ()
    options: list[Option] = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            value = str(item.get("value", "") if item.get("value") is not None else "")
            label = str(item.get("label") or value)
        else:
            value = label = "" if item is None else str(item)
        if not value.strip():
            problem("an option value must not be empty", *where, "options", index)
            continue
        if ";" in value:
            problem(f"option {value!r} must not contain ';' (multichoice separator)", *where,
                    "options", index)
        options.append(Option(value, label))
    values = [o.value for o in options]
    for value in sorted({v for v in values if values.count(v) > 1}):
        problem(f"duplicate option {value!r}", *where, "options")
    return tuple(options)


def _parse_fields(raw: Any, section_ids: set[str], problem: Any) -> list[FieldSpec]:
    if not isinstance(raw, list) or not raw:
        problem("'fields' must be a non-empty list", "fields")
        return []
    fields: list[FieldSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where: tuple[str | int, ...] = ("fields", index)
        if not isinstance(item, dict):
            problem("each field must be a mapping", *where)
            continue
        for key in sorted(set(item) - _FIELD_KEYS):
            problem(f"unknown field key {key!r}", *where, key)
        field_id = str(item.get("id") or "")
        if not _ID_RE.match(field_id):
            problem(f"field id {field_id!r} is missing or invalid", *where)
            continue
        if field_id in seen:
            problem(f"duplicate field id {field_id!r}", *where, "id")
        seen.add(field_id)
        section = str(item.get("section") or "")
        if section not in section_ids:
            problem(f"field {field_id!r} names unknown section {section!r}", *where, "section")
        field_type = str(item.get("type") or "text")
        if field_type not in FIELD_TYPES:
            problem(f"field {field_id!r}: type {field_type!r} is not one of "
                    f"{', '.join(FIELD_TYPES)}", *where, "type")
            field_type = "text"
        options = _parse_options(item.get("options"), where, problem)
        if field_type in {"choice", "multichoice"} and not options:
            problem(f"field {field_id!r}: a {field_type} field needs options", *where)
        if field_type not in {"choice", "multichoice"} and options:
            problem(f"field {field_id!r}: only choice fields take options", *where, "options")
        raw_default = item.get("default")
        if isinstance(raw_default, bool):
            default = "yes" if raw_default else "no"
        elif isinstance(raw_default, list):
            default = join_multi([str(v) for v in raw_default])
        else:
            default = "" if raw_default is None else str(raw_default)
        _check_default(field_id, field_type, default, options, where, problem)
        radlex = str(item.get("radlex") or "")
        if radlex and not _RADLEX_RE.match(radlex):
            problem(f"field {field_id!r}: {radlex!r} is not a RadLex id (RID…)", *where, "radlex")
        loinc = str(item.get("loinc") or "")
        if loinc and not _LOINC_RE.match(loinc):
            problem(f"field {field_id!r}: {loinc!r} is not a LOINC code", *where, "loinc")
        fields.append(
            FieldSpec(
                id=field_id,
                label=str(item.get("label") or field_id.replace("_", " ").capitalize()),
                section=section,
                type=field_type,  # type: ignore[arg-type]
                options=options,
                units=str(item.get("units") or ""),
                required=bool(item.get("required", False)),
                default=default,
                radlex=radlex,
                loinc=loinc,
                spoken_names=_str_tuple(item.get("spoken")),
            )
        )
    return fields


def _check_default(
    field_id: str, field_type: str, default: str, options: tuple[Option, ...],
    where: tuple[str | int, ...], problem: Any,
) -> None:
    if not default:
        return
    if "{{" in default or "{%" in default:
        try:
            environment().parse(default)
        except jinja2.TemplateSyntaxError as exc:
            problem(f"field {field_id!r}: default is not valid Jinja: {exc.message}", *where,
                    "default")
        return
    problem_text = value_problem(field_type, default, options)
    if problem_text:
        problem(f"field {field_id!r}: default {problem_text}", *where, "default")


def value_problem(field_type: str, value: str, options: Sequence[Option]) -> str:
    """Why a stored value does not fit its field type ('' when it fits)."""
    value = value.strip()
    if not value:
        return ""
    option_values = {o.value for o in options}
    if field_type == "choice" and value not in option_values:
        return f"{value!r} is not one of the options"
    if field_type == "multichoice":
        unknown = [v for v in split_multi(value) if v not in option_values]
        if unknown:
            return f"{', '.join(repr(u) for u in unknown)} not among the options"
    if field_type == "number" and not re.fullmatch(r"[-+]?\d+(\.\d+)?", value):
        return f"{value!r} is not a number (use digits and a '.')"
    if field_type == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date (YYYY-MM-DD)"
    if field_type == "checkbox" and value not in CHECKBOX_VALUES:
        return f"{value!r} must be 'yes' or 'no'"
    return ""


def _iter_field_refs(tree: nodes.Node) -> Iterator[tuple[str, str, int]]:
    """(mapping name, key, line) for every ``fields.x`` / ``values["x"]`` in a body."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = getattr(node, "node", None)
        if not isinstance(target, nodes.Name) or target.name not in {"fields", "values", "lists"}:
            continue
        if isinstance(node, nodes.Getattr):
            yield target.name, node.attr, node.lineno
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                yield target.name, arg.value, node.lineno


def _check_body(body: str, offset: int, section_ids: set[str], field_ids: set[str]
                ) -> list[Problem]:
    try:
        tree = environment().parse(body, filename=TEMPLATE_FILENAME)
    except jinja2.TemplateSyntaxError as exc:
        return [Problem((exc.lineno or 1) + offset, f"Jinja syntax error: {exc.message}")]
    problems: list[Problem] = []
    for block in tree.find_all(nodes.Block):
        if block.name not in section_ids:
            problems.append(Problem(block.lineno + offset,
                                    f"block {block.name!r} does not name a section"))
    for name, key, line in _iter_field_refs(tree):
        if key not in field_ids:
            problems.append(Problem(line + offset, f"{name}.{key} is not a field of this template"))
    for node in tree.body:
        if isinstance(node, nodes.Output) and any(
            not isinstance(child, nodes.TemplateData) or child.data.strip()
            for child in node.nodes
        ):
            problems.append(Problem(node.lineno + offset,
                                    "text outside a {% block %} is never rendered"))
    return problems
