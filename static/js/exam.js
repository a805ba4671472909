// Practice exams: the clock shown from the server's remaining seconds (the server decides; at zero the page goes
// to the results, where the server submits the attempt as it stands), and keys: digits choose options,
// N next, P previous, F flag, S review and submit.
(function () {
  "use strict";
  var clock = document.getElementById("exam-clock");
  if (clock) {
    var total = Number(clock.dataset.remaining);
    var started = performance.now();
    var format = function (seconds) {
      var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      return (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    };
    var tick = function () {
      var left = Math.max(Math.ceil(total - (performance.now() - started) / 1000), 0);
      clock.textContent = format(left);
      clock.classList.toggle("is-low", left <= 300);
      if (left <= 0) {
        window.clearInterval(timer);
        clock.textContent = "Time is up";
        window.location.assign(clock.dataset.expiredUrl);
      }
    };
    var timer = window.setInterval(tick, 250);
    tick();
  }
  function isTyping(el) {
    return el.matches("input[type=text], input[type=number], input:not([type]), textarea, select");
  }
  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var form = document.getElementById("exam-answer");
    var key = event.key.toLowerCase();
    if (form && /^[1-9]$/.test(key)) {
      var option = form.querySelectorAll("input[name=choice]")[Number(key) - 1];
      if (option && !option.disabled) {
        option.checked = option.type === "radio" ? true : !option.checked;
        option.focus();
        option.dispatchEvent(new Event("change", { bubbles: true }));
        event.preventDefault();
      }
    } else if (key === "n") {
      if (click("next-link") || click("next-button")) event.preventDefault();
    } else if (key === "p") {
      if (click("previous-button")) event.preventDefault();
    } else if (key === "f") {
      if (click("flag-button")) event.preventDefault();
    } else if (key === "s") {
      if (click("summary-link")) event.preventDefault();
    }
  });
  document.documentElement.dataset.examKeys = "on";
})();
