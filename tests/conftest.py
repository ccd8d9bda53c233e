"""Golden YAML files (tests/golden/*.yaml) are collected as pytest items by
Garant's own pytest plugin, compiler/pytest_golden.py, registered by the
package's `pytest11` entry point (so `pip install -e .` is needed, as CI
does); `pytest --update-golden` rewrites their expected figures.
"""
