#!/usr/bin/env python3
"""Checks that the image's settings reach the recipes that read them, after a parse (parse.py).

A parse succeeds just as well when a setting is silently ineffective (a misspelt variable, a machine
file's assignment winning over the distro's): this reads the values bitbake computed, through
tinfoil on the parse cache, in the build directory oe-init-build-env set up (bitbake's lib on
PYTHONPATH). Each argument is RECIPE:VARIABLE<op>VALUE with op `=` (equals), `~` (contains the
word) or `!~` (does not contain the word). Prints one line per failed check; exit 1 if any failed.

usage: bb_settings.py 'appliance:APPLIANCE_BOARD=cm4' 'rpi-cmdline:CMDLINE!~console=serial0' ...
"""
import re
import sys

import bb.tinfoil

_CHECK = re.compile(r"^(?P<recipe>[\w.+-]+):(?P<var>[\w:.+-]+?)(?P<op>!~|~|=)(?P<value>.*)$")


def verdict(actual, op, value):
    words = (actual or "").split()
    if op == "=":
        return (actual or "").strip() == value
    return (value in words) == (op == "~")


def main(argv):
    checks = []
    for arg in argv:
        m = _CHECK.match(arg)
        if not m:
            print(f"bb_settings: not RECIPE:VARIABLE(=|~|!~)VALUE: {arg}")
            return 2
        checks.append(m.groupdict())
    failed = 0
    with bb.tinfoil.Tinfoil() as tinfoil:
        tinfoil.prepare(quiet=2)  # the recipe cache of the parse just done: nothing is reparsed
        data = {}
        for c in checks:
            if c["recipe"] not in data:
                data[c["recipe"]] = tinfoil.parse_recipe(c["recipe"])
            actual = data[c["recipe"]].getVar(c["var"])
            if not verdict(actual, c["op"], c["value"]):
                failed += 1
                print(f"bb_settings: {c['recipe']}: {c['var']} is {actual!r}, expected {c['op']} {c['value']!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
