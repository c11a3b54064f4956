#include "tests/bench/soak_report.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace persona::bench {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Least-squares slope of y over x; 0 with fewer than two distinct x.
double Slope(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : 0;
}

// The smallest of 1, 2, 5 x 10^k at least `v` (1 for v <= 0).
double NiceCeiling(double v) {
  if (!(v > 0)) return 1;
  const double scale = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * scale >= v) return m * scale;
  }
  return 10 * scale;
}

// `text` with the characters XML gives a meaning escaped.
std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

struct Series {
  std::string name;
  std::string color;
  std::vector<double> y;
};

// One panel: axes, five horizontal grid lines with labels, the series as
// polylines over x (minutes), and a legend.
std::string Panel(double top, const std::string& label,
                  const std::vector<double>& x, double x_max,
                  const std::vector<Series>& series) {
  constexpr double kLeft = 80, kWidth = 780, kHeight = 170;
  double y_max = 0;
  for (const Series& s : series) {
    for (double v : s.y) y_max = std::max(y_max, v);
  }
  y_max = NiceCeiling(y_max * 1.1);
  std::string out = absl::StrFormat(
      "<text x=\"%g\" y=\"%g\" font-size=\"13\" "
      "font-weight=\"bold\">%s</text>\n",
      kLeft, top - 8, label);
  for (int i = 0; i <= 5; ++i) {
    const double y = top + kHeight - kHeight * i / 5;
    absl::StrAppendFormat(
        &out,
        "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
        "<text x=\"%g\" y=\"%.1f\" font-size=\"11\" "
        "text-anchor=\"end\">%g</text>\n",
        kLeft, y, kLeft + kWidth, y, kLeft - 6, y + 4, y_max * i / 5);
  }
  absl::StrAppendFormat(
      &out,
      "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
      "stroke=\"#444\"/>\n",
      kLeft, top, kWidth, kHeight);
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    std::string points;
    for (size_t i = 0; i < x.size() && i < s.y.size(); ++i) {
      absl::StrAppendFormat(
          &points, "%.1f,%.1f ", kLeft + kWidth * x[i] / x_max,
          top + kHeight - kHeight * std::min(s.y[i], y_max) / y_max);
    }
    absl::StrAppendFormat(
        &out,
        "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
        "points=\"%s\"/>\n"
        "<text x=\"%g\" y=\"%g\" font-size=\"11\" fill=\"%s\">%s</text>\n",
        s.color, points, kLeft + kWidth - 140 + 70 * k, top + 14, s.color,
        s.name);
  }
  return out;
}

}  // namespace

SoakSummary Summarize(const std::vector<SoakWindow>& windows) {
  SoakSummary s;
  if (windows.empty()) return s;
  const double end = windows.back().end_s;
  s.minutes = end / 60;
  for (const SoakWindow& w : windows) {
    s.calls += w.ok;
    s.errors += w.errors;
  }
  s.mean_rate = end > 0 ? s.calls / end : 0;
  std::vector<double> x, rss;
  for (const SoakWindow& w : windows) {
    if (w.end_s < end * 0.2) continue;
    x.push_back(w.end_s / 60);
    rss.push_back(w.rss_mib);
  }
  s.rss_slope_mib_per_min = Slope(x, rss);
  if (!rss.empty()) {
    s.rss_first_mib = rss.front();
    s.rss_last_mib = rss.back();
  }
  const double span = std::min(60.0, end / 5);
  std::vector<double> first, last;
  for (const SoakWindow& w : windows) {
    if (w.ok == 0) continue;
    if (w.end_s <= span + 1e-9) first.push_back(w.p99_ms);
    if (w.end_s > end - span - 1e-9) last.push_back(w.p99_ms);
  }
  s.p99_first_ms = Median(first);
  s.p99_last_ms = Median(last);
  return s;
}

std::string SoakCsv(const std::vector<SoakWindow>& windows) {
  std::string out = "end_s,rate,p50_ms,p99_ms,ok,errors,rss_mib\n";
  for (const SoakWindow& w : windows) {
    absl::StrAppendFormat(&out, "%.1f,%.1f,%.3f,%.3f,%d,%d,%.1f\n", w.end_s,
                          w.rate, w.p50_ms, w.p99_ms, w.ok, w.errors,
                          w.rss_mib);
  }
  return out;
}

std::string SoakSvg(const std::vector<SoakWindow>& windows,
                    const std::string& title) {
  std::vector<double> x;
  Series rate{"calls/s", "#1f77b4", {}}, p50{"p50", "#2ca02c", {}},
      p99{"p99", "#d62728", {}}, rss{"RSS", "#9467bd", {}};
  for (const SoakWindow& w : windows) {
    x.push_back(w.end_s / 60);
    rate.y.push_back(w.rate);
    p50.y.push_back(w.p50_ms);
    p99.y.push_back(w.p99_ms);
    rss.y.push_back(w.rss_mib);
  }
  const double x_max = x.empty() ? 1 : std::max(x.back(), 1e-6);
  std::string out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"720\" "
      "font-family=\"sans-serif\">\n<rect width=\"900\" height=\"720\" "
      "fill=\"white\"/>\n";
  absl::StrAppendFormat(&out,
                        "<text x=\"80\" y=\"24\" font-size=\"15\">%s</text>\n",
                        Escape(title));
  out += Panel(60, "achieved rate (calls/s)", x, x_max, {rate});
  out += Panel(280, "latency of each window (ms)", x, x_max, {p50, p99});
  out += Panel(500, "persona-server RSS (MiB)", x, x_max, {rss});
  for (int i = 0; i <= 10; ++i) {
    absl::StrAppendFormat(&out,
                          "<text x=\"%.1f\" y=\"688\" font-size=\"11\" "
                          "text-anchor=\"middle\">%.3g</text>\n",
                          80 + 780.0 * i / 10, x_max * i / 10);
  }
  out +=
      "<text x=\"470\" y=\"710\" font-size=\"12\" "
      "text-anchor=\"middle\">minutes</text>\n";
  out += "</svg>\n";
  return out;
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace persona::bench
