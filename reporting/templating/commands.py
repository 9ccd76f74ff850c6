"""The work behind ``reporting templates lint|list|import-mrrt|export-mrrt``.

Each function does everything and returns an exit code plus the lines to print, so the
CLI command is one call and an ``echo`` loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reporting.templating.library import TemplateLibrary
from reporting.templating.lint import lint_paths, lint_template
from reporting.templating.model import Template, TemplateError, TemplateNotFound, parse_template
from reporting.templating.mrrt import export_mrrt, import_mrrt


@dataclass(frozen=True)
class CommandResult:
    """Exit code and output lines (stdout and stderr kept apart)."""

    exit_code: int
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def lint_command(templates_dir: Path, macros_dir: Path) -> CommandResult:
    """``templates lint``: exit 1 with ``file:line: message`` lines when anything is wrong."""
    messages = lint_paths(templates_dir, macros_dir)
    if messages:
        return CommandResult(1, errors=[str(m) for m in messages])
    return CommandResult(0, lines=["templates and macros: OK"])


def list_command(templates_dir: Path, macros_dir: Path) -> CommandResult:
    """``templates list``: one line per template (id, version, title, applicability)."""
    library = TemplateLibrary(templates_dir, macros_dir)
    lines = []
    for template in library.templates():
        app = template.applicability
        scope = " ".join(part for part in (
            "/".join(app.modalities), "/".join(app.body_parts),
            ",".join(app.procedure_codes), "sex=" + "/".join(app.sex) if app.sex else "",
            "fallback" if app.fallback else "") if part)
        lines.append(f"{template.id}\tv{template.version}\t{template.title}\t{scope}")
    return CommandResult(1 if library.errors else 0, lines=lines,
                         errors=[str(e) for e in library.errors])


def import_mrrt_command(file: Path, *, output: Path | None = None,
                        templates_dir: Path = Path("templates")) -> CommandResult:
    """``templates import-mrrt FILE [--output PATH]``: convert, lint, and write the template.

    ``output`` may be a file or a folder; by default the template goes into ``templates_dir``
    as ``<id>.j2``. Nothing is written when the converted template does not lint clean.
    """
    try:
        markup = file.read_text(encoding="utf-8")
        text = import_mrrt(markup, source_name=file.name)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return CommandResult(1, errors=[f"{file}:0: {exc}"])
    template, problems = parse_template(text, path=str(file))
    if template is None:
        return CommandResult(1, errors=[f"{file}:{p.line}: {p.message}" for p in problems])
    findings = lint_template(template)
    if findings:
        return CommandResult(1, errors=[f"{file}:0: {m.message}" for m in findings])
    target = output or templates_dir
    if target.is_dir() or output is None:
        target = target / f"{template.id}.j2"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return CommandResult(0, lines=[f"imported {file.name} as {template.id} "
                                   f"({len(template.fields)} fields) -> {target}"])


def export_mrrt_command(template: str, *, output: Path | None = None,
                        templates_dir: Path = Path("templates"),
                        macros_dir: Path = Path("macros")) -> CommandResult:
    """``templates export-mrrt ID|FILE [--output PATH]``: write MRRT HTML (stdout if no output)."""
    try:
        path = Path(template)
        if path.suffix == ".j2" and path.is_file():
            loaded = Template.from_source(path.read_text(encoding="utf-8"), path=str(path))
        else:
            loaded = TemplateLibrary(templates_dir, macros_dir).get(template)
    except (OSError, TemplateError, TemplateNotFound) as exc:
        return CommandResult(1, errors=[str(exc)])
    markup = export_mrrt(loaded)
    if output is None:
        return CommandResult(0, lines=[markup])
    if output.is_dir():
        output = output / f"{loaded.id}.html"
    output.write_text(markup, encoding="utf-8")
    return CommandResult(0, lines=[f"exported {loaded.id} -> {output}"])
