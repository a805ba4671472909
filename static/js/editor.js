// Turns each lab file's textarea into a CodeMirror 6 editor (static/vendor/codemirror6/editor.bundle.js,
// window.CM6). The textarea stays the form field: the editor writes it back on every change, so the form
// posts the same fields with or without JS.
//
// Each editor lives in a shadow root: CodeMirror then puts its styles in constructed stylesheets
// (adoptedStyleSheets), which `style-src 'self'` allows, instead of the <style> elements it adds to a
// document, which our CSP refuses.
//
// Keyboard: Tab indents; Esc then Tab (or Shift+Tab) within two seconds leaves the editor
// (CodeMirror's tab focus mode; Ctrl+M, or Shift+Alt+M on macOS, turns it on for good).
(function () {
  "use strict";
  var CM = window.CM6;
  var areas = document.querySelectorAll("textarea[data-editor]");
  if (!CM || !areas.length || !document.head.attachShadow) return;

  var WRAP_KEY = "spinup.editor.wrap";
  var WIDE_KEY = "spinup.editor.wide";
  function stored(key) {
    try { return window.localStorage.getItem(key) === "1"; } catch (e) { return false; }
  }
  function store(key, on) {
    try { window.localStorage.setItem(key, on ? "1" : "0"); } catch (e) { /* private mode: not remembered */ }
  }

  function languageFor(name) {
    if (/\.py$/.test(name)) return CM.python();
    if (/\.json$/.test(name)) return CM.json();
    if (/\.ya?ml$/.test(name)) return CM.yaml();
    if (/(^|\/)Dockerfile(\.[\w-]+)?$/.test(name)) return CM.StreamLanguage.define(CM.dockerFile);
    return [];
  }

  // Every text colour is at least 4.5:1 on the background, the active line, the gutter and the selection.
  var PALETTES = {
    light: {
      bg: "#ffffff", text: "#1f2328", gutter: "#f6f8fa", border: "#d0d7de", active: "#f3f6fa",
      selection: "#e2edfb", caret: "#1f2328", muted: "#57606a", keyword: "#cf222e", string: "#0a3069",
      number: "#0550ae", func: "#6639ba", type: "#953800", invalid: "#82071e", bracket: "#c8e1ff",
    },
    dark: {
      bg: "#0d1117", text: "#e6edf3", gutter: "#161b22", border: "#30363d", active: "#161b22",
      selection: "#1b2f4a", caret: "#e6edf3", muted: "#9198a1", keyword: "#ff7b72", string: "#a5d6ff",
      number: "#79c0ff", func: "#d2a8ff", type: "#ffa657", invalid: "#ffa198", bracket: "#2d4a6e",
    },
  };

  function theme(dark) {
    var p = dark ? PALETTES.dark : PALETTES.light;
    var t = CM.tags;
    return [
      CM.EditorView.theme({
        "&": { color: p.text, backgroundColor: p.bg, height: "100%", fontSize: ".85rem" },
        "&.cm-focused": { outline: "none" }, // the ring is drawn on the wrapper (app.css), outside the clip
        ".cm-scroller": {
          fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
          lineHeight: "1.5", overflow: "auto",
        },
        ".cm-content": { caretColor: p.caret },
        ".cm-cursor, .cm-dropCursor": { borderLeftColor: p.caret },
        "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection": { backgroundColor: p.selection },
        ".cm-activeLine": { backgroundColor: p.active },
        ".cm-gutters": { backgroundColor: p.gutter, color: p.muted, borderRight: "1px solid " + p.border },
        ".cm-activeLineGutter": { backgroundColor: p.active, color: p.text },
        "&.cm-focused .cm-matchingBracket": { backgroundColor: p.bracket, outline: "1px solid " + p.muted },
        ".cm-selectionMatch": { backgroundColor: p.selection },
        ".cm-panels": { backgroundColor: p.gutter, color: p.text },
        ".cm-panels input, .cm-panels button, .cm-panels label": { color: p.text, fontSize: ".85rem" },
        ".cm-searchMatch": { backgroundColor: p.bracket, outline: "1px solid " + p.muted },
      }, { dark: dark }),
      CM.syntaxHighlighting(CM.HighlightStyle.define([
        { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: p.muted, fontStyle: "italic" },
        { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword, t.self], color: p.keyword },
        { tag: [t.string, t.special(t.string), t.regexp, t.escape], color: p.string },
        { tag: [t.number, t.bool, t.null, t.atom, t.unit], color: p.number },
        { tag: [t.function(t.variableName), t.function(t.definition(t.variableName)), t.definition(t.variableName)], color: p.func },
        { tag: [t.className, t.typeName, t.namespace, t.definition(t.typeName)], color: p.type },
        { tag: [t.propertyName, t.attributeName, t.labelName], color: p.number },
        { tag: [t.meta, t.annotation, t.processingInstruction], color: p.muted },
        { tag: t.heading, fontWeight: "bold", color: p.keyword },
        { tag: t.invalid, color: p.invalid },
      ])),
    ];
  }

  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var themes = new CM.Compartment();
  var wrapping = new CM.Compartment();
  var views = [];
  var wrap = stored(WRAP_KEY);

  function labelFor(area) {
    var label = area.id && document.querySelector('label[for="' + area.id + '"]');
    return { label: label, name: (label && label.textContent.trim()) || area.dataset.editor };
  }

  areas.forEach(function (area) {
    var named = labelFor(area);
    var host = document.createElement("div");
    host.className = "code-editor";
    host.dataset.file = area.dataset.editor;
    area.insertAdjacentElement("afterend", host);
    var root = host.attachShadow({ mode: "open" });
    var view = new CM.EditorView({
      root: root,
      parent: root,
      state: CM.EditorState.create({
        doc: area.value,
        extensions: [
          CM.lineNumbers(),
          CM.highlightActiveLineGutter(),
          CM.highlightSpecialChars(),
          CM.history(),
          CM.drawSelection(),
          CM.indentOnInput(),
          CM.bracketMatching(),
          CM.highlightActiveLine(),
          CM.highlightSelectionMatches(),
          CM.indentUnit.of("    "),
          CM.EditorState.tabSize.of(4),
          CM.keymap.of([CM.indentWithTab].concat(CM.searchKeymap, CM.historyKeymap, CM.defaultKeymap)),
          languageFor(area.dataset.editor),
          themes.of(theme(darkQuery ? darkQuery.matches : false)),
          wrapping.of(wrap ? CM.EditorView.lineWrapping : []),
          // tabindex: contenteditable is focusable anyway, but checkers (axe) only see a scroll box with
          // focusable content through it.
          CM.EditorView.contentAttributes.of({ "aria-label": named.name, spellcheck: "false", tabindex: "0" }),
          CM.EditorView.updateListener.of(function (update) {
            if (update.docChanged) {
              area.value = update.state.doc.toString();
              // As a typed-in textarea would: lab.js saves drafts on it.
              area.dispatchEvent(new Event("input", { bubbles: true }));
            }
          }),
        ],
      }),
    });
    area.hidden = true;
    if (named.label) {
      named.label.addEventListener("click", function (event) { event.preventDefault(); view.focus(); });
    }
    area.editor = {
      view: view,
      getValue: function () { return view.state.doc.toString(); },
      setValue: function (text) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      },
    };
    views.push(view);
  });

  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", function () {
      views.forEach(function (view) { view.dispatch({ effects: themes.reconfigure(theme(darkQuery.matches)) }); });
    });
  }

  // Options, made here because they mean nothing without the editor.
  var layout = areas[0].closest(".lab-layout");
  function toggle(text, key, initial, apply) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.dataset.option = key;
    function set(on) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.className = on ? "compact" : "secondary outline compact"; // pressed: Pico's filled primary
      apply(on);
    }
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      set(on);
      store(key, on);
    });
    set(initial);
    return button;
  }
  var bar = document.createElement("div");
  bar.className = "editor-toolbar";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Editor options");
  bar.appendChild(toggle("Wrap long lines", WRAP_KEY, wrap, function (on) {
    views.forEach(function (view) {
      view.dispatch({ effects: wrapping.reconfigure(on ? CM.EditorView.lineWrapping : []) });
    });
  }));
  if (layout) {
    bar.appendChild(toggle("Full width", WIDE_KEY, stored(WIDE_KEY), function (on) {
      layout.classList.toggle("is-editor-wide", on);
    }));
  }
  var hint = document.createElement("small");
  hint.className = "editor-hint";
  hint.textContent = "Tab indents. To leave an editor by keyboard, press Esc, then Tab or Shift+Tab.";
  bar.appendChild(hint);
  var first = labelFor(areas[0]).label || areas[0];
  first.parentNode.insertBefore(bar, first);

  document.documentElement.dataset.editors = "on";
})();
