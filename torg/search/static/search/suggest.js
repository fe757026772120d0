// Suggestions under the header search box: a keyboard-usable combobox (WAI-ARIA 1.2 pattern).
// Typing fetches people, groups and topics whose names start with the words; ArrowDown/ArrowUp
// move through them, Enter opens the chosen one (or searches when none is chosen), Escape closes.
(() => {
  const form = document.querySelector(".topbar-search[data-suggest-url]");
  if (!form) return;
  const input = form.querySelector("input[role=combobox]");
  const list = form.querySelector("[role=listbox]");
  const status = form.querySelector("#topbar-suggestions-status");
  if (!input || !list) return;
  const url = form.dataset.suggestUrl;
  // Words come translated from the template (data-* attributes).
  const kindLabels = {
    person: form.dataset.labelPerson, group: form.dataset.labelGroup, topic: form.dataset.labelTopic,
  };
  let active = -1;
  let timer = null;
  let controller = null;
  let items = [];

  function options() {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    items = [];
  }

  function highlight(index) {
    const all = options();
    all.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(found) {
    items = found;
    list.replaceChildren();
    if (!found.length) {
      close();
      if (status) status.textContent = "";
      return;
    }
    found.forEach((item, i) => {
      const li = document.createElement("li");
      li.id = `topbar-suggestion-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = `suggestion suggestion-${item.type}`;
      const title = document.createElement("span");
      title.className = "suggestion-title";
      title.textContent = item.title;
      const sub = document.createElement("span");
      sub.className = "suggestion-sub";
      sub.textContent = [kindLabels[item.type] || item.type, item.subtitle].filter(Boolean).join(" · ");
      li.append(title, sub);
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        window.location.assign(item.url);
      });
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
    if (status) status.textContent = form.dataset.status || "";
  }

  async function load() {
    const q = input.value.trim();
    if (q.length < 2) {
      close();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(q)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) return;
      const data = await response.json();
      if (input.value.trim() === q) render(data.items || []);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  input.addEventListener("keydown", (event) => {
    const count = options().length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      highlight((active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      highlight(active <= 0 ? count - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0 && items[active]) {
      event.preventDefault();
      window.location.assign(items[active].url);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
})();
