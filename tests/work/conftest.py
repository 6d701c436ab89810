from tests.production.conftest import run_at  # noqa: F401  (the same runs as the engine tests)
