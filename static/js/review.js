// Keyboard use for reviews: digits pick options, Enter checks the answer, N goes to the next question,
// U undoes the last answer.
(function () {
  "use strict";
  function isTyping(el) {
    return el.matches("input[type=text], input[type=number], input:not([type]), textarea, select");
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var form = document.getElementById("answer-form");
    if (form && /^[1-9]$/.test(event.key) && !isTyping(target)) {
      var option = form.querySelectorAll("input[name=choice]")[Number(event.key) - 1];
      if (option) {
        option.checked = option.type === "radio" ? true : !option.checked;
        option.focus();
        event.preventDefault();
      }
    } else if (form && event.key === "Enter" && !target.matches("button, a, textarea, summary")) {
      event.preventDefault();
      form.requestSubmit(document.getElementById("submit-answer"));
    } else if ((event.key === "u" || event.key === "U") && !isTyping(target)) {
      var undo = document.getElementById("undo-button");
      if (undo) {
        event.preventDefault();
        undo.click();
      }
    } else if ((event.key === "n" || event.key === "N") && !isTyping(target)) {
      var next = document.getElementById("next-link");
      if (next) {
        event.preventDefault();
        next.click();
      }
    }
  });
  // Lets tests (and styles) know the keys are live.
  document.documentElement.dataset.reviewKeys = "on";
  document.body.addEventListener("htmx:afterSwap", function () {
    var first = document.querySelector("#review-area input:not([type=hidden]), #review-area select, #next-link");
    if (first) first.focus();
  });
})();
