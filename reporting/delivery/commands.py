"""CLI commands for delivery: `reporting deliveries list|retry` and `reporting worker`."""

from __future__ import annotations

import signal
import threading

import typer

from reporting.cli import context

deliveries_app = typer.Typer(help="Outbound deliveries (outbox).", no_args_is_help=True)


@deliveries_app.command("list")
def deliveries_list(
    status: str = typer.Option("", "--status", help="pending|retrying|delivered|quarantined|"
                                                    "failed"),
    limit: int = typer.Option(200, "--limit"),
) -> None:
    """List outbox rows, newest first."""
    from reporting.delivery import outbox

    with context.unit_of_work() as session:
        rows = outbox.list_deliveries(session, status=status or None, limit=limit)
        for r in rows:
            typer.echo(f"{r.id}  {r.status:<11} {r.destination:<12} {r.kind:<6} "
                       f"report {r.report_id} v{r.report_version}  attempts {r.attempts}  "
                       f"{r.last_code} {r.last_detail[:80]}".rstrip())
    typer.echo(f"{len(rows)} deliveries")


@deliveries_app.command("retry")
def deliveries_retry(delivery_id: str = typer.Argument(...)) -> None:
    """Send a quarantined or failed delivery again now."""
    from reporting.audit import service as audit
    from reporting.core.errors import ReportingError
    from reporting.delivery import outbox

    try:
        with context.unit_of_work() as session:
            row = outbox.retry(session, delivery_id, audit.Actor(None, "cli", "cli"))
            typer.echo(f"{row.id} is pending again ({row.destination}, "
                       f"report {row.report_id} v{row.report_version})")
    except ReportingError as e:
        typer.echo(f"error: {e.message}", err=True)
        raise typer.Exit(1) from e


def worker(threads: int = typer.Option(4, "--threads", help="parallel senders"),
           poll: float = typer.Option(0.1, "--poll", help="seconds between outbox polls")) -> None:
    """Run the delivery worker until interrupted (alongside or instead of `serve`)."""
    from reporting import services
    from reporting.delivery.worker import DeliveryWorker

    settings = context.settings()
    life = services.build_lifecycle(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with DeliveryWorker(context.session_factory(), settings, life, threads=threads,
                        poll_seconds=poll) as w:
        typer.echo(f"delivery worker {w.name} running with {threads} threads "
                   f"for {len(settings.destinations)} destinations")
        stop.wait()
    typer.echo("delivery worker stopped")
