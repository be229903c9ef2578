// Me too, votes and reports without a page reload. Every form works without this script (it
// posts and comes back with a message); with it, the form is sent with fetch and the count,
// aria-pressed and the form's next state are updated in place.
(function () {
  "use strict";
  if (window.communityReactions) return; // the include may load this file more than once
  window.communityReactions = true;

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function showError(form, message) {
    var box = form.querySelector("[data-errors]");
    if (!box) {
      var container = form.closest(".reactions");
      box = container ? container.querySelector(".reaction-error") : null;
    }
    if (!box) { window.alert(message); return; }
    box.textContent = message;
    box.hidden = false;
  }

  function clearError(form) {
    var container = form.closest(".reactions") || form;
    container.querySelectorAll(".reaction-error, [data-errors]").forEach(function (box) {
      box.hidden = true;
      box.textContent = "";
    });
  }

  function applyToggle(form, data) {
    var button = form.querySelector("button[type=submit]");
    var count = form.querySelector("[data-count]");
    var state = form.querySelector("[data-state]");
    if (button) button.setAttribute("aria-pressed", data.active ? "true" : "false");
    if (count && typeof data.count === "number") count.textContent = String(data.count);
    if (state) state.value = data.active ? "off" : "on";
    announce(form.getAttribute("data-reaction"), data);
  }

  // Say what changed, and the new count, in the page's polite live region.
  function announce(kind, data) {
    var region = document.getElementById("reaction-status");
    if (!region || typeof data.count !== "number") return;
    var n = data.count;
    var text;
    if (kind === "metoo") {
      text = (data.active ? "You have this too. " : "Me too removed. ") +
        n + (n === 1 ? " person has" : " people have") + " this too.";
    } else if (kind === "vote") {
      text = (data.active ? "Marked as helpful. " : "Helpful vote removed. ") +
        n + (n === 1 ? " person found" : " people found") + " this reply helpful.";
    } else {
      return;
    }
    region.textContent = text;
  }

  // The page's one flag dialog, opened from a post's "Report" link (a link to the flag page,
  // followed as it is when the browser has no <dialog>).
  var flagOrigin = null;

  function openFlagDialog(event) {
    var link = event.target.closest ? event.target.closest("a.flag-toggle[data-flag]") : null;
    var dialog = document.getElementById("flag-dialog");
    if (!link || !dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    var form = dialog.querySelector("form");
    form.reset();
    clearError(form);
    var url = new URL(link.href, window.location.href);
    form.action = url.pathname;
    var next = form.querySelector("input[name=next]");
    if (next) next.value = url.searchParams.get("next") || window.location.pathname;
    var what = dialog.querySelector("[data-flag-what]");
    if (what) what.textContent = link.getAttribute("data-flag-what") || "post";
    flagOrigin = link;
    dialog.showModal();
  }

  function closeFlagDialog(event) {
    var button = event.target.closest ? event.target.closest("[data-close-dialog]") : null;
    if (!button) return;
    var dialog = button.closest("dialog");
    if (dialog) dialog.close();
  }

  function applyFlag(form, data) {
    var done = document.createElement("span");
    done.className = "flag-done muted small";
    done.setAttribute("role", "status");
    done.textContent = data.message || "Reported. Thank you.";
    var dialog = form.closest("dialog");
    if (dialog) {
      dialog.close();
      if (flagOrigin) flagOrigin.replaceWith(done);
      flagOrigin = null;
      return;
    }
    (form.closest("details") || form).replaceWith(done);
  }

  function submit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.reaction-form[data-reaction]")) return;
    event.preventDefault();
    var kind = form.getAttribute("data-reaction");
    var button = form.querySelector("button[type=submit]");
    if (button && button.disabled) return;
    if (button) button.disabled = true;
    clearError(form);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.status === 401 && result.data.login_url) {
          window.location.href = result.data.login_url;
          return;
        }
        if (result.status >= 400) {
          showError(form, result.data.error || "That didn't work. Please try again.");
          return;
        }
        if (kind === "flag") applyFlag(form, result.data);
        else applyToggle(form, result.data);
      })
      .catch(function () {
        // Network trouble: fall back to an ordinary form submission.
        form.submit();
      })
      .finally(function () {
        if (button) button.disabled = false;
      });
  }

  document.addEventListener("submit", submit);
  document.addEventListener("click", openFlagDialog);
  document.addEventListener("click", closeFlagDialog);
})();
