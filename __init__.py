"""Garant: rules-as-code for health insurance."""
__version__ = "0.1.0"
