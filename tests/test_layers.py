"""The layer rules hold: the contracts in pyproject.toml, checked by import-linter.

- no domain app imports `api/` or `web/`;
- `work/`, `catalog/` and `events/` never import `production/`;
- apps stack in layers (api | web | ops, integrations | reminders, notifications, money,
  production, orders,
  catalog | work | partners | accounts, events, core): no two apps import each
  other, and neighbours on one floor not at all;
- no import cycle between the modules of any package.
"""

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept(capsys):
    result = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert result == 0, report
    assert "BROKEN" not in report and "4 kept, 0 broken" in report


def test_every_app_has_a_floor():
    """An app left out of the layers would be checked by no contract at all."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")[
        "layers"
    ]
    placed = {name.strip() for floor in layers for name in floor.split("|")}
    package = ROOT / "src" / "loomworks"
    apps = {path.parent.name for path in package.glob("*/apps.py")}
    assert apps - placed == set()
