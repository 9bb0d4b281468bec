import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_compile_cache(tmp_path_factory):
    """codegen.compile writes its cache into a temporary folder, not ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CHAINRULE_CACHE", str(tmp_path_factory.mktemp("chainrule-cache")))
    yield
    mp.undo()
