/* The log-in page of the offline app (reached as /login?next=/offline/, the installed app's
   start page): derive the offline store's key from the password as the user logs in (PBKDF2
   with the server's per-user salt) and keep it in this tab only. The password itself is sent as
   before; if anything here fails, the log-in goes on without the key (the app then asks). */
(function () {
  "use strict";
  var form = document.querySelector("form.login-form");
  var next = new URLSearchParams(location.search).get("next") || "";
  if (!form || next.indexOf("/offline/") !== 0 || !self.crypto || !crypto.subtle || !self.Vault) { return; }
  form.addEventListener("submit", function (event) {
    if (form.dataset.derived) { return; }
    event.preventDefault();
    var username = (form.querySelector("#username").value || "").trim();
    var password = form.querySelector("#password").value || "";
    function go() { form.dataset.derived = "1"; form.submit(); }
    fetch("/offline/salt?u=" + encodeURIComponent(username), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        localStorage.setItem("offline-salt:" + username.toLowerCase(), JSON.stringify(s));
        return Vault.deriveKey(password, s.salt, s.iterations);
      })
      .then(Vault.keepSessionKey)
      .then(go, go);
  });
})();
