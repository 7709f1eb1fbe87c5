// The live picture of a running topology: draws /api/graph once, then
// updates the numbers from /api/live every half second.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const REFRESH = 500;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, parent) => {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  };
  const typeColor = (t) => ({ PUSH: "--push", PULL: "--push", PUB: "--pub", SUB: "--pub", XPUB: "--pub", XSUB: "--pub",
    REQ: "--req", REP: "--req", ROUTER: "--router", DEALER: "--router", PAIR: "--pair" }[t] || "--pair");
  const css = (v) => getComputedStyle(document.documentElement).getPropertyValue(v).trim();
  const stateColor = { ready: "--ok", running: "--run", starting: "--warn", restarting: "--warn", failed: "--bad", exited: "--muted", stopped: "--muted" };
  const fmt = (n) => {
    if (n === undefined || n === null || isNaN(n)) return "–";
    const a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 1 : 2) + "G";
    if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 1 : 2) + "M";
    if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e4 ? 1 : 2) + "k";
    if (a >= 10 || a === 0) return Math.round(n).toString();
    return n.toFixed(1);
  };

  let graph = null, live = null, paused = false, refreshes = 0;
  // With many edges, labels show only the rate, and only on busy,
  // dropping, focused or selected edges.
  let dense = false;
  const nodesById = {}, socketsById = {}, edgeEls = {}, nodeEls = {}, sockEls = {};
  let selected = null;
  const view = { x: 0, y: 0, k: 1 };

  function applyView() {
    $("viewport").setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  }
  function fit() {
    const box = $("canvas").getBoundingClientRect();
    if (!graph || box.width === 0) return;
    const k = Math.min(box.width / graph.width, box.height / graph.height, 1.6);
    view.k = k;
    view.x = (box.width - graph.width * k) / 2;
    view.y = (box.height - graph.height * k) / 2;
    applyView();
  }
  function zoom(f) {
    const box = $("canvas").getBoundingClientRect();
    const cx = box.width / 2, cy = box.height / 2;
    view.x = cx - (cx - view.x) * f;
    view.y = cy - (cy - view.y) * f;
    view.k *= f;
    applyView();
  }
  function reveal(x, y, w, h) {
    // Pan so that the box is in view.
    const box = $("canvas").getBoundingClientRect();
    const sx = view.x + x * view.k, sy = view.y + y * view.k, sw = w * view.k, sh = h * view.k;
    if (sx < 20) view.x += 20 - sx;
    if (sy < 20) view.y += 20 - sy;
    if (sx + sw > box.width - 20) view.x -= sx + sw - box.width + 20;
    if (sy + sh > box.height - 20) view.y -= sy + sh - box.height + 20;
    applyView();
  }

  function port(sockId, side) {
    const s = socketsById[sockId], n = nodesById[s.node];
    return { x: side === "out" ? n.x + n.w : n.x, y: n.y + s.y };
  }
  function edgePath(e) {
    const a = port(e.from, "out"), b = port(e.to, "in");
    let dx = Math.max(60, Math.abs(b.x - a.x) / 2);
    if (b.x <= a.x) dx = 120; // a back edge loops out and in
    return { d: `M${a.x},${a.y} C${a.x + dx},${a.y} ${b.x - dx},${b.y} ${b.x - 2},${b.y}`, a, b };
  }
  // The point and tangent at t of a cubic from a path's numbers.
  function mid(a, b, dx) {
    const p0 = a, p1 = { x: a.x + dx, y: a.y }, p2 = { x: b.x - dx, y: b.y }, p3 = b, t = 0.5;
    const u = 1 - t;
    return { x: u*u*u*p0.x + 3*u*u*t*p1.x + 3*u*t*t*p2.x + t*t*t*p3.x, y: u*u*u*p0.y + 3*u*u*t*p1.y + 3*u*t*t*p2.y + t*t*t*p3.y };
  }

  function draw() {
    $("title").textContent = graph.title;
    document.title = graph.title + " · zmqgen up";
    const nodesG = $("nodes"), edgesG = $("edges"), labelsG = $("labels");
    dense = graph.edges.length > 24;
    $("graph").classList.toggle("dense", dense);
    for (const n of graph.nodes) {
      nodesById[n.id] = n;
      for (const s of n.sockets) { s.node = n.id; socketsById[s.id] = s; }
    }
    // Edges first, under the nodes.
    for (const e of graph.edges) {
      const { d, a, b } = edgePath(e);
      const g = el("g", { class: "edge", tabindex: "0", role: "button", "data-edge": e.id }, edgesG);
      const fs = socketsById[e.from], ts = socketsById[e.to];
      const name = `${nodesById[fs.node].name}.${fs.name} to ${nodesById[ts.node].name}.${ts.name}`;
      g.setAttribute("aria-label", "edge " + name);
      el("path", { d, class: "hit" }, g);
      const wire = el("path", { d, class: "wire", "marker-end": "url(#arrow)" }, g);
      if (e.both) wire.setAttribute("marker-start", "url(#arrow)");
      el("path", { d, class: "flow" }, g);
      let dx = Math.max(60, Math.abs(b.x - a.x) / 2);
      if (b.x <= a.x) dx = 120;
      const m = mid(a, b, dx);
      const lab = el("g", { class: "elabel", transform: `translate(${m.x},${m.y})` }, labelsG);
      const msg = (e.label || []).join("  ·  ");
      const w = dense ? 104 : Math.max(112, Math.min(180, msg.length * 6.2 + 20));
      if (dense) el("rect", { x: -w / 2, y: -11, width: w, height: 22 }, lab);
      else el("rect", { x: -w / 2, y: -27, width: w, height: 54 }, lab);
      const tm = el("text", { class: "msg", "text-anchor": "middle", y: -12 }, lab);
      tm.textContent = msg.length > 27 ? msg.slice(0, 26) + "…" : msg;
      const tr = el("text", { class: "rate", "text-anchor": "middle", y: dense ? 4.5 : 5, "data-edge-rate": e.id }, lab);
      tr.textContent = "–";
      const tq = el("text", { class: "q", "text-anchor": "end", x: -6, y: 20 }, lab);
      const td = el("text", { class: "drops", "text-anchor": "start", x: 6, y: 20 }, lab);
      edgeEls[e.id] = { g, wire, lab, tr, tq, td, e, name };
      g.addEventListener("click", () => select({ edge: e.id }));
      g.addEventListener("focus", () => { lab.classList.add("show"); reveal(m.x - w / 2, m.y - 27, w, 54); });
      g.addEventListener("blur", () => lab.classList.remove("show"));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select({ edge: e.id }); } });
    }
    for (const n of graph.nodes) {
      const g = el("g", { class: "node", tabindex: "0", role: "button", transform: `translate(${n.x},${n.y})`, "data-node": n.id }, nodesG);
      g.setAttribute("aria-label", "node " + n.name);
      el("rect", { class: "card", width: n.w, height: n.h, rx: 12, filter: "url(#shadow)" }, g);
      el("path", { class: "head", d: `M0,12 a12,12 0 0 1 12,-12 h${n.w - 24} a12,12 0 0 1 12,12 v30 h-${n.w} z` }, g);
      const bar = el("rect", { class: "state-bar", x: 0, y: 0, width: 5, height: n.h, rx: 2 }, g);
      const name = el("text", { class: "name", x: 16, y: 20 }, g);
      name.textContent = n.name + (n.replicas > 1 ? "  ×" + n.replicas : "");
      const meta = el("text", { class: "meta", x: 16, y: 36 }, g);
      meta.textContent = "starting";
      const rate = el("text", { class: "meta", x: n.w - 12, y: 20, "text-anchor": "end" }, g);
      for (const s of n.sockets) {
        const sg = el("g", { class: "sock", transform: `translate(0,${s.y})` }, g);
        const col = css(typeColor(s.type));
        const tw = s.type.length * 7.4 + 10;
        el("rect", { class: "pill", x: 14, y: -9, width: tw, height: 18, fill: col, stroke: col }, sg);
        const tt = el("text", { class: "type", x: 14 + tw / 2, y: 4, "text-anchor": "middle", fill: col }, sg);
        tt.textContent = s.type;
        const sn = el("text", { class: "sname", x: 22 + tw, y: 4.5 }, sg);
        const room = Math.floor((n.w - 22 - tw - 62) / 7.2);
        sn.textContent = s.name.length > room ? s.name.slice(0, room - 1) + "…" : s.name;
        const sr = el("text", { class: "srate", x: n.w - 14, y: 4.5, "text-anchor": "end" }, sg);
        el("circle", { class: "port", cx: 0, cy: 0, r: 3.5 }, sg);
        el("circle", { class: "port", cx: n.w, cy: 0, r: 3.5 }, sg);
        sockEls[s.id] = { sr };
        const ti = el("title", {}, sg);
        ti.textContent = [s.type + " " + s.name].concat(s.info || []).join("\n");
      }
      nodeEls[n.id] = { g, bar, meta, rate, n };
      g.addEventListener("click", () => select({ node: n.id }));
      g.addEventListener("focus", () => reveal(n.x, n.y, n.w, n.h));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select({ node: n.id }); } });
    }
    const tbody = document.querySelector("#node-table tbody");
    for (const n of graph.nodes) {
      const tr = document.createElement("tr");
      tr.tabIndex = 0;
      tr.dataset.node = n.id;
      tr.innerHTML = `<td><span class="dot"></span><span class="nm"></span></td><td class="st">–</td><td class="rp">–</td><td class="rs">–</td><td class="rt">–</td>`;
      tr.querySelector(".nm").textContent = n.name;
      tr.addEventListener("click", () => { select({ node: n.id }); nodeEls[n.id].g.focus(); });
      tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { select({ node: n.id }); nodeEls[n.id].g.focus(); } });
      tbody.appendChild(tr);
      nodeEls[n.id].row = tr;
    }
    fit();
  }

  function select(s) {
    document.querySelectorAll(".selected").forEach((x) => x.classList.remove("selected"));
    selected = s;
    if (s && s.node) nodeEls[s.node].g.classList.add("selected");
    if (s && s.edge) { edgeEls[s.edge].g.classList.add("selected"); edgeEls[s.edge].lab.classList.add("selected"); }
    details();
  }

  function details() {
    const d = $("details");
    if (!selected) {
      d.innerHTML = `<h2>Select a node or an edge</h2><p class="muted">Tab through the graph, or pick a node below. Enter shows its details.</p>`;
      return;
    }
    const rows = [];
    let title = "";
    if (selected.node) {
      const n = nodesById[selected.node], l = (live && live.nodes[n.id]) || {};
      title = n.name;
      rows.push(["state", l.state || "–"], ["replicas", `${l.running ?? "–"} running of ${l.replicas ?? n.replicas}`],
        ["ready", `${l.ready ?? 0} of ${l.replicas ?? n.replicas}`], ["restarts", l.restarts ?? 0],
        ["messages/s", fmt(l.rate)], ["scraped", `${l.scraped ?? 0} endpoint(s)`]);
      for (const s of n.sockets) rows.push([s.type + " " + s.name, (s.info || []).join(", ")]);
    } else {
      const x = edgeEls[selected.edge], l = (live && live.edges[selected.edge]) || {};
      title = x.name;
      rows.push(["messages", (x.e.label || []).join(", ") || "–"], ["rate", fmt(l.rate) + " /s" + (x.e.both ? ` → · ${fmt(l.rateBack)} /s ←` : "")],
        ["delivered", fmt(l.total)], ["queued", fmt(l.queue)], ["dropped", `${fmt(l.drops)} (${fmt(l.dropRate)} /s)`],
        ["connected", l.up ? "yes" : "no"]);
    }
    d.innerHTML = "";
    const h = document.createElement("h3");
    h.textContent = title;
    d.appendChild(h);
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k; dd.textContent = v;
      dl.append(dt, dd);
    }
    d.appendChild(dl);
  }

  function update() {
    if (!graph || !live) return;
    let ready = 0;
    for (const n of graph.nodes) {
      const l = live.nodes[n.id] || { state: "stopped" };
      const x = nodeEls[n.id];
      const col = css(stateColor[l.state] || "--muted");
      x.bar.setAttribute("fill", col);
      let meta = l.state;
      if (l.replicas > 1) meta += ` · ${l.running}/${l.replicas} up`;
      if (l.restarts > 0) meta += ` · ↻ ${l.restarts}`;
      x.meta.textContent = meta;
      x.meta.setAttribute("class", "meta" + (l.restarts > 0 || l.state === "failed" ? " warn" : ""));
      x.rate.textContent = l.rate > 0 ? fmt(l.rate) + "/s" : "";
      x.g.setAttribute("aria-label", `node ${n.name}, ${meta}, ${fmt(l.rate)} messages per second`);
      if (l.state === "ready") ready++;
      const r = x.row;
      r.querySelector(".dot").style.background = col;
      r.querySelector(".st").textContent = l.state;
      r.querySelector(".rp").textContent = `${l.running}/${l.replicas}`;
      r.querySelector(".rs").textContent = l.restarts;
      r.querySelector(".rt").textContent = fmt(l.rate);
    }
    const sockRate = {};
    for (const e of graph.edges) {
      const l = live.edges[e.id] || {};
      const x = edgeEls[e.id];
      const rate = (l.rate || 0) + (l.rateBack || 0);
      x.tr.textContent = e.both ? `${fmt(l.rate)} ⇄ ${fmt(l.rateBack)} /s` : `${fmt(l.rate)} msg/s`;
      if (dense && l.dropRate > 0) x.tr.textContent += ` ⚠${fmt(l.drops)}`;
      x.lab.classList.toggle("idle", !(rate > 0 || l.dropRate > 0));
      x.tq.textContent = `q ${fmt(l.queue)}`;
      x.td.textContent = l.drops > 0 ? `⚠ ${fmt(l.drops)} dropped` : "0 dropped";
      const hot = l.dropRate > 0;
      x.g.classList.toggle("busy", rate > 0);
      x.g.classList.toggle("hot", hot);
      x.g.classList.toggle("down", !l.up);
      x.lab.classList.toggle("hot", hot);
      x.wire.setAttribute("marker-end", hot ? "url(#arrow-hot)" : "url(#arrow)");
      const w = rate > 0 ? Math.min(6, 1.5 + Math.log10(1 + rate) * 0.9) : 1.5;
      x.wire.style.strokeWidth = w;
      x.g.setAttribute("aria-label", `edge ${x.name}: ${fmt(l.rate)} messages per second, ${fmt(l.queue)} queued, ${fmt(l.drops)} dropped`);
      sockRate[e.from] = (sockRate[e.from] || 0) + rate;
      sockRate[e.to] = (sockRate[e.to] || 0) + rate;
    }
    for (const id in sockEls) sockEls[id].sr.textContent = sockRate[id] > 0 ? fmt(sockRate[id]) + "/s" : "";
    $("total-rate").textContent = fmt(live.rate);
    $("total-drops").textContent = fmt(live.drops);
    $("nodes-ready").textContent = `${ready}/${graph.nodes.length}`;
    const u = $("updated");
    u.textContent = paused ? "paused" : "live · " + new Date(live.time).toLocaleTimeString();
    u.dataset.refreshes = String(refreshes);
    const p = $("pulse");
    p.classList.remove("on"); void p.offsetWidth; p.classList.add("on");
    if (selected) details();
  }

  async function tick() {
    if (!paused) {
      try {
        const r = await fetch("api/live", { cache: "no-store" });
        live = await r.json();
        refreshes++;
        update();
      } catch (err) {
        $("updated").textContent = "disconnected";
      }
    }
    setTimeout(tick, REFRESH);
  }

  function focusables() { return Array.from(document.querySelectorAll("#nodes .node")); }
  document.addEventListener("keydown", (ev) => {
    const help = $("help");
    if (ev.key === "Escape") { help.hidden = true; select(null); return; }
    if (!help.hidden) return;
    if (ev.target && ev.target.tagName === "BUTTON" && (ev.key === "Enter" || ev.key === " ")) return;
    const step = 60;
    switch (ev.key) {
      case "?": help.hidden = false; $("help-close").focus(); break;
      case "+": case "=": zoom(1.2); break;
      case "-": case "_": zoom(1 / 1.2); break;
      case "0": fit(); break;
      case "p": paused = !paused; update(); break;
      case "ArrowLeft": view.x += step; applyView(); break;
      case "ArrowRight": view.x -= step; applyView(); break;
      case "ArrowUp": view.y += step; applyView(); break;
      case "ArrowDown": view.y -= step; applyView(); break;
      case "j": case "k": {
        const l = focusables();
        let i = l.indexOf(document.activeElement);
        i = ev.key === "j" ? (i + 1) % l.length : (i <= 0 ? l.length - 1 : i - 1);
        l[i].focus();
        break;
      }
      default: return;
    }
    ev.preventDefault();
  });
  $("help-btn").addEventListener("click", () => { $("help").hidden = false; $("help-close").focus(); });
  $("help-close").addEventListener("click", () => { $("help").hidden = true; $("help-btn").focus(); });
  // Drag to pan, wheel to zoom.
  let drag = null;
  $("canvas").addEventListener("pointerdown", (ev) => { drag = { x: ev.clientX, y: ev.clientY }; });
  window.addEventListener("pointerup", () => { drag = null; });
  window.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    view.x += ev.clientX - drag.x; view.y += ev.clientY - drag.y;
    drag = { x: ev.clientX, y: ev.clientY };
    applyView();
  });
  $("canvas").addEventListener("wheel", (ev) => { ev.preventDefault(); zoom(ev.deltaY < 0 ? 1.1 : 1 / 1.1); }, { passive: false });
  window.addEventListener("resize", fit);

  fetch("api/graph").then((r) => r.json()).then((g) => {
    graph = g;
    draw();
    document.body.dataset.ready = "1";
    tick();
  });
})();
