/* The online form page's photo upload: the picture is shrunk in the browser (photos.js) and put
   back into the file input before the form is sent, so a 5 MB camera file arrives as ~300 KB. */
(function () {
  "use strict";
  document.querySelectorAll("form.photo-upload input[type=file][data-compress]").forEach(function (input) {
    var form = input.form, button = form.querySelector("button[type=submit]");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !self.OfflinePhotos || !self.DataTransfer) { return; }
      button.disabled = true;
      OfflinePhotos.compress(file).then(function (result) {
        var list = new DataTransfer();
        list.items.add(new File([result.blob], "photo.jpg", {type: "image/jpeg"}));
        input.files = list.files;
      }, function () { /* not decodable here (HEIC): sent as is, the server says what to do */ })
        .then(function () { button.disabled = false; });
    });
  });
})();
