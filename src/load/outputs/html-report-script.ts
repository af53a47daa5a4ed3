/**
 * The HTML report's page script (plain browser JavaScript, inlined): reads the chart data
 * (html-report-data.ts, one or two runs) from the page's JSON block and draws each chart with
 * uPlot, also inlined. A second run is drawn dashed beside the first on the same axes. Seconds in
 * which the generator was saturated are shaded on every time chart. Each chart's box gets
 * `data-drawn` once uPlot has drawn it (the browser test waits for that).
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('imh-data').textContent);
  var runs = data.runs;
  var COLOURS = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#bf3989'];
  var grid = document.getElementById('charts');

  // The union of every run's x values, ascending, and each run's y values placed on it (null where absent).
  function align(xsList, ysList) {
    var seen = {}, xs = [];
    xsList.forEach(function (list) { list.forEach(function (x) { if (!seen[x]) { seen[x] = true; xs.push(x); } }); });
    xs.sort(function (a, b) { return a - b; });
    var out = ysList.map(function (ys, i) {
      var at = {}; xsList[i].forEach(function (x, j) { at[x] = ys[j]; });
      return xs.map(function (x) { return x in at ? at[x] : null; });
    });
    return [xs].concat(out);
  }

  function shadeSaturated(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = 'rgba(207,34,46,0.12)';
    runs.forEach(function (run) {
      run.saturated.forEach(function (s) {
        var x0 = u.valToPos(s - 1, 'x', true), x1 = u.valToPos(s, 'x', true);
        ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
      });
    });
    ctx.restore();
  }

  function chart(title, series, opts) {
    var box = document.createElement('figure');
    box.className = 'chart';
    grid.appendChild(box);
    var xs = series.map(function (s) { return s.x; });
    var ys = series.map(function (s) { return s.y; });
    var width = Math.max(320, Math.min(520, grid.clientWidth - 16));
    var u = new uPlot({
      title: title, width: width, height: 240,
      scales: {x: {time: false, distr: opts.logX ? 3 : 1}, y: {distr: opts.logY ? 3 : 1}},
      axes: [{label: opts.xLabel, values: opts.xValues, splits: opts.xSplits}, {label: opts.yLabel, size: 60}],
      series: [{label: opts.xLabel}].concat(series.map(function (s) {
        return {label: s.label, stroke: s.colour, width: 1.5, dash: s.dashed ? [6, 4] : undefined, spanGaps: false, points: {show: opts.points === true}};
      })),
      hooks: {draw: [function (u) { if (opts.time) shadeSaturated(u); box.setAttribute('data-drawn', 'true'); }]}
    }, align(xs, ys), box);
    return u;
  }

  function each(fn) {
    return runs.map(function (run, i) { return fn(run, i, run.label, i === 1); });
  }
  function names(key) {
    var seen = {}, out = [];
    runs.forEach(function (run) { Object.keys(run[key]).forEach(function (n) { if (!seen[n]) { seen[n] = true; out.push(n); } }); });
    return out;
  }
  var T = {time: true, xLabel: 'second'};

  names('latency').forEach(function (m) {
    var series = [];
    each(function (run, i, label, dashed) {
      var l = run.latency[m];
      if (!l) return;
      series.push({x: run.seconds, y: l.p50, label: label + ' p50', colour: COLOURS[0], dashed: dashed});
      series.push({x: run.seconds, y: l.p99, label: label + ' p99', colour: COLOURS[1], dashed: dashed});
    });
    chart(m + ' per second (ms)', series, Object.assign({yLabel: 'ms'}, T));
  });
  names('distribution').forEach(function (m) {
    var series = [];
    each(function (run, i, label, dashed) {
      var d = run.distribution[m];
      if (d) series.push({x: d.x, y: d.y, label: label, colour: COLOURS[i % COLOURS.length], dashed: dashed});
    });
    // Ticks at each decade of 1/(1 − q): p0, p90, p99, p99.9, …
    chart(m + ' distribution (ms by percentile)', series, {xLabel: 'percentile', yLabel: 'ms', logX: true, points: true,
      xSplits: function (u, i, min, max) { var out = []; for (var v = 1; v <= max * 1.0001; v *= 10) out.push(v); return out; },
      xValues: function (u, vals) { return vals.map(function (v) { return 'p' + (Math.round(100000 * (1 - 1 / v)) / 1000); }); }});
  });
  chart('clients', each(function (run, i, label, dashed) { return {x: run.seconds, y: run.vus, label: label, colour: COLOURS[2], dashed: dashed}; }), Object.assign({yLabel: 'clients'}, T));
  names('counters').forEach(function (c) {
    chart(c + ' per second', each(function (run, i, label, dashed) { return {x: run.seconds, y: run.counters[c] || run.seconds.map(function () { return 0; }), label: label, colour: c === 'errors' ? COLOURS[1] : COLOURS[4], dashed: dashed}; }), Object.assign({yLabel: '/s'}, T));
  });
  chart('event-loop lag, worst worker (ms)', each(function (run, i, label, dashed) { return {x: run.seconds, y: run.lagMs, label: label, colour: COLOURS[3], dashed: dashed}; }), Object.assign({yLabel: 'ms'}, T));
  document.body.setAttribute('data-charts', String(grid.children.length));
})();
`
