// Keyboard-first studying, as progressive enhancement: every action also works with plain links and buttons.
//   question page: 1-9 pick a choice, Enter checks (or shows a flashcard's answer), u undoes the last answer
//   feedback page: 1-4 change the rating, Enter goes to the next question, u undoes
(function () {
  "use strict";
  var started = performance.now();

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(radio|checkbox|button|submit|hidden)$/i.test(target.type));
  }

  function submit(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form.answer[data-measure]")) {
      var field = form.querySelector("input[name=elapsed_ms]");
      if (field) field.value = String(Math.round(performance.now() - started));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var page = document.body.dataset.page;
    var key = event.key;
    if (typing(event.target)) {
      if (key === "Escape") event.target.blur();
      return;  // Enter in a text box submits natively
    }
    if (key === "u" || key === "U") {
      var undo = document.getElementById("undo-form");
      if (undo) { event.preventDefault(); submit(undo); }
      return;
    }
    if (/^[1-9]$/.test(key)) {
      var target = document.querySelector('[data-key="' + key + '"]');
      if (!target || target.disabled) return;
      event.preventDefault();
      if (target.type === "radio") { target.checked = true; target.focus(); }
      else if (target.type === "checkbox") { target.checked = !target.checked; target.focus(); }
      else target.click();
      return;
    }
    if (key === "Enter" || (key === " " && page === "feedback")) {
      if (event.target.tagName === "BUTTON" || event.target.tagName === "A") return;  // native activation
      var enter = document.querySelector("[data-enter]");
      if (enter) { event.preventDefault(); enter.click(); return; }
      var form = document.querySelector("form.answer");
      if (form && page === "question") { event.preventDefault(); submit(form); }
    }
  });

  // Sign-up: preset the browser's time zone so study days roll over at the learner's local hour.
  var zone = document.querySelector("input[name=timezone][type=hidden]");
  if (zone && !zone.value && window.Intl) {
    try { zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep UTC */ }
  }
})();
