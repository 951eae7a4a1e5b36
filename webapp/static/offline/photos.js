/* Photos taken on the phone: scaled and re-compressed as JPEG in the browser until at most
   300 KB (a canvas drawing also drops the camera's EXIF, location included). */
(function (root) {
  "use strict";
  var TARGET = 300 * 1024, LONGEST = 1600;

  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function draw(bitmap, longest) {
    var scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  /* A File from <input capture> -> {blob, preview (a small data: URL)}; rejects when the
     browser cannot decode it (e.g. HEIC on most Android browsers). */
  function compress(file) {
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var longest = LONGEST, quality = 0.85;
      function attempt() {
        var canvas = draw(bitmap, longest);
        return toBlob(canvas, quality).then(function (blob) {
          if (blob.size <= TARGET || longest < 400) {
            var thumb = draw(bitmap, 240);
            return {blob: blob, preview: thumb.toDataURL("image/jpeg", 0.7)};
          }
          if (quality > 0.5) { quality -= 0.15; } else { longest = Math.round(longest * 0.75); }
          return attempt();
        });
      }
      return attempt();
    });
  }

  root.OfflinePhotos = {compress: compress, TARGET: TARGET};
})(self);
