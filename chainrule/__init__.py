"""chainrule's command line.  The engine lives in `derive` and `codegen`."""
__version__ = "0.1.0"
