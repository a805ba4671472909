// The browser's time zone (IANA name): fills an empty <input data-guess-time-zone> (the sign-up form's hidden
// field), and on the settings page offers it when it differs from the chosen zone. The server validates it.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone || zone.length > 64) return;
  document.querySelectorAll("input[data-guess-time-zone]").forEach(function (input) {
    if (!input.value) input.value = zone;
  });
  document.querySelectorAll("[data-browser-time-zone-for]").forEach(function (hint) {
    var select = document.getElementById(hint.getAttribute("data-browser-time-zone-for"));
    if (!select || select.value === zone) return;
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
    if (!option) return;
    hint.querySelector("[data-browser-time-zone]").textContent = option.textContent;
    hint.querySelector("button").addEventListener("click", function () {
      select.value = zone;
      hint.hidden = true;
    });
    hint.hidden = false;
  });
  document.documentElement.dataset.timeZoneGuess = zone;
})();
