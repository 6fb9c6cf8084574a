/*
 * The shop assistant widget: one script tag puts a chat bubble on any page.
 *
 *   <script src="https://ASSISTANT-HOST/widget.js" data-color="#0b6e4f" data-position="right"
 *           data-greeting="Hi! Ask me about sizes, shipping or returns." data-lang="en"
 *           data-customer-token="SIGNED-BY-THE-SHOP"></script>
 *
 * Plain JavaScript, no build step. Styles live in a Shadow DOM so the shop's CSS and ours never touch.
 * Answers stream from POST /v1/chat as server-sent events read with fetch + ReadableStream (EventSource cannot POST),
 * and are shown as they come. Replies are Markdown: the text is escaped first, then bold, lists, tables, links and
 * citation marks are formatted, so no HTML in a reply ever reaches the page. The session id (and a short
 * transcript) survive page loads in localStorage.
 *
 * Sections: configuration and phrases, state, DOM, Markdown, messages, errors, the chat stream, handoff, wiring.
 * `window.MKAWidget.say(text, {role})` adds a message from outside (a staff reply, say) without a turn.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__mkaWidgetLoaded) return;
  window.__mkaWidgetLoaded = true;

  // --------------------------------------------------------------------------------- configuration and phrases
  var API = new URL(script.src, location.href).origin;
  var cfg = {
    color: script.getAttribute("data-color") || "#0b6e4f",
    position: script.getAttribute("data-position") === "left" ? "left" : "right",
    lang: (script.getAttribute("data-lang") || document.documentElement.lang || "en").slice(0, 2).toLowerCase(),
    greeting: script.getAttribute("data-greeting") || "",
    token: script.getAttribute("data-customer-token") || null,
    title: script.getAttribute("data-title") || "",
  };
  if (!/^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]+$|^rgb/.test(cfg.color)) cfg.color = "#0b6e4f";

  var TEXT = {
    en: { title: "Shop assistant", placeholder: "Ask a question…", send: "Send", human: "Talk to a person",
          contact: "Your email or phone, so a person can reach you:", handoffOk: "Thanks! A person from our team will contact you.",
          needContact: "Please leave an email address or a phone number so that we can reach you.",
          sources: "Sources", error: "Sorry, something went wrong on our side. Please try again.", open: "Open chat",
          close: "Close chat", greeting: "Hi! Ask me about shipping, returns, sizes or products.", cancel: "Cancel",
          submit: "Request a call-back", firstAsk: "I would like to talk to a person.", typing: "Writing…",
          network: "The shop assistant cannot be reached from this page right now. Please check your connection and try again later.",
          busy: "Too many questions at once. Please wait a moment and try again.",
          unavailable: "The shop assistant is busy right now. Please try again in a minute.",
          refused: "This page may not use the shop assistant." },
    de: { title: "Shop-Assistent", placeholder: "Ihre Frage…", send: "Senden", human: "Mit einem Menschen sprechen",
          contact: "Ihre E-Mail oder Telefonnummer, damit wir Sie erreichen:", handoffOk: "Danke! Jemand aus unserem Team meldet sich.",
          needContact: "Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer an, damit wir Sie erreichen können.",
          sources: "Quellen", error: "Leider ist bei uns ein Fehler aufgetreten. Bitte versuchen Sie es erneut.",
          open: "Chat öffnen", close: "Chat schließen", greeting: "Hallo! Fragen Sie mich zu Versand, Rückgabe, Größen oder Produkten.",
          cancel: "Abbrechen", submit: "Rückruf anfordern", firstAsk: "Ich möchte mit einer Person sprechen.", typing: "Schreibt…",
          network: "Der Shop-Assistent ist von dieser Seite aus gerade nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es später erneut.",
          busy: "Zu viele Fragen auf einmal. Bitte warten Sie einen Moment.",
          unavailable: "Der Shop-Assistent ist gerade ausgelastet. Bitte versuchen Sie es in einer Minute erneut.",
          refused: "Diese Seite darf den Shop-Assistenten nicht verwenden." },
    fr: { title: "Assistant de la boutique", placeholder: "Votre question…", send: "Envoyer", human: "Parler à une personne",
          contact: "Votre e-mail ou téléphone, pour que nous puissions vous joindre :", handoffOk: "Merci ! Une personne de notre équipe vous contactera.",
          needContact: "Indiquez une adresse e-mail ou un numéro de téléphone pour que nous puissions vous joindre.",
          sources: "Sources", error: "Désolé, une erreur s’est produite de notre côté. Réessayez.", open: "Ouvrir le chat",
          close: "Fermer le chat", greeting: "Bonjour ! Posez-moi vos questions sur la livraison, les retours, les tailles ou les produits.",
          cancel: "Annuler", submit: "Être rappelé", firstAsk: "Je voudrais parler à une personne.", typing: "En train d’écrire…",
          network: "L’assistant de la boutique est injoignable depuis cette page pour le moment. Vérifiez votre connexion et réessayez plus tard.",
          busy: "Trop de questions à la fois. Patientez un instant.",
          unavailable: "L’assistant est très sollicité en ce moment. Réessayez dans une minute.",
          refused: "Cette page ne peut pas utiliser l’assistant de la boutique." },
    es: { title: "Asistente de la tienda", placeholder: "Su pregunta…", send: "Enviar", human: "Hablar con una persona",
          contact: "Su correo o teléfono, para que podamos contactarle:", handoffOk: "¡Gracias! Una persona de nuestro equipo le contactará.",
          needContact: "Deje un correo electrónico o un teléfono para que podamos contactarle.",
          sources: "Fuentes", error: "Lo sentimos, ha habido un error por nuestra parte. Inténtelo de nuevo.", open: "Abrir chat",
          close: "Cerrar chat", greeting: "¡Hola! Pregúnteme sobre envíos, devoluciones, tallas o productos.", cancel: "Cancelar",
          submit: "Solicitar una llamada", firstAsk: "Quisiera hablar con una persona.", typing: "Escribiendo…",
          network: "No se puede contactar con el asistente de la tienda desde esta página ahora mismo. Compruebe su conexión e inténtelo más tarde.",
          busy: "Demasiadas preguntas a la vez. Espere un momento.",
          unavailable: "El asistente está muy ocupado ahora mismo. Inténtelo dentro de un minuto.",
          refused: "Esta página no puede usar el asistente de la tienda." },
    it: { title: "Assistente del negozio", placeholder: "La sua domanda…", send: "Invia", human: "Parlare con una persona",
          contact: "La sua e-mail o il suo telefono, per poterla contattare:", handoffOk: "Grazie! Una persona del nostro team la contatterà.",
          needContact: "Lasci un indirizzo e-mail o un numero di telefono per poterla contattare.",
          sources: "Fonti", error: "Ci scusi, si è verificato un errore da parte nostra. Riprovi.", open: "Apri la chat",
          close: "Chiudi la chat", greeting: "Ciao! Mi chieda di spedizioni, resi, taglie o prodotti.", cancel: "Annulla",
          submit: "Chiedi di essere richiamato", firstAsk: "Vorrei parlare con una persona.", typing: "Sta scrivendo…",
          network: "L’assistente del negozio non è raggiungibile da questa pagina in questo momento. Controlli la connessione e riprovi più tardi.",
          busy: "Troppe domande insieme. Attenda un momento.",
          unavailable: "L’assistente è molto occupato in questo momento. Riprovi tra un minuto.",
          refused: "Questa pagina non può usare l’assistente del negozio." },
  };
  var t = TEXT[cfg.lang] || TEXT.en;
  var STORE_KEY = "mka-widget:" + API;

  // ------------------------------------------------------------------------------------------------------ state
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

  // -------------------------------------------------------------------------------------------------------- DOM
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
    // The frame is pinned to the visual viewport by place(): a host page wider than the screen (which makes a phone's
    // layout viewport, and so every position:fixed box, wider than the screen) cannot push the widget off-screen.
    ".frame{position:fixed;left:0;top:0;width:100vw;height:100vh;pointer-events:none;z-index:2147483000;transform-origin:0 0}" +
    ".bubble{position:absolute;bottom:calc(20px + env(safe-area-inset-bottom,0px));" + side + ":calc(20px + env(safe-area-inset-" + side + ",0px));" +
    "width:58px;height:58px;border-radius:50%;border:0;pointer-events:auto;" +
    "background:var(--c);color:#fff;cursor:pointer;box-shadow:0 4px 14px #0004;display:grid;place-items:center;padding:0}" +
    ".bubble:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #1d2521;outline-offset:2px}" +
    ".panel{position:absolute;bottom:calc(90px + env(safe-area-inset-bottom,0px));" + side + ":calc(20px + env(safe-area-inset-" + side + ",0px));" +
    "width:min(370px,calc(100% - 40px));height:min(540px,calc(100% - 120px));pointer-events:auto;" +
    "background:#fff;border-radius:14px;box-shadow:0 8px 30px #0005;display:none;flex-direction:column;overflow:hidden}" +
    // A phone (or a narrow window): the open panel takes the whole screen, inside the notch and home-bar insets.
    ".narrow .panel{inset:0;width:auto;height:auto;border-radius:0;box-shadow:none;" +
    "padding:env(safe-area-inset-top,0px) env(safe-area-inset-right,0px) env(safe-area-inset-bottom,0px) env(safe-area-inset-left,0px)}" +
    ".narrow.open .bubble{display:none}" +
    ".panel.open{display:flex}" +
    "header{background:var(--c);color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between;font-weight:600}" +
    "header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f8f7}" +
    ".msg{max-width:88%;padding:8px 11px;border-radius:12px;word-wrap:break-word;overflow-wrap:anywhere}" +
    ".user{align-self:flex-end;background:var(--c);color:#fff;border-bottom-right-radius:4px;white-space:pre-wrap}" +
    ".bot,.staff{align-self:flex-start;background:#fff;border:1px solid #dde3e0;border-bottom-left-radius:4px}" +
    ".staff{border-color:var(--c)}" +
    ".bot.error{border-color:#e0a0a0;color:#8a1c1c;background:#fff6f6}" +
    ".text p{margin:0 0 6px} .text p:last-child{margin-bottom:0} .text ol,.text ul{margin:4px 0 6px;padding-left:20px}" +
    ".text li{margin:2px 0} .text a{color:var(--c)} .text code{background:#eef2f0;padding:0 3px;border-radius:3px}" +
    ".text table{border-collapse:collapse;margin:4px 0;font-size:13px;display:block;overflow-x:auto}" +
    ".text th,.text td{border:1px solid #dde3e0;padding:3px 6px;text-align:left;vertical-align:top}" +
    ".text sup.ref{font-size:11px;color:var(--c)}" +
    ".typing{color:#6b7570;font-style:italic}" +
    ".typing::after{content:'';display:inline-block;width:1em;animation:dots 1.2s steps(4,end) infinite}" +
    "@keyframes dots{0%{content:''}25%{content:'.'}50%{content:'..'}75%{content:'...'}}" +
    ".streaming .text::after{content:'▍';color:var(--c);animation:blink 1s steps(2,start) infinite}" +
    "@keyframes blink{to{visibility:hidden}}" +
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
    '<div class="frame"><button class="bubble" part="bubble" aria-label="' + esc(t.open) + '" aria-expanded="false">' + ICON + "</button>" +
    '<section class="panel" role="dialog" aria-label="' + esc(cfg.title || t.title) + '">' +
    "<header><span>" + esc(cfg.title || t.title) + '</span><button class="close" aria-label="' + esc(t.close) + '">×</button></header>' +
    '<div class="log" aria-live="polite"></div>' +
    '<div class="handoff"><label>' + esc(t.contact) + '<input class="contact" type="text" autocomplete="email"></label>' +
    '<div class="row"><button class="send do-handoff" type="button">' + esc(t.submit) + '</button>' +
    '<button class="human cancel" type="button" style="margin:0">' + esc(t.cancel) + "</button></div></div>" +
    '<form><textarea class="input" placeholder="' + esc(t.placeholder) + '" aria-label="' + esc(t.placeholder) + '"></textarea>' +
    '<button class="send" type="submit">' + esc(t.send) + "</button></form>" +
    '<button class="human talk" type="button">' + esc(t.human) + "</button>" +
    "</section></div>";

  var $ = function (sel) { return root.querySelector(sel); };
  var frame = $(".frame"), bubble = $(".bubble"), panel = $(".panel"), log = $(".log"), input = $(".input"), form = $("form"), sendBtn = $("form .send");
  var handoffBox = $(".handoff"), contact = $(".contact");

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function unesc(s) {
    return String(s).replace(/&(amp|lt|gt|quot|#39);/g, function (m, e) {
      return { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" }[e];
    });
  }
  function link(url) {
    // Links point at the assistant's own pages or at http(s) addresses; anything else (javascript:, data:) is dropped.
    try {
      var u = new URL(url, API);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) { return null; }
  }
  function citeUrl(c) {
    return c.url || "/docs/" + String(c.source || "").replace(/^\/+/, "") + (c.anchor ? "#" + c.anchor : "");
  }

  // --------------------------------------------------------------------------------------------------- Markdown
  // Escape first, then format: whatever a reply contains, only the tags made here reach the page. Links are taken
  // out first and put back last, so no later rule rewrites inside a tag made here ("[x](https://h/[1])" once had
  // its "[1]" turned into markup inside the href, which broke out of the attribute).
  var SLOT = "\u0000";
  function format(escaped) {
    return escaped
      .replace(/`([^`\n]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^*\w])\*([^*\s][^*\n]*)\*(?![*\w])/g, "$1<em>$2</em>")
      .replace(/\[(\d{1,2})\]/g, '<sup class="ref">[$1]</sup>');
  }
  function inline(escaped) {
    var links = [];
    var text = escaped.split(SLOT).join("").replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, function (m, label, url) {
      var href = link(unesc(url));
      links.push(href ? '<a href="' + esc(href) + '" target="_blank" rel="noopener noreferrer">' + format(label) + "</a>"
                      : format(label));
      return SLOT + (links.length - 1) + SLOT;
    });
    return format(text).replace(/\u0000(\d+)\u0000/g, function (m, n) { return links[+n]; });
  }
  function cells(line) {
    return line.trim().replace(/^\||\|$/g, "").split("|").map(function (c) { return inline(esc(c.trim())); });
  }
  function renderMarkdown(text) {
    var lines = String(text || "").replace(/\r\n?/g, "\n").split("\n"), out = [], i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (/^\s*\|.*\|\s*$/.test(line)) {
        var rows = [];
        while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) rows.push(lines[i++]);
        var body = rows.filter(function (r) { return !/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*$/.test(r); });
        var head = body.shift() || "";
        out.push("<table><thead><tr>" + cells(head).map(function (c) { return "<th>" + c + "</th>"; }).join("") +
          "</tr></thead><tbody>" + body.map(function (r) {
            return "<tr>" + cells(r).map(function (c) { return "<td>" + c + "</td>"; }).join("") + "</tr>";
          }).join("") + "</tbody></table>");
      } else if (/^\s*(\d+[.)]|[-*•])\s+/.test(line)) {
        var ordered = /^\s*\d+[.)]\s/.test(line), items = [], start = ordered ? parseInt(line, 10) : 1;
        while (i < lines.length && /^\s*(\d+[.)]|[-*•])\s+/.test(lines[i]) && /^\s*\d+[.)]\s/.test(lines[i]) === ordered) {
          items.push("<li>" + inline(esc(lines[i++].replace(/^\s*(\d+[.)]|[-*•])\s+/, ""))) + "</li>");
        }
        out.push(ordered ? '<ol start="' + (start || 1) + '">' + items.join("") + "</ol>" : "<ul>" + items.join("") + "</ul>");
      } else if (!line.trim()) {
        i++;
      } else {
        // the current line always belongs here (a half-streamed table row is text until its closing bar comes)
        var para = [inline(esc(lines[i++]))];
        while (i < lines.length && lines[i].trim() && !/^\s*(\||\d+[.)]\s|[-*•]\s)/.test(lines[i])) para.push(inline(esc(lines[i++])));
        out.push("<p>" + para.join("<br>") + "</p>");
      }
    }
    return out.join("");
  }

  // --------------------------------------------------------------------------------------------------- messages
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }
  // A reply being written is followed only until its first line reaches the top of the log: from then on the
  // reader sees its beginning and scrolls on at their own pace. A reader who scrolls meanwhile is left alone.
  var follow = { el: null, at: -1 };
  function followReply(el) {
    if (el) follow = { el: el, at: -1 };
    if (!follow.el) return;
    if (follow.at >= 0 && Math.abs(log.scrollTop - follow.at) > 4) { follow.el = null; return; } // the reader scrolled
    var top = log.scrollTop + follow.el.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    log.scrollTop = Math.min(log.scrollHeight - log.clientHeight, Math.max(0, top));
    follow.at = log.scrollTop;
  }
  function setText(el, text, role) {
    var body = el.querySelector(".text");
    if (role === "user") body.textContent = text;  // the customer's own words stay plain text
    else body.innerHTML = renderMarkdown(text);
  }
  function addMessage(role, text, cites, isError) {
    var el = document.createElement("div");
    el.className = "msg " + role + (isError ? " error" : "");
    if (isError) el.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.className = "text";
    el.appendChild(body);
    setText(el, text, role);
    log.appendChild(el);
    if (cites && cites.length) setCitations(el, cites);
    scrollToEnd();
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
    addMessage("bot greeting", cfg.greeting || t.greeting);
    state.log.forEach(function (m) {
      if (m.role === "staff") showStaffReply(m); else addMessage(m.role, m.text, m.cites, m.error);
    });
  }

  // ----------------------------------------------------------------------------------------------------- errors
  // What the customer reads when a turn fails: always in the widget's language, never the browser's raw
  // "Failed to fetch" (a refused origin and a lost connection look the same from here).
  function Problem(message) { this.message = message; }
  async function httpProblem(res) {
    var serverText = null;
    try { serverText = (await res.json()).error || null; } catch (e) { /* not JSON */ }
    if (res.status === 429) return new Problem(t.busy);
    if (res.status === 403) return new Problem(t.refused);
    if (res.status >= 500) return new Problem(res.status === 503 ? t.unavailable : t.error);
    return new Problem(cfg.lang === "en" && serverText ? serverText : t.error);
  }
  function problemText(err) {
    return err instanceof Problem ? err.message : t.network;
  }

  // ------------------------------------------------------------------------------------------------ chat stream
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
    var el = addMessage("bot", "");
    el.querySelector(".text").innerHTML = '<span class="typing">' + esc(t.typing) + "</span>";
    followReply(el);
    var text = "", cites = [], reply = null, res;
    try {
      res = await fetch(API + "/v1/chat", {
        method: "POST",
        credentials: "omit", // a marketer's login cookie must never turn the widget into a marketer chat
        headers: withToken({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify({
          message: message, session_id: state.session_id, stream: true,
          contact: contact.value.trim() || null, // a handoff this turn makes can then reach the customer
        }),
      });
    } catch (e) {
      throw new Problem(t.network);
    }
    if (!res.ok || !res.body) throw await httpProblem(res);
    el.classList.add("streaming");
    var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
    for (;;) {
      var chunk;
      try { chunk = await reader.read(); } catch (e) { throw new Problem(t.network); }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      var parts = buffer.split(/\r?\n\r?\n/);
      buffer = parts.pop();
      for (var i = 0; i < parts.length; i++) {
        var ev = parseBlock(parts[i]);
        if (!ev) continue;
        if (ev.event === "token") {
          text += ev.data.text;
          setText(el, text, "bot");
        } else if (ev.event === "citation") {
          cites.push(ev.data);
          setCitations(el, cites);
        } else if (ev.event === "done") {
          reply = ev.data;
        } else if (ev.event === "error") {
          throw new Problem(cfg.lang === "en" && ev.data.error ? ev.data.error : t.error);
        }
        followReply();
      }
    }
    el.classList.remove("streaming");
    if (!reply) throw new Problem(t.error);
    state.session_id = reply.session_id;
    setText(el, reply.text, "bot");
    if (reply.citations && reply.citations.length) setCitations(el, reply.citations);
    el.setAttribute("data-turn-id", reply.turn_id);
    el.setAttribute("data-action", reply.action);
    followReply();
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
      if (last && last.classList.contains("bot") && !last.hasAttribute("data-turn-id")) log.removeChild(last);
      addMessage("bot", problemText(err), null, true);
    } finally {
      state.busy = false;
      sendBtn.disabled = false;
      follow.el = null;
    }
  }

  // ---------------------------------------------------------------------------------------------------- handoff
  function openHandoff() {
    handoffBox.classList.add("open");
    contact.focus();
  }

  async function requestHandoff() {
    var who = contact.value.trim();
    if (!who) {
      addMessage("bot", t.needContact, null, true);
      contact.focus();
      return;
    }
    try {
      if (!state.session_id) await submit(t.firstAsk); // a handoff belongs to a conversation
      if (!state.session_id) return;
      var res;
      try {
        res = await fetch(API + "/v1/handoff", {
          method: "POST",
          credentials: "omit",
          headers: withToken({ "Content-Type": "application/json" }), // the conversation is this customer's
          body: JSON.stringify({ session_id: state.session_id, contact: who, reason: "asked for a person in the widget" }),
        });
      } catch (e) {
        throw new Problem(t.network);
      }
      if (!res.ok) throw await httpProblem(res);
      handoffBox.classList.remove("open");
      addMessage("bot", t.handoffOk);
      state.log.push({ role: "bot", text: t.handoffOk });
      save();
    } catch (err) {
      addMessage("bot", problemText(err), null, true);
    }
  }

  // ----------------------------------------------------------------------------------------------------- wiring
  // Pinned to the visual viewport (what the screen shows), not the layout viewport that a too-wide host page widens.
  // A page zoomed out below 1 (a phone fitting a wide page) would shrink the widget: the frame scales it back; a
  // reader's zoom-in is kept (they zoom to read).
  // The on-screen keyboard shrinks the visual viewport from the bottom, and the frame with it, so the full-screen panel
  // ends just above the keyboard with its input; keepLatest() then keeps the latest message above the input.
  function place() {
    var vv = window.visualViewport;
    if (!vv) { // an older browser: the layout viewport is all there is (its keyboard shrinks innerHeight, if anything)
      frame.style.height = window.innerHeight + "px";
      frame.classList.toggle("narrow", window.innerWidth <= 480);
      keepLatest();
      return;
    }
    var k = Math.min(1, vv.scale || 1);
    frame.style.left = vv.offsetLeft + "px";
    frame.style.top = vv.offsetTop + "px";
    frame.style.width = vv.width * k + "px";
    frame.style.height = vv.height * k + "px";
    frame.style.transform = k < 1 ? "scale(" + 1 / k + ")" : "";
    frame.classList.toggle("narrow", vv.width * k <= 480);
    keepLatest();
  }
  // When the log gets shorter or taller (a keyboard, the contact box, a turned phone) its bottom edge holds still, as
  // in a messenger: what was just above the input stays there, and a log read to its end stays at its end.
  // Where that edge was is noted on every scroll, not taken from scrollTop at resize time: a log that grows has already
  // had its scrollTop clamped by the browser by then.
  var logHeight = 0, seenBottom = 0;
  function noteBottom() { seenBottom = log.scrollTop + log.clientHeight; }
  function keepLatest() {
    var h = log.clientHeight; // 0 while the panel is closed
    if (h && logHeight && h !== logHeight) {
      log.scrollTop = seenBottom - h;
      if (follow.el) follow.at = log.scrollTop; // this scroll is ours, not the reader's: a reply is still followed
    }
    logHeight = h;
    if (h) noteBottom();
  }
  log.addEventListener("scroll", noteBottom, { passive: true });
  if (window.ResizeObserver) new ResizeObserver(keepLatest).observe(log);
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", place);
    window.visualViewport.addEventListener("scroll", place);
  }
  window.addEventListener("resize", place);
  window.addEventListener("orientationchange", place);
  place();
  function setOpen(open) {
    panel.classList.toggle("open", open);
    frame.classList.toggle("open", open);
    bubble.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function openPanel() {
    place();
    setOpen(true);
    // The log was laid out while hidden (height 0): scroll once it has a size, so the latest message shows.
    requestAnimationFrame(scrollToEnd);
    input.focus();
  }
  bubble.addEventListener("click", function () {
    if (panel.classList.contains("open")) setOpen(false);
    else openPanel();
  });
  $(".close").addEventListener("click", function () { setOpen(false); bubble.focus(); });
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

  // ------------------------------------------------------------------ replies from the shop's staff (handoffs)
  // A person who took over the conversation answers from the workspace's inbox; the widget fetches those replies when
  // it opens, every REPLY_POLL_MS while open, and on each page load. The last reply seen is remembered, so a reply
  // shows once, and it joins the stored transcript so a reload shows it in place.
  var REPLY_POLL_MS = 15000, REPLY_KEY = STORE_KEY + ":replies", replyTimer = null;
  var STAFF = { en: "Our team", de: "Unser Team", fr: "Notre équipe", es: "Nuestro equipo", it: "Il nostro team" }[cfg.lang] || "Our team";
  var staffStyle = document.createElement("style");
  staffStyle.textContent = ".staff{align-self:flex-start;background:#fff5d6;border:1px solid #e8d48a;border-bottom-left-radius:4px}" +
    ".staff .who{font-size:12px;font-weight:600;margin-bottom:2px}";
  root.appendChild(staffStyle);

  function lastReplyId() {
    try { return parseInt(localStorage.getItem(REPLY_KEY + ":" + state.session_id), 10) || 0; } catch (e) { return 0; }
  }
  function showStaffReply(r) {
    var el = addMessage("staff", r.text);
    var who = document.createElement("div");
    who.className = "who";
    who.textContent = STAFF;
    el.insertBefore(who, el.firstChild);
    el.setAttribute("data-reply-id", r.reply_id);
  }
  var polling = null; // one poll at a time: a page load and an opening click must not show a reply twice
  function pollReplies() {
    if (!polling) polling = fetchReplies().finally(function () { polling = null; });
    return polling;
  }
  async function fetchReplies() {
    if (!state.session_id) return [];
    var url = API + "/v1/sessions/" + encodeURIComponent(state.session_id) + "/replies?after=" + lastReplyId();
    var headers = cfg.token ? { "X-Customer-Token": cfg.token } : {};
    try {
      var res = await fetch(url, { credentials: "omit", headers: headers });
      if (!res.ok) return [];
      var replies = (await res.json()).replies || [];
      replies.forEach(function (r) {
        showStaffReply(r);
        state.log.push({ role: "staff", text: r.text, reply_id: r.reply_id });
        try { localStorage.setItem(REPLY_KEY + ":" + state.session_id, String(r.reply_id)); } catch (e) { /* private mode */ }
      });
      if (replies.length) save();
      return replies;
    } catch (e) { return []; } // offline for a moment: the next poll tries again
  }
  $(".bubble").addEventListener("click", function () {
    if (replyTimer) { clearInterval(replyTimer); replyTimer = null; }
    if (panel.classList.contains("open")) {
      log.scrollTop = log.scrollHeight; // a reply that came while the panel was closed is the last thing shown
      pollReplies();
      replyTimer = setInterval(function () {
        if (panel.classList.contains("open")) pollReplies();
      }, REPLY_POLL_MS);
    }
  });

  render();
  (document.body || document.documentElement).appendChild(host);
  window.MKAWidget = {
    open: openPanel,
    ask: submit,
    say: function (text, opts) {
      var role = opts && opts.role === "staff" ? "staff" : "bot";
      state.log.push({ role: role, text: String(text) });
      save();
      return addMessage(role, String(text));
    },
    reset: function () { state.session_id = null; state.log = []; save(); render(); },
    renderMarkdown: renderMarkdown, // the reply formatter, for the shop's own tests
    get sessionId() { return state.session_id; },
    get lang() { return cfg.lang; },
  };
  window.MKAWidget.pollReplies = pollReplies;
  pollReplies(); // replies that came while the customer was away show on this page load
})();
