/* graphscope view: draws the data embedded in #gs-data with vis-network.
 * Every string from the data goes into the DOM through textContent: labels are drawn on a
 * canvas, tooltips are elements built here, never HTML strings (vis-network would parse those). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gs-data").textContent);
  var byId = function (id) { return document.getElementById(id); };
  var el = function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };

  document.title = data.title;
  byId("gs-title").textContent = data.title;
  byId("gs-subtitle").textContent = data.subtitle;
  data.notes.forEach(function (n) { byId("gs-notes").appendChild(el("p", n, "gs-note")); });

  function tipElement(lines) {
    var box = el("div", null, "gs-tip");
    (lines || []).forEach(function (line) { box.appendChild(el("div", line)); });
    return box;
  }
  data.nodes.forEach(function (n) { n.title = tipElement(n.tip); });
  data.edges.forEach(function (e) { e.title = tipElement(e.tip); });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var focus = {};
  data.focus.forEach(function (id) { focus[id] = true; });

  // filter state: edge families, observed elements, node components
  var on = { family: {}, element: {}, component: {} };
  Object.keys(data.families).forEach(function (f) { on.family[f] = true; });
  data.elements.forEach(function (x) { on.element[x] = true; });
  Object.keys(data.components).forEach(function (c) { on.component[c] = true; });

  function edgeVisible(e) {
    if (!on.family[e.family]) return false;
    if (e.family !== "potential" && !e.elements.some(function (x) { return on.element[x]; })) return false;
    var a = nodes.get(e.from), b = nodes.get(e.to);
    return on.component[a.component] && on.component[b.component];
  }
  var touched = {};
  function recompute() {
    touched = {};
    edges.forEach(function (e) {
      if (edgeVisible(e)) { touched[e.from] = true; touched[e.to] = true; }
    });
  }
  recompute();
  var nodeView = new vis.DataView(nodes, {
    filter: function (n) { return focus[n.id] === true || (on.component[n.component] && touched[n.id] === true); }
  });
  var edgeView = new vis.DataView(edges, { filter: edgeVisible });

  function showCounts() {
    byId("gs-counts").textContent =
      nodeView.length + " of " + nodes.length + " nodes, " + edgeView.length + " of " + edges.length + " edges shown";
  }
  function refresh() { recompute(); nodeView.refresh(); edgeView.refresh(); showCounts(); }

  function checkbox(group, key, text, parent) {
    var label = el("label", null, "gs-check");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.group = group;
    box.dataset.key = key;
    box.addEventListener("change", function () { on[group][key] = box.checked; refresh(); });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + text));
    parent.appendChild(label);
    return label;
  }
  // offer only the filters this view can use (a who-can view has no observed edges)
  var present = {};
  data.edges.forEach(function (e) { present[e.family] = true; });
  var filters = byId("gs-filters");
  filters.appendChild(el("h2", "Show edges"));
  Object.keys(data.families).forEach(function (f) { if (present[f]) checkbox("family", f, f, filters); });
  if (present.observed || present.denied) {
    filters.appendChild(el("h2", "Observed elements"));
    data.elements.forEach(function (x) { checkbox("element", x, x, filters); });
  }
  filters.appendChild(el("h2", "Components"));
  Object.keys(data.components).forEach(function (c) {
    var label = checkbox("component", c, "", filters);
    var glyph = el("span", data.components[c].glyph, "gs-glyph");
    glyph.style.color = data.components[c].color;
    label.appendChild(glyph);
    label.appendChild(document.createTextNode(" " + c));
  });

  var legend = byId("gs-legend");
  legend.appendChild(el("h2", "Legend"));
  var star = el("div", null, "gs-legend-row");
  var s = el("span", "★", "gs-glyph gs-subject"); star.appendChild(s);
  star.appendChild(document.createTextNode(" subject (highlighted)"));
  legend.appendChild(star);
  var group = el("div", null, "gs-legend-row");
  group.appendChild(el("span", "▭", "gs-glyph"));
  group.appendChild(document.createTextNode(" dashed box: folded group (node budget)"));
  legend.appendChild(group);
  var SVG = "http://www.w3.org/2000/svg";
  Object.keys(data.families).forEach(function (f) {
    var st = data.edgeStyles[f];
    var row = el("div", null, "gs-legend-row");
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "36"); svg.setAttribute("height", "10");
    var line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", "0"); line.setAttribute("y1", "5");
    line.setAttribute("x2", "36"); line.setAttribute("y2", "5");
    line.setAttribute("stroke", st.color);
    line.setAttribute("stroke-width", f === "observed" ? "3" : "2");
    if (st.dashes) line.setAttribute("stroke-dasharray", st.dashes.join(" "));
    svg.appendChild(line);
    row.appendChild(svg);
    row.appendChild(document.createTextNode(" " + data.families[f]));
    legend.appendChild(row);
  });

  var network = new vis.Network(byId("gs-net"), { nodes: nodeView, edges: edgeView }, data.options);
  var api = { nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, network: network, ready: false };
  window.graphscope = api;
  var settled = false;
  function settle() {
    if (settled) return;
    settled = true;
    network.stopSimulation();
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    api.ready = true;
  }
  network.once("stabilizationIterationsDone", settle);
  setTimeout(settle, 8000); // a slow machine still gets a still picture, never a spinning one
  showCounts();
})();
