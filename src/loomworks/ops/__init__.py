"""Running Loomworks for real: probes, metrics, deployment checks, backups, logs."""
