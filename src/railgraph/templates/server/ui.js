// railgraph server pages: optional conveniences. Every page works the same without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    // Filters apply as soon as a box is ticked (the "Apply filters" button is hidden by ui.css).
    document.querySelectorAll("fieldset.facet input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () { box.form.submit(); });
    });
    // Choosing a named query opens it.
    var pick = document.querySelector("form.pick select");
    if (pick) {
      pick.addEventListener("change", function () { if (pick.value) { pick.form.submit(); } });
    }
    // Ctrl+Enter (Cmd+Enter) runs the editor; long queries are posted instead of put in the URL.
    var editor = document.getElementById("query");
    if (editor) {
      editor.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          editor.form.requestSubmit();
        }
      });
      editor.form.addEventListener("submit", function () {
        if (editor.value.length > 4000) { editor.form.method = "post"; }
      });
    }
  });
})();
