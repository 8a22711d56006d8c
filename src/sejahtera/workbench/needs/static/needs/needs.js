// The needs explorer, enhanced: a tooltip on the map (value, interval, n, reliability), PNG
// export of a figure (its SVG drawn on a canvas), and the page reloaded when the figures it waits
// for are measured. Without this script the map still has its titles, the exports their links,
// and a waiting page refreshes itself.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("needs-tips");
  const tips = source ? JSON.parse(source.textContent) : {};
  const tip = document.getElementById("needs-tip");

  function show(event, code) {
    const area = tips[code];
    if (!area || !tip) return;
    tip.replaceChildren();
    const name = document.createElement("strong");
    name.textContent = area.name;
    tip.append(name, document.createElement("br"), area.value + " (" + area.interval + ")",
      document.createElement("br"), "n = " + area.n);
    if (area.flag_label) {
      const flag = document.createElement("em");
      flag.textContent = area.flag_label;
      tip.append(document.createElement("br"), flag);
    }
    tip.hidden = false;
    tip.style.left = Math.min(event.pageX + 14, window.scrollX + window.innerWidth - 260) + "px";
    tip.style.top = event.pageY + 14 + "px";
  }

  document.querySelectorAll(".needs-map svg path[data-code]").forEach((path) => {
    const code = path.getAttribute("data-code");
    const title = path.querySelector("title");
    if (title && tips[code]) {  // this tooltip replaces the browser's, which says less
      path.setAttribute("aria-label", title.textContent);
      title.remove();
    }
    path.addEventListener("mousemove", (event) => show(event, code));
    path.addEventListener("mouseleave", () => { if (tip) tip.hidden = true; });
    path.addEventListener("click", () => {
      const row = document.querySelector('.needs-table tr[data-code="' + CSS.escape(code) + '"]');
      if (row) { row.scrollIntoView({ block: "nearest" }); row.classList.add("picked"); }
    });
  });

  document.querySelectorAll("button.png").forEach((button) => {
    const figure = document.querySelector(button.dataset.figure);
    if (!figure) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const box = figure.viewBox.baseVal;
      const width = (box && box.width) || figure.clientWidth;
      const height = (box && box.height) || figure.clientHeight;
      const copy = figure.cloneNode(true);
      copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      copy.setAttribute("width", width);
      copy.setAttribute("height", height);
      const text = new XMLSerializer().serializeToString(copy);
      const image = new Image();
      image.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = width * 2;
        canvas.height = height * 2;
        const context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob((blob) => {
          const link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = button.dataset.name;
          link.click();
          setTimeout(() => URL.revokeObjectURL(link.href), 1000);
        }, "image/png");
      };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  });

  const waiting = document.querySelector(".needs-waiting[data-job-url]");
  if (waiting && !waiting.querySelector(".error")) {
    const poll = () => fetch(waiting.dataset.jobUrl, { credentials: "same-origin" })
      .then((answer) => answer.json())
      .then((job) => {
        if (job.state === "done" || job.state === "failed") window.location.reload();
        else setTimeout(poll, 1500);
      })
      .catch(() => setTimeout(poll, 5000));
    setTimeout(poll, 1000);
  }
});
