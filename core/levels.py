"""Choosing the levels a multi-level product is evaluated at (spec §3.4).

A product sold in modules has one level per module. The choice is written
as the command line takes it (`garant eval … --level N3`, or
`--level hospitalisation=N2 --level frais_de_sante=N4`):

* `N3`            every module at N3, optional modules ("renforts") included;
* `MODULE=N3`     that module at N3 (overrides a blanket level);
* `MODULE=none`   an optional module left out.

A module declared `level of OTHER` takes OTHER's level. Every required
module must end up with a level of its own list; anything else is an
error that says what to write. Names compare without case or accents.

Modules are given as `Module` records (`(name, levels, optional, follows)`
tuples read the same), so the same code serves the checker's model and a
generated module.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from garant.core.text import fold

_OFF = {"none", "off", "no", "sans"}


class Module(NamedTuple):
    """One module of a product sold in levels, as a generated module lists it."""

    name: str
    levels: tuple[str, ...]
    optional: bool = False  # a "renfort" the member may leave out
    follows: str | None = None  # the module whose level this one takes (`level of OTHER`)


class LevelError(ValueError):
    """A level choice that does not fit the product; the message says why."""


def _pick(name: str, options: Iterable[str]) -> str | None:
    folded = fold(name)
    return next((o for o in options if fold(o) == folded), None)


def choose(specs: Iterable[str] | str | dict | None, modules: tuple) -> dict[str, str | None]:
    """Level specs → {module: level, or None for an optional module left out}."""
    if isinstance(specs, str):
        specs = [specs]
    if isinstance(specs, dict):
        specs = [f"{k}={v}" for k, v in specs.items()]
    modules = tuple(Module(*m) for m in modules)
    by_name = {m.name: m for m in modules}
    all_levels = tuple(dict.fromkeys(lv for m in modules for lv in m.levels))
    blanket: str | None = None
    explicit: dict[str, str | None] = {}
    for spec in list(specs or []):
        spec = str(spec).strip()
        if "=" in spec:
            module, level = _module_level(spec, by_name)
            explicit[module] = level
        else:
            blanket = _pick(spec, all_levels)
            if blanket is None:
                raise LevelError(f"no level `{spec}`; the levels are {_names(all_levels)}" + (f" (or MODULE=LEVEL for one of {_names(by_name)})" if len(by_name) > 1 else ""))
    choice: dict[str, str | None] = {}
    for name, levels, optional, follows in modules:
        if follows is None:
            choice[name] = _leader_level(name, levels, optional, explicit, blanket, modules, all_levels)
    for name, levels, _optional, follows in modules:
        if follows is not None:
            leader = choice.get(follows)
            choice[name] = None if explicit.get(name, "") is None else (leader if leader in levels else None)
    return choice


def _module_level(spec: str, by_name: dict) -> tuple[str, str | None]:
    """`MODULE=LEVEL` (or `MODULE=none` for an optional module) → (module, level or None)."""
    mod_name, _, level = (part.strip() for part in spec.partition("="))
    module = _pick(mod_name, by_name)
    if module is None:
        raise LevelError(f"unknown module `{mod_name}`; the modules are {_names(by_name)}")
    _, levels, optional, follows = by_name[module]
    if fold(level) in _OFF:
        if not optional:
            raise LevelError(f"module `{module}` is not optional: give it a level ({_names(levels)})")
        return module, None
    if follows is not None:
        raise LevelError(f"module `{module}` takes the level of `{follows}`: choose that one, or `{module}=none` to leave it out")
    got = _pick(level, levels)
    if got is None:
        raise LevelError(f"module `{module}` has no level `{level}`; its levels are {_names(levels)}")
    return module, got


def _leader_level(name, levels, optional, explicit, blanket, modules, all_levels) -> str | None:
    """The level of a module that follows no other: its own spec, the blanket level, or none when optional."""
    if name in explicit:
        return explicit[name]
    if blanket is not None and blanket in levels:
        return blanket
    if optional:
        return None
    if blanket is not None:
        raise LevelError(f"module `{name}` has no level `{blanket}`; give it one: `{name}=LEVEL` ({_names(levels)})")
    raise LevelError(f"choose a level: --level LEVEL ({_names(all_levels)})" + (f", or one per module: --level {name}=LEVEL" if len(modules) > 1 else ""))


def describe(choice: dict[str, str | None]) -> str:
    """`hospitalisation N3, frais_de_sante N3, renfort_famille N3`."""
    return ", ".join(f"{m} {lv}" if lv is not None else f"{m} (not subscribed)" for m, lv in choice.items())


def _names(items) -> str:
    return ", ".join(f"`{i}`" for i in items)
