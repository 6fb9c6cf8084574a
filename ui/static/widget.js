/*
 * The shop assistant widget: one script tag puts a chat bubble on any page.
 *
 *   <script src="https://ASSISTANT-HOST/widget.js" data-color="#0b6e4f" data-position="right"
 *           data-greeting="Hi! Ask me about sizes, shipping or returns." data-lang="en"
 *           data-customer-token="SIGNED-BY-THE-SHOP"></script>
 *
 * Plain JavaScript, no build step. Styles live in a Shadow DOM so the shop's CSS and ours never touch.
 * Answers stream from POST /v1/chat as server-sent events read with fetch + ReadableStream (EventSource cannot POST).
 * The session id (and a short transcript) survive page loads in localStorage.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__mkaWidgetLoaded) return;
  window.__mkaWidgetLoaded = true;

  var API = new URL(script.src, location.href).origin;
  var cfg = {
    color: script.getAttribute("data-color") || "#0b6e4f",
    position: script.getAttribute("data-position") === "left" ? "left" : "right",
    lang: (script.getAttribute("data-lang") || "en").slice(0, 2).toLowerCase(),
    greeting: script.getAttribute("data-greeting") || "",
    token: script.getAttribute("data-customer-token") || null,
    title: script.getAttribute("data-title") || "",
  };
  if (!/^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]+$|^rgb/.test(cfg.color)) cfg.color = "#0b6e4f";

  var TEXT = {
    en: { title: "Shop assistant", placeholder: "Ask a question…", send: "Send", human: "Talk to a human",
          contact: "Your email or phone, so a person can reach you:", handoffOk: "Thanks! A person from our team will contact you.",
          sources: "Sources", error: "Sorry, something went wrong. Please try again.", open: "Open chat", close: "Close chat",
          greeting: "Hi! Ask me about shipping, returns, sizes or products.", cancel: "Cancel", submit: "Request a call-back",
          firstAsk: "I would like to talk to a person." },
    de: { title: "Shop-Assistent", placeholder: "Ihre Frage…", send: "Senden", human: "Mit einem Menschen sprechen",
          contact: "Ihre E-Mail oder Telefonnummer:", handoffOk: "Danke! Jemand aus unserem Team meldet sich.",
          sources: "Quellen", error: "Leider ist ein Fehler aufgetreten. Bitte erneut versuchen.", open: "Chat öffnen",
          close: "Chat schließen", greeting: "Hallo! Fragen Sie mich zu Versand, Rückgabe, Größen oder Produkten.",
          cancel: "Abbrechen", submit: "Rückruf anfordern", firstAsk: "Ich möchte mit einer Person sprechen." },
    fr: { title: "Assistant de la boutique", placeholder: "Votre question…", send: "Envoyer", human: "Parler à un humain",
          contact: "Votre e-mail ou téléphone :", handoffOk: "Merci ! Une personne de notre équipe vous contactera.",
          sources: "Sources", error: "Désolé, une erreur est survenue. Réessayez.", open: "Ouvrir le chat",
          close: "Fermer le chat", greeting: "Bonjour ! Posez-moi vos questions sur la livraison, les retours ou les produits.",
          cancel: "Annuler", submit: "Être rappelé", firstAsk: "Je voudrais parler à une personne." },
  };
  var t = TEXT[cfg.lang] || TEXT.en;
  var STORE_KEY = "mka-widget:" + API;

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE_KEY)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify({ session_id: state.session_id, log: state.log.slice(-30) }));
    } catch (e) { /* private mode: the session lasts this page only */ }
  }
  var saved = load();
  var state = { session_id: saved.session_id || null, log: saved.log || [], busy: false };

  // ------------------------------------------------------------------------------------------------- the DOM
  // An inline SVG, not an emoji: pages and kiosks without an emoji font would show an empty box.
  var ICON =
    '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="currentColor">' +
    '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 ' +
    '1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';
  var host = document.createElement("div");
  host.id = "mka-widget";
  var root = host.attachShadow({ mode: "open" });
  var side = cfg.position;
  root.innerHTML =
    "<style>" +
    ":host{all:initial;--c:" + cfg.color + ";font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2521}" +
    ".bubble{position:fixed;bottom:20px;" + side + ":20px;width:58px;height:58px;border-radius:50%;border:0;" +
    "background:var(--c);color:#fff;cursor:pointer;box-shadow:0 4px 14px #0004;z-index:2147483000;display:grid;place-items:center;padding:0}" +
    ".panel{position:fixed;bottom:90px;" + side + ":20px;width:min(370px,calc(100vw - 40px));height:min(540px,calc(100vh - 120px));" +
    "background:#fff;border-radius:14px;box-shadow:0 8px 30px #0005;display:none;flex-direction:column;overflow:hidden;z-index:2147483000}" +
    ".panel.open{display:flex}" +
    "header{background:var(--c);color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between;font-weight:600}" +
    "header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f8f7}" +
    ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}" +
    ".user{align-self:flex-end;background:var(--c);color:#fff;border-bottom-right-radius:4px}" +
    ".bot{align-self:flex-start;background:#fff;border:1px solid #dde3e0;border-bottom-left-radius:4px}" +
    ".bot.error{border-color:#e0a0a0;color:#8a1c1c}" +
    ".cites{margin-top:6px;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 10px}" +
    ".cites a{color:var(--c)}" +
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #e4e8e6}" +
    "textarea{flex:1;resize:none;border:1px solid #cfd6d2;border-radius:8px;padding:8px;font:inherit;height:40px}" +
    ".send{background:var(--c);color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer;font:inherit}" +
    ".send:disabled{opacity:.5;cursor:default}" +
    ".human{margin:0 10px 10px;background:none;border:1px solid var(--c);color:var(--c);border-radius:8px;padding:6px;cursor:pointer;font:inherit}" +
    ".handoff{padding:10px;border-top:1px solid #e4e8e6;display:none;flex-direction:column;gap:6px}" +
    ".handoff.open{display:flex} .handoff input{border:1px solid #cfd6d2;border-radius:8px;padding:8px;font:inherit}" +
    ".row{display:flex;gap:6px} .row button{flex:1}" +
    "</style>" +
    '<button class="bubble" part="bubble" aria-label="' + esc(t.open) + '">' + ICON + "</button>" +
    '<section class="panel" role="dialog" aria-label="' + esc(cfg.title || t.title) + '">' +
    "<header><span>" + esc(cfg.title || t.title) + '</span><button class="close" aria-label="' + esc(t.close) + '">×</button></header>' +
    '<div class="log" aria-live="polite"></div>' +
    '<div class="handoff"><label>' + esc(t.contact) + '<input class="contact" type="text" autocomplete="email"></label>' +
    '<div class="row"><button class="send do-handoff" type="button">' + esc(t.submit) + '</button>' +
    '<button class="human cancel" type="button" style="margin:0">' + esc(t.cancel) + "</button></div></div>" +
    '<form><textarea class="input" placeholder="' + esc(t.placeholder) + '" aria-label="' + esc(t.placeholder) + '"></textarea>' +
    '<button class="send" type="submit">' + esc(t.send) + "</button></form>" +
    '<button class="human talk" type="button">' + esc(t.human) + "</button>" +
    "</section>";

  var $ = function (sel) { return root.querySelector(sel); };
  var panel = $(".panel"), log = $(".log"), input = $(".input"), form = $("form"), sendBtn = $("form .send");
  var handoffBox = $(".handoff"), contact = $(".contact");

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function link(url) {
    // Citation links point at the assistant's own /docs pages; anything else that is not http(s) is dropped.
    try {
      var u = new URL(url, API);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) { return null; }
  }
  function citeUrl(c) {
    return c.url || "/docs/" + String(c.source || "").replace(/^\/+/, "") + (c.anchor ? "#" + c.anchor : "");
  }

  function addMessage(role, text, cites, isError) {
    var el = document.createElement("div");
    el.className = "msg " + role + (isError ? " error" : "");
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    el.appendChild(body);
    log.appendChild(el);
    if (cites && cites.length) setCitations(el, cites);
    log.scrollTop = log.scrollHeight;
    return el;
  }
  function setCitations(el, cites) {
    var box = el.querySelector(".cites");
    if (!box) {
      box = document.createElement("div");
      box.className = "cites";
      el.appendChild(box);
    }
    box.textContent = t.sources + ":";
    cites.forEach(function (c) {
      var href = link(citeUrl(c));
      if (!href) return;
      var a = document.createElement("a");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = "[" + c.n + "] " + (c.title || c.source);
      box.appendChild(a);
    });
  }

  function render() {
    log.textContent = "";
    addMessage("bot", cfg.greeting || t.greeting);
    state.log.forEach(function (m) { addMessage(m.role, m.text, m.cites, m.error); });
  }

  // ------------------------------------------------------------------------------------- SSE over fetch
  function parseBlock(block) {
    var event = "message", data = [];
    block.split(/\r?\n/).forEach(function (line) {
      if (line.indexOf("event:") === 0) event = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return null;
    try { return { event: event, data: JSON.parse(data.join("\n")) }; } catch (e) { return null; }
  }

  // The shop-signed token travels in a header only: never in the URL (logs, history) nor in the body.
  function withToken(headers) {
    if (cfg.token) headers["X-Customer-Token"] = cfg.token;
    return headers;
  }

  async function ask(message) {
    var el = addMessage("bot", "…");
    var textEl = el.querySelector(".text");
    var text = "", cites = [], reply = null;
    var res = await fetch(API + "/v1/chat", {
      method: "POST",
      credentials: "omit", // a marketer's login cookie must never turn the widget into a marketer chat
      headers: withToken({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify({ message: message, session_id: state.session_id, stream: true }),
    });
    if (!res.ok || !res.body) {
      var problem = t.error;
      try { problem = (await res.json()).error || problem; } catch (e) { /* not JSON */ }
      throw new Error(problem);
    }
    var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      var parts = buffer.split(/\r?\n\r?\n/);
      buffer = parts.pop();
      for (var i = 0; i < parts.length; i++) {
        var ev = parseBlock(parts[i]);
        if (!ev) continue;
        if (ev.event === "token") {
          text += ev.data.text;
          textEl.textContent = text;
        } else if (ev.event === "citation") {
          cites.push(ev.data);
          setCitations(el, cites);
        } else if (ev.event === "done") {
          reply = ev.data;
        } else if (ev.event === "error") {
          throw new Error(ev.data.error || t.error);
        }
        log.scrollTop = log.scrollHeight;
      }
    }
    if (!reply) throw new Error(t.error);
    state.session_id = reply.session_id;
    textEl.textContent = reply.text;
    if (reply.citations && reply.citations.length) setCitations(el, reply.citations);
    el.setAttribute("data-turn-id", reply.turn_id);
    el.setAttribute("data-action", reply.action);
    state.log.push({ role: "bot", text: reply.text, cites: reply.citations || [] });
    save();
    if (reply.action === "handoff") openHandoff();
    return reply;
  }

  async function submit(message) {
    message = message.trim();
    if (!message || state.busy) return;
    state.busy = true;
    sendBtn.disabled = true;
    addMessage("user", message);
    state.log.push({ role: "user", text: message });
    save();
    try {
      await ask(message);
    } catch (err) {
      var last = log.lastElementChild;
      if (last && last.classList.contains("bot")) log.removeChild(last);
      addMessage("bot", err.message || t.error, null, true);
    } finally {
      state.busy = false;
      sendBtn.disabled = false;
    }
  }

  function openHandoff() {
    handoffBox.classList.add("open");
    contact.focus();
  }

  async function requestHandoff() {
    var who = contact.value.trim();
    try {
      if (!state.session_id) await submit(t.firstAsk); // a handoff belongs to a conversation
      if (!state.session_id) return;
      var res = await fetch(API + "/v1/handoff", {
        method: "POST",
        credentials: "omit",
        headers: withToken({ "Content-Type": "application/json" }), // the conversation is this customer's
        body: JSON.stringify({ session_id: state.session_id, contact: who || null, reason: "asked for a person in the widget" }),
      });
      var body = await res.json().catch(function () { return {}; });
      if (!res.ok) throw new Error(body.error || t.error);
      handoffBox.classList.remove("open");
      addMessage("bot", t.handoffOk);
      state.log.push({ role: "bot", text: t.handoffOk });
      save();
    } catch (err) {
      addMessage("bot", err.message || t.error, null, true);
    }
  }

  // --------------------------------------------------------------------------------------------- wiring
  $(".bubble").addEventListener("click", function () {
    panel.classList.toggle("open");
    if (panel.classList.contains("open")) input.focus();
  });
  $(".close").addEventListener("click", function () { panel.classList.remove("open"); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var m = input.value;
    input.value = "";
    submit(m);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  $(".talk").addEventListener("click", openHandoff);
  $(".cancel").addEventListener("click", function () { handoffBox.classList.remove("open"); });
  $(".do-handoff").addEventListener("click", requestHandoff);

  render();
  (document.body || document.documentElement).appendChild(host);
  window.MKAWidget = {
    open: function () { panel.classList.add("open"); },
    ask: submit,
    reset: function () { state.session_id = null; state.log = []; save(); render(); },
    get sessionId() { return state.session_id; },
  };
})();
