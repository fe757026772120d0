// Draws line charts with uPlot (served from node_modules, no CDN) from json_script data:
// <div data-chart="ID"> reads <script type="application/json" id="ID">{x: [days], series: [...]}.
(function () {
  "use strict";
  var COLOURS = ["#1f5f8b", "#3c9d9b", "#c47f17", "#7a4fa3"];

  function toSeconds(day) {
    return Date.parse(day + "T12:00:00Z") / 1000;
  }

  function draw(node) {
    var source = document.getElementById(node.dataset.chart);
    if (!source || typeof window.uPlot === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.x.length) return;
    var columns = [data.x.map(toSeconds)];
    var series = [{}];
    data.series.forEach(function (s, i) {
      columns.push(s.values);
      series.push({
        label: s.label,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        points: { size: 6 }
      });
    });
    var width = Math.max(node.clientWidth, 280);
    var chart = new window.uPlot(
      { width: width, height: 220, series: series, axes: [{}, {}], scales: { x: { time: true, range: [toSeconds(data.since) - 43200, toSeconds(data.until) + 43200] } } },
      columns,
      node
    );
    node.dataset.drawn = "true";
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        chart.setSize({ width: Math.max(node.clientWidth, 280), height: 220 });
      }).observe(node);
    }
  }

  function start() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
