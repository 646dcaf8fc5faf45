"""pytest set-up shared by the unit tests and the nbval notebook runs."""


def pytest_collectstart(collector):
    """nbval: never compare stderr (warnings carry kernel-specific paths)."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
