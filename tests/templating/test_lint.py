"""The template linter: the shipped library is clean; each failure has file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reporting.templating import lint_paths
from reporting.templating.commands import (
    export_mrrt_command,
    import_mrrt_command,
    lint_command,
    list_command,
)
from tests.templating.conftest import MACROS, MRRT_FIXTURES, TEMPLATES


def test_shipped_library_lints_clean() -> None:
    assert lint_paths(TEMPLATES, MACROS) == []
    result = lint_command(TEMPLATES, MACROS)
    assert result.exit_code == 0
    assert result.errors == []


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    templates, macros = tmp_path / "templates", tmp_path / "macros"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(MACROS, macros)
    return templates, macros


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text)
    return text


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("    type: choice\n    options: [PA and lateral",
         "    type: dropdown\n    options: [PA and lateral", "type: dropdown",
         "type 'dropdown' is not one of"),
        ("{{ fields.views }} views", "{{ fields.view }} views", "fields.view }}",
         "fields.view is not a field of this template"),
        ("Lungs: {{ fields.lungs }}", "Lungs: {{ fields.lungs }", "fields.lungs }\n",
         "Jinja syntax error"),
        ("{% block comparison %}{{ fields.comparison }}",
         "{% block comparison %}{{ study.accesion }}", "study.accesion",
         "rendering: section 'comparison' failed to render"),
        ("    default: \"{{ study.reason }}\"", "    default: \"{{ study.reasons }}\"",
         "study.reasons", "default of field 'clinical_information' failed"),
        ("    section: technique\n    type: choice", "    section: methods\n    type: choice",
         "section: methods", "names unknown section 'methods'"),
        ("  - id: bones\n", "  - id: lungs\n", None, "duplicate field id 'lungs'"),
        ("  - id: findings\n    label: Additional findings",
         "  - id: other\n    label: Additional findings", None,
         "needs a free-text 'findings' field"),
        ("title: XR CHEST 2 VIEWS", "title: XR CHEST 2 VIEWS\ncolour: blue", "colour: blue",
         "unknown front matter key 'colour'"),
        ("    default: PA and lateral\n", "    default: PA only view\n", "PA only view",
         "default 'PA only view' is not one of the options"),
        ("loinc: 59776-5", "loinc: findings", "loinc: findings", "is not a LOINC code"),
        ("applicability:\n", "applicability: [\n", "applicability: [",
         "front matter is not valid YAML"),
    ],
)
def test_template_lint_failures_have_file_and_line(
    workspace: tuple[Path, Path], old: str, new: str, needle: str | None, message: str
) -> None:
    templates, macros = workspace
    path = templates / "xr_chest.j2"
    text = _edit(path, old, new)
    messages = lint_paths(templates, macros)
    mine = [m for m in messages if m.path == str(path) and message in m.message]
    assert mine, messages
    if needle is not None:
        expected = _line_of(text, needle.rstrip("\n"))
        assert abs(mine[0].line - expected) <= 2, (mine[0], expected)  # YAML reports late
    result = lint_command(templates, macros)
    assert result.exit_code == 1
    assert any(e.startswith(f"{path}:{mine[0].line}: ") for e in result.errors)


def test_duplicate_template_ids(workspace: tuple[Path, Path]) -> None:
    templates, macros = workspace
    shutil.copy(templates / "ct_chest.j2", templates / "ct_chest_copy.j2")
    messages = lint_paths(templates, macros)
    assert [(Path(m.path).name, m.line) for m in messages
            if "duplicate template id 'ct_chest'" in m.message] == [("ct_chest_copy.j2", 2)]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("  - name: bad scope\n    scope: {templates: [ct_chset]}\n    text: x\n",
         "scope names unknown template 'ct_chset'"),
        ("  - name: bad field\n    scope: {templates: [ct_chest]}\n    field: lung\n    text: x\n",
         "field 'lung' is not in template(s) ct_chest"),
        ("  - name: No Change\n    text: dup\n", "duplicate macro name 'No Change'"),
        ("  - name: bad render\n    text: '{{ study.nope }}'\n", "failed to render"),
        ("  - name: bad picklist\n    text: '[a|b'\n", "without a matching"),
    ],
)
def test_macro_lint_failures_have_file_and_line(
    workspace: tuple[Path, Path], item: str, message: str
) -> None:
    templates, macros = workspace
    path = macros / "general.yaml"
    before = path.read_text()
    path.write_text(before + item)
    expected_line = len(before.splitlines()) + 1
    messages = [m for m in lint_paths(templates, macros) if message in m.message]
    assert [(m.path, m.line) for m in messages] == [(str(path), expected_line)]


def test_list_command(workspace: tuple[Path, Path]) -> None:
    result = list_command(*workspace)
    assert result.exit_code == 0
    assert any(line.startswith("us_pelvis_female\tv1\tUS PELVIS (FEMALE)") and "sex=F" in line
               for line in result.lines)


def test_import_and_export_commands(tmp_path: Path) -> None:
    source = MRRT_FIXTURES / "041807.4.1706140001-us_carotis.html"
    templates = tmp_path / "templates"
    templates.mkdir()
    result = import_mrrt_command(source, templates_dir=templates)
    assert result.exit_code == 0, result.errors
    written = templates / "mrrt_us_carotis.j2"
    assert written.is_file()
    custom = tmp_path / "out" / "carotis.j2"
    custom.parent.mkdir()
    assert import_mrrt_command(source, output=custom).exit_code == 0
    assert custom.read_text() == written.read_text()

    exported = export_mrrt_command("mrrt_us_carotis", templates_dir=templates,
                                   macros_dir=tmp_path / "none")
    assert exported.exit_code == 0
    assert exported.lines[0].startswith("<!DOCTYPE html>")
    html_path = tmp_path / "carotis.html"
    assert export_mrrt_command(str(written), output=html_path).exit_code == 0
    assert "<section" in html_path.read_text()
    assert export_mrrt_command("missing", templates_dir=templates).exit_code == 1

    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><p>no template here</p></body></html>")
    failed = import_mrrt_command(broken, templates_dir=templates)
    assert failed.exit_code == 1
    assert failed.errors[0].startswith(f"{broken}:0: ")
