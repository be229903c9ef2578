// "Was this helpful?" on FAQ articles, in place. Without JavaScript the same forms post and
// the page reloads with a message; with it, the answer comes back as JSON and the widget
// updates without leaving the article.
(function () {
  "use strict";

  function postForm(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: "Something went wrong. Please try again." };
      });
    });
  }

  function setup(widget) {
    var voteForm = widget.querySelector("form[data-kb-vote]");
    var commentForm = widget.querySelector("form[data-kb-comment]");
    var status = widget.querySelector("[data-kb-helpful-status]");

    function say(message, isError) {
      if (!status) return;
      status.textContent = message;
      status.classList.toggle("faq-helpful-error", Boolean(isError));
    }

    if (voteForm) {
      // Browsers without SubmitEvent.submitter: remember which button was pressed.
      var pressed = null;
      voteForm.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.addEventListener("click", function () { pressed = button; });
      });
      voteForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var submitter = event.submitter || pressed || voteForm.querySelector("button[type=submit]");
        voteForm.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        postForm(voteForm, submitter).then(function (result) {
          if (!result.ok) {
            say(result.message, true);
            voteForm.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
            return;
          }
          var title = voteForm.querySelector(".faq-helpful-title");
          voteForm.hidden = true;
          var heading = document.createElement("h2");
          heading.className = "faq-helpful-title";
          heading.id = title ? title.id : "";
          heading.textContent = "Thanks for your feedback!";
          widget.insertBefore(heading, voteForm);
          var text = result.message;
          if (result.ask_comment) text = "Sorry it didn't help. What was missing?";
          else if (result.created) text = result.helpful ? "Glad it helped." : "We'll use it to improve this article.";
          say(text, false);
          if (result.ask_comment && commentForm) {
            commentForm.hidden = false;
            var textarea = commentForm.querySelector("textarea");
            if (textarea) textarea.focus();
          }
        }).catch(function () {
          say("We couldn't reach the server. Please try again.", true);
          voteForm.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        });
      });
    }

    if (commentForm) {
      commentForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = commentForm.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        postForm(commentForm, null).then(function (result) {
          if (result.ok) {
            commentForm.hidden = true;
            say(result.message, false);
          } else {
            say(result.message, true);
            if (button) button.disabled = false;
          }
        }).catch(function () {
          say("We couldn't reach the server. Please try again.", true);
          if (button) button.disabled = false;
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kb-helpful]").forEach(setup);
  });
})();
