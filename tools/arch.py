#!/usr/bin/env python3
"""Evidence for the architecture rules of docs/ARCHITECTURE.md, read from the sources.

For every crate of the workspace it prints:
  - the import circles among its modules: strongly connected components of the graph whose nodes are
    the crate's source files (a module per file) and whose edges are `crate::a::b` paths (in `use`
    statements or inline) and `super::` paths from one file to another;
  - the number of `pub` items (functions, types, traits, constants, statics, modules, re-exports)
    written as plain `pub`, not `pub(crate)` or `pub(super)`, in each file and in total. A plain `pub`
    item in a private module is counted too: the count is an upper bound of the public API.

Usage: python3 tools/arch.py [CRATE_DIR ...]   (default: compiler runtime vm testkit and the root)
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRATES = ["compiler", "runtime", "vm", "testkit", "."]
PUB_ITEM = re.compile(
    r"^\s*pub\s+(?:unsafe\s+|const\s+|async\s+|extern\s+\"C\"\s+)*"
    r"(fn|struct|enum|trait|type|const|static|mod|use|union|macro_rules)\b")
CRATE_PATH = re.compile(r"\bcrate((?:::[a-z_][a-z0-9_]*)+)")
SUPER_PATH = re.compile(r"\bsuper((?:::[a-z_][a-z0-9_]*)*)")
USE_GROUP = re.compile(r"\buse\s+crate::\{([^;]*)\};", re.S)
SUPER_GROUP = re.compile(r"\buse\s+super::\{([^;]*)\};", re.S)


def modules(src):
    """Maps each module path (a tuple of names) to its file."""
    out = {}
    for f in sorted(src.rglob("*.rs")):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        out[tuple(parts)] = f
    return out


def resolve(mods, path):
    """The longest prefix of `path` that names a module file."""
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in mods:
            return tuple(path[:n])
    return None


def strip_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def edges(mods, me, text):
    out = set()
    text = strip_comments(text)
    targets = [m.group(1).split("::")[1:] for m in CRATE_PATH.finditer(text)]
    for group in USE_GROUP.finditer(text):
        for item in re.split(r",\s*", group.group(1)):
            item = item.strip()
            if item:
                targets.append(re.split(r"::", item.split("{")[0].strip(": ")))
    # In `a/b.rs` and in `a/b/mod.rs` alike (module a::b), `super` is the module a.
    for m in SUPER_PATH.finditer(text):
        rest = [p for p in m.group(1).split("::") if p]
        targets.append(list(me[:-1]) + rest)
    for group in SUPER_GROUP.finditer(text):
        for item in re.split(r",\s*", group.group(1)):
            item = item.strip()
            if item:
                targets.append(list(me[:-1]) + re.split(r"::", item.split("{")[0].strip(": ")))
    for t in targets:
        target = resolve(mods, [p for p in t if p])
        if target is not None and target != me and target != ():
            out.add(target)
    return out


def circles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def report(crate):
    src = ROOT / crate / "src"
    mods = modules(src)
    graph = {m: edges(mods, m, f.read_text()) for m, f in mods.items()}
    # A parent module's `mod child;` and re-exports are not circles of dependence: edges from a
    # module to its own descendants are left out.
    for m in graph:
        graph[m] = {t for t in graph[m] if t[: len(m)] != m}
    name = "root package" if crate == "." else crate
    print(f"## {name}")
    found = circles(graph)
    if found:
        for comp in found:
            print("import circle: " + " <-> ".join("::".join(c) or "lib" for c in comp))
    else:
        print("import circles: none")
    total = 0
    rows = []
    for m, f in sorted(mods.items()):
        n = sum(1 for line in f.read_text().splitlines() if PUB_ITEM.match(line))
        total += n
        if n:
            rows.append((n, str(f.relative_to(ROOT))))
    print(f"pub items: {total}")
    for n, f in sorted(rows, reverse=True)[:8]:
        print(f"  {n:4} {f}")
    print()


if __name__ == "__main__":
    for crate in sys.argv[1:] or CRATES:
        report(crate)
