// The dashboard's charts (ECharts, vendored). Data comes from the JSON endpoint named in
// data-src; every chart has a table beside it on the page, so nothing depends on this script.
(function () {
  "use strict";

  function chart(id) {
    var node = document.getElementById(id);
    return node && window.echarts ? window.echarts.init(node, null, { renderer: "canvas" }) : null;
  }

  function bars(names, series, labels, horizontal) {
    var keys = Object.keys(series);
    var category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 80, containLabel: true },
      xAxis: horizontal ? { type: "value" } : category,
      yAxis: horizontal ? category : { type: "value" },
      series: keys.map(function (key) { return { name: labels[key], type: "bar", data: series[key] }; })
    };
  }

  function draw(data) {
    var funnel = chart("chart-funnel");
    if (funnel) {
      funnel.setOption(bars(data.funnel.labels, { v: data.funnel.values }, { v: "" }, true));
      funnel.setOption({ legend: { show: false } });
    }
    var breakdown = chart("chart-breakdown");
    if (breakdown) breakdown.setOption(bars(data.breakdown.names, data.breakdown.series, data.breakdown.labels));
    var coverage = chart("chart-coverage");
    if (coverage) {
      coverage.setOption(bars(data.coverage.names, data.coverage.series, data.coverage.labels));
      coverage.setOption({ yAxis: { max: 100 } });
    }
    var daily = chart("chart-daily");
    if (daily) {
      var d = data.daily;
      var series = Object.keys(d.series).map(function (key) {
        return { name: d.labels[key], type: "line", showSymbol: false, data: d.series[key] };
      });
      Object.keys(d.plan).forEach(function (key) {
        series.push({ name: d.labels[key] + " · " + d.plan_label, type: "line", showSymbol: false,
                      lineStyle: { type: "dashed" }, data: d.plan[key] });
      });
      if (series.length) {
        series[0].markArea = { silent: true, itemStyle: { opacity: 0.08 },
          data: d.phases.map(function (p) { return [{ name: p.name, xAxis: p.start }, { xAxis: p.end }]; }) };
      }
      daily.setOption({
        animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: d.days }, yAxis: { type: "value" }, series: series
      });
    }
    document.body.setAttribute("data-charts-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("dashboard");
    if (!root) return;
    fetch(root.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(draw);
  });
})();
