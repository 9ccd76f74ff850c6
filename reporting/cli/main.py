"""The `reporting` command line. Thin: every command calls a service."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import typer

from reporting.cli import context
from reporting.delivery.commands import deliveries_app
from reporting.delivery.commands import worker as delivery_worker
from reporting.hl7.commands import hl7_app

app = typer.Typer(help="Radiology reporting and dictation server.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
reports_app = typer.Typer(help="Signed-report integrity.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(reports_app, name="reports")
app.add_typer(audit_app, name="audit")
templates_app = typer.Typer(help="Report templates and macros.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
app.add_typer(deliveries_app, name="deliveries")
app.add_typer(hl7_app, name="hl7")
app.command("worker")(delivery_worker)

CLI_ACTOR_NAME = "cli"


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API, web app, dictation WebSocket, HL7 listener and delivery worker."""
    import uvicorn

    from reporting.app import create_app
    from reporting.core import migrate as migrations

    migrations.upgrade(context.settings().resolved_database_url)
    uvicorn.run(create_app(context.settings()), host=host, port=port, log_config=None,
                ws_max_size=1 << 20)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from reporting.core import migrate as migrations

    migrations.upgrade(context.settings().resolved_database_url)
    typer.echo("database is up to date")


@app.command()
def demo(if_empty: bool = typer.Option(False, "--if-empty",
                                       help="only when no users exist yet")) -> None:
    """Load demo users, facilities, studies and prior reports."""
    from reporting import demo as demo_data
    from reporting.services import build_lifecycle

    with context.unit_of_work() as session:
        if if_empty and demo_data.has_users(session):
            typer.echo("demo data already present (users exist); skipped")
            return
        accounts = demo_data.load(session, build_lifecycle(context.settings()))
    typer.echo("demo users (username / password / role):")
    for username, password, role in accounts:
        typer.echo(f"  {username:<12} {password:<18} {role}")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        _fail("passwords do not match")
    return first


