// The live clock: each `tick` event from the server updates the page and is listed (the last 10 kept).
"use strict";
(() => {
  const list = document.getElementById("clock-events");
  const status = document.getElementById("clock-status");
  const source = new EventSource(list.dataset.eventsUrl);
  source.addEventListener("open", () => { status.textContent = "connected"; });
  source.addEventListener("error", () => { status.textContent = "reconnecting…"; });
  source.addEventListener("tick", (event) => {
    document.getElementById("clock-time").textContent = event.data;
    document.getElementById("clock-id").textContent = event.lastEventId;
    const item = document.createElement("li");
    item.className = "clock-event";
    item.textContent = `#${event.lastEventId} ${event.data}`;
    list.prepend(item);
    while (list.children.length > 10) list.lastElementChild.remove();
  });
})();
