#!/usr/bin/env python3
"""Fails when two modules of one crate refer to each other, directly or through others.

For every crate under crates/, each source file is a module (`a/b.rs` and `a/b/mod.rs` are
`a::b`). Test code is left out — a `#[cfg(test)]` inline module and the `#[path]` test
files — since tests may drive a piece through the reader built on it. Every path written in the code — `crate::x::y`, `super::x`, `self::x` — is resolved to
the module it names. A reference from `a::p` to `a::q::r` is an edge between the siblings
`a::p` and `a::q`; a module's references to its own ancestors or descendants are not
edges (a parent declares its children; children use the parent's helpers). Sibling edges
that form a cycle are reported with the lines that make them.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH_RE = re.compile(r"\b(crate|super|self)((?:::\w+)+)")


def modules_of(src: Path):
    mods = {}
    for f in sorted(src.rglob("*.rs")):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        mods[tuple(parts)] = f
    # test files pulled in by #[path]: count them as the declaring module
    owner = {}
    for m, f in mods.items():
        for target in re.findall(r'#\[path\s*=\s*"([^"]+)"\]', f.read_text()):
            owner[(f.parent / target).resolve()] = m
    return mods, owner


def resolve(mods, here, kind, names):
    if kind == "crate":
        base = ()
    elif kind == "self":
        base = here
    else:
        base = here[:-1]
        while names and names[0] == "super":
            names = names[1:]
            base = base[:-1]
    path = base + tuple(n for n in names if n != "super")
    # the longest prefix that is a module
    for k in range(len(path), -1, -1):
        if path[:k] in mods:
            return path[:k]
    return ()


def main():
    failed = False
    for crate in sorted((ROOT / "crates").iterdir()):
        src = crate / "src"
        if not src.is_dir():
            continue
        mods, owner = modules_of(src)
        edges = {}
        for m, f in mods.items():
            if f.resolve() in owner:
                continue  # a test file
            here = m
            lines = f.read_text().splitlines()
            for no, line in enumerate(lines, 1):
                if line.startswith("#[cfg(test)]") and no < len(lines) and re.match(r"(pub(\(\w+\))? )?mod \w+ \{", lines[no]):
                    break  # the inline tests at the end of the file
                code = line.split("//")[0]
                for kind, rest in PATH_RE.findall(code):
                    names = [n for n in rest.split("::") if n]
                    target = resolve(mods, here, kind, names)
                    k = 0
                    while k < min(len(here), len(target)) and here[k] == target[k]:
                        k += 1
                    if k == len(here) or k == len(target):
                        continue  # an ancestor or a descendant
                    a, b = here[: k + 1], target[: k + 1]
                    edges.setdefault(a, {}).setdefault(b, f"{f.relative_to(ROOT)}:{no}")
        # cycles among siblings: depth-first search for a back edge
        state, stack = {}, []

        def visit(n):
            nonlocal failed
            state[n] = 1
            stack.append(n)
            for m in edges.get(n, {}):
                if state.get(m) == 1:
                    cyc = stack[stack.index(m):] + [m]
                    print(f"{crate.name}: modules refer to each other: " + " → ".join("::".join(x) for x in cyc))
                    for x, y in zip(cyc, cyc[1:]):
                        print(f"    {'::'.join(x)} → {'::'.join(y)} at {edges[x][y]}")
                    failed = True
                elif state.get(m) is None:
                    visit(m)
            stack.pop()
            state[n] = 2

        for n in sorted(edges):
            if state.get(n) is None:
                visit(n)
    if failed:
        sys.exit(1)
    print("no module refers back to one that refers to it")


main()
