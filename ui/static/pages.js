/*
 * Two behaviours the Gradio pages (/chat, /workspace) get on top of Gradio's own, loaded in their <head>:
 *
 * 1. A reply is followed only until its first line reaches the top of the chat: the reader sees the beginning of a
 *    long answer when it ends and scrolls on at their own pace (the chatbots are built with autoscroll=False). A new
 *    question of theirs scrolls the chat to its end; a reader who scrolls while a reply is written is left alone.
 * 2. A status line (an element whose id ends in "-status", e.g. "leave an e-mail address") that gets new text is
 *    scrolled into view: on a phone it sits under the form, below the fold, where nobody would see it.
 * 3. Accessibility Gradio leaves out: an empty image or file box carries aria-label on a role-less <div> (axe:
 *    aria-prohibited-attr), so it gets role="img"; an icon button without a name gets its title or a generic one;
 *    a table that scrolls gets a tab stop on its first header cell (axe: scrollable-region-focusable).
 */
(function () {
  "use strict";
  var CHATS = ["customer-chatbot", "marketer-chatbot"];

  function scroller(root) {
    // Gradio's own scroll box first (found cheaply); any element that scrolls otherwise
    var known = root.querySelector(".bubble-wrap");
    if (known && known.scrollHeight > known.clientHeight + 2) return known;
    var all = [root].concat(Array.prototype.slice.call(root.querySelectorAll("div")));
    for (var i = 0; i < all.length; i++) {
      var s = getComputedStyle(all[i]);
      if (/(auto|scroll)/.test(s.overflowY) && all[i].scrollHeight > all[i].clientHeight + 2) return all[i];
    }
    return null;
  }
  function rows(root, who) {
    return root.querySelectorAll(".message-row." + who + "-row, [data-testid='" + who + "']");
  }
  function watch(root) {
    var follow = { el: null, at: -1 }, lastUser = null, lastBot = null;
    function step() {
      var box = scroller(root);
      var users = rows(root, "user"), bots = rows(root, "bot");
      var user = users[users.length - 1] || null, bot = bots[bots.length - 1] || null;
      if (!box) { lastUser = user; lastBot = bot; return; }
      if (user && user !== lastUser) { // the reader asked: show their question
        lastUser = user;
        box.scrollTop = box.scrollHeight;
        follow = { el: null, at: -1 };
      }
      if (bot && bot !== lastBot) {
        var replyToUser = user && (user.compareDocumentPosition(bot) & Node.DOCUMENT_POSITION_FOLLOWING);
        lastBot = bot;
        if (replyToUser || follow.el) follow = { el: bot, at: -1 };
      }
      if (!follow.el) return;
      if (follow.at >= 0 && Math.abs(box.scrollTop - follow.at) > 4) { follow.el = null; return; } // the reader scrolled
      var top = box.scrollTop + follow.el.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
      box.scrollTop = Math.min(box.scrollHeight - box.clientHeight, Math.max(0, top));
      follow.at = box.scrollTop;
    }
    var queued = false; // one step per frame, however many tokens arrived in it
    new MutationObserver(function () {
      if (queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; step(); });
    }).observe(root, { childList: true, subtree: true, characterData: true });
  }
  function name() {
    document.querySelectorAll("div.empty[aria-label]:not([role])").forEach(function (el) { el.setAttribute("role", "img"); });
    // A table that scrolls must be reachable by keyboard (axe: scrollable-region-focusable). Its first header cell
    // becomes the tab stop, as the ARIA grid pattern has it (one cell in the tab order). A tab stop on the scrolling
    // box itself would not do: that box is a role="none" child of Gradio's role="grid", and a focusable element
    // cannot be presentational, so the grid would own a child that is not a row (axe: aria-required-children).
    document.querySelectorAll(".virtual-table-viewport").forEach(function (el) {
      if (el.querySelector("[tabindex='0']")) return; // a cell Gradio made the tab stop (a table with rows)
      var head = el.querySelector("[role=columnheader]");
      (head || el).setAttribute("tabindex", "0");
    });
    document.querySelectorAll("button[aria-label='']").forEach(function (b) {
      b.setAttribute("aria-label", b.getAttribute("title") || "More actions");
    });
  }
  var said = {};
  function showStatus() {
    document.querySelectorAll("[id$='-status']").forEach(function (el) {
      var text = (el.innerText || "").trim();
      if (text && said[el.id] !== text) el.scrollIntoView({ block: "nearest" });
      said[el.id] = text;
    });
  }
  var watched = {};
  function scan() {
    CHATS.forEach(function (id) {
      var el = document.getElementById(id);
      if (el && watched[id] !== el) { watched[id] = el; watch(el); }
    });
    name();
    showStatus();
  }
  var pending = null; // at most one scan per 300 ms: the page mutates on every streamed token
  new MutationObserver(function () {
    if (!pending) pending = setTimeout(function () { pending = null; scan(); }, 300);
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", scan);
})();
