/* cablesite offline search: runs the query of search.html?q=...&tag=...&origin=...
 * &classification=...&from=YYYY-MM-DD&to=YYYY-MM-DD&sort=date&page=2 on load.
 *
 * Index pieces (generator/search/index.py) are scripts that call
 * CablesiteSearch.register(key, data); they are loaded with <script> elements so that the
 * site works opened from disk (file://), where fetch is refused. No eval, no innerHTML:
 * cable text only ever reaches the page through textContent.
 * The tokenizer below mirrors generator/search/tokenizer.py rule for rule.
 */
(function () {
  "use strict";

  var PER_PAGE = 20;
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = new Int8Array(128);
  for (var i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
  var MAX_LEN = 40;

  // -- tokenizer (same rules as tokenizer.py) --------------------------------------------
  function fold(text) {
    if (/[^\x00-\x7f]/.test(text)) {
      text = text.replace(/[\u2019\u2018\u02bc`]/g, "'").normalize("NFKD")
        .replace(/\p{Mn}/gu, "").replace(/[^\x00-\x7f]/g, " ");
    }
    return text.toLowerCase();
  }
  function word(raw) {
    if (raw.indexOf("'") >= 0) {
      var parts = raw.split("'");
      if (parts[parts.length - 1] === "s") parts.pop();
      raw = parts.join("");
    }
    if (/^[0-9]+$/.test(raw)) raw = raw.replace(/^0+/, "") || "0";
    return raw;
  }
  function words(text) {
    var out = [], m, re = /[a-z0-9]+(?:'[a-z0-9]+)*/g, f = fold(text);
    while ((m = re.exec(f)) !== null) {
      var w = word(m[0]);
      if (w.length <= MAX_LEN) out.push(w);
    }
    return out;
  }
  function tokens(text) {
    var out = [];
    words(text).forEach(function (w) {
      out.push(w);
      if (!/^[a-z]+$/.test(w) && !/^[0-9]+$/.test(w)) {
        (w.match(/[a-z]+|[0-9]+/g) || []).forEach(function (run) {
          out.push(/^[0-9]/.test(run) ? (run.replace(/^0+/, "") || "0") : run);
        });
      }
    });
    return out;
  }

  // -- decoding ---------------------------------------------------------------------------
  function decode(text, weighted) {
    var docs = [], weights = [], value = 0, shift = 0, doc = -1;
    for (var i = 0; i < text.length; i++) {
      var d = VALUE[text.charCodeAt(i)];
      value += (d & 31) * Math.pow(2, shift);
      if (d & 32) { shift += 5; continue; }
      if (weighted) { weights.push(value & 3); value = Math.floor(value / 4); }
      doc += value + 1;
      docs.push(doc);
      value = 0; shift = 0;
    }
    return { docs: docs, weights: weights };
  }
  function day(dates, doc) {
    var i = doc * 3;
    return VALUE[dates.charCodeAt(i)] | VALUE[dates.charCodeAt(i + 1)] << 6 |
      VALUE[dates.charCodeAt(i + 2)] << 12;
  }
  function dayOf(iso) {  // "YYYY-MM-DD" -> the index's day number, NaN when malformed
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) return NaN;
    return Math.round((Date.UTC(+m[1], +m[2] - 1, +m[3]) - Date.UTC(1900, 0, 1)) / 864e5) + 1;
  }
  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }

  // -- loading pieces ---------------------------------------------------------------------
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var store = {}, waiting = {};
  var stats = { pieces: 0, start: performance.now(), firstResults: null, done: false };

  function register(key, data) {
    store[key] = data;
    if (waiting[key]) { waiting[key].resolve(data); delete waiting[key]; }
  }
  function load(key) {
    if (Object.prototype.hasOwnProperty.call(store, key)) return Promise.resolve(store[key]);
    if (waiting[key]) return waiting[key].promise;
    var entry = {};
    entry.promise = new Promise(function (resolve, reject) {
      entry.resolve = resolve;
      var el = document.createElement("script");
      el.src = root + "search/" + key + ".js";
      el.charset = "utf-8";
      el.onload = function () {
        el.remove();
        if (waiting[key]) { delete waiting[key]; reject(new Error("index piece did not register: " + key)); }
      };
      el.onerror = function () { el.remove(); delete waiting[key]; reject(new Error("index piece missing: " + key)); };
      stats.pieces++;
      document.head.appendChild(el);
    });
    waiting[key] = entry;
    return entry.promise;
  }
  function shardKey(meta, term) {
    for (var n = term.length; n > 0; n--) {
      var p = term.slice(0, n);
      if (meta.shardSet[p]) return "t/" + p[0] + "/t" + p;
    }
    return null;
  }
  function postings(meta, term) {  // {docs, weights, subject}
    var key = shardKey(meta, term);
    if (!key) return Promise.resolve({ docs: [], weights: [], subject: [] });
    return load(key).then(function (shard) {
      var entry = Object.prototype.hasOwnProperty.call(shard, term) ? shard[term] : ["", ""];
      var body = decode(entry[0], true);
      body.subject = decode(entry[1], false).docs;
      return body;
    });
  }
  function docRow(meta, doc) {
    var c = Math.floor(doc / meta.docChunk);
    return load("d/" + Math.floor(c / meta.folder) + "/" + c).then(function (rows) {
      return rows[doc - c * meta.docChunk];
    });
  }
  function docText(meta, doc) {
    return docRow(meta, doc).then(function (row) { return row[7] || ""; });
  }

  // -- the query ----------------------------------------------------------------------------
  function parseQuery(params) {
    var q = params.get("q") || "", phrases = [];
    var rest = q.replace(/["\u201c\u201d]([^"\u201c\u201d]*)["\u201c\u201d]?/g, function (_, p) {
      if (words(p).length) phrases.push(words(p));
      return " ";
    });
    var terms = [], seen = {};
    tokens(rest + " " + phrases.map(function (p) { return p.join(" "); }).join(" "))
      .forEach(function (t) { if (!seen[t]) { seen[t] = 1; terms.push(t); } });
    return {
      q: q, phrases: phrases, all: terms,
      tag: params.get("tag") || "", origin: params.get("origin") || "",
      classification: params.get("classification") || "",
      from: params.get("from") || "", to: params.get("to") || "",
      sort: params.get("sort") === "date" ? "date" : "relevance",
      page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1)
    };
  }
  function idQuery(q) {  // "07 USNATO 577", "USNATO 577" -> {year, station, serial}
    var m = /^(\d\d)?([A-Za-z]+)0*(\d+)$/.exec(q.replace(/[\s-]+/g, ""));
    return m ? { year: m[1] || "", station: m[2].toUpperCase(), serial: m[3] } : null;
  }
  function findIds(meta, query) {  // -> list of doc numbers whose id matches
    var id = idQuery(query.q);
    if (!id || query.phrases.length || meta.stations.indexOf(id.station) < 0) return Promise.resolve([]);
    return load("id/" + id.station).then(function (table) {
      var re = new RegExp("^" + (id.year || "\\d\\d") + id.station + id.serial + "$");
      return Object.keys(table).filter(function (k) { return re.test(k); }).sort()
        .map(function (k) { return table[k]; });
    });
  }

  function candidates(meta, query) {
    var stop = meta.stopSet;
    var terms = query.all.filter(function (t) { return !stop[t]; });
    var lists = terms.map(function (t) { return postings(meta, t); });
    var filters = [];
    [["tag", query.tag], ["origin", query.origin], ["classification", query.classification]]
      .forEach(function (f) {
        if (!f[1]) return;
        var key = meta.facets[f[0]][f[1]] ||
          meta.facets[f[0]][Object.keys(meta.facets[f[0]]).filter(function (k) {
            return k.toLowerCase() === f[1].toLowerCase();
          })[0]];
        filters.push(key ? load(key).then(function (s) { return decode(s, false).docs; }) : Promise.resolve([]));
      });
    var needDates = query.from || query.to || terms.length || filters.length;
    return Promise.all([Promise.all(lists), Promise.all(filters), needDates ? load("dates") : ""])
      .then(function (got) {
        var termLists = got[0], filterLists = got[1], dates = got[2];
        if (!terms.length && !filterLists.length && !query.from && !query.to) {
          return { docs: [], terms: terms, empty: true };
        }
        var sets = termLists.map(function (l) { return l.docs; }).concat(filterLists);
        sets.sort(function (a, b) { return a.length - b.length; });
        var docs;
        if (sets.length) {
          docs = sets[0];
          for (var i = 1; i < sets.length; i++) docs = intersect(docs, sets[i]);
        } else {
          docs = [];
          for (var d = 0; d < meta.docs; d++) docs.push(d);
        }
        var lo = dayOf(query.from), hi = dayOf(query.to);
        if (!isNaN(lo) || !isNaN(hi)) {
          docs = docs.filter(function (d) {
            var n = day(dates, d);
            return n > 0 && (isNaN(lo) || n >= lo) && (isNaN(hi) || n <= hi);
          });
        }
        // one number per doc orders the results: relevance (to 1/1000) then date, or date alone
        var score = rank(meta, docs, termLists), key = new Float64Array(docs.length);
        for (var k = 0; k < docs.length; k++) {
          key[k] = (query.sort === "relevance" ? Math.round(score[k] * 1000) * 262144 : 0) + day(dates, docs[k]);
        }
        return { docs: docs, key: key, terms: terms };
      });
  }
  function top(c, n) {  // the first n docs of c in result order, without sorting them all
    var idx = [], i, count = c.docs.length;
    if (n >= count) {
      for (i = 0; i < count; i++) idx.push(i);
    } else {
      var threshold = Float64Array.from(c.key).sort()[count - n];
      for (i = 0; i < count; i++) if (c.key[i] >= threshold) idx.push(i);
    }
    idx.sort(function (a, b) { return c.key[b] - c.key[a] || c.docs[a] - c.docs[b]; });
    return idx.slice(0, n).map(function (k) { return c.docs[k]; });
  }
  function rank(meta, docs, termLists) {
    // per term: idf * (1 + weight of its count + 6 when in the subject): subject matches first
    var score = new Float64Array(docs.length);
    termLists.forEach(function (l) {
      var idf = Math.log(1 + meta.docs / Math.max(1, l.docs.length));
      var i = 0, j = 0, k = 0;
      for (; i < docs.length; i++) {
        while (j < l.docs.length && l.docs[j] < docs[i]) j++;
        while (k < l.subject.length && l.subject[k] < docs[i]) k++;
        var w = l.docs[j] === docs[i] ? 1 + l.weights[j] : 0;
        if (l.subject[k] === docs[i]) w += 6;
        score[i] += idf * w;
      }
    });
    return score;
  }
  function hasPhrase(seq, phrase) {
    outer: for (var i = 0; i + phrase.length <= seq.length; i++) {
      for (var j = 0; j < phrase.length; j++) if (seq[i + j] !== phrase[j]) continue outer;
      return true;
    }
    return false;
  }
  function verify(meta, query, c, need) {
    // keep the docs holding every phrase (subject or stored text), in order, until `need` found;
    // a doc whose stored text is cut (meta.textLimit) and holds every word but not the phrase is
    // kept too, in `unsure`: the phrase may be further in its text than the index keeps
    if (!query.phrases.length) return Promise.resolve({ docs: top(c, need), count: c.docs.length, exact: true, unsure: {} });
    var MAX_CHECKED = 2000, docs = top(c, MAX_CHECKED), kept = [], unsure = {}, next = 0, BATCH = 40;
    function step() {
      if (kept.length >= need || next >= docs.length || next >= MAX_CHECKED) {
        var exact = next >= docs.length && docs.length === c.docs.length;
        return { docs: kept, count: kept.length, exact: exact, unsure: unsure };
      }
      var batch = docs.slice(next, next + BATCH);
      next += batch.length;
      return Promise.all(batch.map(function (d) {
        return Promise.all([docRow(meta, d), docText(meta, d)]).then(function (got) {
          var subject = words(got[0][2]), text = words(got[1]);
          if (query.phrases.every(function (p) { return hasPhrase(subject, p) || hasPhrase(text, p); })) return 1;
          return got[1].length >= meta.textLimit ? 2 : 0;
        });
      })).then(function (ok) {
        batch.forEach(function (d, k) {
          if (ok[k]) kept.push(d);
          if (ok[k] === 2) unsure[d] = 1;
        });
        return step();
      });
    }
    return step();
  }

  // -- showing results ------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function marked(text, hit) {  // text with the query's words in <mark>, as DOM nodes
    var frag = document.createDocumentFragment(), last = 0, m;
    var re = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu;
    while ((m = re.exec(text)) !== null) {
      if (!tokens(m[0]).some(function (t) { return hit[t]; })) continue;
      if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      frag.appendChild(el("mark", "", m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }
  function snippet(text, hit) {
    // start near the place where most different query words meet within 200 characters
    var re = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu, m, at = -1, hits = [], best = 0;
    while ((m = re.exec(text)) !== null) {
      var found = tokens(m[0]).filter(function (t) { return hit[t]; });
      if (found.length) hits.push([m.index, found.join(" ")]);
    }
    for (var i = 0; i < hits.length; i++) {
      var seen = {}, n = 0;
      for (var j = i; j < hits.length && hits[j][0] < hits[i][0] + 200; j++) {
        if (!seen[hits[j][1]]) { seen[hits[j][1]] = 1; n++; }
      }
      if (n > best) { best = n; at = hits[i][0]; }
    }
    var start = Math.max(0, at - 90), end = Math.min(text.length, Math.max(at, 0) + 210);
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
    return (start > 0 ? "\u2026" : "") + text.slice(start, end) + (end < text.length ? "\u2026" : "");
  }
  function href(query, changes) {
    var p = new URLSearchParams();
    ["q", "tag", "origin", "classification", "from", "to", "sort", "page"].forEach(function (k) {
      var v = Object.prototype.hasOwnProperty.call(changes, k) ? changes[k] : query[k];
      if (k === "sort" && v === "relevance") v = "";
      if (k === "page" && v === 1) v = "";
      if (v) p.set(k, String(v));
    });
    return "search.html?" + p.toString();
  }
  function resultItem(row, text, hit) {
    var li = el("li", "result");
    var head = el("p", "result-meta");
    var a = el("a", "result-id", row[0]);
    a.href = root + row[5];
    head.appendChild(a);
    head.appendChild(el("span", "result-date", row[1]));
    head.appendChild(el("span", "result-origin", row[3]));
    head.appendChild(el("span", "result-classification", row[4]));
    li.appendChild(head);
    var subject = el("p", "result-subject");
    var link = el("a");
    link.href = root + row[5];
    link.appendChild(marked(row[2] || "(no subject)", hit));
    subject.appendChild(link);
    li.appendChild(subject);
    var snip = el("p", "result-snippet");
    snip.appendChild(marked(snippet(text, hit), hit));
    li.appendChild(snip);
    return li;
  }
  function showPage(meta, query, found, box) {
    var hit = {};
    query.all.forEach(function (t) { if (!meta.stopSet[t]) hit[t] = 1; });
    var pages = Math.max(1, Math.ceil(found.count / PER_PAGE));
    var page = Math.min(query.page, pages);
    var shown = found.docs.slice((page - 1) * PER_PAGE, page * PER_PAGE);
    return Promise.all(shown.map(function (d) {
      return Promise.all([docRow(meta, d), docText(meta, d)]);
    })).then(function (got) {
      var status = el("p", "search-status");
      status.textContent = (found.exact ? "" : "At least ") + found.count.toLocaleString("en") +
        (found.count === 1 ? " cable" : " cables") + ", by " +
        (query.sort === "date" ? "date (newest first). " : "relevance. ");
      var unsure = Object.keys(found.unsure).length;
      if (unsure) {
        status.textContent += unsure.toLocaleString("en") + (unsure === 1 ? " of them has" : " of them have") +
          " every word of the phrase but may not hold the phrase itself (marked). ";
      }
      var sw = el("a", "search-sort", query.sort === "date" ? "Sort by relevance" : "Sort by date");
      sw.href = href(query, { sort: query.sort === "date" ? "relevance" : "date", page: 1 });
      status.appendChild(sw);
      box.appendChild(status);
      var list = el("ol", "search-results");
      list.start = (page - 1) * PER_PAGE + 1;
      got.forEach(function (g, k) {
        var item = resultItem(g[0], g[1], hit);
        if (found.unsure[shown[k]]) {
          item.classList.add("result-unsure");
          item.appendChild(el("p", "result-note", "Holds every word of the phrase; the phrase itself " +
            "may come later in the text than search keeps (its first " +
            meta.textLimit.toLocaleString("en") + " characters): check the cable."));
        }
        list.appendChild(item);
      });
      box.appendChild(list);
      if (pages > 1) box.appendChild(pager(query, page, pages));
    });
  }
  function pager(query, page, pages) {
    var nav = el("nav", "pager");
    nav.setAttribute("aria-label", "Result pages");
    var list = el("ul");
    var keep = {};
    [1, pages, page - 2, page - 1, page, page + 1, page + 2].forEach(function (n) { keep[n] = 1; });
    var gap = false;
    for (var n = 1; n <= pages; n++) {
      if (!keep[n]) { if (!gap) list.appendChild(el("li", "gap", "\u2026")); gap = true; continue; }
      gap = false;
      var li = el("li");
      if (n === page) { var cur = el("span", "current", String(n)); cur.setAttribute("aria-current", "page"); li.appendChild(cur); }
      else { var a = el("a", "", String(n)); a.href = href(query, { page: n }); li.appendChild(a); }
      list.appendChild(li);
    }
    nav.appendChild(list);
    return nav;
  }
  function fillForm(meta, query) {
    var form = document.getElementById("search-form");
    if (!form) return;
    ["q", "tag", "from", "to"].forEach(function (k) { if (form.elements[k]) form.elements[k].value = query[k]; });
    if (form.elements.sort) form.elements.sort.value = query.sort === "date" ? "date" : "";
    [["origin", "search-origin"], ["classification", "search-classification"]].forEach(function (f) {
      var select = document.getElementById(f[1]);
      if (!select) return;
      Object.keys(meta.facets[f[0]]).sort().forEach(function (v) {
        var o = el("option", "", v); o.value = v; select.appendChild(o);
      });
      select.value = query[f[0]];
    });
    var tags = document.getElementById("search-tags");
    if (tags) Object.keys(meta.facets.tag).sort().forEach(function (v) { var o = el("option"); o.value = v; tags.appendChild(o); });
  }

  function run() {
    var box = document.getElementById("search-output");
    if (!box) return;
    var query = parseQuery(new URLSearchParams(location.search));
    load("meta").then(function (meta) {
      stats.meta = performance.now();
      meta.shardSet = {}; meta.shards.forEach(function (s) { meta.shardSet[s] = 1; });
      meta.stopSet = {}; meta.stop.forEach(function (s) { meta.stopSet[s] = 1; });
      fillForm(meta, query);
      return findIds(meta, query).then(function (ids) {
        if (ids.length === 1) {
          return docRow(meta, ids[0]).then(function (row) { stats.redirect = row[5]; location.replace(root + row[5]); });
        }
        return candidates(meta, query).then(function (c) {
          stats.ranked = performance.now();
          if (c.empty) {
            if (query.q.trim()) box.appendChild(el("p", "search-status", "Only very common words: add a more specific word."));
            stats.done = true;
            return null;
          }
          var need = query.page * PER_PAGE + 1;
          return verify(meta, query, c, need).then(function (v) {
            var pre = ids.length ? Promise.all(ids.map(function (d) { return docRow(meta, d); })) : Promise.resolve([]);
            return pre.then(function (rows) {
              if (rows.length) {
                var p = el("p", "search-ids", "Cables with this number: ");
                rows.forEach(function (r) { var a = el("a", "", r[0]); a.href = root + r[5]; p.appendChild(a); p.appendChild(document.createTextNode(" ")); });
                box.appendChild(p);
              }
              if (!v.docs.length) {
                box.appendChild(el("p", "search-status", "No cable matches."));
                return null;
              }
              return showPage(meta, query, v, box);
            });
          });
        }).then(function () {
          stats.firstResults = performance.now();
          stats.done = true;
        });
      });
    }).catch(function (err) {
      box.appendChild(el("p", "search-error", "Search failed: " + err.message));
      stats.error = err.message;
      stats.done = true;
    });
  }

  window.CablesiteSearch = { register: register, tokens: tokens, words: words, stats: stats };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
