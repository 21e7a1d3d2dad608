// 公示大屏: show one slide at a time, moving on every 15 seconds; the data itself is refreshed
// by htmx every minute (hx-trigger on #screen-data), after which the cycle restarts.
(() => {
  const PERIOD_MS = 15000;
  let timer = null;
  let index = 0;

  function slides() {
    return Array.from(document.querySelectorAll("#screen-data .slide"));
  }

  function show(i) {
    const all = slides();
    if (!all.length) return;
    index = i % all.length;
    all.forEach((slide, n) => {
      slide.hidden = n !== index;
    });
  }

  function start() {
    if (timer) window.clearInterval(timer);
    show(0);
    const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    timer = window.setInterval(() => show(index + 1), reduced ? PERIOD_MS * 2 : PERIOD_MS);
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target && event.target.id === "screen-data") start();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight" || event.key === " ") show(index + 1);
    if (event.key === "ArrowLeft") show(index - 1 + slides().length);
  });
})();
