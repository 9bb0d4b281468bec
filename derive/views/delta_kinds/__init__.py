"""The index-level derivation, one module per layer kind (``dense`` is the
classic BP1-BP4 view); ``network`` walks a network's layers through them."""
