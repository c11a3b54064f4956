#include "tests/bench/report.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace persona::bench {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JsonNumber(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.6g", v) : "null";
}

// "-" for a missing figure (negative CPU, zero units).
std::string Cell(double v, const char* format) {
  return v < 0 || !std::isfinite(v) ? "-" : absl::StrFormat(format, v);
}

}  // namespace

std::string DescribeMachine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return absl::StrCat(sysconf(_SC_NPROCESSORS_ONLN), " CPUs, ", model);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return absl::StrCat(a, " ", b, " ", c);
}

Ratio MakeRatio(const std::string& name, const PhaseResult* result,
                const PhaseResult* reference, double target) {
  Ratio ratio{name, std::numeric_limits<double>::quiet_NaN(), target};
  if (result != nullptr && reference != nullptr && result->ok() &&
      reference->ok() && reference->rate() > 0) {
    ratio.value = result->rate() / reference->rate();
  }
  return ratio;
}

void PrintTable(std::FILE* out, const RunInfo& info,
                const std::vector<PhaseResult>& phases,
                const std::vector<Ratio>& ratios) {
  std::fprintf(out,
               "machine: %s\nload average: %s (start), %s (end)\nsettings: "
               "%s\nshop: %s\n\n",
               info.machine.c_str(), info.load_before.c_str(),
               info.load_after.c_str(), info.settings.c_str(),
               info.shop.c_str());
  std::fprintf(out, "%-30s %12s %-9s %9s %9s %9s %10s %8s %8s %8s\n", "phase",
               "rate", "unit", "p50 us", "p99 us", "p99.9 us", "WAL B/ev",
               "cli cpu", "srv cpu", "srv us/u");
  for (const PhaseResult& p : phases) {
    if (!p.error.empty()) {
      std::fprintf(out, "%-30s FAILED: %s\n", p.name.c_str(), p.error.c_str());
      continue;
    }
    const double srv_per_unit = p.server_cpu_s >= 0 && p.units > 0
                                    ? p.server_cpu_s / p.units * 1e6
                                    : -1;
    std::fprintf(
        out, "%-30s %12.0f %-9s %9.0f %9.0f %9.0f %10s %8s %8s %8s\n",
        p.name.c_str(), p.rate(), p.unit.c_str(), p.p50_us, p.p99_us, p.p999_us,
        Cell(p.wal_bytes_per_unit, "%.0f").c_str(),
        Cell(p.seconds > 0 && p.client_cpu_s >= 0 ? p.client_cpu_s / p.seconds
                                                  : -1,
             "%.2f")
            .c_str(),
        Cell(p.seconds > 0 && p.server_cpu_s >= 0 ? p.server_cpu_s / p.seconds
                                                  : -1,
             "%.2f")
            .c_str(),
        Cell(srv_per_unit, "%.1f").c_str());
  }
  std::fprintf(
      out,
      "\n(cpu columns: cores busy during the window; srv us/u: server CPU "
      "microseconds per call or event)\n\n");
  for (const Ratio& r : ratios) {
    if (r.target <= 0) {  // reported for information
      std::fprintf(out, "%-34s %6s   (no target)\n", r.name.c_str(),
                   Cell(r.value, "%.3f").c_str());
      continue;
    }
    std::fprintf(out, "%-34s %6s   target >= %.2f   %s\n", r.name.c_str(),
                 Cell(r.value, "%.3f").c_str(), r.target,
                 std::isfinite(r.value) ? (r.pass() ? "PASS" : "MISS") : "n/a");
  }
}

void PrintJson(std::FILE* out, const RunInfo& info,
               const std::vector<PhaseResult>& phases,
               const std::vector<Ratio>& ratios) {
  std::fprintf(
      out,
      "{\n  \"machine\": %s,\n  \"load_before\": %s,\n  \"load_after\": %s,\n"
      "  \"settings\": %s,\n  \"shop\": %s,\n  \"phases\": [",
      JsonString(info.machine).c_str(), JsonString(info.load_before).c_str(),
      JsonString(info.load_after).c_str(), JsonString(info.settings).c_str(),
      JsonString(info.shop).c_str());
  for (size_t i = 0; i < phases.size(); ++i) {
    const PhaseResult& p = phases[i];
    std::fprintf(
        out,
        "%s\n    {\"name\": %s, \"unit\": %s, \"rate\": %s, \"calls\": %lld, "
        "\"units\": %lld, \"seconds\": %s, \"p50_us\": %s, \"p99_us\": %s, "
        "\"p999_us\": %s, \"wal_bytes_per_unit\": %s, \"client_cpu_s\": %s, "
        "\"server_cpu_s\": %s, \"error\": %s}",
        i == 0 ? "" : ",", JsonString(p.name).c_str(),
        JsonString(p.unit).c_str(), JsonNumber(p.rate()).c_str(),
        static_cast<long long>(p.calls), static_cast<long long>(p.units),
        JsonNumber(p.seconds).c_str(), JsonNumber(p.p50_us).c_str(),
        JsonNumber(p.p99_us).c_str(), JsonNumber(p.p999_us).c_str(),
        JsonNumber(p.wal_bytes_per_unit).c_str(),
        JsonNumber(p.client_cpu_s).c_str(), JsonNumber(p.server_cpu_s).c_str(),
        JsonString(p.error).c_str());
  }
  std::fprintf(out, "\n  ],\n  \"ratios\": [");
  for (size_t i = 0; i < ratios.size(); ++i) {
    const Ratio& r = ratios[i];
    std::fprintf(
        out,
        "%s\n    {\"name\": %s, \"value\": %s, \"target\": %s, \"pass\": %s}",
        i == 0 ? "" : ",", JsonString(r.name).c_str(),
        JsonNumber(r.value).c_str(), JsonNumber(r.target).c_str(),
        std::isfinite(r.value) ? (r.pass() ? "true" : "false") : "null");
  }
  std::fprintf(out, "\n  ]\n}\n");
}

}  // namespace persona::bench
