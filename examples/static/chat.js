// The chat room client: one WebSocket, messages rendered as text (never as HTML).
"use strict";

(function () {
  const list = document.getElementById("chat-messages");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const button = document.getElementById("chat-send");
  const status = document.getElementById("chat-status");
  const socket = new WebSocket(list.dataset.socketUrl);

  function show(author, text) {
    const item = document.createElement("li");
    const who = document.createElement("strong");
    who.textContent = author + ": ";
    const what = document.createElement("span");
    what.className = "chat-text";
    what.textContent = text;
    item.append(who, what);
    list.append(item);
    item.scrollIntoView({ block: "end" });
  }

  socket.addEventListener("open", function () {
    status.textContent = "connected";
    button.disabled = false;
  });
  socket.addEventListener("close", function (event) {
    status.textContent = "disconnected (" + event.code + ")";
    button.disabled = true;
  });
  socket.addEventListener("message", function (event) {
    const message = JSON.parse(event.data);
    show(message.author, message.text);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (text && socket.readyState === WebSocket.OPEN) {
      socket.send(text);
      input.value = "";
    }
  });
})();
