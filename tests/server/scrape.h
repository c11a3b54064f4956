// Reading Prometheus' text format in tests: every sample by its series
// ("name{label=\"v\",...}" exactly as written), and the # TYPE lines.
#ifndef PERSONA_TESTS_SERVER_SCRAPE_H_
#define PERSONA_TESTS_SERVER_SCRAPE_H_

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

namespace persona::testing {

struct Scrape {
  std::map<std::string, double> samples;  // series -> value
  std::map<std::string, std::string> types;  // metric name -> "counter", "gauge", ...

  explicit Scrape(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# TYPE ", 0) == 0) {
        const std::string rest = line.substr(7);
        const size_t space = rest.find(' ');
        types[rest.substr(0, space)] = rest.substr(space + 1);
        continue;
      }
      if (line.empty() || line[0] == '#') continue;
      const size_t space = line.rfind(' ');
      samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
    }
  }

  bool Has(const std::string& series) const { return samples.count(series) > 0; }
  // The sample's value, or -1 when it is missing.
  double Value(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? -1 : it->second;
  }
};

}  // namespace persona::testing

#endif  // PERSONA_TESTS_SERVER_SCRAPE_H_
