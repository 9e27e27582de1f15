"""`/docs`: the OpenAPI description as a page that works on an isolated network.

FastAPI's default Swagger UI loads its code from a CDN; an incident-response network often has
no route out, so this page is self-contained and only reads /openapi.json from the same server.
"""

from __future__ import annotations

import base64
import hashlib

_SCRIPT = """
(function () {
  "use strict";
  var root = document.getElementById("ops");
  function el(tag, text) { var e = document.createElement(tag); if (text) e.textContent = text; return e; }
  fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (spec) {
    document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
    document.getElementById("desc").textContent = spec.info.description || "";
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        var box = el("section");
        box.appendChild(el("h2", method.toUpperCase() + " " + path));
        box.appendChild(el("p", op.summary || ""));
        if (op.description) box.appendChild(el("p", op.description));
        (op.parameters || []).forEach(function (p) {
          box.appendChild(el("div", "parameter " + p.name + " (" + p.in + (p.required ? ", required" : "") + "): " + (p.description || "")));
        });
        if (op.requestBody) box.appendChild(el("div", "body: " + JSON.stringify(op.requestBody.content)));
        Object.keys(op.responses || {}).forEach(function (code) {
          box.appendChild(el("div", "response " + code + ": " + (op.responses[code].description || "")));
        });
        root.appendChild(box);
      });
    });
    document.getElementById("raw").textContent = JSON.stringify(spec, null, 2);
  });
})();
"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>graphscope API</title>
<style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}}
section{{border-top:1px solid #ddd;padding:.5em 0}}h2{{font-size:15px;font-family:monospace}}
div{{font-family:monospace;font-size:12px;white-space:pre-wrap}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style>
</head><body><h1 id="title">graphscope API</h1><p id="desc"></p>
<p>Machine-readable description: <a href="/openapi.json">/openapi.json</a>. Every /v1 route needs
<code>Authorization: Bearer &lt;token&gt;</code>.</p>
<div id="ops"></div><h2>openapi.json</h2><pre id="raw"></pre>
<script>{_SCRIPT}</script></body></html>
"""
