"""The bitbake configuration that kas would write for a kas file and its overlays.

Loads the files with Debian's kas 3.1 itself (its IncludeHandler resolves `includes:` and merges
`file1.yml:file2.yml` overlays exactly as `kas build` does), so the kas files stay the one source of
layers, machine, distro and local.conf settings; only the checkout locations are the caller's.
"""
import os
import sys

sys.path.insert(0, "/usr/lib/python3/dist-packages")  # Debian's kas, also under a venv's python
try:
    from kas.includehandler import IncludeHandler
except ImportError as e:  # pragma: no cover - reported to the user as is
    raise SystemExit(f"kas is not installed (Debian package kas; tools/install-deps.sh installs it): {e}")

# kas's spelling of a layer that is checked out but not added to BBLAYERS (kas/repos.py).
_EXCLUDED = {"disabled", "excluded", "n", "no", "0", "false"}


def load(files, repo_root):
    """The merged configuration of FILES (machine file first, overlays after), as kas sees it."""
    config, missing = IncludeHandler(list(files), repo_root).get_config()
    if missing:
        raise SystemExit(f"kas: {', '.join(files)} include repositories that are not defined: {missing}")
    return config


def repos(config):
    """(name, url or None for the repository holding the kas files, refspec, [layer dirs]) per repo."""
    result = []
    for name, repo in sorted(config.get("repos", {}).items()):
        repo = repo or {}
        layers = repo.get("layers", {"": None})
        dirs = [layer for layer, value in layers.items() if str(value).lower() not in _EXCLUDED]
        result.append((name, repo.get("url"), repo.get("refspec"), dirs))
    return result


def bblayers_conf(config, layer_paths):
    """conf/bblayers.conf as kas writes it (kas/libcmds.py WriteBBConfig), with absolute paths."""
    body = " \\\n    ".join(sorted(os.path.normpath(p) for p in layer_paths))
    return f'{_headers(config, "bblayers_conf_header")}BBLAYERS ?= " \\\n    {body}"\nBBPATH ?= "${{TOPDIR}}"\nBBFILES ??= ""\n'


def local_conf(config):
    """conf/local.conf as kas writes it: the sorted local_conf_header sections, then MACHINE and DISTRO."""
    return (_headers(config, "local_conf_header")
            + f'MACHINE ??= "{config.get("machine", "qemux86-64")}"\n'
            + f'DISTRO ??= "{config.get("distro", "poky")}"\n'
            + 'BBMULTICONFIG ?= ""\n')  # kas derives it from mc: targets; ours has none


def _headers(config, key):
    return "".join(f"# {name}\n{text}\n" for name, text in sorted((config.get(key) or {}).items()))
