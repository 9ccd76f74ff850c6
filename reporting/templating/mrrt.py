"""IHE MRRT (Management of Radiology Report Templates) import and export.

``import_mrrt`` turns an MRRT HTML5 template into our template file text: sections,
TEXT/TEXTAREA/NUMBER/DATE/SELECTION_LIST/RADIO/CHECKBOX fields, pick-list options,
default values, completion action PROHIBIT → required, and RadLex/LOINC codes from the
``coded_content`` block. Scripts, styles and event handlers are dropped: nothing
executable survives. ``export_mrrt`` writes a template back as MRRT HTML5.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import yaml

from reporting.templating.model import (
    LOINC_CLINICAL_INFORMATION,
    LOINC_COMPARISON,
    LOINC_FINDINGS,
    LOINC_IMPRESSION,
    LOINC_PROCEDURE,
    LOINC_RECOMMENDATION,
    Template,
    split_multi,
)

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_AUTO_CLOSE = {"option": {"option"}, "p": {"p"}, "tr": {"tr"}, "td": {"td", "th"},
               "th": {"td", "th"}, "li": {"li"}}
_SKIP_TEXT = {"script", "style", "option", "textarea", "select", "header", "title"}

# Canonical sections: exact (normalised) names that map to our section ids and codes.
CANONICAL_SECTIONS: dict[str, tuple[str, str, set[str]]] = {
    "clinical_information": ("Clinical information", LOINC_CLINICAL_INFORMATION, {
        "clinical information", "klinische angaben", "anamnese", "history",
        "clinical history", "clinicalinformation", "clinical_information"}),
    "clinical_question": ("Clinical question", "18785-6", {
        "clinical question", "fragestellung", "klinische fragestellung", "indication",
        "clinicalquestion", "clinical_question", "indications for procedure"}),
    "comparison": ("Comparison", LOINC_COMPARISON, {
        "comparison", "comparisons", "voruntersuchung", "voruntersuchungen", "vergleich"}),
    "technique": ("Technique", LOINC_PROCEDURE, {
        "technique", "method", "methodik", "technik", "procedure", "untersuchungstechnik",
        "procedure description"}),
    "findings": ("Findings", LOINC_FINDINGS, {
        "findings", "befund", "befunde", "procedure findings"}),
    "impression": ("Impression", LOINC_IMPRESSION, {
        "impression", "impressions", "beurteilung", "conclusion", "zusammenfassung"}),
    "recommendation": ("Recommendations", LOINC_RECOMMENDATION, {
        "recommendation", "recommendations", "empfehlung", "empfehlungen"}),
}
MODALITIES = {"CR": "CR", "DX": "DX", "CT": "CT", "MR": "MR", "MRT": "MR", "US": "US",
              "MG": "MG", "NM": "NM", "PT": "PT", "PET": "PT", "XA": "XA", "RF": "RF"}
_TYPE_MAP = {"TEXT": "text", "TEXTAREA": "text", "NUMBER": "number", "INTEGER": "number",
             "DATE": "date", "TIME": "text", "SELECTION_LIST": "choice", "RADIO": "choice",
             "CHECKBOX": "checkbox"}
_SCHEME_OIDS = {"RADLEX": "2.16.840.1.113883.6.256", "LOINC": "2.16.840.1.113883.6.1"}


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    parent: _Node | None = None
    children: list[_Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in {"script", "style"}:
                parts.append(child.text())
        return "".join(parts)

    def iter(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            if isinstance(child, _Node):
                yield from child.iter()


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = _AUTO_CLOSE.get(tag)
        if closes and self.stack[-1].tag in closes:
            self.stack.pop()
        node = _Node(tag, {k.lower(): (v if v is not None else "") for k, v in attrs},
                     self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k.lower(): (v if v is not None else "") for k, v in attrs},
                     self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _parse(markup: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        slug = "item"
    return slug if slug[0].isalpha() else f"f_{slug}"


def _field_id(raw: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", raw).strip("_")
    if not cleaned:
        return ""
    return cleaned if cleaned[0].isalpha() else f"f_{cleaned}"


def _label_text(text: str) -> str:
    return _clean(text).rstrip(":").strip()


@dataclass
class _Code:
    scheme: str
    value: str
    meaning: str


def _cell_text(cell: _Node) -> str:
    parts: list[str] = []
    for child in cell.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in {"select", "option", "textarea", "script", "style", "input"}:
            parts.append(_cell_text(child))
    return _label_text("".join(parts))


def _table_label(node: _Node) -> str:
    """ "Row header Column header" for a field in a table cell (e.g. "A. carotis interna PSV")."""
    cell = node.parent
    while cell is not None and cell.tag not in {"td", "th"}:
        if cell.tag in {"table", "section", "body"}:
            return ""
        cell = cell.parent
    row = cell.parent if cell is not None else None
    if cell is None or row is None or row.tag != "tr":
        return ""
    cells = [c for c in row.children if isinstance(c, _Node) and c.tag in {"td", "th"}]
    index = cells.index(cell)
    row_label = _cell_text(cells[0]) if index > 0 else ""
    table = row.parent
    while table is not None and table.tag != "table":
        table = table.parent
    column_label = ""
    if table is not None:
        first_row = next((n for n in table.iter() if n.tag == "tr"), None)
        if first_row is not None and first_row is not row:
            header_cells = [c for c in first_row.children
                            if isinstance(c, _Node) and c.tag in {"td", "th"}]
            if index < len(header_cells) and index > 0:
                column_label = _cell_text(header_cells[index])
                if len(column_label) > 30 or any(
                        n.tag in {"input", "select", "textarea"}
                        for n in header_cells[index].iter()):
                    column_label = ""
    own = _cell_text(cell)
    if own and not row_label:
        return own if len(own) <= 60 else ""
    return " ".join(part for part in (row_label, column_label) if part)


def _coded_content(root: _Node) -> dict[str, list[_Code]]:
    codes: dict[str, list[_Code]] = {}
    for script in root.iter():
        if script.tag != "script" or "xml" not in script.attrs.get("type", ""):
            continue
        inner = _parse(re.sub(r"<!--|-->", "", script.text()))
        for entry in inner.iter():
            if entry.tag != "entry":
                continue
            key = entry.attrs.get("origtxt", "")
            for code in entry.iter():
                if code.tag == "code" and code.attrs.get("value"):
                    codes.setdefault(key, []).append(_Code(
                        code.attrs.get("scheme", "").upper(), code.attrs["value"],
                        code.attrs.get("meaning", "")))
    return codes


def _meta(root: _Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in root.iter():
        if node.tag == "meta" and node.attrs.get("name", "").startswith("dcterms."):
            found.setdefault(node.attrs["name"][8:], _clean(node.attrs.get("content", "")))
        elif node.tag == "title" and "title" not in found:
            found["title"] = _clean(node.text())
    return found


@dataclass
class _Field:
    id: str
    raw_id: str
    label: str
    section: str
    type: str
    options: list[dict[str, str]] = field(default_factory=list)
    default: str = ""
    units: str = ""
    required: bool = False
    radlex: str = ""
    loinc: str = ""
    english: str = ""
    is_textarea: bool = False


@dataclass
class _Section:
    id: str
    raw_id: str
    heading: str
    loinc: str = ""
    radlex: str = ""


class _Importer:
    def __init__(self, markup: str) -> None:
        self.root = _parse(markup)
        self.meta = _meta(self.root)
        self.codes = _coded_content(self.root)
        self.sections: list[_Section] = []
        self.fields: list[_Field] = []
        self.field_ids: set[str] = set()
        self.labels: dict[str, str] = {}
        for node in self.root.iter():
            if node.tag == "label" and node.attrs.get("for"):
                self.labels.setdefault(node.attrs["for"], _label_text(node.text()))

    def section_for(self, node: _Node) -> _Section:
        raw_id = node.attrs.get("id", "")
        header = next((n for n in node.iter() if n.tag == "header"), None)
        heading = _clean(header.text()) if header is not None else ""
        english = header.attrs.get("data-english", "") if header is not None else ""
        name = node.attrs.get("data-section-name", "")
        stripped = raw_id[4:] if raw_id.startswith("sec_") else raw_id
        candidates = [english, name, heading, stripped, raw_id]
        section_id = ""
        loinc = ""
        for key, (_, code, names) in CANONICAL_SECTIONS.items():
            if any(_clean(c).lower() in names for c in candidates if c):
                section_id, loinc = key, code
                break
        used = {s.id for s in self.sections}
        if not section_id or section_id in used:
            section_id = _slug(stripped or english or name or heading or "section")
            loinc = ""
        base, counter = section_id, 2
        while section_id in used:
            section_id, counter = f"{base}_{counter}", counter + 1
        section = _Section(section_id, raw_id, heading or english or name or section_id, loinc)
        for coded in self.codes.get(raw_id, []):
            if coded.scheme == "LOINC":
                section.loinc = coded.value
            elif coded.scheme == "RADLEX":
                section.radlex = coded.value
        self.sections.append(section)
        return section

    def default_section(self) -> _Section:
        found = next((s for s in self.sections if s.id == "findings"), None)
        if found is None:
            found = _Section("findings", "", "Befund" if self._german else "Findings",
                             LOINC_FINDINGS)
            self.sections.append(found)
        return found

    @property
    def _german(self) -> bool:
        return self.meta.get("language", "").lower().startswith("de")

    def run(self) -> None:
        body = next((n for n in self.root.iter() if n.tag == "body"), self.root)
        self._walk(body, None, [""])

    def _walk(self, node: _Node, section: _Section | None, last_text: list[str]) -> None:
        for child in node.children:
            if isinstance(child, str):
                if node.tag not in _SKIP_TEXT and _clean(child):
                    if not self._maybe_units(_clean(child)):
                        last_text[0] = _clean(child)
                continue
            if child.tag in {"script", "style"}:
                continue
            if child.tag == "section":
                self._walk(child, self.section_for(child), [""])
                continue
            if child.tag in {"input", "textarea", "select"}:
                self._pending_units = None
                self._field(child, section or self.default_section(), last_text[0])
                if child.tag == "select":
                    continue
            if child.tag == "label":
                # label text is used through label[for]; it still counts as preceding text
                text = _label_text(child.text())
                if text:
                    last_text[0] = text
                continue
            self._walk(child, section, last_text)

    _pending_units: _Field | None = None

    def _maybe_units(self, text: str) -> bool:
        target = self._pending_units
        self._pending_units = None
        if target is not None and len(text) <= 12 and ":" not in text:
            target.units = text
            return True
        return False

    def _field(self, node: _Node, section: _Section, preceding: str) -> None:
        kind = node.attrs.get("data-field-type", "").upper()
        input_type = node.attrs.get("type", "text").lower() if node.tag == "input" else node.tag
        if node.tag == "input" and input_type in {"button", "submit", "reset", "hidden", "image"}:
            return
        if not kind:
            kind = {"textarea": "TEXTAREA", "select": "SELECTION_LIST", "number": "NUMBER",
                    "date": "DATE", "checkbox": "CHECKBOX", "radio": "RADIO"}.get(input_type,
                                                                                  "TEXT")
        field_type = _TYPE_MAP.get(kind, "text")
        raw_id = node.attrs.get("id") or node.attrs.get("name") or ""
        if kind == "RADIO":
            self._radio(node, section, preceding)
            return
        if node.tag == "select" and "multiple" in node.attrs:
            field_type = "multichoice"
        label = (self.labels.get(raw_id) or self.labels.get(node.attrs.get("name", ""))
                 or node.attrs.get("title") or _table_label(node) or preceding
                 or (section.heading if not self._has_fields(section) else "") or raw_id)
        spec = _Field(self._unique_id(raw_id or label), raw_id, _label_text(label) or raw_id,
                      section.id, field_type, is_textarea=node.tag == "textarea")
        spec.english = node.attrs.get("data-english-name", "")
        spec.required = node.attrs.get("data-field-completion-action", "").upper() == "PROHIBIT"
        if node.tag == "select":
            chosen: list[str] = []
            for option in (n for n in node.iter() if n.tag == "option"):
                text = _clean(option.text())
                value = _clean(option.attrs.get("value", text)).replace(";", ",")
                if not value or any(o["value"] == value for o in spec.options):
                    continue
                spec.options.append({"value": value,
                                     "label": _clean(option.attrs.get("label") or text) or value})
                if "selected" in option.attrs:
                    chosen.append(value)
            spec.default = "; ".join(chosen if field_type == "multichoice" else chosen[:1])
            if not spec.options:
                spec.type = "text"
        elif node.tag == "textarea":
            spec.default = node.text().strip()
        elif field_type == "checkbox":
            spec.default = "yes" if "checked" in node.attrs else ""
        else:
            spec.default = node.attrs.get("value", "").strip()
            if field_type == "number":
                if spec.default and not re.fullmatch(r"[-+]?\d+(\.\d+)?", spec.default):
                    spec.default = ""
                self._pending_units = spec
            if field_type == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec.default):
                spec.default = ""
        self._codes(spec)
        self.fields.append(spec)

    def _has_fields(self, section: _Section) -> bool:
        return any(f.section == section.id for f in self.fields)

    def _radio(self, node: _Node, section: _Section, preceding: str) -> None:
        name = node.attrs.get("name") or node.attrs.get("id") or preceding
        existing = next((f for f in self.fields if f.raw_id == f"radio:{name}"), None)
        value = _clean(node.attrs.get("value", "")).replace(";", ",")
        option_label = self.labels.get(node.attrs.get("id", ""), "") or value
        if existing is None:
            label = self.labels.get(name) or preceding or name
            existing = _Field(self._unique_id(name), f"radio:{name}", _label_text(label),
                              section.id, "choice")
            self._codes(existing, name)
            self.fields.append(existing)
        if value and all(o["value"] != value for o in existing.options):
            existing.options.append({"value": value, "label": option_label})
            if "checked" in node.attrs:
                existing.default = value

    def _codes(self, spec: _Field, key: str | None = None) -> None:
        for code in self.codes.get(key or spec.raw_id, []):
            if code.scheme == "RADLEX":
                spec.radlex = code.value
            elif code.scheme == "LOINC":
                spec.loinc = code.value

    def _unique_id(self, raw: str) -> str:
        base = _field_id(raw) or "field"
        candidate, counter = base, 2
        while candidate in self.field_ids:
            candidate, counter = f"{base}_{counter}", counter + 1
        self.field_ids.add(candidate)
        return candidate

    def ensure_free_text(self) -> None:
        """Give the template its mandatory free-text ``findings`` and ``impression`` fields."""
        for required in ("findings", "impression"):
            clash = next((f for f in self.fields if f.id == required and f.type != "text"), None)
            if clash is not None:
                self.field_ids.discard(clash.id)
                clash.id = self._unique_id(f"{required}_value")
        if not any(f.id == "impression" for f in self.fields):
            impression = next((s for s in self.sections if s.id == "impression"), None)
            if impression is None:
                impression = _Section("impression", "", "Beurteilung" if self._german
                                      else "Impression", LOINC_IMPRESSION)
                self.sections.append(impression)
            texts = [f for f in self.fields if f.section == "impression" and f.is_textarea]
            chosen = next((f for f in texts if f.english.lower() == "impression"),
                          texts[-1] if texts else None)
            if chosen is not None:
                self.field_ids.discard(chosen.id)
                chosen.id = "impression"
                self.field_ids.add("impression")
            else:
                self.fields.append(_Field(self._unique_id("impression"), "",
                                          "Beurteilung" if self._german else "Impression",
                                          "impression", "text"))
        if not any(f.id == "findings" for f in self.fields):
            section = self.default_section()
            spec = _Field(self._unique_id("findings"), "",
                          "Weitere Befunde" if self._german else "Additional findings",
                          section.id, "text")
            last = max((i for i, f in enumerate(self.fields) if f.section == section.id),
                       default=len(self.fields) - 1)
            self.fields.insert(last + 1, spec)
        order = {s.id: i for i, s in enumerate(self.sections)}
        self.fields.sort(key=lambda f: order.get(f.section, len(order)))


def _template_id(meta: dict[str, str], source_name: str) -> str:
    stem = re.sub(r"\.html?$", "", source_name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    tail = stem.split("-", 1)[1] if "-" in stem else stem
    return f"mrrt_{_slug(tail or meta.get('identifier', '') or meta.get('title', 'template'))}"


def _safe_label(text: str) -> str:
    return text.replace("{", "(").replace("}", ")")


def import_mrrt(markup: str, *, source_name: str) -> str:
    """Convert an MRRT HTML template into our template file text (YAML front matter + Jinja)."""
    importer = _Importer(markup)
    importer.run()
    if not importer.sections and not importer.fields:
        raise ValueError(f"{source_name}: no MRRT sections or fields found")
    importer.ensure_free_text()
    meta = importer.meta
    subjects = [s.strip().upper() for s in meta.get("subject", "").split(";")]
    modalities = sorted({MODALITIES[s] for s in subjects if s in MODALITIES})
    attribution = "; ".join(part for part in (
        meta.get("publisher", ""), meta.get("creator", ""), meta.get("rights", ""),
        meta.get("license", "")) if part)
    front: dict[str, Any] = {
        "id": _template_id(meta, source_name),
        "title": meta.get("title") or source_name,
        "version": meta.get("date") or "1",
        "description": meta.get("description") or meta.get("abstract", ""),
        "language": (meta.get("language") or "en")[:2],
        "attribution": attribution,
        "mrrt": {k: v for k, v in {
            "identifier": meta.get("identifier", ""), "source": source_name,
            "date": meta.get("date", ""), "license": meta.get("license", ""),
        }.items() if v},
        "applicability": {"modalities": modalities} if modalities else {},
        "sections": [],
        "fields": [],
    }
    if not front["applicability"]:
        del front["applicability"]
    for section in importer.sections:
        item: dict[str, Any] = {"id": section.id, "heading": section.heading}
        if section.loinc:
            item["loinc"] = section.loinc
        if section.radlex:
            item["radlex"] = section.radlex
        front["sections"].append(item)
    for spec in importer.fields:
        entry: dict[str, Any] = {"id": spec.id, "label": spec.label, "section": spec.section,
                                 "type": spec.type}
        if spec.options:
            entry["options"] = [o if o["label"] != o["value"] else o["value"]
                                for o in spec.options]
        for key in ("units", "radlex", "loinc"):
            if getattr(spec, key):
                entry[key] = getattr(spec, key)
        if spec.required:
            entry["required"] = True
        if spec.default and "{{" not in spec.default and "{%" not in spec.default:
            entry["default"] = spec.default
        front["fields"].append(entry)
    body = []
    for section in importer.sections:
        lines = [f"{{% block {section.id} %}}"]
        for spec in (f for f in importer.fields if f.section == section.id):
            if spec.id in {"findings", "impression"} or spec.id == section.id:
                lines.append(f"{{{{ fields.{spec.id} }}}}")
            else:
                lines.append(f"{{% if fields.{spec.id} %}}{_safe_label(spec.label)}: "
                             f"{{{{ fields.{spec.id} }}}}\n{{% endif %}}")
        lines.append("{% endblock %}")
        body.append("\n".join(lines))
    text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{text}---\n" + "\n".join(body) + "\n"


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def export_mrrt(template: Template) -> str:
    """Write a template as a valid MRRT HTML5 document (no scripts)."""
    out: list[str] = ["<!DOCTYPE html>", f'<html lang="{_attr(template.language)}">', "<head>",
                      f"  <title>{html.escape(template.title)}</title>",
                      '  <meta charset="UTF-8">']
    meta = {"title": template.title, "identifier": template.mrrt.get("identifier", template.id),
            "type": "IMAGE_REPORT_TEMPLATE", "language": template.language,
            "description": template.description, "rights": template.attribution,
            "license": template.mrrt.get("license", ""), "date": template.mrrt.get("date", "")}
    out.extend(f'  <meta name="dcterms.{k}" content="{_attr(v)}">' for k, v in meta.items() if v)
    entries: list[str] = []
    for section in template.sections:
        for scheme, value in (("LOINC", section.loinc), ("RADLEX", section.radlex)):
            if value:
                entries.append(_entry(f"sec_{section.id}", scheme, value, section.heading))
    for spec in template.fields:
        for scheme, value in (("RADLEX", spec.radlex), ("LOINC", spec.loinc)):
            if value:
                entries.append(_entry(spec.id, scheme, value, spec.label))
    out.append('  <script type="text/xml">')
    out.append("    <template_attributes>")
    out.append("      <top-level-flag>TRUE</top-level-flag>")
    out.append("      <status>ACTIVE</status>")
    out.append("      <coded_content>")
    out.append("        <coding_schemes>")
    out.extend(f'          <coding_scheme name="{name}" designator="{oid}"></coding_scheme>'
               for name, oid in _SCHEME_OIDS.items())
    out.append("        </coding_schemes>")
    out.extend(entries)
    out.append("      </coded_content>")
    out.append("    </template_attributes>")
    out.append("  </script>")
    out.extend(["</head>", "<body>"])
    for section in template.sections:
        english = CANONICAL_SECTIONS.get(section.id, (section.heading,))[0]
        out.append(f'  <section id="sec_{_attr(section.id)}" class="level1" '
                   f'data-section-name="{_attr(english)}">')
        out.append(f'    <header class="level1" data-english="{_attr(english)}">'
                   f"{html.escape(section.heading)}</header>")
        for spec in template.section_fields(section.id):
            out.append(f"    <p>{_field_html(spec)}</p>")
        out.append("  </section>")
    out.extend(["</body>", "</html>", ""])
    return "\n".join(out)


def _entry(origtxt: str, scheme: str, value: str, meaning: str) -> str:
    return (f'        <entry origtxt="{_attr(origtxt)}"><term><code meaning="{_attr(meaning)}" '
            f'value="{_attr(value)}" scheme="{scheme}"></code></term></entry>')


def _field_html(spec: Any) -> str:
    ident = _attr(spec.id)
    default = "" if "{{" in spec.default or "{%" in spec.default else spec.default
    common = f'id="{ident}" name="{ident}"'
    if spec.required:
        common += ' data-field-completion-action="PROHIBIT"'
    label = f'<label for="{ident}">{html.escape(spec.label)}</label> '
    if spec.type in {"choice", "multichoice"}:
        chosen = set(split_multi(default)) if spec.type == "multichoice" else {default}
        multiple = " multiple" if spec.type == "multichoice" else ""
        options = "".join(
            f'<option value="{_attr(o.value)}"{" selected" if o.value in chosen else ""}>'
            f"{html.escape(o.label)}</option>" for o in spec.options)
        return (f'{label}<select {common} data-field-type="SELECTION_LIST"{multiple}>'
                f"{options}</select>")
    if spec.type == "number":
        units = f" {html.escape(spec.units)}" if spec.units else ""
        return (f'{label}<input type="number" step="any" {common} data-field-type="NUMBER" '
                f'value="{_attr(default)}">{units}')
    if spec.type == "date":
        return (f'{label}<input type="date" {common} data-field-type="DATE" '
                f'value="{_attr(default)}">')
    if spec.type == "checkbox":
        checked = " checked" if default == "yes" else ""
        return (f'{label}<input type="checkbox" {common} data-field-type="CHECKBOX" '
                f'value="yes"{checked}>')
    return f'{label}<textarea {common} data-field-type="TEXTAREA">{html.escape(default)}</textarea>'
