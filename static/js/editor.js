// Turns each lab file's textarea into a CodeMirror editor (vendored CodeMirror 5). Without JS the
// textareas still work; the form posts the same fields either way.
(function () {
  "use strict";
  if (typeof CodeMirror === "undefined") return;
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  function modeFor(name) {
    if (/\.py$/.test(name)) return "python";
    if (/(^|\/)Dockerfile$/.test(name)) return "dockerfile";
    if (/\.json$/.test(name)) return { name: "javascript", json: true };
    if (/\.ya?ml$/.test(name)) return "yaml";
    return null;
  }
  document.querySelectorAll("textarea[data-editor]").forEach(function (area) {
    var editor = CodeMirror.fromTextArea(area, {
      mode: modeFor(area.dataset.editor),
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      viewportMargin: Infinity,
      theme: dark ? "material-darker" : "default",
      extraKeys: { Tab: function (cm) { cm.replaceSelection("    "); } },
    });
    editor.on("change", function () { editor.save(); });
    area.editor = editor;
  });
  document.documentElement.dataset.editors = "on";
})();
