"""The sandboxed Jinja environment every template, default and macro renders in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE_FILENAME = "<template>"


def _ensure_period(value: object) -> str:
    """Append a full stop unless the text already ends with punctuation."""
    text = str(value).rstrip()
    if text and text[-1] not in ".!?:;":
        text += "."
    return text


def _capfirst(value: object) -> str:
    """Upper-case the first character only (keeps "CT" and "MRI" intact)."""
    text = str(value)
    return text[:1].upper() + text[1:]


def _join_nonempty(values: Any, separator: str = " ") -> str:
    """Join the non-blank strings of a sequence."""
    return separator.join(str(v).strip() for v in values if str(v).strip())


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """The one shared sandbox: StrictUndefined, no autoescape (plain text), tidy blocks."""
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["ensure_period"] = _ensure_period
    env.filters["capfirst"] = _capfirst
    env.filters["join_nonempty"] = _join_nonempty
    return env


def error_line(exc: BaseException, template: jinja2.Template | None = None) -> int | None:
    """The template line an exception was raised on, when it came from template code."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(exc, jinja2.TemplateSyntaxError) and lineno:
        return int(lineno)
    tb: TracebackType | None = exc.__traceback__
    found: int | None = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == TEMPLATE_FILENAME:
            found = (
                template.get_corresponding_lineno(tb.tb_lineno)
                if template is not None
                else tb.tb_lineno
            )
        tb = tb.tb_next
    return found


@lru_cache(maxsize=4096)
def compile_string(source: str) -> jinja2.Template:
    """Compile a small Jinja string once (defaults and macro texts repeat constantly)."""
    return environment().from_string(source)


def render_string(source: str, variables: Mapping[str, Any]) -> str:
    """Render a Jinja string (a default, a macro text) in the sandbox."""
    if "{{" not in source and "{%" not in source:
        return source
    return compile_string(source).render(dict(variables))


_BLANK_LINES = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """Strip trailing spaces on each line, collapse runs of blank lines, trim the ends."""
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
