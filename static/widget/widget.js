/*
 * The community's widget for product pages (docs/widget.md).
 *
 *   <script src="https://community.example/widget.js" data-category="slug" data-tags="a,b" async></script>
 *
 * Shows the product's answered questions, FAQ articles and what people say elsewhere, a search
 * box that suggests similar questions while typing, and "Ask the community". It lives in a
 * Shadow DOM, so the page's CSS and the widget's never meet; its styles are a constructed
 * stylesheet (adoptedStyleSheets), which a strict style-src does not block, and it builds
 * every node with textContent: no inline style, no eval, no HTML from the network.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;
  var ORIGIN = new URL(script.src).origin;
  var data = script.dataset;
  var category = (data.category || "").trim();
  var tags = (data.tags || "").trim();
  var MIN_CHARS = 3;
  var DEBOUNCE_MS = 250;

  var CSS = [
    ":host{all:initial;display:block;contain:content;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;max-width:42rem}",
    "*{box-sizing:border-box}",
    ".cw{border:1px solid #d0d7de;border-radius:8px;padding:1rem;background:#fff}",
    "h2{font-size:1.15rem;margin:0 0 .75rem;line-height:1.3}",
    "h3{font-size:.95rem;margin:1rem 0 .35rem;color:#424a53}",
    "ul{list-style:none;margin:0;padding:0}",
    ".list li{padding:.4rem 0;border-top:1px solid #eaeef2}",
    ".list li:first-child{border-top:0}",
    "a{color:#0b5cad;text-decoration:underline;text-underline-offset:2px;overflow-wrap:anywhere}",
    "a:hover{color:#07407a}",
    ":focus-visible{outline:3px solid #1a73e8;outline-offset:2px;border-radius:3px}",
    ".meta{display:block;font-size:.85rem;color:#57606a}",
    "blockquote{margin:0 0 .2rem;font-style:italic;overflow-wrap:anywhere}",
    "form{position:relative;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}",
    "label{width:100%;font-weight:600;font-size:.9rem}",
    "input{flex:1 1 12rem;min-width:0;font:inherit;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:#1f2328}",
    "button,.ask{font:inherit;font-weight:600;padding:.45rem .9rem;border-radius:6px;border:1px solid #0b5cad;background:#0b5cad;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}",
    "button:hover,.ask:hover{background:#07407a;color:#fff}",
    "[role=listbox]{position:absolute;left:0;right:0;top:100%;z-index:2;margin-top:.25rem;background:#fff;border:1px solid #8c959f;border-radius:6px;box-shadow:0 4px 12px rgba(0,0,0,.12);max-height:18rem;overflow:auto}",
    "[role=listbox][hidden]{display:none}",
    "[role=option]{padding:.5rem .6rem;cursor:pointer;border-top:1px solid #eaeef2}",
    "[role=option]:first-child{border-top:0}",
    "[role=option][aria-selected=true],[role=option]:hover{background:#ddf4ff}",
    "[role=option] a{color:inherit;text-decoration:none}",
    ".footer{margin:1rem 0 0;display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}",
    ".status{font-size:.9rem;color:#57606a;margin:.5rem 0 0}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".cw,a,button,.ask,[role=option]{transition:background-color .15s,color .15s}",
    "@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important;scroll-behavior:auto!important}}",
  ].join("\n");

  function el(name, attrs, children) {
    var node = document.createElement(name);
    var key;
    for (key in attrs || {}) {
      if (attrs[key] === false || attrs[key] == null) continue;
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    }
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  function link(href, text, rel) {
    return el("a", { href: safeUrl(href), text: text, target: "_blank", rel: rel || "noopener" });
  }

  // Only http(s) addresses become links: a javascript: URL from a pushed mention never runs.
  function safeUrl(href) {
    try {
      var url = new URL(href, ORIGIN);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : ORIGIN + "/";
    } catch (e) {
      return ORIGIN + "/";
    }
  }

  function adopt(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      // Browsers without constructed stylesheets: a <style> (a strict host CSP may refuse it).
      root.appendChild(el("style", { text: CSS }));
    }
  }

  function mount() {
    var target = data.target ? document.getElementById(data.target) : null;
    var host = el("div", { class: "community-widget" });
    if (target) target.appendChild(host);
    else if (script.parentNode && script.parentNode !== document.head) script.parentNode.insertBefore(host, script.nextSibling);
    else document.body.appendChild(host);
    var root = host.attachShadow({ mode: "open" });
    adopt(root);
    return root;
  }

  function api(path, params, signal) {
    var url = new URL("/api/v1/" + path, ORIGIN);
    Object.keys(params).forEach(function (key) {
      if (params[key]) url.searchParams.set(key, params[key]);
    });
    return fetch(url.href, { mode: "cors", credentials: "omit", signal: signal, headers: { Accept: "application/json" } });
  }

  function askHref(base, title) {
    var url = new URL(safeUrl(base));
    if (title) url.searchParams.set("title", title.slice(0, 200));
    else url.searchParams.delete("title");
    return url.href;
  }

  function section(titleId, title, items, render) {
    if (!items || !items.length) return null;
    return el("div", {}, [
      el("h3", { id: titleId, text: title }),
      el("ul", { class: "list", "aria-labelledby": titleId }, items.map(render)),
    ]);
  }

  function question(item) {
    var state = item.has_official_answer ? "Official answer" : item.has_accepted_answer ? "Accepted answer" : "Answered";
    var replies = item.reply_count === 1 ? "1 reply" : item.reply_count + " replies";
    return el("li", {}, [link(item.url, item.title), el("span", { class: "meta", text: state + " · " + replies })]);
  }

  function article(item) {
    return el("li", {}, [link(item.url, item.title), item.summary ? el("span", { class: "meta", text: item.summary }) : null]);
  }

  function mention(item) {
    var by = el("span", { class: "meta" });
    if (item.author_name) {
      by.appendChild(item.author_url ? link(item.author_url, item.author_name, "noopener nofollow ugc") : document.createTextNode(item.author_name));
      by.appendChild(document.createTextNode(item.source ? ", " : ""));
    }
    if (item.source) by.appendChild(document.createTextNode(item.source));
    return el("li", {}, [
      el("blockquote", { text: item.excerpt || item.title }),
      link(item.url, item.title || "Read it where it was written", "noopener nofollow ugc"),
      by,
    ]);
  }

  function build(root) {
    var box = el("section", { class: "cw", "aria-labelledby": "cw-title", "aria-busy": "true" });
    var heading = el("h2", { id: "cw-title", text: "Questions and answers" });
    var input = el("input", {
      id: "cw-q",
      type: "search",
      autocomplete: "off",
      maxlength: "200",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": "cw-suggestions",
      "aria-describedby": "cw-hint",
    });
    var listbox = el("ul", { id: "cw-suggestions", role: "listbox", "aria-label": "Similar questions", hidden: true });
    var live = el("p", { class: "sr", "aria-live": "polite", id: "cw-live" });
    var form = el("form", { role: "search", "aria-label": "Search the community" }, [
      el("label", { for: "cw-q", text: "Search questions" }),
      input,
      el("button", { type: "submit", text: "Search" }),
      listbox,
    ]);
    var hint = el("p", { class: "sr", id: "cw-hint", text: "Similar questions appear below while you type; use the arrow keys to choose." });
    var lists = el("div", { class: "lists" });
    var status = el("p", { class: "status", role: "status", text: "Loading…" });
    var askStart = ORIGIN + "/community/ask/" + (category ? "?category=" + encodeURIComponent(category) : "");
    var ask = el("a", { class: "ask", href: askStart, target: "_blank", rel: "noopener", text: "Ask the community" });
    var more = el("a", { href: ORIGIN + "/community/", target: "_blank", rel: "noopener", text: "Visit the community" });
    box.appendChild(heading);
    box.appendChild(form);
    box.appendChild(hint);
    box.appendChild(live);
    box.appendChild(status);
    box.appendChild(lists);
    box.appendChild(el("p", { class: "footer" }, [ask, more]));
    root.appendChild(box);
    return { box: box, heading: heading, input: input, listbox: listbox, live: live, form: form, lists: lists, status: status, ask: ask, more: more, askBase: ask.href, searchBase: ORIGIN + "/search/" };
  }

  function fill(ui, payload) {
    if (payload.category) ui.heading.textContent = payload.category.name + ": questions and answers";
    ui.askBase = payload.ask_url;
    ui.searchBase = payload.search_url;
    ui.ask.href = askHref(ui.askBase, ui.input.value.trim());
    ui.more.href = safeUrl(payload.community_url);
    [
      section("cw-questions", "Answered questions", payload.questions, question),
      section("cw-articles", "From the FAQ", payload.articles, article),
      section("cw-mentions", "What people say", payload.mentions, mention),
    ].forEach(function (part) {
      if (part) ui.lists.appendChild(part);
    });
    var empty = !payload.questions.length && !payload.articles.length && !payload.mentions.length;
    ui.status.textContent = empty ? "No answers here yet: be the first to ask." : "";
    ui.status.hidden = !empty;
  }

  function suggestions(ui) {
    var timer = null;
    var controller = null;
    var active = -1;
    var options = [];

    function close() {
      ui.listbox.hidden = true;
      ui.input.setAttribute("aria-expanded", "false");
      ui.input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        ui.input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else ui.input.removeAttribute("aria-activedescendant");
    }

    function open(url) {
      window.open(safeUrl(url), "_blank", "noopener");
    }

    function show(results) {
      ui.listbox.textContent = "";
      options = results.map(function (hit, i) {
        var option = el("li", { id: "cw-option-" + i, role: "option", "aria-selected": "false" }, [
          el("a", { href: safeUrl(hit.url), target: "_blank", rel: "noopener", tabindex: "-1", text: hit.title }),
          el("span", { class: "meta", text: hit.type === "faq" ? "FAQ" : hit.answered ? "Answered" : "Question" }),
        ]);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
        });
        option.addEventListener("click", function (event) {
          if (event.target.tagName !== "A") open(hit.url);
          close();
        });
        ui.listbox.appendChild(option);
        return option;
      });
      active = -1;
      if (options.length) {
        ui.listbox.hidden = false;
        ui.input.setAttribute("aria-expanded", "true");
      } else close();
      ui.live.textContent = options.length
        ? options.length + (options.length === 1 ? " similar question" : " similar questions")
        : "No similar questions";
    }

    function lookUp() {
      var text = ui.input.value.trim();
      if (controller) controller.abort();
      if (text.length < MIN_CHARS) {
        close();
        return;
      }
      controller = typeof AbortController === "function" ? new AbortController() : null;
      api("similar", { q: text }, controller && controller.signal)
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (payload) {
          if (ui.input.value.trim() === text) show(payload.results || []);
        })
        .catch(function () {});
    }

    ui.input.addEventListener("input", function () {
      ui.ask.href = askHref(ui.askBase, ui.input.value.trim());
      clearTimeout(timer);
      timer = setTimeout(lookUp, DEBOUNCE_MS);
    });
    ui.input.addEventListener("keydown", function (event) {
      var open_ = !ui.listbox.hidden && options.length;
      if (event.key === "ArrowDown" && open_) {
        event.preventDefault();
        select((active + 1) % options.length);
      } else if (event.key === "ArrowUp" && open_) {
        event.preventDefault();
        select(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Escape") {
        if (open_) event.preventDefault();
        close();
      } else if (event.key === "Enter" && open_ && active >= 0) {
        event.preventDefault();
        open(options[active].firstChild.href);
        close();
      }
    });
    ui.input.addEventListener("blur", close);
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      if (!text) return;
      var url = new URL(safeUrl(ui.searchBase));
      url.searchParams.set("q", text);
      open(url.href);
    });
  }

  function start() {
    var ui = build(mount());
    suggestions(ui);
    api("widget", { category: category, tags: tags })
      .then(function (response) {
        if (response.status === 404) throw new Error("unknown");
        if (!response.ok) throw new Error("failed");
        return response.json();
      })
      .then(function (payload) {
        fill(ui, payload);
      })
      .catch(function (error) {
        ui.status.textContent =
          error && error.message === "unknown"
            ? "This product has no questions here yet: be the first to ask."
            : "The community could not be reached just now.";
        ui.ask.href = askHref(ui.askBase, "");
      })
      .then(function () {
        ui.box.removeAttribute("aria-busy");
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
