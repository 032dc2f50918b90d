// Clientele's only script (served from /static/app.js, so the Content-Security-Policy allows no inline script).
// Loaded in <head>: the theme is applied before the page is drawn; the rest waits for the document.
(function () {
  try {
    var t = localStorage.getItem("clt-theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    document.documentElement.dataset.theme = t;
  } catch (e) {}
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(max-width: 700px)").matches) {
      // Phones: the filter panel (unless filters are active) and "how to read" start folded.
      var f = document.getElementById("filters");
      if (f && !f.querySelector("summary").textContent.includes("active")) f.removeAttribute("open");
      document.querySelectorAll("details.how").forEach(function (d) { d.removeAttribute("open"); });
    }
    // A table or chart wider than the screen scrolls sideways inside its box: its cue says so.
    // Its right edge fades while there is more to the right.
    var more = function (box) { box.classList.toggle("more", box.scrollLeft + box.clientWidth < box.scrollWidth - 1); };
    var cues = function () {
      document.querySelectorAll(".scroll-x").forEach(function (box) {
        var cue = box.previousElementSibling;
        if (cue && cue.classList.contains("scroll-cue")) cue.hidden = box.scrollWidth <= box.clientWidth + 1;
        more(box);
      });
    };
    cues();
    window.addEventListener("resize", cues);
    document.querySelectorAll(".scroll-x").forEach(function (box) {
      box.addEventListener("scroll", function () { more(box); }, { passive: true });
    });
    // Churn models still being compared on the server: look again in a few seconds.
    if (document.querySelector("[data-models-pending]")) setTimeout(function () { location.reload(); }, 5000);
    var b = document.getElementById("theme");
    if (b) b.addEventListener("click", function () {
      var r = document.documentElement, t = r.dataset.theme === "dark" ? "light" : "dark";
      r.dataset.theme = t;
      try { localStorage.setItem("clt-theme", t); } catch (e) {}
    });
  });
})();
