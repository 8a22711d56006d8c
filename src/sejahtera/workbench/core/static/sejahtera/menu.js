// The header's menu on a narrow screen: the Menu button opens and closes it. Without this
// script the button stays hidden and the sections are simply listed, so nothing depends on it.
document.documentElement.classList.add("has-menu");
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".menu-button");
  const menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
});
