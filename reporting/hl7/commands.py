"""CLI commands for HL7: `reporting hl7 listen` runs the order intake listener alone."""

from __future__ import annotations

import asyncio
import signal

import typer

from reporting.cli import context

hl7_app = typer.Typer(help="HL7 interface.", no_args_is_help=True)


@hl7_app.command("listen")
def listen(address: str = typer.Option("", "--listen", help="host:port (default: HL7_LISTEN)")
           ) -> None:
    """Run the MLLP order-intake listener until interrupted."""
    from reporting.hl7 import intake

    settings = context.settings()
    if address:
        settings = settings.model_copy(update={"hl7": settings.hl7.model_copy(
            update={"listen": address})})
    if not settings.hl7.listen:
        typer.echo("error: no listen address (set REPORTING_HL7_LISTEN or --listen)", err=True)
        raise typer.Exit(1)

    async def run() -> None:
        server = intake.listener(context.session_factory(), settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            typer.echo(f"HL7 listener on {server.host}:{server.port}")
            await stop.wait()

    asyncio.run(run())
    typer.echo("HL7 listener stopped")
