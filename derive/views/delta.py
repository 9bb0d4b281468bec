"""The delta view: backpropagation derived at index level, for any network.

A dense network gets BP1-BP4 (``delta_kinds.dense``), as it always has.  A
network with other layer kinds gets each layer's own index-level derivation
(``delta_kinds.network`` walks the layers from the output down, one module
per kind), with the dense layers' BP equations fed by whatever layer sits
above them.  The index algebra both use is ``derive.index_algebra``.
"""
from __future__ import annotations

from ..index_algebra import ONES, as_hadamard, as_matrix, collapse, strip_coeff
from .delta_kinds import network
from .delta_kinds.dense import (INV_M, J, M, DeltaView, LayerSymbols, Quantity, Step, bp1, bp2, bp3, bp4,
                                element, forward_z, fprime, loss_term, mlp_sections, plain, show, width)

__all__ = ["INV_M", "J", "M", "ONES", "DeltaView", "LayerSymbols", "Quantity", "Step", "as_hadamard",
           "as_matrix", "bp1", "bp2", "bp3", "bp4", "collapse", "element", "forward_z", "fprime",
           "loss_term", "plain", "sections", "show", "strip_coeff", "width"]


def sections(net, t, params: list[str] | None = None, view: DeltaView | None = None) -> list:
    """The delta view of ``net`` as model sections; with ``params``, only the
    equations that lead to those parameters (``view``: a dense DeltaView
    already built)."""
    if net.is_mlp:
        return mlp_sections(net, t, params, view)
    return network.sections(net, t, params)
