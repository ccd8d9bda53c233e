"""Where each documented line links: its file and line on the hosting site.

A reader of a tableau de garanties (or of a regime's history) follows a
line to the text that decides it. When the repository's address is known
(`garant docs --source-url`, mkdocs.yml's `extra.garant.source_url` or
`repo_url`, or the git remote), the link goes to that file and line on the
hosting site; otherwise to the generated source page of the product, which
has one anchor per line. A template names the file with `{path}` (relative
to the repository's root, `/`-separated) and the line with `{line}`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import attrs


@attrs.frozen
class SourceLinks:
    template: str | None = None  # e.g. https://github.com/o/r/blob/abc123/{path}#L{line}
    root: Path | None = None  # the repository's root; relative paths are taken from it

    def url(self, path: str, line: int) -> str:
        """The link to `line` of the source `path`, from a page of the
        product's (or regime's) folder, where `source.md` is."""
        rel = self.relative(path) if self.template else None
        if rel is None:
            return f"source.md#L{line}"
        return self.template.replace("{path}", quote(rel)).replace("{line}", str(line))

    def relative(self, path: str) -> str | None:
        """`path` relative to the repository's root, or None when it is not
        inside it (a stdlib regime from an installed package)."""
        p = Path(path)
        root = (self.root or Path.cwd()).resolve()
        full = p.resolve() if p.is_absolute() else (root / p).resolve()
        try:
            return full.relative_to(root).as_posix()
        except ValueError:
            return None


def check_template(template: str) -> str | None:
    """Why a `--source-url` template is unusable, or None."""
    if "{path}" not in template:
        return "the template must contain {path} (the source file, relative to the repository) and usually {line}"
    unknown = set(re.findall(r"\{([^{}]*)\}", template)) - {"path", "line"}
    if unknown:
        return f"unknown placeholder(s) {', '.join('{' + u + '}' for u in sorted(unknown))}: only {{path}} and {{line}}"
    return None


def template_for(repo_url: str, ref: str) -> str | None:
    """The file-and-line address of the usual hosting sites; None for
    another host (then say `--source-url` or `extra.garant.source_url`)."""
    base = repo_url.rstrip("/")
    host = urlsplit(base).netloc.lower()
    if host.endswith("github.com"):
        return f"{base}/blob/{ref}/{{path}}#L{{line}}"
    if "gitlab" in host:
        return f"{base}/-/blob/{ref}/{{path}}#L{{line}}"
    if host.endswith("bitbucket.org"):
        return f"{base}/src/{ref}/{{path}}#lines-{{line}}"
    if "codeberg" in host or "gitea" in host:
        return f"{base}/src/commit/{ref}/{{path}}#L{{line}}"
    return None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def web_url(remote: str) -> str | None:
    """A git remote as the web address of the repository:
    `git@github.com:o/r.git` and `https://github.com/o/r.git` → `https://github.com/o/r`."""
    remote = remote.strip()
    m = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+?)(?:\.git)?/?$", remote)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    m = re.match(r"^https?://(?:[^@/]+@)?([^/]+)/(.+?)(?:\.git)?/?$", remote)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    return None


def from_git(start: Path) -> tuple[str | None, SourceLinks]:
    """The repository holding `start`: (its web address, its links at the
    current commit, so that line numbers match the documented text). No
    remote, no git: the generated source pages."""
    root_text = _git(start, "rev-parse", "--show-toplevel")
    if root_text is None:
        return None, SourceLinks(None, start)
    root = Path(root_text)
    remote = _git(root, "remote", "get-url", "origin")
    if remote is None:
        remotes = (_git(root, "remote") or "").split()
        remote = _git(root, "remote", "get-url", remotes[0]) if remotes else None
    repo = web_url(remote) if remote else None
    if repo is None:
        return None, SourceLinks(None, root)
    ref = _git(root, "rev-parse", "HEAD") or "main"
    return repo, SourceLinks(template_for(repo, ref), root)


def from_repo_url(repo_url: str, root: Path, edit_uri: str | None = None) -> SourceLinks:
    """mkdocs.yml's `repo_url`: the current commit when git knows it, else
    the branch of `edit_uri` (`edit/main/docs/` → `main`)."""
    ref = _git(root, "rev-parse", "HEAD")
    if ref is None:
        parts = [p for p in (edit_uri or "").split("/") if p and p != "-"]
        ref = parts[1] if len(parts) >= 2 and parts[0] in ("edit", "blob", "src") else "main"
    return SourceLinks(template_for(repo_url, ref), root)
