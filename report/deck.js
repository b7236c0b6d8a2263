// Presentation deck navigation (inlined into report/presentation.html): arrows, space, click.
(function () {
  var slides = document.querySelectorAll(".slide");
  var counter = document.querySelector(".counter");
  var current = 0;
  function show(i) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach(function (s, k) { s.classList.toggle("active", k === current); });
    counter.textContent = (current + 1) + " / " + slides.length;
    history.replaceState(null, "", "#" + (current + 1));
  }
  document.addEventListener("keydown", function (e) {
    if (["ArrowRight", "PageDown", " "].indexOf(e.key) >= 0) { show(current + 1); e.preventDefault(); }
    if (["ArrowLeft", "PageUp"].indexOf(e.key) >= 0) { show(current - 1); e.preventDefault(); }
    if (e.key === "Home") show(0);
    if (e.key === "End") show(slides.length - 1);
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("a")) return;
    show(current + (e.clientX > window.innerWidth / 3 ? 1 : -1));
  });
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
})();
