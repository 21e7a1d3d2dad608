// Draws every chart of the statistics pages from the JSON the server embeds with json_script
// (no inline script: the CSP forbids it). The numbers are also in the table beside each chart.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const source = document.getElementById(el.dataset.chart);
    if (!source) return;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(JSON.parse(source.textContent));
    window.addEventListener("resize", () => chart.resize());
  });
});
