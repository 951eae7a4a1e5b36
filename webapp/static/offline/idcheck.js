/* The citizen ID rule of webapp/idnumber.py (GB 11643-1999) for the browser: the same cleaning,
   the same error codes and messages, so a form refused on the phone would be refused by the
   server and the other way round (tests/test_offline_idcheck.py runs one table through both). */
(function (root) {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK_CHARS = "10X98765432";
  var INVISIBLE = /[\u200b\u200c\u200d\ufeff]/g;
  var SPACES = /[\s\u3000\u00a0]/g;

  function checkChar(first17) {
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]; }
    return CHECK_CHARS.charAt(sum % 11);
  }

  function clean(raw) {
    var text = String(raw).replace(INVISIBLE, "").replace(SPACES, "");
    // Full-width digits and signs become ASCII; lower-case x becomes X (as _FULLWIDTH does).
    text = text.replace(/[\uff10-\uff19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48); });
    return text.replace(/[Ｘｘx]/g, "X").replace(/．/g, ".").replace(/＋/g, "+").replace(/[Ｅ]/g, "E").replace(/[ｅ]/g, "e");
  }

  function pad(n, width) { var s = String(n); while (s.length < width) { s = "0" + s; } return s; }

  function todayString(today) {
    var d = today || new Date();
    return pad(d.getFullYear(), 4) + pad(d.getMonth() + 1, 2) + pad(d.getDate(), 2);
  }

  function dateIssue(ymd, today) {
    var y = parseInt(ymd.slice(0, 4), 10), m = parseInt(ymd.slice(4, 6), 10), d = parseInt(ymd.slice(6, 8), 10);
    var date = new Date(Date.UTC(y, m - 1, d));
    // Years below 100 are mapped by Date.UTC to 19xx: check the parts, not just validity.
    if (y < 1 || m < 1 || m > 12 || d < 1 || date.getUTCFullYear() !== (y < 100 ? 1900 + y : y) ||
        date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
      return {code: "birth_date_invalid", message: "出生日期无效：" + ymd};
    }
    if (ymd > todayString(today)) { return {code: "birth_date_future", message: "出生日期晚于今天：" + ymd}; }
    if (ymd < "19000101") { return {code: "birth_date_too_early", message: "出生日期早于 1900 年：" + ymd}; }
    return null;
  }

  function check18(text, today) {
    var errors = [];
    var issue = dateIssue(text.slice(6, 14), today);
    if (issue) { errors.push(issue); }
    var expected = checkChar(text.slice(0, 17));
    if (expected !== text.charAt(17)) {
      errors.push({code: "check_char", message: "校验位错误：应为 " + expected + "，实为 " + text.charAt(17)});
    }
    return {ok: errors.length === 0, canonical: errors.length ? null : text, errors: errors};
  }

  function fail(code, message) { return {ok: false, canonical: null, errors: [{code: code, message: message}]}; }

  /* Check one ID number typed on the phone: {ok, canonical, errors: [{code, message}]}. */
  function normalizeId(raw, today) {
    if (raw === null || raw === undefined) { return fail("empty", "身份证号为空"); }
    var text = clean(raw);
    if (!text) { return fail("empty", "身份证号为空"); }
    if (/^[+-]?\d+(\.\d*)?[eE][+-]?\d+$/.test(text)) { return fail("excel_scientific", "疑被 Excel 转为数字（科学计数法），请以文本格式导出"); }
    if (/^\d+\.\d*$/.test(text)) { return fail("excel_decimal", "疑被 Excel 转为数字（末尾为“" + text.slice(text.indexOf(".")) + "”），请以文本格式导出"); }
    var bad = {};
    for (var i = 0; i < text.length; i++) { if ("0123456789X".indexOf(text.charAt(i)) < 0) { bad[text.charAt(i)] = true; } }
    var badChars = Object.keys(bad).sort();
    if (badChars.length) { return fail("bad_chars", "含非法字符：" + badChars.join("")); }
    if (text.slice(0, -1).indexOf("X") >= 0) { return fail("x_position", "X 只能出现在最后一位"); }
    if (text.length === 18) { return check18(text, today); }
    if (text.length === 15 && text.indexOf("X") < 0) {
      var upgraded = text.slice(0, 6) + "19" + text.slice(6);
      return check18(upgraded + checkChar(upgraded), today);
    }
    if (text.length === 17 && text.indexOf("X") < 0) { return fail("length_17", "位数错误：17 位，应为 18 位（疑末位 X 或首位数字丢失）"); }
    return fail("length", "位数错误：" + text.length + " 位，应为 18 位");
  }

  root.IdCheck = {normalizeId: normalizeId, checkChar: checkChar};
  if (typeof module !== "undefined" && module.exports) { module.exports = root.IdCheck; }
})(typeof self !== "undefined" ? self : this);
