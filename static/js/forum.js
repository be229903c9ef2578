// The forum's Markdown editors: a live preview rendered by the server's one sanitiser
// (POST /community/preview/). Without JavaScript the "Preview" button submits the form and the
// page comes back with the preview, so this file only makes it faster.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setupEditor(editor) {
    var textarea = editor.querySelector("textarea");
    var box = editor.querySelector("[data-preview]");
    var body = editor.querySelector("[data-preview-body]");
    var button = editor.querySelector("[data-preview-button]");
    var url = editor.getAttribute("data-preview-url");
    var form = editor.closest("form");
    if (!textarea || !box || !body || !url) return;
    var timer = null;
    var last = null;
    var live = false;

    function render() {
      var source = textarea.value;
      if (source === last) return;
      last = source;
      if (!source.trim()) {
        body.textContent = "";
        box.hidden = true;
        return;
      }
      var data = new FormData();
      data.append("source", source);
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) { return response.json(); })
        .then(function (json) {
          if (json.html !== undefined) {
            // The server's sanitiser made this HTML: it is the same HTML the post will store.
            body.innerHTML = json.html;
          } else if (json.error) {
            body.textContent = json.error;
          }
          box.hidden = false;
          box.classList.remove("is-empty");
        })
        .catch(function () { /* the preview is a convenience: stay quiet */ });
    }

    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        live = !live;
        button.setAttribute("aria-pressed", live ? "true" : "false");
        button.textContent = live ? "Hide preview" : "Preview";
        if (live) {
          last = null;
          render();
        } else {
          box.hidden = true;
        }
      });
    }
    textarea.addEventListener("input", function () {
      if (!live) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(render, 350);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-markdown-editor]").forEach(setupEditor);
  });
})();
