from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo data and benchmarks: loaded by `make run`, `make bench` and the tests (DEV_TOOLS=1), never in
    production. Nothing in `accounts` or `billing` imports it."""

    name = "devtools"
    verbose_name = "Demo and benchmarks"
