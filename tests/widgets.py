"""Finding widgets by CSS class in a tree rendered with ``solara.render`` (component tests)."""

from __future__ import annotations

import ipywidgets


def _classes(w) -> list[str]:
    classes = (getattr(w, "class_", None) or "").split()
    attrs = getattr(w, "attributes", None)
    if isinstance(attrs, dict):
        classes += str(attrs.get("class", "")).split()
    return classes


def all_widgets(root) -> list:
    """Every widget under ``root`` (itself included), breadth first: children, slots, attributes."""
    out, seen, queue = [], set(), [root]
    while queue:
        w = queue.pop(0)
        if id(w) in seen:
            continue
        seen.add(id(w))
        out.append(w)
        stack = [getattr(w, key, None) for key in getattr(w, "keys", [])]
        while stack:
            x = stack.pop()
            if isinstance(x, ipywidgets.Widget):
                queue.append(x)
            elif isinstance(x, (list, tuple)):
                stack.extend(x)
            elif isinstance(x, dict):
                stack.extend(x.values())
    return out


def by_class(root, name: str) -> list:
    """Widgets under ``root`` that carry the CSS class ``name`` (children, slots, attributes)."""
    return [w for w in all_widgets(root) if name in _classes(w)]
