// Every table of a page exports to XLSX: under each table a link to the page's own address with
// ?xlsx=<n>, n counting the page's tables in order as the server does (core/tables.py: a table
// marked data-no-export, or inside one, or inside a hidden element, is not counted). The body's
// data-table-export holds the link's text; the base template puts it only on a page shown by a
// GET, which the link can ask for again. The answer is a file (Content-Disposition: attachment),
// so the page stays; a refusal (a page changed meanwhile) opens as a page saying why. Without
// this script there is no link, nothing else.
(() => {
  const STRUCTURE = "table, caption, thead, tbody, tfoot, tr, th, td";

  function exportable(table) {
    if (table.closest("table[data-no-export]")) return false;
    const hidden = table.parentElement && table.parentElement.closest("[hidden]");
    return !(hidden && !hidden.matches(STRUCTURE));
  }

  function enhance() {
    const text = document.body && document.body.dataset.tableExport;
    if (!text) return;
    const tables = Array.from(document.querySelectorAll("table")).filter(exportable);
    const kept = new Set();
    tables.forEach((table, index) => {
      const url = new URL(window.location.href);
      url.hash = "";
      url.searchParams.set("xlsx", String(index + 1));
      const box = table.parentElement && table.parentElement.classList.contains("scroll")
        ? table.parentElement : table;
      let line = box.nextElementSibling;
      if (!line || !line.classList.contains("table-export")) {
        line = document.createElement("p");
        line.className = "table-export";
        const link = document.createElement("a");
        link.textContent = text;
        line.append(link);
        box.after(line);
      }
      line.firstElementChild.setAttribute("href", url.pathname + url.search);
      kept.add(line);
    });
    document.querySelectorAll("p.table-export").forEach((line) => {
      if (!kept.has(line)) line.remove();
    });
  }

  document.addEventListener("DOMContentLoaded", enhance);
  document.addEventListener("htmx:afterSettle", enhance);
})();
