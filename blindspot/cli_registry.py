"""The `blindspot config` and `blindspot registry` commands: validate every config file; zone aliases generated
from maintained data (core/gazetteer.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from blindspot.cli_support import ConfigOpt, console, fail, registry_failure, settings_for
from core import gazetteer
from core.registry import RegistryError, load_registry

registry_app = typer.Typer(help="Maintain the zone registry's generated data.", no_args_is_help=True)
config_app = typer.Typer(help="Validate the registry and the other config files.", no_args_is_help=True)


@registry_app.command("aliases")
def registry_aliases(
    config: ConfigOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only check that the file is current; exit 1 when it is stale.")
    ] = False,
) -> None:
    """Write aliases.generated.yml from CLDR, ISO 3166-2 and GeoNames names (see aliases.review.yml)."""
    config_dir = settings_for(config).config_dir
    path = config_dir / gazetteer.GENERATED_FILE
    try:
        if check:
            if not gazetteer.is_current(config_dir):
                raise fail(f"{path} is stale: run `blindspot registry aliases`", code=1)
            console.print(f"ok: {path} is current")
            return
        generated = gazetteer.generate_for(config_dir)
    except RegistryError as exc:
        raise registry_failure(exc, f"{len(exc.issues)} problem(s) in {config_dir}") from None
    day = datetime.now(UTC).date().isoformat()
    text = gazetteer.render(generated, "blindspot registry aliases", day, gazetteer.data_versions())
    path.write_text(text, encoding="utf-8")
    count = sum(gazetteer.count_names(entry) for entry in generated.values())
    console.print(f"wrote {count} names for {len(generated)} zones to {path}")


@config_app.command("check")
def config_check(config: ConfigOpt = None) -> None:
    """Validate zones.yml and sources.yml, and metrics.yml, alerts.yml and publish.yml where present; every
    error names file, entry, field and reason (exit 2)."""
    from alerts.config import load_alerts_config
    from transforms.params import load_metrics
    from warehouse.publish_gate import load_publish_config

    settings = settings_for(config)
    issues, registry = [], None
    for load in (load_registry, load_metrics, load_alerts_config, load_publish_config):
        try:
            loaded = load(settings.config_dir)
        except RegistryError as exc:  # every file is read, so one run names every problem
            issues += exc.issues
        else:
            registry = loaded if load is load_registry else registry
    if issues:
        raise registry_failure(RegistryError(issues), f"{len(issues)} problem(s) in {settings.config_dir}")
    others = [f for f in ("metrics.yml", "alerts.yml", "publish.yml") if (settings.config_dir / f).exists()]
    enabled = len(registry.enabled_sources())
    console.print(
        f"ok: {len(registry.zones)} zones, {len(registry.sources)} sources ({enabled} enabled)"
        + (f", {', '.join(others)}" if others else "")
        + f" in {settings.config_dir}"
    )
