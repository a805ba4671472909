// The parts of CodeMirror 6 that static/js/editor.js uses, bundled into one vendored file (window.CM6).
export { EditorState, Compartment } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  drawSelection,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export {
  HighlightStyle, StreamLanguage, bracketMatching, indentOnInput, indentUnit, syntaxHighlighting,
} from "@codemirror/language";
export { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
export { tags } from "@lezer/highlight";
export { python } from "@codemirror/lang-python";
export { json } from "@codemirror/lang-json";
export { yaml } from "@codemirror/lang-yaml";
export { dockerFile } from "@codemirror/legacy-modes/mode/dockerfile";
