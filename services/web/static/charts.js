// Draws each <canvas data-chart> with Chart.js from the figures in its data-chart attribute.
// The table under each chart holds the same numbers: for print, and for readers without script.
(function () {
  "use strict";
  function draw() {
    if (typeof Chart === "undefined") return;
    var ink = getComputedStyle(document.documentElement).getPropertyValue("--ink") || "#1c1f24";
    Chart.defaults.color = ink.trim();
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var drawn = [];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = JSON.parse(canvas.getAttribute("data-chart"));
      drawn.push(new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          indexAxis: spec.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } },
                    y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      }));
    });
    // Paper is narrower than the screen: draw again for it, and back after.
    window.addEventListener("beforeprint", function () { drawn.forEach(function (c) { c.resize(); }); });
    window.addEventListener("afterprint", function () { drawn.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
