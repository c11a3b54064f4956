// Expected answers of the placement pipeline for the table test
// (pipeline_test.cc), written from docs/RULES.md over the generated catalog
// (pipeline_shop.h): best-seller order, pins, boosts and buries, promotion
// slots, caps and the cap-relaxing fill. For the "popularity" strategy with a
// visitor of no country or preferences, candidates are the best OverFetch
// allowed items, each scored 1 / (60 + rank) by the blend.
// Pure functions over the immutable test shop: thread-safe.
#ifndef PERSONA_TESTS_SERVER_PIPELINE_EXPECT_H_
#define PERSONA_TESTS_SERVER_PIPELINE_EXPECT_H_

#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/server/pipeline_shop.h"

namespace persona::server::pipeline_testing {

// Recommendable items, best seller first.
inline std::vector<int32_t> Sellers() {
  std::vector<int32_t> out;
  for (int32_t i : Shop().popular) {
    if (Shop().Recommendable(i)) out.push_back(i);
  }
  return out;
}
inline int32_t Seller(int rank) { return Sellers()[rank]; }
inline std::string Id(int32_t i) { return Shop().infos[i].id; }
inline const model::ItemInfo& Info(int32_t i) { return Shop().infos[i]; }

using Allows = std::function<bool(int32_t)>;
// The expected answer from the allowed items in best-seller order.
using Exact = std::function<std::vector<int32_t>(
    const std::vector<int32_t>& order, int count)>;

inline int OverFetch(int count) { return std::min(count * 3 + 10, 300); }

inline std::vector<int32_t> Top(const std::vector<int32_t>& order, int count) {
  return {order.begin(), order.begin() + std::min<size_t>(count, order.size())};
}

// Candidates re-ordered by a per-item score factor (factors of 2 and 0.5
// dominate the reciprocal-rank scores of 40 candidates).
inline Exact ByFactor(std::function<double(int32_t)> factor) {
  return [factor](const std::vector<int32_t>& order, int count) {
    std::vector<int32_t> c = Top(order, OverFetch(count));
    std::stable_sort(c.begin(), c.end(), [&](int32_t a, int32_t b) {
      return factor(a) > factor(b);
    });
    return Top(c, count);
  };
}

// Pins first (those allowed), then the best sellers.
inline Exact PinsFirst(std::vector<int32_t> pins) {
  return [pins](const std::vector<int32_t>& order, int count) {
    std::vector<int32_t> out;
    for (int32_t p : pins) {
      if (std::find(order.begin(), order.end(), p) != order.end())
        out.push_back(p);
    }
    for (int32_t i : order) {
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
    return Top(out, count);
  };
}

// Greedy under caps over the candidates (the best OverFetch allowed); short
// of the count, the fill takes the candidates held back and the next best
// sellers, first those within the caps, then the rest in order.
inline Exact Capped(std::vector<std::function<std::string(int32_t)>> keys,
                    int max, std::vector<int32_t> pins = {}) {
  return [=](const std::vector<int32_t>& order, int count) {
    std::vector<std::map<std::string, int>> used(keys.size());
    std::vector<int32_t> out;
    auto taken = [&](int32_t i) {
      return std::find(out.begin(), out.end(), i) != out.end();
    };
    auto fits = [&](int32_t i) {
      for (size_t k = 0; k < keys.size(); ++k) {
        const std::string key = keys[k](i);
        if (!key.empty() && used[k][key] >= max) return false;
      }
      return true;
    };
    auto add = [&](int32_t i) {
      out.push_back(i);
      for (size_t k = 0; k < keys.size(); ++k) ++used[k][keys[k](i)];
    };
    for (int32_t p : pins) add(p);
    for (int32_t i : Top(order, OverFetch(count))) {
      if (static_cast<int>(out.size()) < count && !taken(i) && fits(i)) add(i);
    }
    // The fill sees the held-back candidates and as many best sellers again.
    const std::vector<int32_t> extra = Top(order, 2 * OverFetch(count));
    for (bool relaxed : {false, true}) {
      for (int32_t i : extra) {
        if (static_cast<int>(out.size()) < count && !taken(i) &&
            (relaxed || fits(i)))
          add(i);
      }
    }
    return out;
  };
}
inline std::string BrandKey(int32_t i) { return Info(i).brand; }
inline std::string TopKey(int32_t i) { return Info(i).category_path[0]; }
inline std::string Depth2Key(int32_t i) { return Path(Info(i)); }

// k = ceil(percent * count) promoted matching items at slots j * count / k.
inline Exact Promoted(Allows matches, double percent) {
  return [=](const std::vector<int32_t>& order, int count) {
    const int k = static_cast<int>(std::ceil(percent * count - 1e-9));
    std::vector<int32_t> promoted, rest;
    for (int32_t i : order) {
      (static_cast<int>(promoted.size()) < k && matches(i) ? promoted : rest)
          .push_back(i);
    }
    std::vector<int32_t> out(count, -1);
    for (int j = 0; j < k; ++j) out[j * count / k] = promoted[j];
    size_t r = 0;
    for (int32_t& slot : out) {
      if (slot < 0) slot = rest[r++];
    }
    return out;
  };
}

// Blended score 1 / (60 + rank) times 1 + weight * (value - lo) / (hi - lo).
inline Exact BoostBy(std::function<std::optional<double>(int32_t)> value,
                     double weight) {
  return [=](const std::vector<int32_t>& order, int count) {
    double lo = INFINITY, hi = -INFINITY;
    for (int32_t i = 0; i < kItems; ++i) {
      if (auto v = value(i)) {
        lo = std::min(lo, *v);
        hi = std::max(hi, *v);
      }
    }
    std::vector<std::pair<double, int32_t>> scored;
    const std::vector<int32_t> c = Top(order, OverFetch(count));
    for (size_t r = 0; r < c.size(); ++r) {
      const std::optional<double> v = value(c[r]);
      const double m = v ? 1 + weight * (*v - lo) / (hi - lo) : 1;
      scored.push_back({m / (60.0 + r + 1), c[r]});
    }
    std::stable_sort(
        scored.begin(), scored.end(),
        [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<int32_t> out;
    for (const auto& s : scored) out.push_back(s.second);
    return Top(out, count);
  };
}

inline std::optional<double> Margin(int32_t i) {
  const std::string m = Attr(Info(i), "margin");
  if (m.empty()) return std::nullopt;
  return std::stod(m);
}

}  // namespace persona::server::pipeline_testing

#endif  // PERSONA_TESTS_SERVER_PIPELINE_EXPECT_H_