@users_app.command("create")
def users_create(
    username: str = typer.Option(...),
    role: str = typer.Option(..., help="radiologist|resident|transcriptionist|"
                                       "template_author|admin|integration"),
    name: str = typer.Option("", help="Full name as 'Given Family' or 'Family^Given'"),
    credentials: str = typer.Option("", help="e.g. MD"),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Create a user account (password prompted, or read from stdin)."""
    from reporting.audit import service as audit
    from reporting.auth import service as auth
    from reporting.core.errors import ReportingError

    if "^" in name:
        family, _, given = name.partition("^")
    else:
        given, _, family = name.rpartition(" ")
    password = _read_password(password_stdin)
    try:
        with context.unit_of_work() as session:
            user = auth.create_user(session, username=username, role=role, password=password,
                                    family_name=family, given_name=given,
                                    credentials=credentials)
            audit.record(session, audit.Actor(None, CLI_ACTOR_NAME, "cli"), "user.create",
                         detail=f"{username} as {role}")
    except ReportingError as e:
        _fail(e.message)
    typer.echo(f"created {user.username} ({user.role})")


@users_app.command("passwd")
def users_passwd(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Set a user's password (and unlock the account)."""
    from reporting.audit import service as audit
    from reporting.auth import service as auth
    from reporting.core.errors import ReportingError

    password = _read_password(password_stdin)
    try:
        with context.unit_of_work() as session:
            auth.set_password(session, username, password)
            audit.record(session, audit.Actor(None, CLI_ACTOR_NAME, "cli"), "user.passwd",
                         detail=username)
    except ReportingError as e:
        _fail(e.message)
    typer.echo(f"password changed for {username}")


@reports_app.command("verify")
def reports_verify() -> None:
    """Re-check the SHA-256 seal of every signed report version."""
    from reporting.audit import service as audit
    from reporting.reports import service as reports

    with context.unit_of_work() as session:
        checked, problems = reports.verify_signed(session)
        audit.record(session, audit.Actor(None, CLI_ACTOR_NAME, "cli"), "reports.verify",
                     outcome="success" if not problems else "failure",
                     detail=f"{checked} versions, {len(problems)} broken")
    for p in problems:
        typer.echo(f"BROKEN report {p.report_id} version {p.version}: {p.message}")
    typer.echo(f"{checked} signed versions checked, {len(problems)} broken")
    if problems:
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash-chained audit trail and report the first broken link."""
    from reporting.audit import service as audit

    with context.unit_of_work() as session:
        check = audit.verify_chain(session)
    if check.ok:
        typer.echo(f"audit chain intact: {check.events} events")
        return
    typer.echo(f"audit chain BROKEN at event {check.broken_at}: {check.reason}")
    raise typer.Exit(1)


def _emit(result: object) -> None:
    for line in result.lines:  # type: ignore[attr-defined]
        typer.echo(line)
    for line in result.errors:  # type: ignore[attr-defined]
        typer.echo(line, err=True)
    if result.exit_code:  # type: ignore[attr-defined]
        raise typer.Exit(result.exit_code)  # type: ignore[attr-defined]


@templates_app.command("lint")
def templates_lint() -> None:
    """Check every template and macro file; exit 1 with file:line: message lines."""
    from reporting.templating.commands import lint_command

    s = context.settings()
    _emit(lint_command(s.resolved_templates_dir, s.resolved_macros_dir))


@templates_app.command("list")
def templates_list() -> None:
    """List templates with their version and applicability."""
    from reporting.templating.commands import list_command

    s = context.settings()
    _emit(list_command(s.resolved_templates_dir, s.resolved_macros_dir))


@templates_app.command("import-mrrt")
def templates_import_mrrt(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    output: Path | None = typer.Option(None, "--output", help="file or folder; "
                                       "default: the templates folder"),
) -> None:
    """Convert an IHE MRRT (RadReport) HTML template into our template format."""
    from reporting.templating.commands import import_mrrt_command

    _emit(import_mrrt_command(file, output=output,
                              templates_dir=context.settings().resolved_templates_dir))


@templates_app.command("export-mrrt")
def templates_export_mrrt(
    template: str = typer.Argument(..., help="template id or .j2 file"),
    output: Path | None = typer.Option(None, "--output"),
) -> None:
    """Write a template as an IHE MRRT HTML5 file (stdout without --output)."""
    from reporting.templating.commands import export_mrrt_command

    s = context.settings()
    _emit(export_mrrt_command(template, output=output, templates_dir=s.resolved_templates_dir,
                              macros_dir=s.resolved_macros_dir))


@app.command()
def transcribe(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    field: str | None = typer.Option(None, help="report field, for vocabulary biasing"),
    modality: str | None = typer.Option(None, help="CT, MR, CR, US, ..."),
    exam: str = typer.Option("", help='procedure description, e.g. "MR KNEE WITHOUT CONTRAST"'),
) -> None:
    """Transcribe a whole audio file as radiology report text."""
    from reporting.asr.manager import AsrManager
    from reporting.dictation.router import transcribe_path

    s = context.settings()
    manager = AsrManager(s.asr, s.data_dir)
    try:
        result = transcribe_path(manager, file, field=field, modality=modality, exam=exam)
    finally:
        manager.close()
    typer.echo(result["text"])


@app.command()
def dictate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    report: str = typer.Option(..., "--report", help="report id"),
    url: str = typer.Option("ws://127.0.0.1:8000/ws/dictation", help="dictation WebSocket"),
    token: str = typer.Option("", envvar="REPORTING_TOKEN", help="bearer token"),
    username: str = typer.Option("", help="log in with this user instead of a token"),
    password: str = typer.Option("", envvar="REPORTING_PASSWORD"),
    speed: float = typer.Option(1.0, help="1 = real time; 0 = as fast as possible"),
    field: str | None = typer.Option(None, help="start in this field"),
) -> None:
    """Stream an audio file through the dictation WebSocket, printing partials and finals."""
    import asyncio
    import json

    import httpx

    from reporting.dictation.client import dictate as run_dictation
    from reporting.dictation.client import load_pcm16

    if not token:
        if not username:
            _fail("give --token (or REPORTING_TOKEN) or --username/--password")
        base = url.replace("ws://", "http://").replace("wss://", "https://")
        base = base.rsplit("/ws/", 1)[0]
        r = httpx.post(f"{base}/api/auth/token", data={"username": username,
                                                        "password": password})
        if r.status_code != 200:
            _fail(f"login failed: {r.text}")
        token = r.json()["access_token"]

    def show(message: dict[str, object]) -> None:
        kind = message["type"]
        if kind == "partial":
            typer.echo(f"  … {message['text']}")
        elif kind == "final":
            typer.echo(f"[{message['field']}] {message['text']}")
        elif kind in ("command", "error", "stopped", "ready"):
            shown = {k: v for k, v in message.items() if not k.startswith("_")}
            typer.echo(json.dumps(shown))

    run = asyncio.run(run_dictation(url, token, report, load_pcm16(file), speed=speed,
                                    field_id=field, on_message=show))
    if any(m["type"] == "error" and m.get("code") in ("unauthorized", "report_signed",
                                                      "report_not_found")
           for m in run.messages):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
