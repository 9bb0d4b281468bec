"""NumPy modules emitted by ``chainrule codegen`` for the five presets.

Each file's first line names the spec it was generated from;
tests/codegen/test_generated.py regenerates every file from that spec and
requires the same bytes.  Regenerate them all with:

    python -m chainrule.regenerate
"""
