"""One self-contained HTML page per view: pyvis builds the vis-network data and options, the
page inlines vis-network itself, and nothing is fetched from anywhere.

pyvis's own templates load Bootstrap and vis from CDNs, so only its Network (data and options)
is used here; the page is our template. vis-network's JS and CSS are read at render time from
the pyvis package installed beside graphscope (vis-network is Apache-2.0 OR MIT; its licence
header stays in the inlined file), so the repository carries no copy that could drift.
Every string from the data reaches the page as JSON inside a non-executed script element and is
put into the DOM with textContent; a Content-Security-Policy allowing only the page's own two
scripts (by hash) backs that up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import pyvis
from pyvis.network import Network

from graphscope.schema import ELEMENTS, Component
from graphscope.viz.graph import (
    ACTION,
    DENIED,
    GROUP,
    OBSERVED,
    POTENTIAL,
    SESSION,
    SUBJECT,
    VEdge,
    VGraph,
    VNode,
)

VIS_VERSION = "9.1.2"
MAX_LABEL = 48
SMALL_GRAPH = 150  # above this many nodes: no smooth edges, no improved layout (both cost O(n^2+))

COMPONENT_STYLE: dict[str, tuple[str, str, str]] = {
    # component: (vis shape, colour, legend glyph)
    Component.ORGANIZATION.value: ("hexagon", "#7f8c8d", "⬢"),
    Component.COMPUTING.value: ("square", "#e67e22", "■"),
    Component.AI_ML.value: ("diamond", "#8e44ad", "◆"),
    Component.PRIVATE_DATA.value: ("triangle", "#c0392b", "▲"),
    Component.USERS.value: ("dot", "#2980b9", "●"),
}
EDGE_STYLE: dict[str, dict[str, object]] = {
    POTENTIAL: {"color": "#95a5a6", "dashes": [8, 6], "width": 1},
    OBSERVED: {"color": "#1e8449", "dashes": False},
    DENIED: {
        "color": "#e74c3c",
        "dashes": [2, 5],
        "width": 2,
        "arrows": {"to": {"enabled": True, "type": "bar", "scaleFactor": 0.6}},
    },
}
FAMILY_LEGEND = {
    POTENTIAL: "potential: policies would allow (dashed)",
    OBSERVED: "observed: logs show it happened (solid, thicker = more calls)",
    DENIED: "denied: attempted, every call failed (red dotted, bar end)",
}


class AssetError(RuntimeError):
    """vis-network is missing from the installed pyvis: the page cannot be self-contained."""


@cache
def vis_assets() -> tuple[str, str]:
    """vis-network's (JS, CSS) from the installed pyvis package."""
    base = Path(pyvis.__file__).parent / "lib" / f"vis-{VIS_VERSION}"
    js, css = base / "vis-network.min.js", base / "vis-network.css"
    if not (js.is_file() and css.is_file()):
        raise AssetError(f"vis-network {VIS_VERSION} not found under {base}: reinstall pyvis 0.3.2")
    return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")


@cache
def _own_asset(name: str) -> str:
    return resources.files("graphscope.viz").joinpath("assets", name).read_text(encoding="utf-8")


def _label(text: str) -> str:
    lines = [ln if len(ln) <= MAX_LABEL else ln[: MAX_LABEL - 1] + "…" for ln in text.split("\n")]
    return "\n".join(lines)


def _node_options(n: VNode) -> dict[str, object]:
    shape, colour, _ = COMPONENT_STYLE[n.component]
    opts: dict[str, object] = {
        "shape": shape,
        "color": colour,
        "size": 14,
        "component": n.component,
        "role": n.role,
        "kind": n.kind,
        "tip": n.tip,
        "observed": n.observed,
        "potential": n.potential,
    }
    if n.role == SUBJECT:
        opts.update(
            shape="star",
            size=30,
            borderWidth=3,
            color={"background": "#f1c40f", "border": "#000000"},
            font={"size": 16, "bold": True},
        )
    elif n.role == SESSION:
        opts.update(size=9)
    elif n.role == GROUP:
        opts.update(
            shape="box",
            borderWidth=2,
            shapeProperties={"borderDashes": [5, 4]},
            color={"background": "#ffffff", "border": colour},
            font={"color": colour},
        )
    elif n.role == ACTION:
        opts.update(shape="ellipse", color={"background": "#ffffff", "border": colour})
    return opts


