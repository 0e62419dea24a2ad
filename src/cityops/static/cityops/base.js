/* Behaviour every page shares, in a file so the Content-Security-Policy needs no inline handlers:
   a select marked data-autosubmit submits its form on change; a button marked data-print prints the page. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var select = e.target.closest && e.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
  });
})();
