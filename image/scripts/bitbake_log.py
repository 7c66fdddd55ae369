"""Judges the console output of `bitbake -g` for image/scripts/parse.py.

bitbake writes one message per `WARNING:` or `ERROR:` line, some followed by lines of their own
(a QA issue's explanation, a traceback). A warning is this project's when it names one of the
project's layer directories, recipes or distro; those fail the parse like errors do. Warnings of
the other layers (host distribution not validated, deprecations in meta-oe ...) are listed only.
"""
import re
from dataclasses import dataclass, field

_START = re.compile(r"^(WARNING|ERROR): ")
# Lines bitbake prints between messages (progress and notes): they end a multi-line message.
_OTHER = re.compile(r"^(NOTE|DEBUG|Summary|Loading|Parsing|Initialising|Checking|Computing|Build Configuration|Sstate)\b")
_STATS = re.compile(r"Parsing of (\d+) \.bb files complete \((\d+) cached, (\d+) parsed\)\. (\d+) targets, (\d+) skipped")


@dataclass
class Report:
    passed: bool
    summary: str
    problems: list = field(default_factory=list)   # what failed the configuration
    foreign: list = field(default_factory=list)    # other layers' warnings, listed

    def details(self):
        return [f"FAIL: {p}" for p in self.problems] + [f"(other layer) {w}" for w in self.foreign]


def messages(output):
    """[(kind, text)] of every WARNING/ERROR message, continuation lines joined with newlines."""
    found, current = [], None
    for line in output.splitlines():
        m = _START.match(line)
        if m:
            current = [m.group(1), line[m.end():]]
            found.append(current)
        elif current is not None and line.strip() and not _OTHER.match(line):
            current[1] += "\n" + line
        else:
            current = None
    return [(kind, text) for kind, text in found]


def is_ours(text, layer_dirs, names, cache_root):
    """Does the message name one of our layers, or our recipes/distro as a whole word?"""
    if any(d in text for d in layer_dirs):
        return True
    # The cache directory's own name may contain "appliance": it is not a recipe.
    plain = text.replace(cache_root, "<cache>")
    # A name ends at a non-name character, or where a version follows (appliance-image-1.0-r0, appliance_0.1.0.bb).
    return any(re.search(rf"(?<![\w.+/-]){re.escape(n)}(?=$|[^\w.+-]|[-_]\d)", plain) for n in names)


def judge(code, output, layer_dirs, names, recipes, cache_root, buildlist):
    """The verdict on one configuration. NAMES: our recipes' PNs and our distro; RECIPES: PNs the
    target's graph must contain; BUILDLIST: the PNs of bitbake's pn-buildlist (None if not written)."""
    problems, foreign = [], []
    if code != 0:
        problems.append(f"bitbake exited with {code}")
    for kind, text in messages(output):
        first = text.splitlines()[0] if text else ""
        if kind == "ERROR":
            problems.append(f"ERROR: {text}")
        elif is_ours(text, layer_dirs, names, cache_root):
            problems.append(f"WARNING from our layer: {text}")
        elif first not in foreign:
            foreign.append(first)
    stats = _STATS.search(output)
    if stats is None:
        problems.append("bitbake never finished parsing (no 'Parsing of N .bb files complete' line)")
    if buildlist is None:
        problems.append("bitbake wrote no pn-buildlist (the dependency graph was not generated)")
    else:
        for pn in recipes:
            if pn not in buildlist:
                problems.append(f"the target's dependency graph does not contain {pn}")
    summary = (f"{stats.group(1)} recipes ({stats.group(2)} cached), {stats.group(4)} targets" if stats else "no parse")
    if buildlist is not None:
        summary += f", {len(buildlist)} recipes in the image's graph"
    summary += f", {len(foreign)} other-layer warnings"
    return Report(not problems, summary, problems, foreign)
