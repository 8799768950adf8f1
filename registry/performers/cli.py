"""``flask performers erase ID`` (crypto-shredding) and ``flask keys rotate`` (master key)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from tqdm import tqdm

from registry.core.crypto import KeyStoreBusy, RewrapProgress
from registry.core.errors import ServiceError
from registry.core.master_keys import MasterKeyReadOnly
from registry.performers import services
from registry.performers.keystore import key_store, rotate_master
from registry.transactions import unit_of_work

performers = AppGroup("performers", help="Performers: erasure of personal data.")


@performers.command("erase")
@click.argument("performer_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--wait",
    default=10.0,
    show_default=True,
    help="Seconds to wait for readers of the key store before scrubbing its file.",
)
def erase(performer_id: str, yes: bool, wait: float) -> None:
    """Destroy a performer's data key: their personal data and documents become unreadable
    everywhere (backups included); consents and the audit trail stay; a tombstone remains."""
    if not yes:
        click.confirm(
            f"Erase the personal data of {performer_id} for good? This cannot be undone", abort=True
        )
    try:
        with unit_of_work():  # the tombstone first, committed
            performer = services.erase_performer(performer_id, actor_id=None)
        services.destroy_data_key(performer, wait=wait)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    except KeyStoreBusy as exc:
        raise click.ClickException(
            f"{performer_id} is erased and its data key deleted, but {exc}."
        ) from exc
    click.echo(
        f"Erased {performer.id}: data key {performer.data_key_id} destroyed; personal data and "
        "documents are unreadable, consents and the audit trail are kept."
    )


@click.command("rotate")
@with_appcontext
@click.option("--retire-old", is_flag=True, help="Delete master keys no data key uses any more.")
@click.option("--batch", default=500, show_default=True, help="Data keys per transaction.")
def rotate_master_command(retire_old: bool, batch: int) -> None:
    """New master key; re-wrap every data key under it (resumable: just run it again)."""
    store = key_store()
    total = sum(store.count_by_master().values())
    with tqdm(total=total, desc="re-wrapping data keys", unit="key", file=None) as bar:

        def progress(step: RewrapProgress) -> None:
            bar.total = step.done + step.remaining
            bar.n = step.done
            bar.refresh()

        try:
            result = rotate_master(retire_old=retire_old, batch=batch, progress=progress)
        except MasterKeyReadOnly as exc:
            raise click.ClickException(str(exc)) from exc
    verb = "Resumed the interrupted rotation to" if result.resumed else "New master key"
    click.echo(
        f"{verb} {result.master_kid}: {result.rewrapped} data key(s) re-wrapped in "
        f"{store.describe()}."
    )
    if result.retired:
        click.echo(f"Retired master key(s): {', '.join(result.retired)}")