def _edge_options(i: int, e: VEdge) -> dict[str, object]:
    opts: dict[str, object] = {
        "id": f"e{i}",
        "family": e.family,
        "kind": e.kind,
        "elements": sorted(e.elements),
        "count": e.count,
        "tip": e.tip,
        **EDGE_STYLE[e.family],
    }
    if e.family == OBSERVED:
        opts["value"] = max(e.count, 1)
    if e.family == DENIED:
        opts["label"] = "denied"
        opts["font"] = {"color": "#e74c3c", "size": 10}
    return opts


def _vis_options(n_nodes: int) -> dict[str, object]:
    small = n_nodes <= SMALL_GRAPH
    return {
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -6000,
                "springLength": 140,
                "springConstant": 0.03,
                "damping": 0.35,
                "avoidOverlap": 0.3,
            },
            "stabilization": {
                "enabled": True,
                "iterations": 400,
                "updateInterval": 50,
                "fit": True,
            },
            "minVelocity": 1.5,
        },
        "layout": {"improvedLayout": small, "randomSeed": 7},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": not small},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "smooth": {"enabled": small, "type": "continuous"},
            "scaling": {"min": 1.5, "max": 9},
        },
        "nodes": {"font": {"size": 12, "face": "sans-serif", "multi": False}},
    }


def network_data(g: VGraph) -> tuple[list[dict], list[dict], dict]:
    """(nodes, edges, options) for vis-network, assembled with pyvis's Network."""
    net = Network(directed=True, cdn_resources="in_line")
    for n in g.nodes.values():
        net.add_node(n.id, label=_label(n.label), **_node_options(n))
    for i, e in enumerate(g.edges.values()):
        net.add_edge(e.src, e.dst, **_edge_options(i, e))
    net.set_options(json.dumps(_vis_options(len(g.nodes))))
    nodes, edges, _heading, _h, _w, options = net.get_network_data()
    return nodes, edges, json.loads(options)


def _json_for_script(value: object) -> str:
    """JSON that cannot close or comment out the script element holding it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def script_hashes(document: str) -> list[str]:
    """CSP sources ('sha256-...') of a page's inline scripts, for a parent page that embeds it
    with iframe srcdoc (the frame inherits the parent's policy, so the parent must allow them)."""
    return [f"'{_sha256(s)}'" for s in _SCRIPT.findall(document)]


def view_script_sources() -> list[str]:
    """CSP sources of the two scripts every view page runs (the data block is not executed)."""
    vis_js, _ = vis_assets()
    return [f"'{_sha256(vis_js)}'", f"'{_sha256(_own_asset('viz.js'))}'"]


def page_payload(g: VGraph) -> dict[str, object]:
    nodes, edges, options = network_data(g)
    return {
        "title": g.title,
        "subtitle": g.subtitle,
        "notes": g.notes,
        "focus": g.focus,
        "nodes": nodes,
        "edges": edges,
        "options": options,
        "families": FAMILY_LEGEND,
        "elements": list(ELEMENTS),
        "components": {c: {"color": s[1], "glyph": s[2]} for c, s in COMPONENT_STYLE.items()},
        "edgeStyles": {f: EDGE_STYLE[f] for f in FAMILY_LEGEND},
    }


def render_page(g: VGraph, *, csp: bool = True) -> str:
    """The complete HTML document. `csp=False` exists only so tests can prove the escaping
    holds on its own, without the policy's help."""
    vis_js, vis_css = vis_assets()
    app_js, app_css = _own_asset("viz.js"), _own_asset("viz.css")
    if "</script" in vis_js or "</script" in app_js:
        raise AssetError("an inlined script contains '</script': it would end early")
    policy = (
        "default-src 'none'; "
        f"script-src '{_sha256(vis_js)}' '{_sha256(app_js)}'; "
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n' if csp else ""
    data = _json_for_script(page_payload(g))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"{meta}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>graphscope view</title>\n"
        f"<style>{vis_css}</style>\n<style>{app_css}</style>\n</head>\n<body>\n"
        '<aside id="gs-side"><h1 id="gs-title"></h1><p id="gs-subtitle"></p>'
        '<div id="gs-notes"></div><div id="gs-filters"></div><div id="gs-legend"></div>'
        '<p id="gs-counts"></p></aside>\n<main id="gs-net"></main>\n'
        f'<script type="application/json" id="gs-data">{data}</script>\n'
        f"<script>{vis_js}</script>\n<script>{app_js}</script>\n</body>\n</html>\n"
    )
