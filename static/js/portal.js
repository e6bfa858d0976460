// Site-wide behaviour, loaded after htmx (no inline scripts: the pages run under a strict CSP).
(function () {
  "use strict";
  if (!window.htmx) return;
  // A form with errors comes back as 422 with the fields and what was typed: swap it in.
  // Other 4xx/5xx keep the page as it is and say so.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var text = status === 404 || status === 403
      ? "该申请已不可修改或您无权操作，请刷新页面。"
      : "系统繁忙，刚才的操作没有完成，请稍后重试（已填写的内容仍在页面上）。";
    window.alert(text);
  });
  document.body.addEventListener("htmx:sendError", function () {
    window.alert("网络连接中断，刚才的操作没有完成，请检查网络后重试（已填写的内容仍在页面上）。");
  });
})();
