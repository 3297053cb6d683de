// The hospital look-up's "Pindai kartu": read the card's QR code in the browser (camera or a
// photo) and submit what it says to the card look-up. Nothing leaves the browser but that text,
// in the form's POST body. The browser's BarcodeDetector decodes where it exists; elsewhere the
// vendored jsQR (static/vendor/jsqr) is loaded on first use. Without JavaScript the tools stay
// hidden and the nurse types the address or uses the KPJ form.
(function () {
  "use strict";
  var MAX_SIDE = 1280; // a phone photo is scaled down before decoding: faster, and enough for a card
  var decoderScript = null;

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) {
      return Promise.resolve(null);
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }, function () { return null; });
  }

  function loadJsQR(src) {
    if (window.jsQR) {
      return Promise.resolve(window.jsQR);
    }
    if (!decoderScript) {
      decoderScript = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.jsQR); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return decoderScript;
  }

  // A decoder: source (an ImageBitmap or a playing <video>) -> Promise of the QR text or null.
  function makeDecoder(form) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return nativeDetector().then(function (detector) {
      if (detector) {
        return function (source) {
          return detector.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }
      return loadJsQR(form.dataset.decoder).then(function (jsQR) {
        return function (source) {
          var width = source.videoWidth || source.width;
          var height = source.videoHeight || source.height;
          var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
          canvas.width = Math.round(width * scale);
          canvas.height = Math.round(height * scale);
          context.drawImage(source, 0, 0, canvas.width, canvas.height);
          var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
          return Promise.resolve(code ? code.data : null);
        };
      });
    });
  }

  function setUp(form) {
    if (form.dataset.scanReady) {
      return;
    }
    form.dataset.scanReady = "1";
    var tools = form.querySelector(".scan-tools");
    var start = form.querySelector("[data-scan-start]");
    var stop = form.querySelector("[data-scan-stop]");
    var photo = form.querySelector("[data-scan-photo]");
    var camera = form.querySelector("[data-scan-camera]");
    var video = form.querySelector("[data-scan-video]");
    var status = form.querySelector("[data-scan-status]");
    var input = form.querySelector("input[name='code']");
    var decoder = null;
    var stream = null;

    function decoderReady() {
      decoder = decoder || makeDecoder(form);
      return decoder;
    }

    function say(message) {
      status.textContent = message || "";
    }

    function submit(text) {
      input.value = text;
      say("");
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    function stopCamera() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
      camera.hidden = true;
      start.hidden = false;
    }

    function scanFrames(decode) {
      if (!stream) {
        return;
      }
      var next = function () { window.setTimeout(function () { scanFrames(decode); }, 150); };
      if (video.readyState < 2) {
        next();
        return;
      }
      decode(video).then(function (text) {
        if (text && stream) {
          stopCamera();
          submit(text);
        } else {
          next();
        }
      }, next);
    }

    photo.addEventListener("change", function () {
      var file = photo.files && photo.files[0];
      if (!file) {
        return;
      }
      say(form.dataset.reading);
      Promise.all([decoderReady(), window.createImageBitmap(file)]).then(function (parts) {
        return parts[0](parts[1]);
      }).then(function (text) {
        if (text) {
          submit(text);
        } else {
          say(form.dataset.noCode);
        }
      }, function () {
        say(form.dataset.noCode);
      }).then(function () {
        photo.value = ""; // the same photo may be chosen again
      });
    });

    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
        stream = media;
        video.srcObject = media;
        camera.hidden = false;
        start.hidden = true;
        say(form.dataset.aim);
        return video.play().then(decoderReady).then(scanFrames);
      }).catch(function () {
        stopCamera();
        say(form.dataset.noCamera);
      });
    });

    stop.addEventListener("click", function () {
      stopCamera();
      say("");
    });

    // Empty for the next patient once the answer is in (as the no-JavaScript page is).
    form.addEventListener("htmx:afterRequest", function () {
      input.value = "";
    });

    tools.hidden = false;
    // The camera button only where a camera can be asked for (a secure page, a browser that can).
    start.hidden = !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-card-scan]"), setUp);
  }

  // A boosted visit swaps the page in and runs this script again; htmx:load covers both.
  setUpAll();
  document.addEventListener("htmx:load", setUpAll);
})();
