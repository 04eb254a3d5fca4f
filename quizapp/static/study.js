// Keyboard-first studying, as progressive enhancement: every action also works with plain links and buttons.
//   question page: 1-9 pick a choice, Enter checks (shows a flashcard's back; on the back, Enter = "I knew it",
//   1 = "I didn't know"), u undoes the last answer; ordering/matching rows: see rowKey
//   feedback page: 1-4 change the rating, Enter or Space go to the next question, u undoes
// The feedback page carries the next question (<template id="next-question">): "Next" shows it in place, without a
// request, and the URL becomes the study page's (so refresh, back and a bookmark are plain GETs); see showNext.
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

  // Ordering and matching: the answer is a column of drop-downs. Inside one, a digit picks (position N, or the
  // Nth option) and moves on to the next row, ArrowDown/ArrowUp move between rows, ArrowRight/ArrowLeft step the
  // value, Enter checks the answer (instead of opening the list). No Tab needed.
  function rowKey(event, select) {
    var form = select.form;
    if (!form || !form.matches("form.answer")) return false;
    var rows = Array.prototype.slice.call(form.querySelectorAll("select[data-row]"));
    var at = rows.indexOf(select);
    if (at < 0) return false;
    var key = event.key;
    function go(index) {
      if (index >= rows.length) { var check = form.querySelector("button.check"); if (check) check.focus(); }
      else if (index >= 0) rows[index].focus();
    }
    if (/^[1-9]$/.test(key)) {
      var option = select.querySelector('option[data-digit="' + key + '"]');
      if (!option) return false;
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      go(at + 1);
    } else if (key === "ArrowDown") go(at + 1);
    else if (key === "ArrowUp") go(at - 1);
    else if (key === "ArrowRight" || key === "ArrowLeft") {
      var step = key === "ArrowRight" ? 1 : -1;
      var next = Math.min(Math.max(select.selectedIndex + step, 0), select.options.length - 1);
      select.selectedIndex = next;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (key === "Enter") submit(form);
    else return false;
    event.preventDefault();
    return true;
  }

  function goNext() {
    var next = document.querySelector("a.next[data-enter]");
    if (next) next.click();
    return Boolean(next);
  }

  // Back and forward between a feedback's entry and the study page's entry pushed by showNext can stay in one
  // document: the one that showed the next question, the page a reload made of the study entry (Chrome keeps both
  // entries on it), or either restored from the back/forward cache. Whenever the URL is not the one this document
  // shows, load it: a GET, as without JavaScript.
  function here() { return location.pathname + location.search; }
  var shownAt = here();
  window.addEventListener("popstate", function () { if (here() !== shownAt) location.reload(); });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && here() !== shownAt) location.reload();
  });

  // The next question, embedded in the feedback page: the study page's main content for the card that page would
  // pick, with its own state version and idempotency key (docs/study.md, "The study loop"). Shown in place of the
  // feedback, it is that page: same form, same keys, the response timer starts now.
  var nextQuestion = document.getElementById("next-question");
  var announcer = null;
  if (nextQuestion && "content" in nextQuestion && history.pushState && document.querySelector("main")) {
    announcer = document.createElement("p");  // a live region must exist before its text changes to be read
    announcer.className = "visually-hidden";
    announcer.setAttribute("aria-live", "polite");
    document.querySelector("main").appendChild(announcer);
  } else {
    nextQuestion = null;
  }

  function showNext() {
    var template = nextQuestion, main = document.querySelector("main");
    if (!template || !main) return false;
    nextQuestion = null;
    history.pushState({ page: "question" }, "", template.getAttribute("data-url"));
    shownAt = here();
    Array.prototype.slice.call(main.childNodes).forEach(function (node) {
      if (node !== announcer) main.removeChild(node);
    });
    main.insertBefore(document.importNode(template.content, true), announcer);
    document.title = template.getAttribute("data-title");
    document.body.dataset.page = "question";
    var back = document.querySelector(".language-switch input[name=next]");  // switching language stays here
    if (back) back.value = shownAt;
    window.scrollTo(0, 0);
    started = performance.now();
    // Focus as the question page has it: its autofocus field (autofocus does not fire for inserted content), or
    // else the question's heading, so a screen reader reads the new question and Tab goes on from there.
    var heading = main.querySelector(".card-prompt h1");
    var field = main.querySelector("[autofocus]");
    if (field) {
      field.focus();
      if (heading) announcer.textContent = heading.textContent;
    } else if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var link = event.target && event.target.closest && event.target.closest("a.next");
    if (link && document.body.dataset.page === "feedback" && showNext()) event.preventDefault();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var page = document.body.dataset.page;
    var key = event.key;
    var target = event.target;
    if (target && target.tagName === "SELECT" && rowKey(event, target)) return;
    if (key === "ArrowUp" && target && target.matches && target.matches("form.answer button.check")) {
      var rows = target.form.querySelectorAll("select[data-row]");  // back up from Check to the last row
      if (rows.length) { event.preventDefault(); rows[rows.length - 1].focus(); return; }
    }
    if (typing(target)) {
      if (key === "Escape") target.blur();
      return;  // Enter in a text box submits natively
    }
    // Feedback: Enter and Space go to the next question wherever focus is, except on another button, link or
    // field the learner moved to on purpose (Tab to "Undo" + Enter undoes).
    if (page === "feedback" && (key === "Enter" || key === " ")) {
      var control = target && target.closest && target.closest("a, button, summary, input, select, textarea");
      if (!control || control.matches("a.next")) {
        if (goNext()) { event.preventDefault(); return; }
      }
      if (key === " " && control && control.tagName === "A") { event.preventDefault(); control.click(); }
      return;
    }
    if (key === "u" || key === "U") {
      var undo = document.getElementById("undo-form");
      if (undo) { event.preventDefault(); submit(undo); }
      return;
    }
    if (/^[1-9]$/.test(key)) {
      var picked = document.querySelector('[data-key="' + key + '"]');
      if (!picked || picked.disabled) return;
      event.preventDefault();
      if (picked.type === "radio") { picked.checked = true; picked.focus(); }
      else if (picked.type === "checkbox") { picked.checked = !picked.checked; picked.focus(); }
      else picked.click();
      return;
    }
    if (key === "Enter") {
      if (target.tagName === "BUTTON" || target.tagName === "A") return;  // native activation
      var enter = document.querySelector("[data-enter]");
      if (enter) { event.preventDefault(); enter.click(); return; }
      var form = document.querySelector("form.answer");
      if (form && page === "question") { event.preventDefault(); submit(form); }
    }
  });

  // Phones: the header's links fold into a "Menu" button (CSS shows it below 40rem; without JavaScript the
  // links stay in the header, wrapped).
  var header = document.querySelector("header.site");
  var toggle = header && header.querySelector(".menu-toggle");
  if (toggle) {
    header.classList.add("has-menu");
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Sign-up: preset the browser's time zone so study days roll over at the learner's local hour.
  var zone = document.querySelector("input[name=timezone][type=hidden]");
  if (zone && !zone.value && window.Intl) {
    try { zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep UTC */ }
  }
})();
