"""--param takes plain names and array keys: W2 stands for every entry of W2."""
import pytest

import derive
from derive.derivation import build
from derive.errors import ChainruleError
from derive.printers import render


@pytest.mark.parametrize("spec, key, entries", [
    ("mlp-2-3-1", "W2", ["w2_1_1", "w2_1_2", "w2_1_3"]),
    ("mlp-2-3-1", "b1", ["b1_1", "b1_2", "b1_3"]),
    ("bn-mlp", "gamma2", ["gamma2_1", "gamma2_2", "gamma2_3", "gamma2_4"]),
])
def test_an_array_key_is_every_entry_of_it(spec, key, entries):
    net = derive.load(spec)
    for form in (key, key.lower()):
        by_key = render(build(net, params=[form], view="scalar"), "json")
        by_names = render(build(net, params=entries, view="scalar"), "json")
        assert by_key == by_names
    # a name given twice (as itself and inside its array) is derived once
    assert render(build(net, params=[entries[0], key], view="scalar"), "json") == by_names


def test_an_unknown_array_is_refused_with_the_shapes():
    with pytest.raises(ChainruleError, match=r"no parameter 'W7'.*W1 is 3 x 2"):
        build(derive.load("mlp-2-3-1"), params=["W7"])
